/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(LDB_INSIDE) && !defined(LDB_COMPILATION)
#error "Only <lockdown-broker.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * LDB_ERROR:
 *
 * The error domain of the broker's errors (org.freedesktop.LockdownBroker1.Error.*),
 * plus %LDB_ERROR_NOT_AVAILABLE. Its codes are #LdbError.
 */
#define LDB_ERROR (ldb_error_quark ())

/**
 * LdbError:
 * @LDB_ERROR_FAILED: .Failed: anything else; the message says what
 * @LDB_ERROR_INVALID_ARGUMENT: .InvalidArgument: a reason, scope, duration,
 *   query or option is not acceptable
 * @LDB_ERROR_NOT_AUTHORIZED: .NotAuthorized: polkit said no, or the caller is
 *   not the holder
 * @LDB_ERROR_NO_SESSION: .NoSession: the caller is not in a logind session
 * @LDB_ERROR_SESSION_NOT_ELIGIBLE: .SessionNotEligible: the session is remote,
 *   inactive, locked or not a user session
 * @LDB_ERROR_NOT_FOUND: .NotFound: no such exception
 * @LDB_ERROR_REFUSED: .Refused: valid and authorized, but the system's state
 *   forbids it
 * @LDB_ERROR_NOT_ENFORCING: .NotEnforcing: enforcement is not loaded
 * @LDB_ERROR_CANCELLED: .Cancelled: the caller went away while polkit was
 *   asking
 * @LDB_ERROR_NOT_AVAILABLE: the broker is not on the bus and cannot be
 *   started (not installed, or not running): no D-Bus name carries it
 *
 * The errors of #LdbClient's calls. Every message can be shown to the user as
 * it is. A call cancelled through its #GCancellable fails with
 * %G_IO_ERROR_CANCELLED, as usual in GIO.
 */
typedef enum {
  LDB_ERROR_FAILED,
  LDB_ERROR_INVALID_ARGUMENT,
  LDB_ERROR_NOT_AUTHORIZED,
  LDB_ERROR_NO_SESSION,
  LDB_ERROR_SESSION_NOT_ELIGIBLE,
  LDB_ERROR_NOT_FOUND,
  LDB_ERROR_REFUSED,
  LDB_ERROR_NOT_ENFORCING,
  LDB_ERROR_CANCELLED,
  LDB_ERROR_NOT_AVAILABLE,
} LdbError;

GQuark ldb_error_quark (void);

G_END_DECLS
