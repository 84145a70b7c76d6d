/* licvault/licvault.h - the native API of licvault, one include for all.
 * Each module has its own header beside this one; see docs/ARCHITECTURE.md. */
#ifndef LICVAULT_H
#define LICVAULT_H

#include "licvault/backup.h"
#include "licvault/common.h"
#include "licvault/license.h"
#include "licvault/restorer.h"
#include "licvault/status.h"
#include "licvault/store.h"

/* The SDK-compatible API is separate: #include <licvault/wmsdk.h>. */

#endif
