
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/core/alloc.c" "CMakeFiles/lv_obj.dir/src/core/alloc.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/core/alloc.c.o.d"
  "/work/main/src/core/buf.c" "CMakeFiles/lv_obj.dir/src/core/buf.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/core/buf.c.o.d"
  "/work/main/src/core/encoding.c" "CMakeFiles/lv_obj.dir/src/core/encoding.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/core/encoding.c.o.d"
  "/work/main/src/core/fault.c" "CMakeFiles/lv_obj.dir/src/core/fault.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/core/fault.c.o.d"
  "/work/main/src/core/file.c" "CMakeFiles/lv_obj.dir/src/core/file.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/core/file.c.o.d"
  "/work/main/src/core/parallel.c" "CMakeFiles/lv_obj.dir/src/core/parallel.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/core/parallel.c.o.d"
  "/work/main/src/core/status.c" "CMakeFiles/lv_obj.dir/src/core/status.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/core/status.c.o.d"
  "/work/main/src/core/timeutil.c" "CMakeFiles/lv_obj.dir/src/core/timeutil.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/core/timeutil.c.o.d"
  "/work/main/src/crypto/crypto.c" "CMakeFiles/lv_obj.dir/src/crypto/crypto.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/crypto/crypto.c.o.d"
  "/work/main/src/crypto/keyfile.c" "CMakeFiles/lv_obj.dir/src/crypto/keyfile.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/crypto/keyfile.c.o.d"
  "/work/main/src/license/issuer.c" "CMakeFiles/lv_obj.dir/src/license/issuer.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/license/issuer.c.o.d"
  "/work/main/src/license/license.c" "CMakeFiles/lv_obj.dir/src/license/license.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/license/license.c.o.d"
  "/work/main/src/license/licfile_read.c" "CMakeFiles/lv_obj.dir/src/license/licfile_read.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/license/licfile_read.c.o.d"
  "/work/main/src/license/rights.c" "CMakeFiles/lv_obj.dir/src/license/rights.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/license/rights.c.o.d"
  "/work/main/src/store/store_binding.c" "CMakeFiles/lv_obj.dir/src/store/store_binding.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/store/store_binding.c.o.d"
  "/work/main/src/store/store_check.c" "CMakeFiles/lv_obj.dir/src/store/store_check.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/store/store_check.c.o.d"
  "/work/main/src/store/store_db.c" "CMakeFiles/lv_obj.dir/src/store/store_db.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/store/store_db.c.o.d"
  "/work/main/src/store/store_import.c" "CMakeFiles/lv_obj.dir/src/store/store_import.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/store/store_import.c.o.d"
  "/work/main/src/store/store_open.c" "CMakeFiles/lv_obj.dir/src/store/store_open.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/store/store_open.c.o.d"
  "/work/main/src/store/store_query.c" "CMakeFiles/lv_obj.dir/src/store/store_query.c.o" "gcc" "CMakeFiles/lv_obj.dir/src/store/store_query.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
