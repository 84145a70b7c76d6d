#----------------------------------------------------------------
# Generated CMake target import file for configuration "RelWithDebInfo".
#----------------------------------------------------------------

# Commands may need to know the format version.
set(CMAKE_IMPORT_FILE_VERSION 1)

# Import target "licvault::licvault" for configuration "RelWithDebInfo"
set_property(TARGET licvault::licvault APPEND PROPERTY IMPORTED_CONFIGURATIONS RELWITHDEBINFO)
set_target_properties(licvault::licvault PROPERTIES
  IMPORTED_LOCATION_RELWITHDEBINFO "${_IMPORT_PREFIX}/lib/liblicvault.so.0.1.0"
  IMPORTED_SONAME_RELWITHDEBINFO "liblicvault.so.0"
  )

list(APPEND _cmake_import_check_targets licvault::licvault )
list(APPEND _cmake_import_check_files_for_licvault::licvault "${_IMPORT_PREFIX}/lib/liblicvault.so.0.1.0" )

# Commands beyond this point should not need to know the version.
set(CMAKE_IMPORT_FILE_VERSION)
