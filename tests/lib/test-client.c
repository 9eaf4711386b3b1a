/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LdbClient against tests/dbusmock/lockdown_broker.py on a private bus (a
 * GTestDBus bus, used as the system bus). Each case starts its own mock. */
#include <lockdown-broker.h>

typedef struct {
  GSubprocess *mock;
  GDBusConnection *bus;
  LdbClient *client;
} Fixture;

#define WAIT_SECONDS 10

static gboolean
broker_answers (GDBusConnection *bus)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
    bus, "org.freedesktop.LockdownBroker1", "/org/freedesktop/LockdownBroker1",
    "org.freedesktop.DBus.Peer", "Ping", NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 1000, NULL,
    NULL);
  return reply != NULL;
}

static void
start_mock (Fixture *f, const char *parameters)
{
  g_autoptr (GError) error = NULL;
  const char *template_path = g_getenv ("LDB_DBUSMOCK_TEMPLATE");
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  g_assert_nonnull (template_path);
  f->mock = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "/usr/bin/python3", "-m",
                              "dbusmock", "--system", "--template", template_path, "--parameters",
                              parameters ? parameters : "{}", NULL);
  g_assert_no_error (error);
  while (!broker_answers (f->bus))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
}

static void
stop_mock (Fixture *f)
{
  if (f->mock == NULL)
    return;
  g_subprocess_send_signal (f->mock, SIGTERM);
  g_subprocess_wait (f->mock, NULL, NULL);
  g_clear_object (&f->mock);
  while (broker_answers (f->bus))
    g_usleep (20 * 1000);
}

static void
mock_call (Fixture *f, const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
    f->bus, "org.freedesktop.LockdownBroker1", "/org/freedesktop/LockdownBroker1",
    "org.freedesktop.DBus.Mock", method, args, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static void
mock_set (Fixture *f, const char *property, GVariant *value)
{
  GVariantBuilder props;

  g_variant_builder_init (&props, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&props, "{sv}", property, value);
  mock_call (f, "UpdateProperties",
             g_variant_new ("(sa{sv})", "org.freedesktop.LockdownBroker1", &props));
}

static void
setup_bus (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  g_assert_no_error (error);
}

static void
setup (Fixture *f, gconstpointer parameters)
{
  g_autoptr (GError) error = NULL;

  setup_bus (f, NULL);
  start_mock (f, parameters);
  f->client = ldb_client_new_sync (NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->client);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  stop_mock (f);
  g_clear_object (&f->bus);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (*slot == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return *slot;
}

/* ---- cases ---- */

static void
test_not_available_sync (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LdbClient) client = ldb_client_new_sync (NULL, &error);

  g_assert_null (client);
  g_assert_error (error, LDB_ERROR, LDB_ERROR_NOT_AVAILABLE);
  g_assert_nonnull (strstr (error->message, "org.freedesktop.LockdownBroker1"));
}

static void
test_not_available_async (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (LdbClient) client = NULL;

  ldb_client_new_async (NULL, store_result, &result);
  client = ldb_client_new_finish (wait_result (&result), &error);
  g_assert_null (client);
  g_assert_error (error, LDB_ERROR, LDB_ERROR_NOT_AVAILABLE);
}

static void
test_new_async (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (LdbClient) client = NULL;

  start_mock (f, NULL);
  ldb_client_new_async (NULL, store_result, &result);
  client = ldb_client_new_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (ldb_client_get_available (client));
  g_assert_cmpstr (ldb_client_get_version (client), ==, "0.1.0");
  g_assert_cmpuint (g_list_model_get_n_items (ldb_client_get_reasons (client)), ==, 7);
}

static const char props_params[] =
  "{\"Version\": \"9.8.7\", \"Mode\": \"confidentiality\", \"KernelLockdown\": \"integrity\","
  " \"Enforcing\": false, \"Notice\": \"Look here.\", \"CanHibernate\": \"yes\","
  " \"HibernateBlocker\": \"\", \"NoticeCode\": \"part-missing-cgroup-fence\","
  " \"HibernateBlockerCode\": \"\", \"HibernateBlockerDevice\": \"\","
  " \"Features\": [\"scope-caller\", \"codes\", \"from-the-future\"],"
  " \"Reasons\": [[\"dev-mem\", \"integrity\", \"deny\"], [\"kcore\", \"confidentiality\", \"audit\"]]}";

static void
test_properties (Fixture *f, gconstpointer data)
{
  GListModel *reasons = ldb_client_get_reasons (f->client);
  g_autoptr (LdbReason) first = NULL;
  g_autoptr (LdbReason) second = NULL;
  LdbLockdownMode mode;

  g_assert_cmpstr (ldb_client_get_version (f->client), ==, "9.8.7");
  g_assert_cmpint (ldb_client_get_mode (f->client), ==, LDB_LOCKDOWN_MODE_CONFIDENTIALITY);
  g_assert_cmpint (ldb_client_get_kernel_lockdown (f->client), ==, LDB_LOCKDOWN_MODE_INTEGRITY);
  g_assert_false (ldb_client_get_enforcing (f->client));
  g_assert_cmpstr (ldb_client_get_notice (f->client), ==, "Look here.");
  g_assert_cmpint (ldb_client_get_can_hibernate (f->client), ==, LDB_CAN_HIBERNATE_YES);
  g_assert_cmpstr (ldb_client_get_hibernate_blocker (f->client), ==, "");
  g_assert_cmpstr (ldb_client_get_notice_code (f->client), ==, "part-missing-cgroup-fence");
  g_assert_cmpstr (ldb_client_get_hibernate_blocker_code (f->client), ==, "");
  g_assert_cmpstrv (ldb_client_get_features (f->client),
                    ((const char *const[]) { "scope-caller", "codes", "from-the-future", NULL }));
  g_assert_true (ldb_client_has_feature (f->client, "scope-caller"));
  g_assert_false (ldb_client_has_feature (f->client, "dynamic-debug"));
  g_assert_cmpuint (g_list_model_get_n_items (reasons), ==, 2);
  g_assert_true (g_list_model_get_item_type (reasons) == LDB_TYPE_REASON);
  first = g_list_model_get_item (reasons, 0);
  second = g_list_model_get_item (reasons, 1);
  g_assert_cmpstr (ldb_reason_get_name (first), ==, "dev-mem");
  g_assert_cmpint (ldb_reason_get_level (first), ==, LDB_REASON_LEVEL_INTEGRITY);
  g_assert_cmpint (ldb_reason_get_action (first), ==, LDB_REASON_ACTION_DENY);
  g_assert_cmpint (ldb_reason_get_level (second), ==, LDB_REASON_LEVEL_CONFIDENTIALITY);
  g_assert_cmpint (ldb_reason_get_action (second), ==, LDB_REASON_ACTION_AUDIT);
  /* The same through GObject properties, as bindings read them. */
  g_object_get (f->client, "mode", &mode, NULL);
  g_assert_cmpint (mode, ==, LDB_LOCKDOWN_MODE_CONFIDENTIALITY);
}

static void
log_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (pspec->name));
}

static gboolean
logged (GPtrArray *names, const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (g_str_equal (names->pdata[i], name))
      return TRUE;
  return FALSE;
}

static void
wait_logged (GPtrArray *names, const char *name)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (!logged (names, name))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
test_notify (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_signal_connect (f->client, "notify", G_CALLBACK (log_notify), names);
  mock_set (f, "Mode", g_variant_new_string ("confidentiality"));
  wait_logged (names, "mode");
  g_assert_cmpint (ldb_client_get_mode (f->client), ==, LDB_LOCKDOWN_MODE_CONFIDENTIALITY);
  mock_set (f, "KernelLockdown", g_variant_new_string ("integrity"));
  wait_logged (names, "kernel-lockdown");
  g_assert_cmpint (ldb_client_get_kernel_lockdown (f->client), ==, LDB_LOCKDOWN_MODE_INTEGRITY);
  mock_set (f, "Enforcing", g_variant_new_boolean (FALSE));
  wait_logged (names, "enforcing");
  g_assert_false (ldb_client_get_enforcing (f->client));
  mock_set (f, "Notice", g_variant_new_string ("Secure Boot raised the kernel's lockdown."));
  wait_logged (names, "notice");
  g_assert_cmpstr (ldb_client_get_notice (f->client), ==,
                   "Secure Boot raised the kernel's lockdown.");
  mock_set (f, "CanHibernate", g_variant_new_string ("yes"));
  wait_logged (names, "can-hibernate");
  g_assert_cmpint (ldb_client_get_can_hibernate (f->client), ==, LDB_CAN_HIBERNATE_YES);
  mock_set (f, "HibernateBlocker", g_variant_new_string (""));
  wait_logged (names, "hibernate-blocker");
  mock_set (f, "NoticeCode", g_variant_new_string ("kernel-lockdown-raised"));
  wait_logged (names, "notice-code");
  g_assert_cmpstr (ldb_client_get_notice_code (f->client), ==, "kernel-lockdown-raised");
  mock_set (f, "HibernateBlockerCode", g_variant_new_string ("swap-not-encrypted"));
  wait_logged (names, "hibernate-blocker-code");
  g_assert_cmpstr (ldb_client_get_hibernate_blocker_code (f->client), ==, "swap-not-encrypted");
  mock_set (f, "HibernateBlockerDevice", g_variant_new_string ("/dev/dm-1"));
  wait_logged (names, "hibernate-blocker-device");
  g_assert_cmpstr (ldb_client_get_hibernate_blocker_device (f->client), ==, "/dev/dm-1");
  mock_set (f, "Version", g_variant_new_string ("1.0.0"));
  wait_logged (names, "version");
  g_assert_cmpstr (ldb_client_get_version (f->client), ==, "1.0.0");
}

static void
iterate_until_count (guint *counter, guint at_least)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (*counter < at_least)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Strings this library does not know, and a reason whose extra a{sv} has a
 * key it does not know (it must ignore it). */
static const char unknown_params[] =
  "{\"Mode\": \"paranoid\", \"KernelLockdown\": \"lockdown-9000\", \"CanHibernate\": \"maybe\","
  " \"Reasons\": [[\"dev-mem\", \"secrecy\", \"ask-first\", {\"from-the-future\": \"x\"}]]}";

static void
on_revoked_log (LdbClient *client, guint64 id, LdbRevokeWhy why, gpointer user_data)
{
  g_array_append_val ((GArray *) user_data, why);
}

static void
test_unknown_enums (Fixture *f, gconstpointer data)
{
  g_autoptr (LdbReason) reason = g_list_model_get_item (ldb_client_get_reasons (f->client), 0);
  g_autoptr (GArray) whys = g_array_new (FALSE, FALSE, sizeof (LdbRevokeWhy));
  const char *const reasons[] = { "dev-mem", NULL };
  g_autoptr (GError) error = NULL;
  guint64 id;

  g_assert_cmpint (ldb_client_get_mode (f->client), ==, LDB_LOCKDOWN_MODE_UNKNOWN);
  g_assert_cmpint (ldb_client_get_kernel_lockdown (f->client), ==, LDB_LOCKDOWN_MODE_UNKNOWN);
  g_assert_cmpint (ldb_client_get_can_hibernate (f->client), ==, LDB_CAN_HIBERNATE_UNKNOWN);
  g_assert_cmpint (ldb_reason_get_level (reason), ==, LDB_REASON_LEVEL_UNKNOWN);
  g_assert_cmpint (ldb_reason_get_action (reason), ==, LDB_REASON_ACTION_UNKNOWN);
  g_signal_connect (f->client, "exception-revoked", G_CALLBACK (on_revoked_log), whys);
  id = ldb_client_request_exception_sync (f->client, reasons, 60, LDB_SCOPE_SESSION,
                                          LDB_CALL_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  mock_call (f, "EndException", g_variant_new ("(ts)", id, "struck-by-a-cosmic-ray"));
  iterate_until_count (&whys->len, 1);
  g_assert_cmpint (g_array_index (whys, LdbRevokeWhy, 0), ==, LDB_REVOKE_WHY_UNKNOWN);
}

typedef struct {
  guint64 granted_id;
  char **granted_reasons;
  LdbScopeKind granted_kind;
  char *granted_scope;
  guint64 revoked_id;
  LdbRevokeWhy revoked_why;
  guint exceptions_notified;
  guint items_changed;
} Events;

static void
events_clear (Events *ev)
{
  g_strfreev (ev->granted_reasons);
  g_free (ev->granted_scope);
}

static void
on_granted (LdbClient *client, guint64 id, const char *const *reasons, LdbScopeKind kind,
            const char *scope, gpointer user_data)
{
  Events *ev = user_data;

  ev->granted_id = id;
  g_strfreev (ev->granted_reasons);
  ev->granted_reasons = g_strdupv ((char **) reasons);
  ev->granted_kind = kind;
  g_free (ev->granted_scope);
  ev->granted_scope = g_strdup (scope);
}

static void
on_revoked (LdbClient *client, guint64 id, LdbRevokeWhy why, gpointer user_data)
{
  Events *ev = user_data;

  ev->revoked_id = id;
  ev->revoked_why = why;
}

static void
on_exceptions_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  ((Events *) user_data)->exceptions_notified++;
}

static void
on_items_changed (GListModel *list, guint position, guint removed, guint added, gpointer user_data)
{
  ((Events *) user_data)->items_changed++;
}

static void
connect_events (LdbClient *client, Events *ev)
{
  g_signal_connect (client, "exception-granted", G_CALLBACK (on_granted), ev);
  g_signal_connect (client, "exception-revoked", G_CALLBACK (on_revoked), ev);
  g_signal_connect (client, "notify::exceptions", G_CALLBACK (on_exceptions_notify), ev);
  g_signal_connect (ldb_client_get_exceptions (client), "items-changed",
                    G_CALLBACK (on_items_changed), ev);
}

static void
check_one_exception (LdbClient *client, guint64 id)
{
  GListModel *list = ldb_client_get_exceptions (client);
  g_autoptr (LdbException) e = NULL;
  const char *const *reasons;

  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  e = g_list_model_get_item (list, 0);
  g_assert_cmpuint (ldb_exception_get_id (e), ==, id);
  reasons = ldb_exception_get_reasons (e);
  g_assert_cmpstr (reasons[0], ==, "dev-mem");
  g_assert_cmpstr (reasons[1], ==, "kexec");
  g_assert_null (reasons[2]);
  g_assert_cmpint (ldb_exception_get_scope_kind (e), ==, LDB_SCOPE_KIND_SESSION);
  g_assert_cmpstr (ldb_exception_get_scope (e), ==, "c7");
  g_assert_cmpuint (ldb_exception_get_holder_uid (e), ==, 4242);
  g_assert_cmpstr (ldb_exception_get_holder_session (e), ==, "c7");
  g_assert_cmpint (ldb_exception_get_origin (e), ==, LDB_ORIGIN_REQUEST);
  /* Like the broker: CLOCK_REALTIME microseconds, the duration from now. */
  g_assert_cmpuint (ldb_exception_get_expires (e), >, g_get_real_time () + 80 * G_USEC_PER_SEC);
  g_assert_cmpuint (ldb_exception_get_expires (e), <=, g_get_real_time () + 90 * G_USEC_PER_SEC);
  g_assert_cmpstr (ldb_exception_get_cgroups (e)[0], ==,
                   "/user.slice/user-4242.slice/session-c7.scope");
  g_assert_cmpint (ldb_exception_get_narrowed (e), ==, LDB_NARROW_WHY_NONE);
  g_assert_true (g_variant_is_of_type (ldb_exception_get_extra (e), G_VARIANT_TYPE_VARDICT));
}

static const char holder_params[] = "{\"HolderUid\": 4242, \"HolderSession\": \"c7\"}";

static void
test_request_release (Fixture *f, gconstpointer data)
{
  const char *const reasons[] = { "dev-mem", "kexec", NULL };
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) released = NULL;
  g_autoptr (GError) error = NULL;
  Events ev = { 0 };
  guint64 id;

  connect_events (f->client, &ev);
  ldb_client_request_exception_async (f->client, reasons, 90, LDB_SCOPE_SESSION,
                                      LDB_CALL_FLAGS_NONE, NULL, store_result, &result);
  id = ldb_client_request_exception_finish (f->client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  iterate_until_count (&ev.exceptions_notified, 1);
  g_assert_cmpuint (ev.granted_id, ==, id);
  g_assert_cmpstrv (ev.granted_reasons, ((const char *const[]) { "dev-mem", "kexec", NULL }));
  g_assert_cmpint (ev.granted_kind, ==, LDB_SCOPE_KIND_SESSION);
  g_assert_cmpstr (ev.granted_scope, ==, "c7");
  g_assert_cmpuint (ev.items_changed, ==, 1);
  check_one_exception (f->client, id);

  ldb_client_release_exception_async (f->client, id, NULL, store_result, &released);
  g_assert_true (ldb_client_release_exception_finish (f->client, wait_result (&released), &error));
  g_assert_no_error (error);
  iterate_until_count (&ev.exceptions_notified, 2);
  g_assert_cmpuint (ev.revoked_id, ==, id);
  g_assert_cmpint (ev.revoked_why, ==, LDB_REVOKE_WHY_RELEASED);
  g_assert_cmpuint (g_list_model_get_n_items (ldb_client_get_exceptions (f->client)), ==, 0);
  events_clear (&ev);
}

static void
test_revoked_signal (Fixture *f, gconstpointer data)
{
  const char *const reasons[] = { "dev-mem", NULL };
  g_autoptr (GError) error = NULL;
  Events ev = { 0 };
  guint64 id;

  connect_events (f->client, &ev);
  id = ldb_client_request_exception_sync (f->client, reasons, 60, LDB_SCOPE_CALLER,
                                          LDB_CALL_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  iterate_until_count (&ev.exceptions_notified, 1);
  mock_call (f, "EndException", g_variant_new ("(ts)", id, "session-locked"));
  iterate_until_count (&ev.exceptions_notified, 2);
  g_assert_cmpuint (ev.revoked_id, ==, id);
  g_assert_cmpint (ev.revoked_why, ==, LDB_REVOKE_WHY_SESSION_LOCKED);
  g_assert_cmpuint (g_list_model_get_n_items (ldb_client_get_exceptions (f->client)), ==, 0);
  events_clear (&ev);
}

static void
on_narrowed (LdbClient *client, guint64 id, const char *const *cgroups, LdbNarrowWhy why,
             gpointer user_data)
{
  *(LdbNarrowWhy *) user_data = why;
}

static void
on_denied (LdbClient *client, const char *reason, guint pid, const char *comm, const char *unit,
           guint64 count, guint uid, const char *session, gpointer user_data)
{
  *(char **) user_data = g_strdup_printf ("%s %u %s %s %" G_GUINT64_FORMAT " %u %s", reason, pid,
                                          comm, unit, count, uid, session);
}

static void
test_narrowed_and_denied (Fixture *f, gconstpointer data)
{
  const char *const reasons[] = { "dev-mem", NULL };
  const char *const cgroups[] = { "/user.slice/user-1000.slice/session-c1.scope", NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *denied = NULL;
  g_autoptr (LdbException) e = NULL;
  LdbNarrowWhy why = LDB_NARROW_WHY_UNKNOWN;
  gboolean narrowed = FALSE;
  guint64 id;

  g_signal_connect (f->client, "exception-narrowed", G_CALLBACK (on_narrowed), &why);
  g_signal_connect (f->client, "denied", G_CALLBACK (on_denied), &denied);
  id = ldb_client_request_exception_sync (f->client, reasons, 60, LDB_SCOPE_SESSION,
                                          LDB_CALL_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  mock_call (f, "NarrowException", g_variant_new ("(t^ass)", id, cgroups, "other-session"));
  while (why == LDB_NARROW_WHY_UNKNOWN)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (why, ==, LDB_NARROW_WHY_OTHER_SESSION);
  while (!narrowed)
    {
      g_autoptr (LdbException) item = g_list_model_get_item (ldb_client_get_exceptions (f->client), 0);
      narrowed = item != NULL && ldb_exception_get_narrowed (item) == LDB_NARROW_WHY_OTHER_SESSION;
      if (!narrowed)
        g_main_context_iteration (NULL, TRUE);
    }
  e = g_list_model_get_item (ldb_client_get_exceptions (f->client), 0);
  g_assert_cmpstrv (ldb_exception_get_cgroups (e), cgroups);
  mock_call (f, "EmitDenied", g_variant_new ("(susstus)", "kexec", 77, "kexec", "evil.service",
                                             (guint64) 5, 1000, "c2"));
  while (denied == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (denied, ==, "kexec 77 kexec evil.service 5 1000 c2");
}

static const struct {
  const char *name;
  LdbError code;
} error_names[] = {
  { "Failed", LDB_ERROR_FAILED },
  { "InvalidArgument", LDB_ERROR_INVALID_ARGUMENT },
  { "NotAuthorized", LDB_ERROR_NOT_AUTHORIZED },
  { "NoSession", LDB_ERROR_NO_SESSION },
  { "SessionNotEligible", LDB_ERROR_SESSION_NOT_ELIGIBLE },
  { "NotFound", LDB_ERROR_NOT_FOUND },
  { "Refused", LDB_ERROR_REFUSED },
  { "NotEnforcing", LDB_ERROR_NOT_ENFORCING },
  { "Cancelled", LDB_ERROR_CANCELLED },
};

/* Every error name of the XML's header arrives as its LDB_ERROR code, with
 * the broker's message as it is (no "GDBus.Error:" prefix). */
static void
test_error_names (Fixture *f, gconstpointer data)
{
  const char *const reasons[] = { "dev-mem", NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (error_names); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *name = g_strconcat ("org.freedesktop.LockdownBroker1.Error.",
                                           error_names[i].name, NULL);
      g_autofree char *message = g_strdup_printf ("The broker says %s.", error_names[i].name);

      mock_call (f, "SetError", g_variant_new ("(sss)", "RequestException", name, message));
      g_assert_cmpuint (ldb_client_request_exception_sync (f->client, reasons, 60,
                                                           LDB_SCOPE_SESSION, LDB_CALL_FLAGS_NONE,
                                                           NULL, &error), ==, 0);
      g_assert_error (error, LDB_ERROR, (gint) error_names[i].code);
      g_assert_cmpstr (error->message, ==, message);
    }
}

static void
test_errors_of_calls (Fixture *f, gconstpointer data)
{
  const char *const bad[] = { "no-such-reason", NULL };
  const char *const reasons[] = { "dev-mem", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  g_assert_false (ldb_client_release_exception_sync (f->client, 12345, NULL, &error));
  g_assert_error (error, LDB_ERROR, LDB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ldb_client_revoke_exception_sync (f->client, 12345, LDB_CALL_FLAGS_NONE, NULL,
                                                    &error));
  g_assert_error (error, LDB_ERROR, LDB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  ldb_client_request_exception_async (f->client, bad, 60, LDB_SCOPE_SESSION, LDB_CALL_FLAGS_NONE,
                                      NULL, store_result, &result);
  g_assert_cmpuint (ldb_client_request_exception_finish (f->client, wait_result (&result), &error),
                    ==, 0);
  g_assert_error (error, LDB_ERROR, LDB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "no-such-reason"));
  g_clear_error (&error);
  g_assert_false (ldb_client_hibernate_sync (f->client, LDB_CALL_FLAGS_NONE, NULL, &error));
  g_assert_error (error, LDB_ERROR, LDB_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==, "No swap device is active.");
  g_clear_error (&error);
  /* Refused by the library itself, before any call. */
  g_assert_cmpuint (ldb_client_grant_exception_sync (f->client, reasons, LDB_SCOPE_KIND_UNKNOWN,
                                                     "x.service", 60, LDB_CALL_FLAGS_NONE, NULL,
                                                     &error), ==, 0);
  g_assert_error (error, LDB_ERROR, LDB_ERROR_INVALID_ARGUMENT);
}

static void
test_grant_revoke (Fixture *f, gconstpointer data)
{
  const char *const reasons[] = { "kexec", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) granted = NULL;
  g_autoptr (GAsyncResult) revoked = NULL;
  g_autoptr (LdbException) e = NULL;
  Events ev = { 0 };
  guint64 id;

  connect_events (f->client, &ev);
  ldb_client_grant_exception_async (f->client, reasons, LDB_SCOPE_KIND_UNIT, "fw-update.service",
                                    600, LDB_CALL_FLAGS_NONE, NULL, store_result, &granted);
  id = ldb_client_grant_exception_finish (f->client, wait_result (&granted), &error);
  g_assert_no_error (error);
  iterate_until_count (&ev.exceptions_notified, 1);
  g_assert_cmpint (ev.granted_kind, ==, LDB_SCOPE_KIND_UNIT);
  e = g_list_model_get_item (ldb_client_get_exceptions (f->client), 0);
  g_assert_cmpint (ldb_exception_get_origin (e), ==, LDB_ORIGIN_ADMIN);
  g_assert_cmpstr (ldb_exception_get_scope (e), ==, "fw-update.service");
  ldb_client_revoke_exception_async (f->client, id, LDB_CALL_FLAGS_NONE, NULL, store_result,
                                     &revoked);
  g_assert_true (ldb_client_revoke_exception_finish (f->client, wait_result (&revoked), &error));
  iterate_until_count (&ev.exceptions_notified, 2);
  g_assert_cmpint (ev.revoked_why, ==, LDB_REVOKE_WHY_REVOKED);
  events_clear (&ev);
}

static void
test_hibernate (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  ldb_client_hibernate_async (f->client, LDB_CALL_FLAGS_INTERACTIVE, NULL, store_result, &result);
  g_assert_true (ldb_client_hibernate_finish (f->client, wait_result (&result), &error));
  g_assert_no_error (error);
}

static void
test_debug (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) changed = NULL;
  g_autoptr (GPtrArray) listed = NULL;
  g_autoptr (GPtrArray) restored = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  LdbCallsite *site;

  changed = ldb_client_set_debug_sync (f->client, "module foo +p", LDB_CALL_FLAGS_NONE, NULL,
                                       &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changed->len, ==, 2);
  site = changed->pdata[0];
  g_assert_cmpstr (ldb_callsite_get_file (site), ==, "drivers/foo/foo.c");
  g_assert_cmpuint (ldb_callsite_get_line (site), ==, 42);
  g_assert_cmpstr (ldb_callsite_get_module (site), ==, "foo");
  g_assert_cmpstr (ldb_callsite_get_function (site), ==, "foo_probe");
  g_assert_cmpstr (ldb_callsite_get_previous_flags (site), ==, "_");
  g_assert_cmpstr (ldb_callsite_get_flags (site), ==, "p");

  ldb_client_list_debug_async (f->client, "module foo", NULL, store_result, &result);
  listed = ldb_client_list_debug_finish (f->client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 2);
  site = listed->pdata[1];
  g_assert_cmpstr (ldb_callsite_get_function (site), ==, "foo_remove");
  g_assert_cmpstr (ldb_callsite_get_flags (site), ==, "p");
  g_assert_cmpstr (ldb_callsite_get_format (site), ==, "removed\\n");
  g_assert_cmpstr (ldb_callsite_get_class_name (site), ==, "");
  g_assert_cmpstr (ldb_callsite_get_session (site), ==, "c1");

  restored = ldb_client_reset_debug_sync (f->client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (restored->len, ==, 2);
  site = restored->pdata[0];
  g_assert_cmpstr (ldb_callsite_get_function (site), ==, "foo_remove");
  g_assert_cmpstr (ldb_callsite_get_flags (site), ==, "_");
  g_assert_cmpstr (ldb_callsite_get_previous_flags (site), ==, "p");

  g_assert_null (ldb_client_set_debug_sync (f->client, "bogus", LDB_CALL_FLAGS_NONE, NULL,
                                            &error));
  g_assert_error (error, LDB_ERROR, LDB_ERROR_INVALID_ARGUMENT);
}

/* The interactive flag must reach the message header, where the broker
 * (and polkit) read it. */
static GDBusMessage *
record_flags (GDBusConnection *connection, GDBusMessage *message, gboolean incoming,
              gpointer user_data)
{
  if (!incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL &&
      g_strcmp0 (g_dbus_message_get_member (message), "RequestException") == 0)
    g_ptr_array_add (user_data,
                     GUINT_TO_POINTER ((g_dbus_message_get_flags (message) &
                                        G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) ? 2 : 1));
  return message;
}

static void
test_interactive_flag (Fixture *f, gconstpointer data)
{
  const char *const reasons[] = { "dev-mem", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();
  guint filter = g_dbus_connection_add_filter (f->bus, record_flags, seen, NULL);

  g_assert_true (ldb_client_get_connection (f->client) == f->bus);
  ldb_client_request_exception_sync (f->client, reasons, 60, LDB_SCOPE_SESSION,
                                     LDB_CALL_FLAGS_INTERACTIVE, NULL, &error);
  g_assert_no_error (error);
  ldb_client_request_exception_sync (f->client, reasons, 60, LDB_SCOPE_SESSION,
                                     LDB_CALL_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_remove_filter (f->bus, filter);
  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (seen->pdata[0]), ==, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (seen->pdata[1]), ==, 1);
}

/* The broker goes away: `available` follows, and calls fail as NOT_AVAILABLE. */
static void
test_service_gone (Fixture *f, gconstpointer data)
{
  const char *const reasons[] = { "dev-mem", NULL };
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  g_assert_true (ldb_client_get_available (f->client));
  g_signal_connect (f->client, "notify", G_CALLBACK (log_notify), names);
  stop_mock (f);
  wait_logged (names, "available");
  g_assert_false (ldb_client_get_available (f->client));
  g_assert_cmpuint (ldb_client_request_exception_sync (f->client, reasons, 60, LDB_SCOPE_SESSION,
                                                       LDB_CALL_FLAGS_NONE, NULL, &error), ==, 0);
  g_assert_error (error, LDB_ERROR, LDB_ERROR_NOT_AVAILABLE);
}

int
main (int argc, char **argv)
{
  g_autoptr (GTestDBus) bus = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  /* A private bus stands in for the system bus; GTestDBus also unsets
   * DBUS_SYSTEM_BUS_ADDRESS, so nothing reaches the real one. */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", g_test_dbus_get_bus_address (bus), TRUE);

#define ADD(path, params, fn, set_up) \
  g_test_add (path, Fixture, params, set_up, fn, teardown)
  ADD ("/client/not-available/sync", NULL, test_not_available_sync, setup_bus);
  ADD ("/client/not-available/async", NULL, test_not_available_async, setup_bus);
  ADD ("/client/new-async", NULL, test_new_async, setup_bus);
  ADD ("/client/properties", props_params, test_properties, setup);
  ADD ("/client/notify", NULL, test_notify, setup);
  ADD ("/client/unknown-enums", unknown_params, test_unknown_enums, setup);
  ADD ("/client/request-release", holder_params, test_request_release, setup);
  ADD ("/client/revoked-signal", NULL, test_revoked_signal, setup);
  ADD ("/client/narrowed-and-denied", NULL, test_narrowed_and_denied, setup);
  ADD ("/client/error-names", NULL, test_error_names, setup);
  ADD ("/client/errors-of-calls", NULL, test_errors_of_calls, setup);
  ADD ("/client/grant-revoke", NULL, test_grant_revoke, setup);
  ADD ("/client/hibernate", "{\"CanHibernate\": \"yes\"}", test_hibernate, setup);
  ADD ("/client/debug", NULL, test_debug, setup);
  ADD ("/client/interactive-flag", NULL, test_interactive_flag, setup);
  ADD ("/client/service-gone", NULL, test_service_gone, setup);
#undef ADD
  status = g_test_run ();
  g_test_dbus_down (bus);
  return status;
}
