/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ldb-private.h"

/**
 * LdbException:
 *
 * One active exception: a row of the broker's `Exceptions` property.
 * Immutable: when the broker's list changes, #LdbClient:exceptions holds new
 * objects.
 */
struct _LdbException {
  GObject parent_instance;
  guint64 id;
  char **reasons;
  LdbScopeKind scope_kind;
  char *scope;
  guint holder_uid;
  char *holder_session;
  guint64 expires;
  LdbOrigin origin;
  char **cgroups;
  LdbNarrowWhy narrowed;
  GVariant *extra;
};

G_DEFINE_FINAL_TYPE (LdbException, ldb_exception, G_TYPE_OBJECT)

enum {
  PROP_0, PROP_ID, PROP_REASONS, PROP_SCOPE_KIND, PROP_SCOPE, PROP_HOLDER_UID,
  PROP_HOLDER_SESSION, PROP_EXPIRES, PROP_ORIGIN, PROP_CGROUPS, PROP_NARROWED, PROP_EXTRA,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static void
ldb_exception_finalize (GObject *object)
{
  LdbException *self = LDB_EXCEPTION (object);

  g_strfreev (self->reasons);
  g_free (self->scope);
  g_free (self->holder_session);
  g_strfreev (self->cgroups);
  g_clear_pointer (&self->extra, g_variant_unref);
  G_OBJECT_CLASS (ldb_exception_parent_class)->finalize (object);
}

static void
ldb_exception_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LdbException *self = LDB_EXCEPTION (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_uint64 (value, self->id); break;
    case PROP_REASONS: g_value_set_boxed (value, self->reasons); break;
    case PROP_SCOPE_KIND: g_value_set_enum (value, self->scope_kind); break;
    case PROP_SCOPE: g_value_set_string (value, self->scope); break;
    case PROP_HOLDER_UID: g_value_set_uint (value, self->holder_uid); break;
    case PROP_HOLDER_SESSION: g_value_set_string (value, self->holder_session); break;
    case PROP_EXPIRES: g_value_set_uint64 (value, self->expires); break;
    case PROP_ORIGIN: g_value_set_enum (value, self->origin); break;
    case PROP_CGROUPS: g_value_set_boxed (value, self->cgroups); break;
    case PROP_NARROWED: g_value_set_enum (value, self->narrowed); break;
    case PROP_EXTRA: g_value_set_variant (value, self->extra); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ldb_exception_class_init (LdbExceptionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ldb_exception_finalize;
  object_class->get_property = ldb_exception_get_property;

  /**
   * LdbException:id:
   *
   * The exception's id: random, never 0.
   */
  props[PROP_ID] = g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * LdbException:reasons:
   *
   * The reasons it allows, like "dev-mem".
   */
  props[PROP_REASONS] = g_param_spec_boxed ("reasons", NULL, NULL, G_TYPE_STRV, flags);
  /**
   * LdbException:scope-kind:
   *
   * What #LdbException:scope names.
   */
  props[PROP_SCOPE_KIND] = g_param_spec_enum ("scope-kind", NULL, NULL, LDB_TYPE_SCOPE_KIND,
                                              LDB_SCOPE_KIND_UNKNOWN, flags);
  /**
   * LdbException:scope:
   *
   * The session id, unit name or cgroup path it covers.
   */
  props[PROP_SCOPE] = g_param_spec_string ("scope", NULL, NULL, NULL, flags);
  /**
   * LdbException:holder-uid:
   *
   * The uid of the user who holds it.
   */
  props[PROP_HOLDER_UID] = g_param_spec_uint ("holder-uid", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /**
   * LdbException:holder-session:
   *
   * The holder's logind session, "" if not bound to one.
   */
  props[PROP_HOLDER_SESSION] = g_param_spec_string ("holder-session", NULL, NULL, NULL, flags);
  /**
   * LdbException:expires:
   *
   * CLOCK_REALTIME microseconds since the epoch, 0 for none.
   */
  props[PROP_EXPIRES] = g_param_spec_uint64 ("expires", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * LdbException:origin:
   *
   * Where the exception comes from.
   */
  props[PROP_ORIGIN] = g_param_spec_enum ("origin", NULL, NULL, LDB_TYPE_ORIGIN,
                                          LDB_ORIGIN_UNKNOWN, flags);
  /**
   * LdbException:cgroups:
   *
   * The cgroup2 paths the kernel grant covers now.
   */
  props[PROP_CGROUPS] = g_param_spec_boxed ("cgroups", NULL, NULL, G_TYPE_STRV, flags);
  /**
   * LdbException:narrowed:
   *
   * Why it covers less than it was granted with.
   */
  props[PROP_NARROWED] = g_param_spec_enum ("narrowed", NULL, NULL, LDB_TYPE_NARROW_WHY,
                                            LDB_NARROW_WHY_NONE, flags);
  /**
   * LdbException:extra:
   *
   * The row's a{sv}, with keys a later broker may add.
   */
  props[PROP_EXTRA] = g_param_spec_variant ("extra", NULL, NULL, G_VARIANT_TYPE_VARDICT, NULL,
                                            flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ldb_exception_init (LdbException *self)
{
}

static LdbNarrowWhy
narrow_why_from_string (const char *why)
{
  return why[0] == '\0' ? LDB_NARROW_WHY_NONE : ldb_enum_from_string (LDB_TYPE_NARROW_WHY, why);
}

/* (tasssustsa{sv}): id, reasons, scope_kind, scope, holder_uid,
 * holder_session, expires, origin, extra. */
LdbException *
ldb_exception_new_from_variant (GVariant *row)
{
  LdbException *self = g_object_new (LDB_TYPE_EXCEPTION, NULL);
  const char *scope_kind, *origin, *narrowed = "";

  g_variant_get (row, "(t^as&ssust&s@a{sv})", &self->id, &self->reasons, &scope_kind,
                 &self->scope, &self->holder_uid, &self->holder_session, &self->expires,
                 &origin, &self->extra);
  self->scope_kind = ldb_enum_from_string (LDB_TYPE_SCOPE_KIND, scope_kind);
  self->origin = ldb_enum_from_string (LDB_TYPE_ORIGIN, origin);
  if (!g_variant_lookup (self->extra, "cgroups", "^as", &self->cgroups))
    self->cgroups = g_new0 (char *, 1);
  g_variant_lookup (self->extra, "narrowed", "&s", &narrowed);
  self->narrowed = narrow_why_from_string (narrowed);
  return self;
}

LdbNarrowWhy
ldb_narrow_why_from_string (const char *why)
{
  return narrow_why_from_string (why);
}

/**
 * ldb_exception_get_id:
 * @self: an exception
 *
 * Returns: the exception's id, never 0
 */
guint64
ldb_exception_get_id (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), 0);
  return self->id;
}

/**
 * ldb_exception_get_reasons:
 * @self: an exception
 *
 * Returns: (transfer none) (array zero-terminated=1): the reasons it allows
 */
const char *const *
ldb_exception_get_reasons (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), NULL);
  return (const char *const *) self->reasons;
}

/**
 * ldb_exception_get_scope_kind:
 * @self: an exception
 *
 * Returns: what ldb_exception_get_scope() names
 */
LdbScopeKind
ldb_exception_get_scope_kind (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), LDB_SCOPE_KIND_UNKNOWN);
  return self->scope_kind;
}

/**
 * ldb_exception_get_scope:
 * @self: an exception
 *
 * Returns: the session id, unit name or cgroup path the exception covers
 */
const char *
ldb_exception_get_scope (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), NULL);
  return self->scope;
}

/**
 * ldb_exception_get_holder_uid:
 * @self: an exception
 *
 * Returns: the uid of the user who holds it
 */
guint
ldb_exception_get_holder_uid (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), 0);
  return self->holder_uid;
}

/**
 * ldb_exception_get_holder_session:
 * @self: an exception
 *
 * Returns: the holder's logind session id, or "" when it is bound to none
 */
const char *
ldb_exception_get_holder_session (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), NULL);
  return self->holder_session;
}

/**
 * ldb_exception_get_expires:
 * @self: an exception
 *
 * Returns: when it ends at the latest, in CLOCK_REALTIME microseconds since
 *   the epoch (as g_get_real_time()), or 0 for never
 */
guint64
ldb_exception_get_expires (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), 0);
  return self->expires;
}

/**
 * ldb_exception_get_origin:
 * @self: an exception
 *
 * Returns: where the exception comes from
 */
LdbOrigin
ldb_exception_get_origin (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), LDB_ORIGIN_UNKNOWN);
  return self->origin;
}

/**
 * ldb_exception_get_cgroups:
 * @self: an exception
 *
 * Returns: (transfer none) (array zero-terminated=1): the cgroup2 paths the
 *   kernel grant covers now, each with its descendants (empty when the broker
 *   did not say)
 */
const char *const *
ldb_exception_get_cgroups (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), NULL);
  return (const char *const *) self->cgroups;
}

/**
 * ldb_exception_get_narrowed:
 * @self: an exception
 *
 * Returns: %LDB_NARROW_WHY_NONE, or why the exception covers less than it
 *   was granted with
 */
LdbNarrowWhy
ldb_exception_get_narrowed (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), LDB_NARROW_WHY_UNKNOWN);
  return self->narrowed;
}

/**
 * ldb_exception_get_extra:
 * @self: an exception
 *
 * Returns: (transfer none): the row's `a{sv}`, which may carry keys that a
 *   later broker adds
 */
GVariant *
ldb_exception_get_extra (LdbException *self)
{
  g_return_val_if_fail (LDB_IS_EXCEPTION (self), NULL);
  return self->extra;
}
