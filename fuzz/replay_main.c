/* replay_main.c - runs a libFuzzer harness over every file of its corpus
 * folders, so that each corpus is an ordinary regression test (after zstd). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 4096;
      uint8_t *n = realloc(buf, cap);
      if (!n) {
        fclose(f);
        free(buf);
        return 1;
      }
      buf = n;
    }
    size_t r = fread(buf + len, 1, cap - len, f);
    if (r == 0) break;
    len += r;
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  int n = 0, bad = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) < 0) {
      perror(argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      bad |= run_file(argv[i]);
      n++;
      continue;
    }
    DIR *d = opendir(argv[i]);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      size_t l = strlen(argv[i]) + strlen(e->d_name) + 2;
      char *p = malloc(l);
      if (!p) return 1;
      snprintf(p, l, "%s/%s", argv[i], e->d_name);
      bad |= run_file(p);
      free(p);
      n++;
    }
    if (d) closedir(d);
  }
  printf("replayed %d inputs\n", n);
  if (n == 0) {
    fprintf(stderr, "empty corpus\n");
    return 1;
  }
  return bad;
}
