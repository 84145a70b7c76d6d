# bench/run.sh's one table (make bench), on this build's bench programs at a
# tiny size, so the table and the programs' result rows cannot rot: one row
# per expected operation, a numeric ratio beside every baseline. Timings are
# not checked. Not in sanitizer builds (the programs fork, spawn sqlite3 and
# restic, and time things; the ordinary build is enough to keep them honest).
if(NOT LV_SANITIZE)
  add_test(NAME bench/smoke
    COMMAND bash ${CMAKE_SOURCE_DIR}/bench/smoke.sh ${CMAKE_BINARY_DIR}
            ${CMAKE_BINARY_DIR}/test-tmp/bench)
  set_tests_properties(bench/smoke PROPERTIES LABELS bench TIMEOUT 180
    ENVIRONMENT "BENCH_N=2000")
endif()
