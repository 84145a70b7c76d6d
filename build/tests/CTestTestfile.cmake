# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[cli/golden]=] "bash" "/work/main/tests/cli/golden.sh" "/work/main/build/licvault" "/work/main/tests/cli/golden" "/work/main/build/test-tmp/golden")
set_tests_properties([=[cli/golden]=] PROPERTIES  LABELS "cli" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;17;add_test;/work/main/tests/CMakeLists.txt;0;")
