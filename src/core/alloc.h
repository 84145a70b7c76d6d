/* alloc.h - the allocation seam: every allocation in licvault goes through
 * these so tests can make the k-th one fail. Free with free(). */
#ifndef LV_CORE_ALLOC_H
#define LV_CORE_ALLOC_H

#include <stddef.h>

void *lv__malloc(size_t n);
void *lv__calloc(size_t n, size_t size);
/* realloc through the seam: on failure NULL, and p is untouched. */
void *lv__realloc(void *p, size_t n);
/* n bytes aligned to align (a power of two, a multiple of sizeof(void *)),
 * through the seam: the buffers of direct I/O. */
void *lv__aligned_alloc(size_t align, size_t n);
/* strdup through the seam; NULL in, NULL out. */
char *lv__strdup(const char *s);

#endif
