/* bench_rows.h - the result rows every bench program appends, beside its own
 * table, for bench/run.sh's one table (make bench; docs/performance.md).
 *
 * When LV_BENCH_ROWS names a file, each row is appended to it as one line of
 * tab-separated fields ("-" where a field does not apply):
 *
 *   ROW op size size_unit seconds rate rate_unit peak_mib
 *       baseline baseline_value baseline_unit ratio goal verdict
 *
 * size and rate are plain numbers ("1000000", "35527.123"); the baseline is
 * the one measured in the same run, its value in baseline_unit ("s" for a
 * time, a rate unit for a rate); ratio = this row / baseline, in the sense
 * the goal is written; verdict is "met", "not met" or "-". LV_BENCH_ROWS=-
 * writes the rows to stdout instead. Labels never contain tabs. */
#ifndef LV_BENCH_ROWS_H
#define LV_BENCH_ROWS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bench_row {
  const char *op;                   /* what was timed */
  double size;                      /* how much: licenses, connections */
  const char *size_unit;            /* "licenses", "connections, 10 s" */
  double secs;                      /* wall time of the operation */
  double rate;                      /* throughput */
  const char *rate_unit;            /* "licenses/s", "requests/s" */
  double peak_mib;                  /* peak RSS; < 0: not measured on its own */
  const char *base;                 /* the baseline's name; NULL: none */
  double base_value;                /* the baseline's figure, same run */
  const char *base_unit;            /* "s", "requests/s" */
  double ratio;                     /* < 0: none */
  const char *goal;                 /* NULL: none */
  int met;                          /* 1 met, 0 not met, -1 no goal or not measured */
} bench_row;

/* A row with the common fields and nothing to compare with. */
static inline bench_row bench_row_plain(const char *op, double size, const char *size_unit,
                                        double secs, double rate, const char *rate_unit,
                                        double peak_mib) {
  bench_row r = {op, size, size_unit, secs, rate, rate_unit, peak_mib,
                 NULL, 0, NULL, -1, NULL, -1};
  return r;
}

/* Compares a timed row with a baseline timed in the same run: time over
 * time. */
static inline void bench_row_vs_time(bench_row *r, const char *base, double base_secs) {
  r->base = base;
  r->base_value = base_secs;
  r->base_unit = "s";
  r->ratio = r->secs / base_secs;
}

static inline void bench_row_emit(const bench_row *r) {
  const char *to = getenv("LV_BENCH_ROWS");
  if (!to || !*to) return;
  FILE *f = strcmp(to, "-") ? fopen(to, "a") : stdout;
  if (!f) {
    perror(to);
    return;
  }
  char peak[32] = "-", bval[32] = "-", ratio[32] = "-";
  if (r->peak_mib >= 0) snprintf(peak, sizeof peak, "%.2f", r->peak_mib);
  if (r->base) snprintf(bval, sizeof bval, "%.6f", r->base_value);
  if (r->base && r->ratio >= 0) snprintf(ratio, sizeof ratio, "%.4f", r->ratio);
  fprintf(f, "ROW\t%s\t%.0f\t%s\t%.6f\t%.3f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r->op, r->size,
          r->size_unit, r->secs, r->rate, r->rate_unit, peak, r->base ? r->base : "-", bval,
          r->base ? r->base_unit : "-", ratio, r->goal ? r->goal : "-",
          r->met < 0 ? "-" : r->met ? "met" : "not met");
  if (f == stdout)
    fflush(f);
  else
    fclose(f);
}

#endif
