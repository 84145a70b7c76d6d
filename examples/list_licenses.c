/* list_licenses.c - the smallest application of the native API: open this
 * computer's license store and print every license's KID and title.
 * Build: cc list_licenses.c $(pkg-config --cflags --libs licvault) */
#include <stdio.h>

#include <licvault/licvault.h>

static int print_one(const lv_license_info *l, void *ctx) {
  (*(unsigned long *)ctx)++;
  printf("%s %s\n", l->kid, l->title);
  return 0; /* keep going */
}

int main(int argc, char **argv) {
  lv_store *store = NULL;
  unsigned long n = 0;
  /* NULL: the defaults ($LICVAULT_STORE, $LICVAULT_MACHINE, XDG folders) */
  lv_status rc = lv_store_open(&store, argc > 1 ? argv[1] : NULL, NULL);
  if (rc == LV_OK) rc = lv_store_list(store, NULL, print_one, &n);
  lv_store_free(store);
  if (rc != LV_OK) {
    fprintf(stderr, "list_licenses: %s (HRESULT 0x%08X)\n", lv_status_str(rc),
            (unsigned)lv_status_to_hresult(rc));
    return 1;
  }
  fprintf(stderr, "%lu licenses\n", n);
  return 0;
}
