/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(LDB_INSIDE) && !defined(LDB_COMPILATION)
#error "Only <lockdown-broker.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define LDB_TYPE_CALLSITE (ldb_callsite_get_type ())
G_DECLARE_FINAL_TYPE (LdbCallsite, ldb_callsite, LDB, CALLSITE, GObject)

const char *ldb_callsite_get_file           (LdbCallsite *self);
guint       ldb_callsite_get_line           (LdbCallsite *self);
const char *ldb_callsite_get_module         (LdbCallsite *self);
const char *ldb_callsite_get_function       (LdbCallsite *self);
const char *ldb_callsite_get_flags          (LdbCallsite *self);
const char *ldb_callsite_get_previous_flags (LdbCallsite *self);
const char *ldb_callsite_get_format         (LdbCallsite *self);
const char *ldb_callsite_get_class_name     (LdbCallsite *self);
const char *ldb_callsite_get_session        (LdbCallsite *self);

G_END_DECLS
