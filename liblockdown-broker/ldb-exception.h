/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(LDB_INSIDE) && !defined(LDB_COMPILATION)
#error "Only <lockdown-broker.h> can be included directly."
#endif

#include <glib-object.h>
#include "ldb-enums.h"

G_BEGIN_DECLS

#define LDB_TYPE_EXCEPTION (ldb_exception_get_type ())
G_DECLARE_FINAL_TYPE (LdbException, ldb_exception, LDB, EXCEPTION, GObject)

guint64              ldb_exception_get_id             (LdbException *self);
const char *const   *ldb_exception_get_reasons        (LdbException *self);
LdbScopeKind         ldb_exception_get_scope_kind     (LdbException *self);
const char          *ldb_exception_get_scope          (LdbException *self);
guint                ldb_exception_get_holder_uid     (LdbException *self);
const char          *ldb_exception_get_holder_session (LdbException *self);
guint64              ldb_exception_get_expires        (LdbException *self);
LdbOrigin            ldb_exception_get_origin         (LdbException *self);
const char *const   *ldb_exception_get_cgroups        (LdbException *self);
LdbNarrowWhy         ldb_exception_get_narrowed       (LdbException *self);
GVariant            *ldb_exception_get_extra          (LdbException *self);

G_END_DECLS
