/* licvault/common.h - export and attribute macros shared by every public
 * header. Nothing here allocates or has behaviour. */
#ifndef LICVAULT_COMMON_H
#define LICVAULT_COMMON_H

/* The library is built with -fvisibility=hidden; LV_EXTERN marks the API. */
#if defined(__GNUC__) || defined(__clang__)
#define LV_EXTERN __attribute__((visibility("default")))
#define LV_NODISCARD __attribute__((warn_unused_result))
#else
#define LV_EXTERN
#define LV_NODISCARD
#endif

#define LICVAULT_VERSION_MAJOR 0
#define LICVAULT_VERSION_MINOR 1
#define LICVAULT_VERSION_PATCH 0
#define LICVAULT_VERSION "0.1.0"

#endif
