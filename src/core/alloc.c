/* alloc.c - allocation through the fault seam (see fault.h). */
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "core/fault.h"

void *lv__malloc(size_t n) {
  if (lv__fault_hit(LV_FAULT_ALLOC)) return NULL;
  return malloc(n ? n : 1);
}

void *lv__calloc(size_t n, size_t size) {
  if (lv__fault_hit(LV_FAULT_ALLOC)) return NULL;
  return calloc(n ? n : 1, size ? size : 1);
}

void *lv__aligned_alloc(size_t align, size_t n) {
  void *p;
  if (lv__fault_hit(LV_FAULT_ALLOC)) return NULL;
  return posix_memalign(&p, align, n ? n : 1) == 0 ? p : NULL;
}

void *lv__realloc(void *p, size_t n) {
  if (lv__fault_hit(LV_FAULT_ALLOC)) return NULL; /* p stays valid, as with realloc */
  return realloc(p, n ? n : 1);
}

char *lv__strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = lv__malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}
