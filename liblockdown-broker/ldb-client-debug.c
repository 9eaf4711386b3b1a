/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LdbClient's dynamic debug calls: SetDebug, ListDebug, ResetDebug. */
#include "ldb-private.h"

typedef gboolean (*RowsFinish) (LdbBusLockdownBroker1 *, GVariant **, GAsyncResult *, GError **);

typedef struct {
  RowsFinish finish;
  LdbCallsiteRows kind;
} RowsCall;

static const RowsCall set_call = { ldb_bus_lockdown_broker1_call_set_debug_finish,
                                   LDB_CALLSITE_ROWS_SET };
static const RowsCall list_call = { ldb_bus_lockdown_broker1_call_list_debug_finish,
                                    LDB_CALLSITE_ROWS_LISTING };
static const RowsCall reset_call = { ldb_bus_lockdown_broker1_call_reset_debug_finish,
                                     LDB_CALLSITE_ROWS_RESET };

static void
on_rows_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  const RowsCall *call = g_task_get_task_data (task);
  g_autoptr (GVariant) rows = NULL;
  GError *error = NULL;

  if (!call->finish (LDB_BUS_LOCKDOWN_BROKER1 (source), &rows, result, &error))
    {
      ldb_error_fixup (&error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, ldb_callsites_from_variant (rows, call->kind),
                         (GDestroyNotify) g_ptr_array_unref);
}

static GTask *
rows_task (LdbClient *self, gpointer tag, const RowsCall *call, GCancellable *cancellable,
           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, (gpointer) call, NULL);
  return task;
}

static GPtrArray *
rows_finish (LdbClient *self, GAsyncResult *result, gpointer tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GPtrArray *
rows_sync_result (gboolean ok, GVariant *rows, LdbCallsiteRows kind, GError **error)
{
  g_autoptr (GVariant) owned = rows;

  if (!ok)
    {
      ldb_error_fixup (error);
      return NULL;
    }
  return ldb_callsites_from_variant (owned, kind);
}

/**
 * ldb_client_set_debug_async:
 * @self: a client
 * @query: one dynamic_debug query, like "module foo +p"
 * @flags: %LDB_CALL_FLAGS_INTERACTIVE to let polkit ask the user
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the broker answered
 * @user_data: data for @callback
 *
 * Applies @query for the caller's logind session (SetDebug); the broker puts
 * it back when the session ends, locks or goes inactive.
 */
void
ldb_client_set_debug_async (LdbClient *self, const char *query, LdbCallFlags flags,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  GTask *task;
  LdbCallFlags interactive = flags & LDB_CALL_FLAGS_INTERACTIVE;

  g_return_if_fail (LDB_IS_CLIENT (self) && ldb_proxy_of_client (self) != NULL);
  g_return_if_fail (query != NULL);
  task = rows_task (self, ldb_client_set_debug_async, &set_call, cancellable, callback, user_data);
  ldb_bus_lockdown_broker1_call_set_debug (
    ldb_proxy_of_client (self), query,
    interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION : G_DBUS_CALL_FLAGS_NONE,
    interactive ? LDB_INTERACTIVE_TIMEOUT_MSEC : -1, cancellable, on_rows_done, task);
}

/**
 * ldb_client_set_debug_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type LdbCallsite): the callsites whose
 *   flags changed (#LdbCallsite:previous-flags the old ones), or %NULL with
 *   @error set
 */
GPtrArray *
ldb_client_set_debug_finish (LdbClient *self, GAsyncResult *result, GError **error)
{
  return rows_finish (self, result, ldb_client_set_debug_async, error);
}

/**
 * ldb_client_set_debug_sync:
 * @self: a client
 * @query: one dynamic_debug query
 * @flags: call flags
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The blocking form of ldb_client_set_debug_async().
 *
 * Returns: (transfer container) (element-type LdbCallsite): the callsites whose
 *   flags changed, or %NULL with @error set
 */
GPtrArray *
ldb_client_set_debug_sync (LdbClient *self, const char *query, LdbCallFlags flags,
                           GCancellable *cancellable, GError **error)
{
  GVariant *rows = NULL;
  gboolean interactive = (flags & LDB_CALL_FLAGS_INTERACTIVE) != 0;
  gboolean ok;

  g_return_val_if_fail (LDB_IS_CLIENT (self) && ldb_proxy_of_client (self) != NULL, NULL);
  g_return_val_if_fail (query != NULL, NULL);
  ok = ldb_bus_lockdown_broker1_call_set_debug_sync (
    ldb_proxy_of_client (self), query,
    interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION : G_DBUS_CALL_FLAGS_NONE,
    interactive ? LDB_INTERACTIVE_TIMEOUT_MSEC : -1, &rows, cancellable, error);
  return rows_sync_result (ok, rows, LDB_CALLSITE_ROWS_SET, error);
}

/**
 * ldb_client_list_debug_async:
 * @self: a client
 * @filter: a query without flags, or "" for every callsite
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the broker answered
 * @user_data: data for @callback
 *
 * Lists the callsites @filter selects (ListDebug). Anyone may call it.
 */
void
ldb_client_list_debug_async (LdbClient *self, const char *filter, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (LDB_IS_CLIENT (self) && ldb_proxy_of_client (self) != NULL);
  g_return_if_fail (filter != NULL);
  task = rows_task (self, ldb_client_list_debug_async, &list_call, cancellable, callback,
                    user_data);
  ldb_bus_lockdown_broker1_call_list_debug (ldb_proxy_of_client (self), filter,
                                            G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                            on_rows_done, task);
}

/**
 * ldb_client_list_debug_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type LdbCallsite): the callsites, with
 *   #LdbCallsite:format, #LdbCallsite:class-name and #LdbCallsite:session,
 *   or %NULL with @error set
 */
GPtrArray *
ldb_client_list_debug_finish (LdbClient *self, GAsyncResult *result, GError **error)
{
  return rows_finish (self, result, ldb_client_list_debug_async, error);
}

/**
 * ldb_client_list_debug_sync:
 * @self: a client
 * @filter: a query without flags, or ""
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The blocking form of ldb_client_list_debug_async().
 *
 * Returns: (transfer container) (element-type LdbCallsite): the callsites, or
 *   %NULL with @error set
 */
GPtrArray *
ldb_client_list_debug_sync (LdbClient *self, const char *filter, GCancellable *cancellable,
                            GError **error)
{
  GVariant *rows = NULL;
  gboolean ok;

  g_return_val_if_fail (LDB_IS_CLIENT (self) && ldb_proxy_of_client (self) != NULL, NULL);
  g_return_val_if_fail (filter != NULL, NULL);
  ok = ldb_bus_lockdown_broker1_call_list_debug_sync (ldb_proxy_of_client (self), filter,
                                                      G_DBUS_CALL_FLAGS_NONE, -1, &rows,
                                                      cancellable, error);
  return rows_sync_result (ok, rows, LDB_CALLSITE_ROWS_LISTING, error);
}

/**
 * ldb_client_reset_debug_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the broker answered
 * @user_data: data for @callback
 *
 * Puts back everything the caller's session changed (ResetDebug).
 */
void
ldb_client_reset_debug_async (LdbClient *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (LDB_IS_CLIENT (self) && ldb_proxy_of_client (self) != NULL);
  task = rows_task (self, ldb_client_reset_debug_async, &reset_call, cancellable, callback,
                    user_data);
  ldb_bus_lockdown_broker1_call_reset_debug (ldb_proxy_of_client (self), G_DBUS_CALL_FLAGS_NONE,
                                             -1, cancellable, on_rows_done, task);
}

/**
 * ldb_client_reset_debug_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type LdbCallsite): the callsites
 *   restored (#LdbCallsite:flags now, #LdbCallsite:previous-flags those
 *   replaced), or %NULL with @error set
 */
GPtrArray *
ldb_client_reset_debug_finish (LdbClient *self, GAsyncResult *result, GError **error)
{
  return rows_finish (self, result, ldb_client_reset_debug_async, error);
}

/**
 * ldb_client_reset_debug_sync:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The blocking form of ldb_client_reset_debug_async().
 *
 * Returns: (transfer container) (element-type LdbCallsite): the callsites
 *   restored, or %NULL with @error set
 */
GPtrArray *
ldb_client_reset_debug_sync (LdbClient *self, GCancellable *cancellable, GError **error)
{
  GVariant *rows = NULL;
  gboolean ok;

  g_return_val_if_fail (LDB_IS_CLIENT (self) && ldb_proxy_of_client (self) != NULL, NULL);
  ok = ldb_bus_lockdown_broker1_call_reset_debug_sync (ldb_proxy_of_client (self),
                                                       G_DBUS_CALL_FLAGS_NONE, -1, &rows,
                                                       cancellable, error);
  return rows_sync_result (ok, rows, LDB_CALLSITE_ROWS_RESET, error);
}
