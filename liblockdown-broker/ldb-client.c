/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LdbClient: the object, its initialisation, properties and signals. The
 * calls are in ldb-client-calls.c. */
#include "ldb-private.h"

/**
 * LdbClient:
 *
 * A client of lockdown-brokerd (`org.freedesktop.LockdownBroker1` on the
 * system bus).
 *
 * Create one with ldb_client_new_async() (or ldb_client_new_sync()); it fails
 * with %LDB_ERROR_NOT_AVAILABLE when the broker is neither running nor
 * activatable. The properties mirror the broker's D-Bus properties and emit
 * `notify::` when the broker says they changed; strings the library does not
 * know become the UNKNOWN value of their enum. #LdbClient:exceptions and
 * #LdbClient:reasons are list models that keep their identity: their items
 * are replaced (one #GListModel::items-changed) and `notify::` is emitted.
 */
struct _LdbClient {
  GObject parent_instance;
  GDBusConnection *connection;
  LdbBusLockdownBroker1 *proxy;
  GListStore *reasons;
  GListStore *exceptions;
};

static void ldb_client_initable_iface_init (GInitableIface *iface);
static void ldb_client_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LdbClient, ldb_client, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, ldb_client_initable_iface_init)
  G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE, ldb_client_async_initable_iface_init))

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_AVAILABLE,
  PROP_VERSION,
  PROP_KERNEL_LOCKDOWN,
  PROP_MODE,
  PROP_ENFORCING,
  PROP_NOTICE,
  PROP_REASONS,
  PROP_EXCEPTIONS,
  PROP_CAN_HIBERNATE,
  PROP_HIBERNATE_BLOCKER,
  PROP_FEATURES,
  PROP_NOTICE_CODE,
  PROP_HIBERNATE_BLOCKER_CODE,
  PROP_HIBERNATE_BLOCKER_DEVICE,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_EXCEPTION_GRANTED,
  SIGNAL_EXCEPTION_REVOKED,
  SIGNAL_EXCEPTION_NARROWED,
  SIGNAL_DENIED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* ---- from the proxy to the client ---- */

static void
replace_items (GListStore *store, GVariant *rows, gpointer (*parse) (GVariant *))
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  if (rows != NULL)
    {
      GVariantIter iter;
      GVariant *row;

      g_variant_iter_init (&iter, rows);
      while ((row = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_ptr_array_add (items, parse (row));
          g_variant_unref (row);
        }
    }
  g_list_store_splice (store, 0, g_list_model_get_n_items (G_LIST_MODEL (store)),
                       items->pdata, items->len);
}

static void
refresh_reasons (LdbClient *self)
{
  replace_items (self->reasons, ldb_bus_lockdown_broker1_get_reasons (self->proxy),
                 (gpointer (*) (GVariant *)) ldb_reason_new_from_variant);
}

static void
refresh_exceptions (LdbClient *self)
{
  replace_items (self->exceptions, ldb_bus_lockdown_broker1_get_exceptions (self->proxy),
                 (gpointer (*) (GVariant *)) ldb_exception_new_from_variant);
}

/* The generated proxy emits notify:: for each property the broker reports
 * changed (PropertiesChanged) under the same name as ours. */
static void
on_proxy_notify (GObject *proxy, GParamSpec *pspec, gpointer user_data)
{
  LdbClient *self = LDB_CLIENT (user_data);
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "g-name-owner"))
    {
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_AVAILABLE]);
      return;
    }
  if (g_str_equal (name, "reasons"))
    refresh_reasons (self);
  else if (g_str_equal (name, "exceptions"))
    refresh_exceptions (self);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (self), name) != NULL)
    g_object_notify (G_OBJECT (self), name);
}

static void
on_exception_granted (LdbBusLockdownBroker1 *proxy, guint64 id, const char *const *reasons,
                      const char *scope_kind, const char *scope, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_EXCEPTION_GRANTED], 0, id, reasons,
                 ldb_enum_from_string (LDB_TYPE_SCOPE_KIND, scope_kind), scope);
}

static void
on_exception_revoked (LdbBusLockdownBroker1 *proxy, guint64 id, const char *why,
                      gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_EXCEPTION_REVOKED], 0, id,
                 ldb_enum_from_string (LDB_TYPE_REVOKE_WHY, why));
}

static void
on_exception_narrowed (LdbBusLockdownBroker1 *proxy, guint64 id, const char *const *cgroups,
                       const char *why, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_EXCEPTION_NARROWED], 0, id, cgroups,
                 ldb_narrow_why_from_string (why));
}

static void
on_denied (LdbBusLockdownBroker1 *proxy, const char *reason, guint pid, const char *comm,
           const char *unit, guint64 count, guint uid, const char *session, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_DENIED], 0, reason, pid, comm, unit, count, uid,
                 session);
}

static void
attach_proxy (LdbClient *self, LdbBusLockdownBroker1 *proxy)
{
  self->proxy = proxy;
  g_signal_connect_object (proxy, "notify", G_CALLBACK (on_proxy_notify), self, 0);
  g_signal_connect_object (proxy, "exception-granted", G_CALLBACK (on_exception_granted), self, 0);
  g_signal_connect_object (proxy, "exception-revoked", G_CALLBACK (on_exception_revoked), self, 0);
  g_signal_connect_object (proxy, "exception-narrowed", G_CALLBACK (on_exception_narrowed), self,
                           0);
  g_signal_connect_object (proxy, "denied", G_CALLBACK (on_denied), self, 0);
  refresh_reasons (self);
  refresh_exceptions (self);
}

/* Only a proxy with an owner of the name has the broker behind it: with
 * none, GDBusProxy succeeds anyway, with no properties. */
static gboolean
check_available (LdbBusLockdownBroker1 *proxy, GError **error)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));

  if (owner != NULL)
    return TRUE;
  g_set_error (error, LDB_ERROR, LDB_ERROR_NOT_AVAILABLE,
               "The lockdown broker (%s) is not available: no one owns the name", LDB_BUS_NAME);
  return FALSE;
}

/* ---- GInitable ---- */

/* A Peer.Ping starts the broker if the bus can activate it, and fails with
 * ServiceUnknown if it cannot: then the broker is not available. */
static gboolean
ldb_client_initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  LdbClient *self = LDB_CLIENT (initable);
  g_autoptr (GVariant) pong = NULL;
  LdbBusLockdownBroker1 *proxy;

  if (self->connection == NULL)
    self->connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, cancellable, error);
  if (self->connection == NULL)
    return FALSE;
  pong = g_dbus_connection_call_sync (self->connection, LDB_BUS_NAME, LDB_BUS_PATH,
                                      "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                      G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error);
  if (pong == NULL)
    {
      ldb_error_fixup (error);
      return FALSE;
    }
  proxy = ldb_bus_lockdown_broker1_proxy_new_sync (self->connection, G_DBUS_PROXY_FLAGS_NONE,
                                                   LDB_BUS_NAME, LDB_BUS_PATH, cancellable,
                                                   error);
  if (proxy == NULL)
    return FALSE;
  if (!check_available (proxy, error))
    {
      g_object_unref (proxy);
      return FALSE;
    }
  attach_proxy (self, proxy);
  return TRUE;
}

static void
ldb_client_initable_iface_init (GInitableIface *iface)
{
  iface->init = ldb_client_initable_init;
}

/* ---- GAsyncInitable: bus, ping, proxy ---- */

static void
on_proxy_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  LdbClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  LdbBusLockdownBroker1 *proxy = ldb_bus_lockdown_broker1_proxy_new_finish (result, &error);

  if (proxy == NULL || !check_available (proxy, &error))
    {
      g_clear_object (&proxy);
      g_task_return_error (task, error);
      return;
    }
  attach_proxy (self, proxy);
  g_task_return_boolean (task, TRUE);
}

static void
on_ping_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  LdbClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr (GVariant) pong = g_dbus_connection_call_finish (self->connection, result, &error);
  GCancellable *cancellable;

  if (pong == NULL)
    {
      ldb_error_fixup (&error);
      g_task_return_error (task, error);
      return;
    }
  /* The cancellable first: the order arguments are evaluated in is not fixed. */
  cancellable = g_task_get_cancellable (task);
  ldb_bus_lockdown_broker1_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_NONE, LDB_BUS_NAME,
                                      LDB_BUS_PATH, cancellable, on_proxy_ready,
                                      g_steal_pointer (&task));
}

static void
ping (GTask *task)
{
  LdbClient *self = g_task_get_source_object (task);

  g_dbus_connection_call (self->connection, LDB_BUS_NAME, LDB_BUS_PATH,
                          "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, g_task_get_cancellable (task),
                          on_ping_done, task);
}

static void
on_bus_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  LdbClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  ping (task);
}

static void
ldb_client_init_async (GAsyncInitable *initable, int io_priority, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  LdbClient *self = LDB_CLIENT (initable);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, ldb_client_init_async);
  g_task_set_priority (task, io_priority);
  if (self->connection == NULL)
    g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, on_bus_ready, task);
  else
    ping (task);
}

static gboolean
ldb_client_init_finish (GAsyncInitable *initable, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ldb_client_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = ldb_client_init_async;
  iface->init_finish = ldb_client_init_finish;
}

/* ---- GObject ---- */

static void
ldb_client_dispose (GObject *object)
{
  LdbClient *self = LDB_CLIENT (object);

  g_clear_object (&self->proxy);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (ldb_client_parent_class)->dispose (object);
}

static void
ldb_client_finalize (GObject *object)
{
  LdbClient *self = LDB_CLIENT (object);

  g_clear_object (&self->reasons);
  g_clear_object (&self->exceptions);
  G_OBJECT_CLASS (ldb_client_parent_class)->finalize (object);
}

static void
ldb_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LdbClient *self = LDB_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTION: g_value_set_object (value, self->connection); break;
    case PROP_AVAILABLE: g_value_set_boolean (value, ldb_client_get_available (self)); break;
    case PROP_VERSION: g_value_set_string (value, ldb_client_get_version (self)); break;
    case PROP_KERNEL_LOCKDOWN: g_value_set_enum (value, ldb_client_get_kernel_lockdown (self)); break;
    case PROP_MODE: g_value_set_enum (value, ldb_client_get_mode (self)); break;
    case PROP_ENFORCING: g_value_set_boolean (value, ldb_client_get_enforcing (self)); break;
    case PROP_NOTICE: g_value_set_string (value, ldb_client_get_notice (self)); break;
    case PROP_REASONS: g_value_set_object (value, self->reasons); break;
    case PROP_EXCEPTIONS: g_value_set_object (value, self->exceptions); break;
    case PROP_CAN_HIBERNATE: g_value_set_enum (value, ldb_client_get_can_hibernate (self)); break;
    case PROP_HIBERNATE_BLOCKER:
      g_value_set_string (value, ldb_client_get_hibernate_blocker (self));
      break;
    case PROP_FEATURES: g_value_set_boxed (value, ldb_client_get_features (self)); break;
    case PROP_NOTICE_CODE: g_value_set_string (value, ldb_client_get_notice_code (self)); break;
    case PROP_HIBERNATE_BLOCKER_CODE:
      g_value_set_string (value, ldb_client_get_hibernate_blocker_code (self));
      break;
    case PROP_HIBERNATE_BLOCKER_DEVICE:
      g_value_set_string (value, ldb_client_get_hibernate_blocker_device (self));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ldb_client_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  LdbClient *self = LDB_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTION: self->connection = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_properties (GObjectClass *object_class)
{
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  /**
   * LdbClient:connection:
   *
   * The bus the broker is on; %NULL at construction means the system bus.
   */
  props[PROP_CONNECTION] = g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                G_PARAM_STATIC_STRINGS);
  /**
   * LdbClient:available:
   *
   * Whether the broker owns its bus name now. While it is %FALSE (the
   * broker restarts, or was stopped), the other properties read as empty.
   */
  props[PROP_AVAILABLE] = g_param_spec_boolean ("available", NULL, NULL, FALSE, ro);
  /**
   * LdbClient:version:
   *
   * The broker's version, like "0.2.0".
   */
  props[PROP_VERSION] = g_param_spec_string ("version", NULL, NULL, "", ro);
  /**
   * LdbClient:kernel-lockdown:
   *
   * The kernel's own lockdown mode. Anything but %LDB_LOCKDOWN_MODE_NONE
   * overrides every exception.
   */
  props[PROP_KERNEL_LOCKDOWN] = g_param_spec_enum ("kernel-lockdown", NULL, NULL,
                                                   LDB_TYPE_LOCKDOWN_MODE,
                                                   LDB_LOCKDOWN_MODE_UNKNOWN, ro);
  /**
   * LdbClient:mode:
   *
   * The broker's configured baseline.
   */
  props[PROP_MODE] = g_param_spec_enum ("mode", NULL, NULL, LDB_TYPE_LOCKDOWN_MODE,
                                        LDB_LOCKDOWN_MODE_UNKNOWN, ro);
  /**
   * LdbClient:enforcing:
   *
   * Whether the BPF LSM program is attached and pinned.
   */
  props[PROP_ENFORCING] = g_param_spec_boolean ("enforcing", NULL, NULL, FALSE, ro);
  /**
   * LdbClient:notice:
   *
   * One sentence for the user when something needs their attention, or "".
   */
  props[PROP_NOTICE] = g_param_spec_string ("notice", NULL, NULL, "", ro);
  /**
   * LdbClient:reasons:
   *
   * The lockdown reasons of the running kernel: a #GListModel of #LdbReason.
   */
  props[PROP_REASONS] = g_param_spec_object ("reasons", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  /**
   * LdbClient:exceptions:
   *
   * The active exceptions: a #GListModel of #LdbException.
   */
  props[PROP_EXCEPTIONS] = g_param_spec_object ("exceptions", NULL, NULL, G_TYPE_LIST_MODEL, ro);
}

/* The hibernation and code properties; the others are in install_properties. */
static void
install_more_properties (GObjectClass *object_class)
{
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  /**
   * LdbClient:can-hibernate:
   *
   * Whether the system can hibernate to a protected image now.
   */
  props[PROP_CAN_HIBERNATE] = g_param_spec_enum ("can-hibernate", NULL, NULL,
                                                 LDB_TYPE_CAN_HIBERNATE,
                                                 LDB_CAN_HIBERNATE_UNKNOWN, ro);
  /**
   * LdbClient:hibernate-blocker:
   *
   * Why #LdbClient:can-hibernate is not %LDB_CAN_HIBERNATE_YES, in one
   * sentence that names the device; "" when it is.
   */
  props[PROP_HIBERNATE_BLOCKER] = g_param_spec_string ("hibernate-blocker", NULL, NULL, "", ro);
  /**
   * LdbClient:features:
   *
   * What the broker implements, like "scope-caller" or "dynamic-debug" (see
   * the interface XML); constant while it runs. Test one with
   * ldb_client_has_feature().
   */
  props[PROP_FEATURES] = g_param_spec_boxed ("features", NULL, NULL, G_TYPE_STRV, ro);
  /**
   * LdbClient:notice-code:
   *
   * A stable word for #LdbClient:notice's first sentence ("not-enforcing",
   * "kernel-lockdown-raised", "part-missing-PART"), for a client to show its
   * own translated text; "" when the notice is "". A code the client does not
   * know falls back to #LdbClient:notice.
   */
  props[PROP_NOTICE_CODE] = g_param_spec_string ("notice-code", NULL, NULL, "", ro);
  /**
   * LdbClient:hibernate-blocker-code:
   *
   * A stable word for #LdbClient:hibernate-blocker's sentence (like
   * "swap-not-encrypted"; the interface XML lists them), "" when hibernation
   * is possible.
   */
  props[PROP_HIBERNATE_BLOCKER_CODE] = g_param_spec_string ("hibernate-blocker-code", NULL, NULL,
                                                            "", ro);
  /**
   * LdbClient:hibernate-blocker-device:
   *
   * The device #LdbClient:hibernate-blocker names, like "/dev/dm-1", or "".
   */
  props[PROP_HIBERNATE_BLOCKER_DEVICE] = g_param_spec_string ("hibernate-blocker-device", NULL,
                                                              NULL, "", ro);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
install_signals (GObjectClass *object_class)
{
  GType type = G_TYPE_FROM_CLASS (object_class);

  /**
   * LdbClient::exception-granted:
   * @self: the client
   * @id: the new exception's id
   * @reasons: (array zero-terminated=1): the reasons it allows
   * @scope_kind: what @scope names
   * @scope: the session id, unit name or cgroup path it covers
   *
   * A new exception is in the kernel.
   */
  signals[SIGNAL_EXCEPTION_GRANTED] =
    g_signal_new ("exception-granted", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_UINT64, G_TYPE_STRV, LDB_TYPE_SCOPE_KIND, G_TYPE_STRING);
  /**
   * LdbClient::exception-revoked:
   * @self: the client
   * @id: the exception's id
   * @why: why it ended
   *
   * An exception is gone from the kernel.
   */
  signals[SIGNAL_EXCEPTION_REVOKED] =
    g_signal_new ("exception-revoked", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT64, LDB_TYPE_REVOKE_WHY);
  /**
   * LdbClient::exception-narrowed:
   * @self: the client
   * @id: the exception's id
   * @cgroups: (array zero-terminated=1): the cgroups it covers now
   * @why: why it covers less
   *
   * An exception covers fewer cgroups; already so in the kernel.
   */
  signals[SIGNAL_EXCEPTION_NARROWED] =
    g_signal_new ("exception-narrowed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_STRV, LDB_TYPE_NARROW_WHY);
  /**
   * LdbClient::denied:
   * @self: the client
   * @reason: the reason the kernel refused, like "dev-mem"
   * @pid: the process refused
   * @comm: its command name
   * @unit: its systemd unit
   * @count: how many refusals of that process and reason this stands for
   * @uid: the process's uid
   * @session: its logind session id, "" when it is in none (a service, or
   *   the user's user@UID.service)
   *
   * The kernel refused a reason to a process. Coalesced and rate-limited by
   * the broker; the journal has every record. A session agent picks out its
   * own with @uid and @session.
   */
  signals[SIGNAL_DENIED] =
    g_signal_new ("denied", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 7,
                  G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64,
                  G_TYPE_UINT, G_TYPE_STRING);
}

static void
ldb_client_class_init (LdbClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ldb_client_dispose;
  object_class->finalize = ldb_client_finalize;
  object_class->get_property = ldb_client_get_property;
  object_class->set_property = ldb_client_set_property;
  install_properties (object_class);
  install_more_properties (object_class);
  install_signals (object_class);
  /* Registers the broker's error names before the first call can fail. */
  g_type_ensure (G_TYPE_DBUS_CONNECTION);
  (void) ldb_error_quark ();
}

static void
ldb_client_init (LdbClient *self)
{
  self->reasons = g_list_store_new (LDB_TYPE_REASON);
  self->exceptions = g_list_store_new (LDB_TYPE_EXCEPTION);
}

/* ---- public ---- */

/**
 * ldb_client_new_async:
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the client is ready or failed
 * @user_data: data for @callback
 *
 * Connects to the broker on the system bus, starting it if the bus can, and
 * reads its properties.
 */
void
ldb_client_new_async (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_async_initable_new_async (LDB_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, NULL);
}

/**
 * ldb_client_new_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 *   (%LDB_ERROR_NOT_AVAILABLE when the broker is not there)
 */
LdbClient *
ldb_client_new_finish (GAsyncResult *result, GError **error)
{
  g_autoptr (GObject) source = g_async_result_get_source_object (result);

  return LDB_CLIENT (g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error));
}

/**
 * ldb_client_new_sync:
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The blocking form of ldb_client_new_async().
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
LdbClient *
ldb_client_new_sync (GCancellable *cancellable, GError **error)
{
  return g_initable_new (LDB_TYPE_CLIENT, cancellable, error, NULL);
}

LdbBusLockdownBroker1 *
ldb_proxy_of_client (LdbClient *self)
{
  return self->proxy;
}

static const char *
or_empty (const char *text)
{
  return text != NULL ? text : "";
}

/**
 * ldb_client_get_connection:
 * @self: a client
 *
 * Returns: (transfer none) (nullable): the bus connection
 */
GDBusConnection *
ldb_client_get_connection (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), NULL);
  return self->connection;
}

/**
 * ldb_client_get_available:
 * @self: a client
 *
 * Returns: whether the broker owns its bus name now
 */
gboolean
ldb_client_get_available (LdbClient *self)
{
  g_autofree char *owner = NULL;

  g_return_val_if_fail (LDB_IS_CLIENT (self), FALSE);
  if (self->proxy == NULL)
    return FALSE;
  owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->proxy));
  return owner != NULL;
}

/**
 * ldb_client_get_version:
 * @self: a client
 *
 * Returns: the broker's version, "" while it is not available
 */
const char *
ldb_client_get_version (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), "");
  return self->proxy ? or_empty (ldb_bus_lockdown_broker1_get_version (self->proxy)) : "";
}

/**
 * ldb_client_get_kernel_lockdown:
 * @self: a client
 *
 * Returns: the kernel's own lockdown mode
 */
LdbLockdownMode
ldb_client_get_kernel_lockdown (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), LDB_LOCKDOWN_MODE_UNKNOWN);
  if (self->proxy == NULL)
    return LDB_LOCKDOWN_MODE_UNKNOWN;
  return ldb_enum_from_string (LDB_TYPE_LOCKDOWN_MODE,
                               ldb_bus_lockdown_broker1_get_kernel_lockdown (self->proxy));
}

/**
 * ldb_client_get_mode:
 * @self: a client
 *
 * Returns: the broker's configured baseline
 */
LdbLockdownMode
ldb_client_get_mode (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), LDB_LOCKDOWN_MODE_UNKNOWN);
  if (self->proxy == NULL)
    return LDB_LOCKDOWN_MODE_UNKNOWN;
  return ldb_enum_from_string (LDB_TYPE_LOCKDOWN_MODE,
                               ldb_bus_lockdown_broker1_get_mode (self->proxy));
}

/**
 * ldb_client_get_enforcing:
 * @self: a client
 *
 * Returns: whether the BPF LSM program is attached and pinned
 */
gboolean
ldb_client_get_enforcing (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), FALSE);
  return self->proxy != NULL && ldb_bus_lockdown_broker1_get_enforcing (self->proxy);
}

/**
 * ldb_client_get_notice:
 * @self: a client
 *
 * Returns: one sentence for the user, or ""
 */
const char *
ldb_client_get_notice (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), "");
  return self->proxy ? or_empty (ldb_bus_lockdown_broker1_get_notice (self->proxy)) : "";
}

/**
 * ldb_client_get_reasons:
 * @self: a client
 *
 * Returns: (transfer none): a #GListModel of #LdbReason
 */
GListModel *
ldb_client_get_reasons (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), NULL);
  return G_LIST_MODEL (self->reasons);
}

/**
 * ldb_client_get_exceptions:
 * @self: a client
 *
 * Returns: (transfer none): a #GListModel of #LdbException
 */
GListModel *
ldb_client_get_exceptions (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), NULL);
  return G_LIST_MODEL (self->exceptions);
}

/**
 * ldb_client_get_can_hibernate:
 * @self: a client
 *
 * Returns: whether the system can hibernate to a protected image now
 */
LdbCanHibernate
ldb_client_get_can_hibernate (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), LDB_CAN_HIBERNATE_UNKNOWN);
  if (self->proxy == NULL)
    return LDB_CAN_HIBERNATE_UNKNOWN;
  return ldb_enum_from_string (LDB_TYPE_CAN_HIBERNATE,
                               ldb_bus_lockdown_broker1_get_can_hibernate (self->proxy));
}

/**
 * ldb_client_get_hibernate_blocker:
 * @self: a client
 *
 * Returns: why hibernation is not possible, or ""
 */
const char *
ldb_client_get_hibernate_blocker (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), "");
  return self->proxy ? or_empty (ldb_bus_lockdown_broker1_get_hibernate_blocker (self->proxy)) : "";
}

/**
 * ldb_client_get_features:
 * @self: a client
 *
 * Returns: (transfer none) (array zero-terminated=1): what the broker
 *   implements (empty while it is not available, or for a broker older than
 *   the property)
 */
const char *const *
ldb_client_get_features (LdbClient *self)
{
  static const char *const none[] = { NULL };
  const char *const *features;

  g_return_val_if_fail (LDB_IS_CLIENT (self), none);
  features = self->proxy ? ldb_bus_lockdown_broker1_get_features (self->proxy) : NULL;
  return features != NULL ? features : none;
}

/**
 * ldb_client_has_feature:
 * @self: a client
 * @feature: a word of #LdbClient:features, like "scope-caller"
 *
 * Returns: whether the broker implements @feature
 */
gboolean
ldb_client_has_feature (LdbClient *self, const char *feature)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (feature != NULL, FALSE);
  return g_strv_contains (ldb_client_get_features (self), feature);
}

/**
 * ldb_client_get_notice_code:
 * @self: a client
 *
 * Returns: the code of the notice's first sentence, or ""
 */
const char *
ldb_client_get_notice_code (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), "");
  return self->proxy ? or_empty (ldb_bus_lockdown_broker1_get_notice_code (self->proxy)) : "";
}

/**
 * ldb_client_get_hibernate_blocker_code:
 * @self: a client
 *
 * Returns: the code of the hibernate blocker's sentence, or ""
 */
const char *
ldb_client_get_hibernate_blocker_code (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), "");
  return self->proxy
         ? or_empty (ldb_bus_lockdown_broker1_get_hibernate_blocker_code (self->proxy)) : "";
}

/**
 * ldb_client_get_hibernate_blocker_device:
 * @self: a client
 *
 * Returns: the device the hibernate blocker names, or ""
 */
const char *
ldb_client_get_hibernate_blocker_device (LdbClient *self)
{
  g_return_val_if_fail (LDB_IS_CLIENT (self), "");
  return self->proxy
         ? or_empty (ldb_bus_lockdown_broker1_get_hibernate_blocker_device (self->proxy)) : "";
}
