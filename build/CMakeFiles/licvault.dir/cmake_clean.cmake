file(REMOVE_RECURSE
  "liblicvault.pdb"
  "liblicvault.so"
  "liblicvault.so.0"
  "liblicvault.so.0.1.0"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/licvault.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
