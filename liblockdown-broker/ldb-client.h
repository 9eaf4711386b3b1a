/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(LDB_INSIDE) && !defined(LDB_COMPILATION)
#error "Only <lockdown-broker.h> can be included directly."
#endif

#include <gio/gio.h>
#include "ldb-enums.h"

G_BEGIN_DECLS

#define LDB_TYPE_CLIENT (ldb_client_get_type ())
G_DECLARE_FINAL_TYPE (LdbClient, ldb_client, LDB, CLIENT, GObject)

void             ldb_client_new_async              (GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
LdbClient       *ldb_client_new_finish             (GAsyncResult        *result,
                                                    GError             **error);
LdbClient       *ldb_client_new_sync               (GCancellable        *cancellable,
                                                    GError             **error);

GDBusConnection *ldb_client_get_connection         (LdbClient *self);
gboolean         ldb_client_get_available          (LdbClient *self);
const char      *ldb_client_get_version            (LdbClient *self);
LdbLockdownMode  ldb_client_get_kernel_lockdown    (LdbClient *self);
LdbLockdownMode  ldb_client_get_mode               (LdbClient *self);
gboolean         ldb_client_get_enforcing          (LdbClient *self);
const char      *ldb_client_get_notice             (LdbClient *self);
GListModel      *ldb_client_get_reasons            (LdbClient *self);
GListModel      *ldb_client_get_exceptions         (LdbClient *self);
LdbCanHibernate  ldb_client_get_can_hibernate      (LdbClient *self);
const char      *ldb_client_get_hibernate_blocker  (LdbClient *self);
const char *const *ldb_client_get_features         (LdbClient *self);
gboolean         ldb_client_has_feature            (LdbClient  *self,
                                                    const char *feature);
const char      *ldb_client_get_notice_code        (LdbClient *self);
const char      *ldb_client_get_hibernate_blocker_code   (LdbClient *self);
const char      *ldb_client_get_hibernate_blocker_device (LdbClient *self);

/* Exceptions */
void     ldb_client_request_exception_async  (LdbClient           *self,
                                              const char * const  *reasons,
                                              guint64              seconds,
                                              LdbScope             scope,
                                              LdbCallFlags         flags,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
guint64  ldb_client_request_exception_finish (LdbClient           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
guint64  ldb_client_request_exception_sync   (LdbClient           *self,
                                              const char * const  *reasons,
                                              guint64              seconds,
                                              LdbScope             scope,
                                              LdbCallFlags         flags,
                                              GCancellable        *cancellable,
                                              GError             **error);

void     ldb_client_release_exception_async  (LdbClient           *self,
                                              guint64              id,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean ldb_client_release_exception_finish (LdbClient           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
gboolean ldb_client_release_exception_sync   (LdbClient           *self,
                                              guint64              id,
                                              GCancellable        *cancellable,
                                              GError             **error);

void     ldb_client_grant_exception_async    (LdbClient           *self,
                                              const char * const  *reasons,
                                              LdbScopeKind         scope_kind,
                                              const char          *scope,
                                              guint64              seconds,
                                              LdbCallFlags         flags,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
guint64  ldb_client_grant_exception_finish   (LdbClient           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
guint64  ldb_client_grant_exception_sync     (LdbClient           *self,
                                              const char * const  *reasons,
                                              LdbScopeKind         scope_kind,
                                              const char          *scope,
                                              guint64              seconds,
                                              LdbCallFlags         flags,
                                              GCancellable        *cancellable,
                                              GError             **error);

void     ldb_client_revoke_exception_async   (LdbClient           *self,
                                              guint64              id,
                                              LdbCallFlags         flags,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean ldb_client_revoke_exception_finish  (LdbClient           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
gboolean ldb_client_revoke_exception_sync    (LdbClient           *self,
                                              guint64              id,
                                              LdbCallFlags         flags,
                                              GCancellable        *cancellable,
                                              GError             **error);

/* Hibernation */
void     ldb_client_hibernate_async          (LdbClient           *self,
                                              LdbCallFlags         flags,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean ldb_client_hibernate_finish         (LdbClient           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
gboolean ldb_client_hibernate_sync           (LdbClient           *self,
                                              LdbCallFlags         flags,
                                              GCancellable        *cancellable,
                                              GError             **error);

/* Dynamic debug */
void       ldb_client_set_debug_async        (LdbClient           *self,
                                              const char          *query,
                                              LdbCallFlags         flags,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GPtrArray *ldb_client_set_debug_finish       (LdbClient           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
GPtrArray *ldb_client_set_debug_sync         (LdbClient           *self,
                                              const char          *query,
                                              LdbCallFlags         flags,
                                              GCancellable        *cancellable,
                                              GError             **error);

void       ldb_client_list_debug_async       (LdbClient           *self,
                                              const char          *filter,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GPtrArray *ldb_client_list_debug_finish      (LdbClient           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
GPtrArray *ldb_client_list_debug_sync        (LdbClient           *self,
                                              const char          *filter,
                                              GCancellable        *cancellable,
                                              GError             **error);

void       ldb_client_reset_debug_async      (LdbClient           *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GPtrArray *ldb_client_reset_debug_finish     (LdbClient           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
GPtrArray *ldb_client_reset_debug_sync       (LdbClient           *self,
                                              GCancellable        *cancellable,
                                              GError             **error);

G_END_DECLS
