/* cmd_backup.c - `licvault backup` (through the backup restorer object, as
 * an application would: asynchronous, events, Ctrl-C cancels) and
 * `licvault verify` (a set checked without the service). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/timeutil.h"

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig) {
  (void)sig;
  interrupted = 1;
}

typedef struct wait_ctx {
  cli *c;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool ended;
  lv_status final;
  uint64_t done, restricted;
  bool bar;       /* a progress bar is on screen */
  bool restoring, dry_run;
  uint64_t lines; /* per-license lines printed (capped for restore) */
  bool progress;  /* draw one */
  unsigned nrestricted_json;
  uint64_t outcomes[6]; /* restore: by LV_OUTCOME_* */
  char url[1024];
  json_t *licenses; /* restore --json: per-license outcomes */
} wait_ctx;

static void clear_bar(wait_ctx *w) {
  if (w->bar) fputs("\r\033[K", stderr);
  w->bar = false;
}

static void on_event(const lv_event *ev, void *vctx) {
  wait_ctx *w = vctx;
  switch (ev->type) {
  case LV_EV_LICENSE:
    if (ev->outcome >= 1 && ev->outcome <= 5) w->outcomes[ev->outcome]++;
    if (w->licenses) {
      static const char *const names[] = {"", "restore", "already", "limit", "revoked", "present"};
      json_array_append_new(w->licenses,
                            json_pack("{s:s,s:s?,s:s,s:i}", "kid", ev->kid, "title", ev->title,
                                      "outcome", names[ev->outcome], "left", (int)ev->left));
    } else if (w->dry_run && w->lines++ < 20) {
      static const char *const said[] = {"", N_("would be restored"), N_("already on this computer"),
                                         N_("refused: limit reached"), N_("refused: revoked"),
                                         N_("already in this store")};
      clear_bar(w);
      printf(_("%s  %-26s %u computer(s) left  %s\n"), ev->kid, _(said[ev->outcome]), ev->left,
             ev->title ? ev->title : "");
    }
    break;
  case LV_EV_ERROR_WITHURL:
    snprintf(w->url, sizeof w->url, "%s", ev->url);
    break;
  case LV_EV_RESTRICTED:
    clear_bar(w);
    if (w->restoring) {
      if (!w->c->json && !w->dry_run && w->lines++ < 20)
        printf(_("refused by the service: %s%s%s\n"), ev->kid, ev->title ? "  " : "",
               ev->title ? ev->title : "");
    } else if (w->c->json) {
      json_t *j = json_pack("{s:s,s:s?}", "kid", ev->kid, "title", ev->title);
      fputs(w->nrestricted_json++ ? ",\n    " : "\n    ", stdout);
      json_dumpf(j, stdout, JSON_COMPACT);
      json_decref(j);
    } else {
      printf(_("restricted (not backed up, its rights forbid it): %s%s%s\n"), ev->kid,
             ev->title ? "  " : "", ev->title ? ev->title : "");
    }
    break;
  case LV_EV_PROGRESS:
    if (w->progress && ev->total) {
      int pct = (int)(ev->done * 100 / ev->total), fill = pct * 30 / 100;
      fprintf(stderr, "\r[%.*s%*s] %3d%% %llu/%llu", fill, "==============================",
              30 - fill, "", pct, (unsigned long long)ev->done, (unsigned long long)ev->total);
      w->bar = true;
    }
    break;
  case LV_EV_END:
    clear_bar(w);
    pthread_mutex_lock(&w->mu);
    w->ended = true;
    w->final = ev->status;
    w->done = ev->done;
    w->restricted = ev->restricted;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    break;
  default: break;
  }
}

/* Waits for END, turning Ctrl-C into a cancel. */
static void wait_end(wait_ctx *w, lv_restorer *r) {
  bool cancel_sent = false;
  pthread_mutex_lock(&w->mu);
  while (!w->ended) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += 100 * 1000000;
    if (t.tv_nsec >= 1000000000) t.tv_sec++, t.tv_nsec -= 1000000000;
    pthread_cond_timedwait(&w->cv, &w->mu, &t);
    if (interrupted && !cancel_sent) {
      cancel_sent = true;
      lv_restorer_cancel(r);
    }
  }
  pthread_mutex_unlock(&w->mu);
}

static lv_status set_common_props(cli *c, lv_restorer *r) {
  lv_status rc = LV_OK;
  if (c->store_dir) rc = lv_restorer_set_prop(r, LV_PROP_STORE_PATH, c->store_dir);
  if (rc == LV_OK && c->machine_file) rc = lv_restorer_set_prop(r, LV_PROP_MACHINE_PATH, c->machine_file);
  return rc;
}

static void print_set(const char *dir, const lv_backup_info *bi) {
  char t[LV__TIME_STRLEN];
  lv__time_format(t, bi->created);
  printf(_("set: %s, generation %u, %u file(s), %.1f MB, written %s\n"), dir, bi->generation,
         bi->parts, (double)bi->bytes / 1e6, t);
  printf(_("locked to: %s (service key %s); from computer %s\n"), bi->service_url,
         bi->service_key, bi->machine_id);
}

static void verify_report(const char *file, const char *what, lv_status why, void *ctx) {
  json_t *arr = ctx;
  if (arr) {
    json_array_append_new(arr, json_pack("{s:s?,s:s,s:s}", "file", file, "problem", what,
                                         "error", lv_status_name(why)));
    return;
  }
  printf(_("problem: %s: %s\n"), file ? file : "-", what);
}

int cmd_backup(cli *c, int argc, char **argv) {
  static const struct option opts[] = {{"overwrite", no_argument, NULL, 'o'},
                                       {"part-size", required_argument, NULL, 'p'},
                                       {"verify", no_argument, NULL, 'v'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  uint32_t flags = 0;
  const char *part = NULL;
  bool verify = false;
  int o;
  while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (o) {
    case 'o': flags |= LV_BACKUP_OVERWRITE; break;
    case 'p': part = optarg; break;
    case 'v': verify = true; break;
    case 'j': c->json = true; break;
    case 'h':
      printf("%s", _("Usage: licvault backup DIR [--overwrite] [--verify] [--json]\n"
                     "\n"
                     "Backs up every license whose rights allow it to the folder DIR\n"
                     "(a USB stick, say) as an encrypted backup set locked to the pinned\n"
                     "License Management Service: only a restore the service approves\n"
                     "can bring the licenses back. Licenses whose rights forbid backup\n"
                     "are skipped and listed. An existing backup is kept unless\n"
                     "--overwrite; a failed or cancelled (Ctrl-C) backup leaves the old\n"
                     "one intact.\n"
                     "  --overwrite        replace the backup in DIR\n"
                     "  --part-size BYTES  largest set file (default 1073741824)\n"
                     "  --verify           then read the set back from the folder and\n"
                     "                     check every byte, as licvault verify does\n"
                     "  --json             one result object on stdout\n"
                     "Exit status 0 when the backup was written (even with restricted\n"
                     "licenses) and, with --verify, reads back sound; 1 otherwise.\n"));
      return EXIT_OK;
    default: return cli_usage(c, "backup", _("unknown option '%s'"), argv[optind - 1]);
    }
  }
  if (optind != argc - 1) return cli_usage(c, "backup", _("expected one folder"));
  const char *dir = argv[optind];
  if (part) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(part, &end, 10);
    if (errno || *end || end == part || part[0] == '-' || v < 65536 || v > 1073741824ULL)
      return cli_usage(c, "backup", _("--part-size is from 65536 to 1073741824 bytes"));
  }
  struct stat st;
  if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
    fprintf(stderr, _("licvault: %s: not a folder\n"), dir);
    return EXIT_FAIL;
  }
  lv_restorer *r = NULL;
  wait_ctx w = {.c = c, .progress = cli_progress_enabled(c)};
  pthread_mutex_init(&w.mu, NULL);
  pthread_cond_init(&w.cv, NULL);
  lv_status rc = lv_restorer_create(&r);
  if (rc == LV_OK) rc = set_common_props(c, r);
  if (rc == LV_OK) rc = lv_restorer_set_prop(r, LV_PROP_BACKUP_PATH, dir);
  if (rc == LV_OK && part) rc = lv_restorer_set_prop(r, LV_PROP_PART_SIZE, part);
  struct sigaction sa = {0}, old_int, old_term;
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  if (c->json) fputs("{\n  \"restricted\": [", stdout);
  if (rc == LV_OK) rc = lv_restorer_backup(r, flags, on_event, &w);
  if (rc == LV_OK) {
    wait_end(&w, r);
    rc = w.final;
  }
  lv_restorer_free(r);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  lv_backup_info bi;
  /* the summary comes from the manifest just written; reading every byte
   * back is --verify's (the parts were written with direct I/O, so that
   * reads the folder, not what memory kept of it) */
  bool have = rc == LV_OK && lv_backup_info_read(dir, &bi) == LV_OK;
  json_t *problems = verify && c->json ? json_array() : NULL;
  lv_status vrc = LV_OK;
  if (rc == LV_OK && verify) vrc = lv_backup_verify(dir, &bi, verify_report, problems);
  if (c->json) {
    char hr[16];
    snprintf(hr, sizeof hr, "0x%08X", lv_status_to_hresult(rc));
    json_t *j = json_pack("{s:b,s:s,s:I,s:I,s:s,s:s}", "ok", rc == LV_OK, "dir", dir,
                          "licenses", (json_int_t)w.done, "restricted_count",
                          (json_int_t)w.restricted, "status", lv_status_name(rc), "hresult", hr);
    if (rc != LV_OK) json_object_set_new(j, "message", json_string(cli_status_text(rc)));
    if (have) {
      json_object_set_new(j, "generation", json_integer(bi.generation));
      json_object_set_new(j, "files", json_integer(bi.parts));
      json_object_set_new(j, "bytes", json_integer((json_int_t)bi.bytes));
    }
    if (verify && rc == LV_OK) {
      json_object_set_new(j, "verified", json_boolean(vrc == LV_OK));
      json_object_set_new(j, "problems", problems);
      problems = NULL;
    }
    json_decref(problems);
    char *body = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    /* splice the object's fields after the streamed "restricted" array */
    printf("%s,%s\n", w.nrestricted_json ? "\n  ]" : "]", body ? body + 1 : "}");
    free(body);
    return rc == LV_OK && vrc == LV_OK ? EXIT_OK : EXIT_FAIL;
  }
  if (rc < 0) {
    cli_fail(c, rc, dir);
    if (rc == LV_E_CANCELED || rc == LV_E_NOSPACE || rc == LV_E_IO || rc == LV_E_ACCESS)
      fprintf(stderr, "%s", _("licvault: the previous backup in that folder, if any, is intact\n"));
    return EXIT_FAIL;
  }
  printf(_("Backed up %llu licenses to %s"), (unsigned long long)w.done, dir);
  if (w.restricted)
    printf(_(" (%llu not backed up: their rights forbid it)"), (unsigned long long)w.restricted);
  printf("\n");
  if (have) print_set(dir, &bi);
  if (verify && vrc == LV_OK) printf("%s", _("Read back: every file of the set verifies\n"));
  if (verify && vrc != LV_OK) {
    fprintf(stderr, _("licvault: %s: the set was written but does not read back sound (%s)\n"),
            dir, cli_status_text(vrc));
    return EXIT_FAIL;
  }
  return EXIT_OK;
}

int cmd_verify(cli *c, int argc, char **argv) {
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int o;
  while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (o == 'j') c->json = true;
    else if (o == 'h') {
      printf("%s", _("Usage: licvault verify DIR [--json]\n\n"
                     "Checks the backup set in DIR without the service and without the\n"
                     "computer it came from: the manifest's structure and signature,\n"
                     "every byte of every file, and that no file is missing, truncated,\n"
                     "altered or extra. Exit status 1 when anything is wrong.\n"));
      return EXIT_OK;
    } else
      return cli_usage(c, "verify", _("unknown option '%s'"), argv[optind - 1]);
  }
  if (optind != argc - 1) return cli_usage(c, "verify", _("expected one folder"));
  const char *dir = argv[optind];
  json_t *arr = c->json ? json_array() : NULL;
  lv_backup_info bi;
  lv_status rc = lv_backup_verify(dir, &bi, verify_report, arr);
  if (c->json) {
    json_t *j = json_pack("{s:b,s:s,s:o}", "ok", rc == LV_OK, "dir", dir, "problems", arr);
    if (bi.version) {
      char t[LV__TIME_STRLEN];
      lv__time_format(t, bi.created);
      json_object_set_new(j, "licenses", json_integer((json_int_t)bi.licenses));
      json_object_set_new(j, "generation", json_integer(bi.generation));
      json_object_set_new(j, "files", json_integer(bi.parts));
      json_object_set_new(j, "bytes", json_integer((json_int_t)bi.bytes));
      json_object_set_new(j, "created", json_string(t));
      json_object_set_new(j, "machine_id", json_string(bi.machine_id));
      json_object_set_new(j, "service_url", json_string(bi.service_url));
    }
    if (rc != LV_OK) json_object_set_new(j, "error", json_string(lv_status_name(rc)));
    json_dumpf(j, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(j);
    return rc == LV_OK ? EXIT_OK : EXIT_FAIL;
  }
  if (rc == LV_E_NO_FILE) {
    fprintf(stderr, _("licvault: %s: no backup set here (no LVBACKUP.MAN)\n"), dir);
    return EXIT_FAIL;
  }
  if (rc < 0) {
    printf(_("The backup set in %s is NOT sound.\n"), dir);
    return EXIT_FAIL;
  }
  printf(_("Backup set sound: %llu licenses\n"), (unsigned long long)bi.licenses);
  print_set(dir, &bi);
  return EXIT_OK;
}

int cmd_restore(cli *c, int argc, char **argv) {
  static const struct option opts[] = {{"individualize", no_argument, NULL, 'i'},
                                       {"dry-run", no_argument, NULL, 'n'},
                                       {"service-url", required_argument, NULL, 'u'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  uint32_t flags = 0;
  const char *url = NULL;
  int o;
  while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (o) {
    case 'i': flags |= LV_RESTORE_INDIVIDUALIZE; break;
    case 'n': flags |= LV_RESTORE_DRY_RUN; break;
    case 'u': url = optarg; break;
    case 'j': c->json = true; break;
    case 'h':
      printf("%s", _("Usage: licvault restore DIR [--individualize] [--dry-run] [--json]\n"
                     "\n"
                     "Restores the backup set in DIR onto this computer through the\n"
                     "License Management Service the set is locked to. The service\n"
                     "approves each license: at most a few computers per license (the\n"
                     "same computer again is free), never a revoked one. Every license's\n"
                     "issuer signature is checked; the approved ones are imported in one\n"
                     "transaction, with their plays used. A restore can be retried: it\n"
                     "never counts twice.\n"
                     "  --individualize     give this computer an identity first if it has\n"
                     "                      none (trusting the set's issuers and service)\n"
                     "  --dry-run           ask what a restore would do; change nothing\n"
                     "  --service-url URL   reach the service at URL instead of the set's\n"
                     "  --json              one result object on stdout\n"
                     "Exit status 0 when every license is on this computer, 3 when some\n"
                     "were refused (the others are restored), 1 otherwise.\n"));
      return EXIT_OK;
    default: return cli_usage(c, "restore", _("unknown option '%s'"), argv[optind - 1]);
    }
  }
  if (optind != argc - 1) return cli_usage(c, "restore", _("expected one folder"));
  const char *dir = argv[optind];
  lv_restorer *r = NULL;
  wait_ctx w = {.c = c, .progress = cli_progress_enabled(c), .restoring = true,
                .dry_run = flags & LV_RESTORE_DRY_RUN};
  if (c->json) w.licenses = json_array();
  pthread_mutex_init(&w.mu, NULL);
  pthread_cond_init(&w.cv, NULL);
  lv_status rc = lv_restorer_create(&r);
  if (rc == LV_OK) rc = set_common_props(c, r);
  if (rc == LV_OK) rc = lv_restorer_set_prop(r, LV_PROP_RESTORE_PATH, dir);
  if (rc == LV_OK && url) rc = lv_restorer_set_prop(r, LV_PROP_SERVICE_URL, url);
  struct sigaction sa = {0}, old_int, old_term;
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  if (rc == LV_OK) rc = lv_restorer_restore(r, flags, on_event, &w);
  if (rc == LV_OK) {
    wait_end(&w, r);
    rc = w.final;
  }
  lv_restorer_free(r);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  uint64_t *oc = w.outcomes;
  if (!c->json && w.lines > 20)
    printf(_("... and %llu more (--json lists them all)\n"), (unsigned long long)(w.lines - 20));
  if (c->json) {
    char hr[16];
    snprintf(hr, sizeof hr, "0x%08X", lv_status_to_hresult(rc));
    json_t *j = json_pack("{s:b,s:s,s:b,s:s,s:s,s:{s:I,s:I,s:I,s:I,s:I},s:o}", "ok", rc >= 0,
                          "dir", dir, "dry_run", (flags & LV_RESTORE_DRY_RUN) != 0, "status",
                          lv_status_name(rc), "hresult", hr, "counts", "restore",
                          (json_int_t)oc[1], "already", (json_int_t)oc[2], "limit",
                          (json_int_t)oc[3], "revoked", (json_int_t)oc[4], "present",
                          (json_int_t)oc[5], "licenses", w.licenses);
    if (w.url[0]) json_object_set_new(j, "limit_url", json_string(w.url));
    if (rc < 0) json_object_set_new(j, "message", json_string(cli_status_text(rc)));
    json_dumpf(j, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(j);
    return rc == LV_OK ? EXIT_OK : rc > 0 ? 3 : EXIT_FAIL;
  }
  if (rc < 0) {
    cli_fail(c, rc, dir);
    if (rc != LV_E_NEEDS_INDIV && rc != LV_E_NO_FILE)
      fprintf(stderr, "%s", _("licvault: nothing was restored; the store is as it was\n"));
    if (w.url[0]) printf(_("Why, and what to do: %s\n"), w.url);
    return EXIT_FAIL;
  }
  if (flags & LV_RESTORE_DRY_RUN) {
    printf(_("Dry run: %llu would be restored, %llu already here, %llu refused (limit), "
             "%llu refused (revoked), %llu already in this store. Nothing changed.\n"),
           (unsigned long long)oc[1], (unsigned long long)oc[2], (unsigned long long)oc[3],
           (unsigned long long)oc[4], (unsigned long long)oc[5]);
    return EXIT_OK;
  }
  printf(_("Restored %llu licenses from %s"), (unsigned long long)(oc[1] + oc[2]), dir);
  if (oc[5]) printf(_("; %llu were already in this store"), (unsigned long long)oc[5]);
  if (oc[3] + oc[4])
    printf(_("; %llu refused by the service"), (unsigned long long)(oc[3] + oc[4]));
  printf("\n");
  if (w.url[0]) printf(_("Why some were refused, and what to do: %s\n"), w.url);
  return rc == LV_OK ? EXIT_OK : 3;
}
