# Issue #7: the invariant checker as a program, and the crash campaigns that
# use it (make test: 20 kills per command; make check-faults: 200).
add_executable(faults_invcheck ${CMAKE_CURRENT_LIST_DIR}/invcheck.c
               ${CMAKE_CURRENT_LIST_DIR}/../support/invariants.c)
target_include_directories(faults_invcheck PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../support)
target_link_libraries(faults_invcheck PRIVATE licvault_static PkgConfig::SQLITE PkgConfig::SODIUM)
set(LV_CRASH_RUNS 20 CACHE STRING "kills per command in the crash campaign of make test")
add_test(NAME faults/crash_campaign
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/crash_campaign.sh ${CMAKE_BINARY_DIR}
          ${CMAKE_BINARY_DIR}/test-tmp/crash_campaign $<TARGET_FILE:faults_invcheck> ${LV_CRASH_RUNS})
set_tests_properties(faults/crash_campaign PROPERTIES LABELS "faults;crash" TIMEOUT 3600)
