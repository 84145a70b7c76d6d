file(REMOVE_RECURSE
  "CMakeFiles/licvault_cli.dir/src/cli/main.c.o"
  "CMakeFiles/licvault_cli.dir/src/cli/main.c.o.d"
  "licvault"
  "licvault.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/licvault_cli.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
