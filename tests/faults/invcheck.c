/* invcheck.c - the invariant checker (tests/support/invariants.h) as a
 * program, for the crash campaigns (crash_campaign.sh), plus the precise
 * kill they need.
 *
 *   invcheck store MACHINE AFTER BEFORE WANT [MAXSTEP]
 *       AFTER (a store folder) opens, checks clean and equals the store
 *       folder BEFORE or WANT license by license, plays moved by at most
 *       MAXSTEP (default 0). Prints "before" or "want".
 *   invcheck backup DIR NONE_OK LICENSES
 *       DIR holds a set that verifies and carries LICENSES licenses, or (when
 *       NONE_OK is 1) no set and no set file. Prints "set" or "none".
 *   invcheck service DB MAX_COMPUTERS
 *       no license on more than MAX_COMPUTERS computers; prints the grants.
 *   invcheck kill DELAY_US PROGRAM ARGS...
 *       runs PROGRAM, SIGKILLs it DELAY_US microseconds after the fork
 *       (unless it ended first) and prints "killed" or "exited CODE".
 *   invcheck tmpfile DIR
 *       prints "unnamed" when DIR's file system gives unnamed temp files
 *       (O_TMPFILE, with /proc to link them), else "named": then a writer
 *       killed mid-write leaves its temp file until the next write.
 * Exit status: 0 when the invariant holds, 1 with the reason on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "invariants.h"

static int bad(const char *what, const char *why) {
  fprintf(stderr, "invcheck %s: %s\n", what, why);
  return 1;
}

static int cmd_store(int argc, char **argv) {
  if (argc < 6) return bad("store", "usage: store MACHINE AFTER BEFORE WANT [MAXSTEP]");
  const char *machine = argv[2];
  uint32_t step = argc > 6 ? (uint32_t)strtoul(argv[6], NULL, 10) : 0;
  char why[INV_WHY];
  inv_snap after, before, want;
  if (!inv_store_snap(&before, argv[4], machine, why)) return bad("store (before)", why);
  if (!inv_store_snap(&want, argv[5], machine, why)) return bad("store (want)", why);
  if (!inv_store_snap(&after, argv[3], machine, why)) return bad("store", why);
  int which = -1;
  bool ok = inv_store_one_of(&after, &before, &want, step, &which, why);
  inv_snap_free(&after), inv_snap_free(&before), inv_snap_free(&want);
  if (!ok) return bad("store", why);
  puts(which ? "want" : "before");
  return 0;
}

static int cmd_backup(int argc, char **argv) {
  if (argc != 5) return bad("backup", "usage: backup DIR NONE_OK LICENSES");
  char why[INV_WHY];
  inv_set got;
  bool none_ok = !strcmp(argv[3], "1");
  if (!inv_backup_one_of(argv[2], NULL, NULL, none_ok, why)) return bad("backup", why);
  if (!inv_set_of(argv[2], &got)) {
    puts("none");
    return 0;
  }
  unsigned long long want = strtoull(argv[4], NULL, 10);
  if (got.licenses != want) {
    snprintf(why, sizeof why, "the set carries %llu licenses, not %llu",
             (unsigned long long)got.licenses, want);
    return bad("backup", why);
  }
  puts("set");
  return 0;
}

static int cmd_service(int argc, char **argv) {
  if (argc != 4) return bad("service", "usage: service DB MAX_COMPUTERS");
  char why[INV_WHY];
  uint64_t grants = 0;
  if (!inv_service_limits(argv[2], (unsigned)strtoul(argv[3], NULL, 10), &grants, why))
    return bad("service", why);
  printf("%llu\n", (unsigned long long)grants);
  return 0;
}

static int cmd_kill(int argc, char **argv) {
  if (argc < 4) return bad("kill", "usage: kill DELAY_US PROGRAM ARGS...");
  long us = strtol(argv[2], NULL, 10);
  pid_t pid = fork();
  if (pid < 0) return bad("kill", strerror(errno));
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 1), dup2(null, 2);
    execvp(argv[3], argv + 3);
    _exit(127);
  }
  struct timespec t = {us / 1000000, (us % 1000000) * 1000};
  while (nanosleep(&t, &t) < 0 && errno == EINTR) {
  }
  kill(pid, SIGKILL);
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(st)) puts("killed");
  else printf("exited %d\n", WEXITSTATUS(st));
  return 0;
}

static int cmd_tmpfile(int argc, char **argv) {
  if (argc != 3) return 2;
  int fd = -1;
#ifdef O_TMPFILE
  if (access("/proc/self/fd", X_OK) == 0) fd = open(argv[2], O_TMPFILE | O_WRONLY, 0600);
#endif
  puts(fd >= 0 ? "unnamed" : "named");
  if (fd >= 0) close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "store")) return cmd_store(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "backup")) return cmd_backup(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "service")) return cmd_service(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "kill")) return cmd_kill(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "tmpfile")) return cmd_tmpfile(argc, argv);
  fprintf(stderr, "usage: invcheck store|backup|service|kill|tmpfile ... (see invcheck.c)\n");
  return 2;
}
