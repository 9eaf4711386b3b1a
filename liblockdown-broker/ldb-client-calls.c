/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LdbClient's method calls: each an _async/_finish pair and a _sync form,
 * through the proxy gdbus-codegen generates from the interface XML. */
#include "ldb-private.h"

static GDBusCallFlags
dbus_flags (LdbCallFlags flags)
{
  return (flags & LDB_CALL_FLAGS_INTERACTIVE) ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
                                              : G_DBUS_CALL_FLAGS_NONE;
}

static int
dbus_timeout (LdbCallFlags flags)
{
  return (flags & LDB_CALL_FLAGS_INTERACTIVE) ? LDB_INTERACTIVE_TIMEOUT_MSEC : -1;
}

static GVariant *
empty_options (void)
{
  return g_variant_new ("a{sv}", NULL);
}

/* RequestException's options: "scope" only when it is not the default, so
 * that the call means the same to a broker that predates the option. */
static GVariant *
scope_options (LdbScope scope)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (scope == LDB_SCOPE_CALLER)
    g_variant_builder_add (&builder, "{sv}", "scope", g_variant_new_string ("caller"));
  return g_variant_builder_end (&builder);
}

static LdbBusLockdownBroker1 *
proxy_of (LdbClient *self)
{
  return ldb_proxy_of_client (self);
}

static GTask *
call_task (LdbClient *self, gpointer tag, GCancellable *cancellable,
           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  return task;
}

/* ---- calls that return an exception id ---- */

typedef gboolean (*IdFinish) (LdbBusLockdownBroker1 *, guint64 *, GAsyncResult *, GError **);

static void
on_id_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  IdFinish finish = *(const IdFinish *) g_task_get_task_data (task);
  GError *error = NULL;
  guint64 id = 0;

  if (!finish (LDB_BUS_LOCKDOWN_BROKER1 (source), &id, result, &error))
    {
      ldb_error_fixup (&error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_memdup2 (&id, sizeof id), g_free);
}

static guint64
id_finish (LdbClient *self, GAsyncResult *result, gpointer tag, GError **error)
{
  g_autofree guint64 *id = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, 0);
  id = g_task_propagate_pointer (G_TASK (result), error);
  return id != NULL ? *id : 0;
}

/**
 * ldb_client_request_exception_async:
 * @self: a client
 * @reasons: (array zero-terminated=1): reason names, like "dev-mem"
 * @seconds: how long the exception may last at most
 * @scope: what it covers: the caller's session, or only the caller's scope
 * @flags: %LDB_CALL_FLAGS_INTERACTIVE to let polkit ask the user
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the broker answered
 * @user_data: data for @callback
 *
 * Asks for an exception (RequestException). Only local, active, unlocked
 * user sessions may ask; polkit decides. The exception ends when the session
 * locks, becomes inactive or ends, when it expires, or on release.
 */
void
ldb_client_request_exception_async (LdbClient *self, const char *const *reasons, guint64 seconds,
                                    LdbScope scope, LdbCallFlags flags, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (LDB_IS_CLIENT (self) && proxy_of (self) != NULL);
  g_return_if_fail (reasons != NULL);
  task = call_task (self, ldb_client_request_exception_async, cancellable, callback, user_data);
  {
    static const IdFinish finish = ldb_bus_lockdown_broker1_call_request_exception_finish;
    g_task_set_task_data (task, (gpointer) &finish, NULL);
  }
  ldb_bus_lockdown_broker1_call_request_exception (proxy_of (self), reasons, seconds,
                                                   scope_options (scope), dbus_flags (flags),
                                                   dbus_timeout (flags), cancellable, on_id_done,
                                                   task);
}

/**
 * ldb_client_request_exception_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: the new exception's id, or 0 with @error set
 */
guint64
ldb_client_request_exception_finish (LdbClient *self, GAsyncResult *result, GError **error)
{
  return id_finish (self, result, ldb_client_request_exception_async, error);
}

/**
 * ldb_client_request_exception_sync:
 * @self: a client
 * @reasons: (array zero-terminated=1): reason names
 * @seconds: how long the exception may last at most
 * @scope: what it covers
 * @flags: call flags
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The blocking form of ldb_client_request_exception_async().
 *
 * Returns: the new exception's id, or 0 with @error set
 */
guint64
ldb_client_request_exception_sync (LdbClient *self, const char *const *reasons, guint64 seconds,
                                   LdbScope scope, LdbCallFlags flags, GCancellable *cancellable,
                                   GError **error)
{
  guint64 id = 0;

  g_return_val_if_fail (LDB_IS_CLIENT (self) && proxy_of (self) != NULL, 0);
  g_return_val_if_fail (reasons != NULL, 0);
  if (!ldb_bus_lockdown_broker1_call_request_exception_sync (
        proxy_of (self), reasons, seconds, scope_options (scope), dbus_flags (flags),
        dbus_timeout (flags), &id, cancellable, error))
    {
      ldb_error_fixup (error);
      return 0;
    }
  return id;
}

static const char *
scope_kind_string (LdbScopeKind scope_kind, GError **error)
{
  const char *text = scope_kind != LDB_SCOPE_KIND_UNKNOWN
                     ? ldb_enum_to_string (LDB_TYPE_SCOPE_KIND, scope_kind) : NULL;

  if (text == NULL)
    g_set_error (error, LDB_ERROR, LDB_ERROR_INVALID_ARGUMENT,
                 "%d is not a scope kind an exception can be granted for", scope_kind);
  return text;
}

/**
 * ldb_client_grant_exception_async:
 * @self: a client
 * @reasons: (array zero-terminated=1): reason names
 * @scope_kind: what @scope names (not %LDB_SCOPE_KIND_UNKNOWN)
 * @scope: a systemd unit name, a cgroup path or a logind session id
 * @seconds: how long the exception may last at most
 * @flags: %LDB_CALL_FLAGS_INTERACTIVE to let polkit ask the administrator
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the broker answered
 * @user_data: data for @callback
 *
 * Grants an exception as an administrator (GrantException; polkit action
 * org.freedesktop.LockdownBroker1.manage).
 */
void
ldb_client_grant_exception_async (LdbClient *self, const char *const *reasons,
                                  LdbScopeKind scope_kind, const char *scope, guint64 seconds,
                                  LdbCallFlags flags, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  GError *error = NULL;
  const char *kind;

  g_return_if_fail (LDB_IS_CLIENT (self) && proxy_of (self) != NULL);
  g_return_if_fail (reasons != NULL && scope != NULL);
  task = call_task (self, ldb_client_grant_exception_async, cancellable, callback, user_data);
  kind = scope_kind_string (scope_kind, &error);
  if (kind == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  {
    static const IdFinish finish = ldb_bus_lockdown_broker1_call_grant_exception_finish;
    g_task_set_task_data (task, (gpointer) &finish, NULL);
  }
  ldb_bus_lockdown_broker1_call_grant_exception (proxy_of (self), reasons, kind, scope, seconds,
                                                 empty_options (), dbus_flags (flags),
                                                 dbus_timeout (flags), cancellable, on_id_done,
                                                 task);
}

/**
 * ldb_client_grant_exception_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: the new exception's id, or 0 with @error set
 */
guint64
ldb_client_grant_exception_finish (LdbClient *self, GAsyncResult *result, GError **error)
{
  return id_finish (self, result, ldb_client_grant_exception_async, error);
}

/**
 * ldb_client_grant_exception_sync:
 * @self: a client
 * @reasons: (array zero-terminated=1): reason names
 * @scope_kind: what @scope names
 * @scope: a unit name, cgroup path or session id
 * @seconds: how long the exception may last at most
 * @flags: call flags
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The blocking form of ldb_client_grant_exception_async().
 *
 * Returns: the new exception's id, or 0 with @error set
 */
guint64
ldb_client_grant_exception_sync (LdbClient *self, const char *const *reasons,
                                 LdbScopeKind scope_kind, const char *scope, guint64 seconds,
                                 LdbCallFlags flags, GCancellable *cancellable, GError **error)
{
  guint64 id = 0;
  const char *kind;

  g_return_val_if_fail (LDB_IS_CLIENT (self) && proxy_of (self) != NULL, 0);
  g_return_val_if_fail (reasons != NULL && scope != NULL, 0);
  kind = scope_kind_string (scope_kind, error);
  if (kind == NULL)
    return 0;
  if (!ldb_bus_lockdown_broker1_call_grant_exception_sync (
        proxy_of (self), reasons, kind, scope, seconds, empty_options (), dbus_flags (flags),
        dbus_timeout (flags), &id, cancellable, error))
    {
      ldb_error_fixup (error);
      return 0;
    }
  return id;
}

/* ---- calls that return nothing ---- */

typedef gboolean (*VoidFinish) (LdbBusLockdownBroker1 *, GAsyncResult *, GError **);

static void
on_void_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  VoidFinish finish = *(const VoidFinish *) g_task_get_task_data (task);
  GError *error = NULL;

  if (!finish (LDB_BUS_LOCKDOWN_BROKER1 (source), result, &error))
    {
      ldb_error_fixup (&error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean
void_finish (LdbClient *self, GAsyncResult *result, gpointer tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
void_sync_result (gboolean ok, GError **error)
{
  if (!ok)
    ldb_error_fixup (error);
  return ok;
}

/**
 * ldb_client_release_exception_async:
 * @self: a client
 * @id: the exception's id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the broker answered
 * @user_data: data for @callback
 *
 * Ends an exception early (ReleaseException). Only its holder (same uid and
 * session) may release it.
 */
void
ldb_client_release_exception_async (LdbClient *self, guint64 id, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (LDB_IS_CLIENT (self) && proxy_of (self) != NULL);
  task = call_task (self, ldb_client_release_exception_async, cancellable, callback, user_data);
  {
    static const VoidFinish finish = ldb_bus_lockdown_broker1_call_release_exception_finish;
    g_task_set_task_data (task, (gpointer) &finish, NULL);
  }
  ldb_bus_lockdown_broker1_call_release_exception (proxy_of (self), id, G_DBUS_CALL_FLAGS_NONE,
                                                   -1, cancellable, on_void_done, task);
}

/**
 * ldb_client_release_exception_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
ldb_client_release_exception_finish (LdbClient *self, GAsyncResult *result, GError **error)
{
  return void_finish (self, result, ldb_client_release_exception_async, error);
}

/**
 * ldb_client_release_exception_sync:
 * @self: a client
 * @id: the exception's id
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The blocking form of ldb_client_release_exception_async().
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
ldb_client_release_exception_sync (LdbClient *self, guint64 id, GCancellable *cancellable,
                                   GError **error)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self) && proxy_of (self) != NULL, FALSE);
  return void_sync_result (ldb_bus_lockdown_broker1_call_release_exception_sync (
                             proxy_of (self), id, G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error),
                           error);
}

/**
 * ldb_client_revoke_exception_async:
 * @self: a client
 * @id: the exception's id
 * @flags: %LDB_CALL_FLAGS_INTERACTIVE to let polkit ask the administrator
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the broker answered
 * @user_data: data for @callback
 *
 * Ends an exception (RevokeException). The holder may always revoke their
 * own; anyone else needs org.freedesktop.LockdownBroker1.manage.
 */
void
ldb_client_revoke_exception_async (LdbClient *self, guint64 id, LdbCallFlags flags,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  GTask *task;

  g_return_if_fail (LDB_IS_CLIENT (self) && proxy_of (self) != NULL);
  task = call_task (self, ldb_client_revoke_exception_async, cancellable, callback, user_data);
  {
    static const VoidFinish finish = ldb_bus_lockdown_broker1_call_revoke_exception_finish;
    g_task_set_task_data (task, (gpointer) &finish, NULL);
  }
  ldb_bus_lockdown_broker1_call_revoke_exception (proxy_of (self), id, dbus_flags (flags),
                                                  dbus_timeout (flags), cancellable,
                                                  on_void_done, task);
}

/**
 * ldb_client_revoke_exception_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
ldb_client_revoke_exception_finish (LdbClient *self, GAsyncResult *result, GError **error)
{
  return void_finish (self, result, ldb_client_revoke_exception_async, error);
}

/**
 * ldb_client_revoke_exception_sync:
 * @self: a client
 * @id: the exception's id
 * @flags: call flags
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The blocking form of ldb_client_revoke_exception_async().
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
ldb_client_revoke_exception_sync (LdbClient *self, guint64 id, LdbCallFlags flags,
                                  GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self) && proxy_of (self) != NULL, FALSE);
  return void_sync_result (ldb_bus_lockdown_broker1_call_revoke_exception_sync (
                             proxy_of (self), id, dbus_flags (flags), dbus_timeout (flags),
                             cancellable, error),
                           error);
}

/**
 * ldb_client_hibernate_async:
 * @self: a client
 * @flags: %LDB_CALL_FLAGS_INTERACTIVE to let polkit ask the user
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the broker answered
 * @user_data: data for @callback
 *
 * Checks the image protection and asks logind to hibernate (Hibernate).
 * Fails with %LDB_ERROR_REFUSED, and #LdbClient:hibernate-blocker's text,
 * when the image would not be protected.
 */
void
ldb_client_hibernate_async (LdbClient *self, LdbCallFlags flags, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (LDB_IS_CLIENT (self) && proxy_of (self) != NULL);
  task = call_task (self, ldb_client_hibernate_async, cancellable, callback, user_data);
  {
    static const VoidFinish finish = ldb_bus_lockdown_broker1_call_hibernate_finish;
    g_task_set_task_data (task, (gpointer) &finish, NULL);
  }
  ldb_bus_lockdown_broker1_call_hibernate (proxy_of (self), empty_options (), dbus_flags (flags),
                                           dbus_timeout (flags), cancellable, on_void_done, task);
}

/**
 * ldb_client_hibernate_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE once logind queued the job, or %FALSE with @error set
 */
gboolean
ldb_client_hibernate_finish (LdbClient *self, GAsyncResult *result, GError **error)
{
  return void_finish (self, result, ldb_client_hibernate_async, error);
}

/**
 * ldb_client_hibernate_sync:
 * @self: a client
 * @flags: call flags
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The blocking form of ldb_client_hibernate_async().
 *
 * Returns: %TRUE once logind queued the job, or %FALSE with @error set
 */
gboolean
ldb_client_hibernate_sync (LdbClient *self, LdbCallFlags flags, GCancellable *cancellable,
                           GError **error)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self) && proxy_of (self) != NULL, FALSE);
  return void_sync_result (ldb_bus_lockdown_broker1_call_hibernate_sync (
                             proxy_of (self), empty_options (), dbus_flags (flags),
                             dbus_timeout (flags), cancellable, error),
                           error);
}
