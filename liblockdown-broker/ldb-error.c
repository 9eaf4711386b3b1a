/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ldb-private.h"

#include <gio/gio.h>

/* The nine error names of the interface XML's header. NOT_AVAILABLE has no
 * name: the library raises it itself when no one owns the bus name. */
static const GDBusErrorEntry ldb_error_entries[] = {
  { LDB_ERROR_FAILED, "org.freedesktop.LockdownBroker1.Error.Failed" },
  { LDB_ERROR_INVALID_ARGUMENT, "org.freedesktop.LockdownBroker1.Error.InvalidArgument" },
  { LDB_ERROR_NOT_AUTHORIZED, "org.freedesktop.LockdownBroker1.Error.NotAuthorized" },
  { LDB_ERROR_NO_SESSION, "org.freedesktop.LockdownBroker1.Error.NoSession" },
  { LDB_ERROR_SESSION_NOT_ELIGIBLE, "org.freedesktop.LockdownBroker1.Error.SessionNotEligible" },
  { LDB_ERROR_NOT_FOUND, "org.freedesktop.LockdownBroker1.Error.NotFound" },
  { LDB_ERROR_REFUSED, "org.freedesktop.LockdownBroker1.Error.Refused" },
  { LDB_ERROR_NOT_ENFORCING, "org.freedesktop.LockdownBroker1.Error.NotEnforcing" },
  { LDB_ERROR_CANCELLED, "org.freedesktop.LockdownBroker1.Error.Cancelled" },
};

GQuark
ldb_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("ldb-error-quark", &quark, ldb_error_entries,
                                      G_N_ELEMENTS (ldb_error_entries));
  return (GQuark) quark;
}

/* Turns an error of a call into what the API promises: the broker's names
 * into LDB_ERROR (GDBus does that once the domain is registered; here the
 * "GDBus.Error:…: " prefix goes), an absent service into NOT_AVAILABLE.
 * Other errors (a cancelled call, a bus that went away) stay as they are. */
void
ldb_error_fixup (GError **error)
{
  GError *e;

  if (error == NULL || *error == NULL)
    return;
  e = *error;
  if (g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
      g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE))
    {
      g_autofree char *message = NULL;

      g_dbus_error_strip_remote_error (e);
      message = g_strdup_printf ("The lockdown broker (%s) is not available: %s",
                                 LDB_BUS_NAME, e->message);
      g_clear_error (error);
      g_set_error_literal (error, LDB_ERROR, LDB_ERROR_NOT_AVAILABLE, message);
      return;
    }
  if (g_dbus_error_is_remote_error (e))
    g_dbus_error_strip_remote_error (e);
}
