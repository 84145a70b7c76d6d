/* licvault/status.h - the one error model of licvault.
 *
 * Every fallible function returns an lv_status: LV_OK (0) on success, a
 * negative LV_E_* code on failure. Each code has a developer-facing message
 * (lv_status_str) and exactly one HRESULT of the Windows Media Format SDK
 * (lv_status_to_hresult), and the map is invertible (lv_status_from_hresult).
 * Codes are stable: a published value never changes meaning.
 *
 * Thread safety: every function here is pure and may be called from any
 * thread. */
#ifndef LICVAULT_STATUS_H
#define LICVAULT_STATUS_H

#include <stdint.h>

#include "licvault/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Success codes are >= 0 (LV_OK, and LV_S_PARTIAL for a restore that
 * brought back some but not all licenses); failures are < 0.
 * X(name, value, hresult, message) - the single table behind the enum, the
 * messages and the HRESULT map. HRESULT names are in comments; values come
 * from the SDK's nserror.h / winerror.h (see docs/status.md). */
#define LV_STATUS_TABLE(X)                                                     \
  X(LV_OK, 0, 0x00000000u, "success")                                          \
  X(LV_S_PARTIAL, 1, 0x000D1136u, "some licenses were restored, others were "  \
                                  "refused")                                   \
  X(LV_E_INVALID_ARG, -1, 0x80070057u, "invalid argument")                     \
  X(LV_E_NOMEM, -2, 0x8007000Eu, "out of memory")                              \
  X(LV_E_INTERNAL, -3, 0x8000FFFFu, "internal error")                          \
  X(LV_E_IO, -4, 0x80004005u, "input/output error")                            \
  X(LV_E_NOSPACE, -5, 0x80070070u, "no space left on device")                  \
  X(LV_E_NO_FILE, -6, 0x80070002u, "no such file or folder")                   \
  X(LV_E_ACCESS, -7, 0x80070005u, "permission denied")                         \
  X(LV_E_EXISTS, -8, 0x800700B7u, "already exists")                            \
  X(LV_E_NOT_FOUND, -9, 0x80070490u, "no license with that key id")            \
  X(LV_E_POINTER, -10, 0x80004003u, "null pointer")                            \
  X(LV_E_NOINTERFACE, -11, 0x80004002u, "interface not supported")             \
  X(LV_E_NOTIMPL, -12, 0x80004001u, "not implemented")                         \
  X(LV_E_TOO_LARGE, -13, 0x80070018u, "input exceeds a size limit")            \
  X(LV_E_BUSY, -14, 0xC00D2841u, "the license store is locked by another "     \
                                 "process")                                    \
  X(LV_E_LICENSE_CORRUPT, -20, 0xC00D2718u, "license is malformed or "         \
                                            "truncated")                       \
  X(LV_E_LICENSE_VERSION, -21, 0xC00D274Eu, "unsupported format version")      \
  X(LV_E_BAD_SIGNATURE, -22, 0x80090006u, "signature does not verify")         \
  X(LV_E_UNTRUSTED_ISSUER, -23, 0x800B0109u, "license issuer is not trusted "  \
                                             "by this computer")               \
  X(LV_E_WRONG_MACHINE, -24, 0xC00D271Fu, "license was issued to another "     \
                                          "computer")                          \
  X(LV_E_KEY_FILE, -25, 0xC00D2721u, "key file is malformed or of the wrong "  \
                                     "kind")                                   \
  X(LV_E_DECRYPT, -26, 0xC00D2723u, "decryption failed: data altered or "      \
                                    "wrong key")                               \
  X(LV_E_INVALID_MACHINE, -30, 0xC00D2719u, "this license store belongs to "   \
                                            "another computer; move licenses " \
                                            "with backup and restore")         \
  X(LV_E_NEEDS_INDIV, -31, 0xC00D2728u, "this computer has no identity yet "   \
                                        "(individualize it first)")            \
  X(LV_E_ALREADY_INDIV, -32, 0xC00D2729u, "this computer already has an "      \
                                          "identity")                          \
  X(LV_E_STORE_CORRUPT, -33, 0xC00D2712u, "license store is damaged")          \
  X(LV_E_STORE_VERSION, -34, 0xC00D2713u, "license store was written by a "    \
                                          "newer licvault")                    \
  X(LV_E_NO_RIGHTS, -40, 0xC00D2720u, "the license does not grant this right") \
  X(LV_E_EXPIRED, -41, 0xC00D27D8u, "the license has expired")                 \
  X(LV_E_NOT_ENABLED, -42, 0xC00D27D9u, "the license is not valid yet")        \
  X(LV_E_APPSEC_LOW, -43, 0xC00D27DAu, "the license needs a higher "           \
                                       "application security level")           \
  X(LV_E_CLOCK_ROLLBACK, -44, 0xC00D271Au, "the clock was set back; the "      \
                                           "license is disabled")              \
  X(LV_E_INVALID_PROPERTY, -50, 0xC00D2749u, "a required property is not "     \
                                             "set")                            \
  X(LV_E_BACKUP_EXISTS, -51, 0xC00D2742u, "licenses are already backed up "    \
                                          "in this location")                  \
  X(LV_E_BACKUP_CORRUPT, -52, 0xC00D2743u, "the backup is missing parts or "   \
                                           "corrupt")                          \
  X(LV_E_OP_BUSY, -53, 0xC00D2744u, "another backup or restore is in "         \
                                    "progress")                                \
  X(LV_E_CANCELED, -54, 0xC00D2768u, "the operation was canceled")             \
  X(LV_E_RESTORE_FRAUD, -55, 0xC00D2753u, "the license may not be restored "   \
                                          "onto more computers")               \
  X(LV_E_SERVICE_UNAVAILABLE, -56, 0xC00D2846u, "the License Management "      \
                                                "Service is not available")    \
  X(LV_E_BAD_NET_RESP, -57, 0xC00D275Eu, "the License Management Service "     \
                                         "sent an invalid answer")             \
  X(LV_E_NOT_ALL_STORED, -58, 0xC00D275Fu, "some of the licenses could not "   \
                                           "be stored")                        \
  X(LV_E_NO_SERVICE, -59, 0xC00D2762u, "no License Management Service is "     \
                                       "pinned")

typedef enum lv_status {
#define LV__STATUS_ENUM(name, value, hr, msg) name = value,
  LV_STATUS_TABLE(LV__STATUS_ENUM)
#undef LV__STATUS_ENUM
} lv_status;

/* A message for developers' logs; never NULL, also for unknown codes. */
LV_EXTERN const char *lv_status_str(lv_status st);

/* The symbolic name of a code ("LV_E_NOMEM"), or "LV_E_UNKNOWN". */
LV_EXTERN const char *lv_status_name(lv_status st);

/* The SDK HRESULT for a code; unknown codes map to E_UNEXPECTED. */
LV_EXTERN uint32_t lv_status_to_hresult(lv_status st);

/* The code for an SDK HRESULT; 1:1 with lv_status_to_hresult. An HRESULT
 * licvault never returns maps to LV_E_INTERNAL. */
LV_EXTERN lv_status lv_status_from_hresult(uint32_t hr);

/* Iteration over the table for tests and docs: writes the idx-th code to
 * *out and returns LV_OK, or LV_E_NOT_FOUND past the end. */
LV_EXTERN lv_status lv_status_at(lv_status *out, unsigned idx);

#ifdef __cplusplus
}
#endif
#endif
