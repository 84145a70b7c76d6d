file(REMOVE_RECURSE
  "liblicvault_static.a"
  "liblicvault_static.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/licvault_static.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
