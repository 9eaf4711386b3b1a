/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the library's files share and do not export. */
#pragma once

#include "lockdown-broker.h"
#include "ldb-bus.h"

G_BEGIN_DECLS

#define LDB_BUS_NAME "org.freedesktop.LockdownBroker1"
#define LDB_BUS_PATH "/org/freedesktop/LockdownBroker1"

/* A call that may show a polkit dialog waits this long (GDBus's default of
 * 25 s is shorter than a user typing a password). */
#define LDB_INTERACTIVE_TIMEOUT_MSEC (5 * 60 * 1000)

/* The enum value whose nick is `text`, or the enum's 0 (UNKNOWN). */
int ldb_enum_from_string (GType enum_type, const char *text);
/* The nick of `value`, or NULL for a value the enum does not have. */
const char *ldb_enum_to_string (GType enum_type, int value);

LdbNarrowWhy ldb_narrow_why_from_string (const char *why);

void ldb_error_fixup (GError **error);

LdbReason *ldb_reason_new_from_variant (GVariant *row);
LdbException *ldb_exception_new_from_variant (GVariant *row);

typedef enum {
  LDB_CALLSITE_ROWS_SET,     /* SetDebug: (…, old_flags, new_flags) */
  LDB_CALLSITE_ROWS_RESET,   /* ResetDebug: (…, flags_now, flags_replaced) */
  LDB_CALLSITE_ROWS_LISTING, /* ListDebug: (…, flags, format, class, session) */
} LdbCallsiteRows;

GPtrArray *ldb_callsites_from_variant (GVariant *rows, LdbCallsiteRows kind);

/* The generated proxy of a client that finished its initialisation. */
LdbBusLockdownBroker1 *ldb_proxy_of_client (LdbClient *self);

G_END_DECLS
