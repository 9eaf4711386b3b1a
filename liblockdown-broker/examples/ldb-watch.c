/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ldb-watch: a small client of liblockdown-broker-1, for the guest suites and
 * as an example.
 *
 *   ldb-watch [--seconds N] [--interactive] [REASON...]
 *
 * Connects, prints the state, requests an exception for the REASONs (scope
 * session) if any are given, then prints every signal and every change of
 * Exceptions as one line each, until SIGTERM or SIGINT. Lines:
 *   ready version=V mode=M kernel-lockdown=K enforcing=B exceptions=N scope-caller=B
 *   requested id=ID            (or: request-failed code=C message=...)
 *   granted id=ID reasons=a,b scope-kind=K scope=S
 *   revoked id=ID why=W
 *   narrowed id=ID why=W cgroups=a,b
 *   denied reason=R pid=P comm=C unit=U count=N uid=U session=S
 *   exceptions n=N ids=ID,ID
 *   notify property=P
 * stdout is line-buffered. Exit: 0 after a signal, 1 if the client could not
 * start (the message on stderr), 2 on bad usage. */
#include <glib-unix.h>
#include <lockdown-broker.h>
#include <stdio.h>
#include <stdlib.h>

static const char *
nick (GType type, int value)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value (klass, value);

  return found != NULL ? found->value_nick : "?";
}

static void
print_exceptions (LdbClient *client)
{
  GListModel *list = ldb_client_get_exceptions (client);
  guint n = g_list_model_get_n_items (list);
  g_autoptr (GString) ids = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (LdbException) e = g_list_model_get_item (list, i);
      g_string_append_printf (ids, "%s%" G_GUINT64_FORMAT, i ? "," : "", ldb_exception_get_id (e));
    }
  printf ("exceptions n=%u ids=%s\n", n, ids->str);
}

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  if (g_str_equal (pspec->name, "exceptions"))
    print_exceptions (LDB_CLIENT (object));
  else
    printf ("notify property=%s\n", pspec->name);
}

static void
on_granted (LdbClient *client, guint64 id, const char *const *reasons, LdbScopeKind kind,
            const char *scope, gpointer user_data)
{
  g_autofree char *joined = g_strjoinv (",", (char **) reasons);

  printf ("granted id=%" G_GUINT64_FORMAT " reasons=%s scope-kind=%s scope=%s\n", id, joined,
          nick (LDB_TYPE_SCOPE_KIND, kind), scope);
}

static void
on_revoked (LdbClient *client, guint64 id, LdbRevokeWhy why, gpointer user_data)
{
  printf ("revoked id=%" G_GUINT64_FORMAT " why=%s\n", id, nick (LDB_TYPE_REVOKE_WHY, why));
}

static void
on_narrowed (LdbClient *client, guint64 id, const char *const *cgroups, LdbNarrowWhy why,
             gpointer user_data)
{
  g_autofree char *joined = g_strjoinv (",", (char **) cgroups);

  printf ("narrowed id=%" G_GUINT64_FORMAT " why=%s cgroups=%s\n", id,
          nick (LDB_TYPE_NARROW_WHY, why), joined);
}

static void
on_denied (LdbClient *client, const char *reason, guint pid, const char *comm, const char *unit,
           guint64 count, guint uid, const char *session, gpointer user_data)
{
  printf ("denied reason=%s pid=%u comm=%s unit=%s count=%" G_GUINT64_FORMAT " uid=%u session=%s\n",
          reason, pid, comm, unit, count, uid, session);
}

static void
on_requested (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  guint64 id = ldb_client_request_exception_finish (LDB_CLIENT (source), result, &error);

  if (id == 0)
    printf ("request-failed code=%s message=%s\n",
            error->domain == LDB_ERROR ? nick (LDB_TYPE_ERROR, error->code) : "other", error->message);
  else
    printf ("requested id=%" G_GUINT64_FORMAT "\n", id);
}

static gboolean
on_quit_signal (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gint64 seconds = 600;
  gboolean interactive = FALSE;
  g_auto (GStrv) reasons = NULL;
  const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT64, &seconds, "Length of the exception", "N" },
    { "interactive", 0, 0, G_OPTION_ARG_NONE, &interactive, "Let polkit ask", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &reasons, NULL, "REASON..." },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[REASON...]");
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (LdbClient) client = NULL;

  setvbuf (stdout, NULL, _IOLBF, 0);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || seconds <= 0)
    {
      fprintf (stderr, "ldb-watch: %s\n", error ? error->message : "--seconds must be positive");
      return 2;
    }
  client = ldb_client_new_sync (NULL, &error);
  if (client == NULL)
    {
      fprintf (stderr, "ldb-watch: %s\n", error->message);
      return 1;
    }
  printf ("ready version=%s mode=%s kernel-lockdown=%s enforcing=%s exceptions=%u "
          "scope-caller=%s\n",
          ldb_client_get_version (client), nick (LDB_TYPE_LOCKDOWN_MODE, ldb_client_get_mode (client)),
          nick (LDB_TYPE_LOCKDOWN_MODE, ldb_client_get_kernel_lockdown (client)),
          ldb_client_get_enforcing (client) ? "yes" : "no",
          g_list_model_get_n_items (ldb_client_get_exceptions (client)),
          ldb_client_has_feature (client, "scope-caller") ? "yes" : "no");
  g_signal_connect (client, "notify", G_CALLBACK (on_notify), NULL);
  g_signal_connect (client, "exception-granted", G_CALLBACK (on_granted), NULL);
  g_signal_connect (client, "exception-revoked", G_CALLBACK (on_revoked), NULL);
  g_signal_connect (client, "exception-narrowed", G_CALLBACK (on_narrowed), NULL);
  g_signal_connect (client, "denied", G_CALLBACK (on_denied), NULL);
  if (reasons != NULL && reasons[0] != NULL)
    ldb_client_request_exception_async (client, (const char *const *) reasons, (guint64) seconds,
                                        LDB_SCOPE_SESSION,
                                        interactive ? LDB_CALL_FLAGS_INTERACTIVE : LDB_CALL_FLAGS_NONE,
                                        NULL, on_requested, NULL);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_main_loop_run (loop);
  printf ("stopped\n");
  return 0;
}
