/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(LDB_INSIDE) && !defined(LDB_COMPILATION)
#error "Only <lockdown-broker.h> can be included directly."
#endif

#include <glib-object.h>
#include "ldb-enums.h"

G_BEGIN_DECLS

#define LDB_TYPE_REASON (ldb_reason_get_type ())
G_DECLARE_FINAL_TYPE (LdbReason, ldb_reason, LDB, REASON, GObject)

const char      *ldb_reason_get_name   (LdbReason *self);
LdbReasonLevel   ldb_reason_get_level  (LdbReason *self);
LdbReasonAction  ldb_reason_get_action (LdbReason *self);

G_END_DECLS
