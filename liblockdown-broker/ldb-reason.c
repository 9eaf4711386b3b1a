/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ldb-private.h"

/**
 * LdbReason:
 *
 * One lockdown reason the running kernel knows, with the policy's action for
 * it: a row of the broker's `Reasons` property. Immutable.
 */
struct _LdbReason {
  GObject parent_instance;
  char *name;
  LdbReasonLevel level;
  LdbReasonAction action;
};

G_DEFINE_FINAL_TYPE (LdbReason, ldb_reason, G_TYPE_OBJECT)

enum { PROP_0, PROP_NAME, PROP_LEVEL, PROP_ACTION, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
ldb_reason_finalize (GObject *object)
{
  LdbReason *self = LDB_REASON (object);

  g_free (self->name);
  G_OBJECT_CLASS (ldb_reason_parent_class)->finalize (object);
}

static void
ldb_reason_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LdbReason *self = LDB_REASON (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_LEVEL: g_value_set_enum (value, self->level); break;
    case PROP_ACTION: g_value_set_enum (value, self->action); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ldb_reason_class_init (LdbReasonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ldb_reason_finalize;
  object_class->get_property = ldb_reason_get_property;

  /**
   * LdbReason:name:
   *
   * The reason's name, like "dev-mem".
   */
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /**
   * LdbReason:level:
   *
   * The lockdown level the reason belongs to.
   */
  props[PROP_LEVEL] = g_param_spec_enum ("level", NULL, NULL, LDB_TYPE_REASON_LEVEL,
                                         LDB_REASON_LEVEL_UNKNOWN, flags);
  /**
   * LdbReason:action:
   *
   * What the policy does with the reason.
   */
  props[PROP_ACTION] = g_param_spec_enum ("action", NULL, NULL, LDB_TYPE_REASON_ACTION,
                                          LDB_REASON_ACTION_UNKNOWN, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ldb_reason_init (LdbReason *self)
{
}

/* (sssa{sv}): name, level, action, extra. extra has no key this version
 * reads; later ones add keys there, never struct members. */
LdbReason *
ldb_reason_new_from_variant (GVariant *row)
{
  LdbReason *self = g_object_new (LDB_TYPE_REASON, NULL);
  const char *level, *action;

  g_variant_get (row, "(s&s&s@a{sv})", &self->name, &level, &action, NULL);
  self->level = ldb_enum_from_string (LDB_TYPE_REASON_LEVEL, level);
  self->action = ldb_enum_from_string (LDB_TYPE_REASON_ACTION, action);
  return self;
}

/**
 * ldb_reason_get_name:
 * @self: a reason
 *
 * Returns: the reason's name, like "dev-mem"
 */
const char *
ldb_reason_get_name (LdbReason *self)
{
  g_return_val_if_fail (LDB_IS_REASON (self), NULL);
  return self->name;
}

/**
 * ldb_reason_get_level:
 * @self: a reason
 *
 * Returns: the lockdown level of the reason
 */
LdbReasonLevel
ldb_reason_get_level (LdbReason *self)
{
  g_return_val_if_fail (LDB_IS_REASON (self), LDB_REASON_LEVEL_UNKNOWN);
  return self->level;
}

/**
 * ldb_reason_get_action:
 * @self: a reason
 *
 * Returns: what the policy does with the reason
 */
LdbReasonAction
ldb_reason_get_action (LdbReason *self)
{
  g_return_val_if_fail (LDB_IS_REASON (self), LDB_REASON_ACTION_UNKNOWN);
  return self->action;
}
