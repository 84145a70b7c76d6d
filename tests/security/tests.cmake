# Issue #7: no secret of a full demo run in any file, log or output, and no
# core dump of a process holding secrets (docs/secrets.md). Two test-only
# programs: dump_secrets lists the run's secrets through the library's
# internals; scan_secrets (libc only) looks for them in every byte.
add_executable(security_dump_secrets ${CMAKE_CURRENT_LIST_DIR}/dump_secrets.c)
target_link_libraries(security_dump_secrets PRIVATE licvault_static)
add_executable(security_scan_secrets ${CMAKE_CURRENT_LIST_DIR}/scan_secrets.c)
add_test(NAME security/secrets_scan
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/secrets_scan.sh ${CMAKE_BINARY_DIR}
          ${CMAKE_BINARY_DIR}/test-tmp/secrets_scan $<TARGET_FILE:security_dump_secrets>
          $<TARGET_FILE:security_scan_secrets> ${CMAKE_SOURCE_DIR} "${LV_SANITIZE}")
set_tests_properties(security/secrets_scan PROPERTIES LABELS security TIMEOUT 600)
