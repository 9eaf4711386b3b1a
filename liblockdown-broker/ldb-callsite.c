/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ldb-private.h"

/**
 * LdbCallsite:
 *
 * One dynamic_debug callsite (a pr_debug() of the kernel), as the broker's
 * SetDebug, ResetDebug and ListDebug return them. Which fields are filled
 * depends on the call: see ldb_client_set_debug_async(),
 * ldb_client_reset_debug_async() and ldb_client_list_debug_async(); the
 * others are "". Immutable.
 */
struct _LdbCallsite {
  GObject parent_instance;
  char *file;
  guint line;
  char *module;
  char *function;
  char *flags;
  char *previous_flags;
  char *format;
  char *class_name;
  char *session;
};

G_DEFINE_FINAL_TYPE (LdbCallsite, ldb_callsite, G_TYPE_OBJECT)

enum {
  PROP_0, PROP_FILE, PROP_LINE, PROP_MODULE, PROP_FUNCTION, PROP_FLAGS, PROP_PREVIOUS_FLAGS,
  PROP_FORMAT, PROP_CLASS_NAME, PROP_SESSION, N_PROPS
};
static GParamSpec *props[N_PROPS];

static void
ldb_callsite_finalize (GObject *object)
{
  LdbCallsite *self = LDB_CALLSITE (object);

  g_free (self->file);
  g_free (self->module);
  g_free (self->function);
  g_free (self->flags);
  g_free (self->previous_flags);
  g_free (self->format);
  g_free (self->class_name);
  g_free (self->session);
  G_OBJECT_CLASS (ldb_callsite_parent_class)->finalize (object);
}

static void
ldb_callsite_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LdbCallsite *self = LDB_CALLSITE (object);

  switch (prop_id)
    {
    case PROP_FILE: g_value_set_string (value, self->file); break;
    case PROP_LINE: g_value_set_uint (value, self->line); break;
    case PROP_MODULE: g_value_set_string (value, self->module); break;
    case PROP_FUNCTION: g_value_set_string (value, self->function); break;
    case PROP_FLAGS: g_value_set_string (value, self->flags); break;
    case PROP_PREVIOUS_FLAGS: g_value_set_string (value, self->previous_flags); break;
    case PROP_FORMAT: g_value_set_string (value, self->format); break;
    case PROP_CLASS_NAME: g_value_set_string (value, self->class_name); break;
    case PROP_SESSION: g_value_set_string (value, self->session); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ldb_callsite_class_init (LdbCallsiteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ldb_callsite_finalize;
  object_class->get_property = ldb_callsite_get_property;

  /**
   * LdbCallsite:file:
   *
   * The source file, as the kernel prints it.
   */
  props[PROP_FILE] = g_param_spec_string ("file", NULL, NULL, "", flags);
  /**
   * LdbCallsite:line:
   *
   * The line in #LdbCallsite:file.
   */
  props[PROP_LINE] = g_param_spec_uint ("line", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /**
   * LdbCallsite:module:
   *
   * The module, or the kernel's name for built-in code.
   */
  props[PROP_MODULE] = g_param_spec_string ("module", NULL, NULL, "", flags);
  /**
   * LdbCallsite:function:
   *
   * The function.
   */
  props[PROP_FUNCTION] = g_param_spec_string ("function", NULL, NULL, "", flags);
  /**
   * LdbCallsite:flags:
   *
   * The flags now, as the kernel prints them ("p", "pmf", "_" for none).
   */
  props[PROP_FLAGS] = g_param_spec_string ("flags", NULL, NULL, "", flags);
  /**
   * LdbCallsite:previous-flags:
   *
   * The flags before the call: those SetDebug replaced, or those ResetDebug
   * undid; "" for ListDebug.
   */
  props[PROP_PREVIOUS_FLAGS] = g_param_spec_string ("previous-flags", NULL, NULL, "", flags);
  /**
   * LdbCallsite:format:
   *
   * The format string (ListDebug only).
   */
  props[PROP_FORMAT] = g_param_spec_string ("format", NULL, NULL, "", flags);
  /**
   * LdbCallsite:class-name:
   *
   * The callsite's class, "" for none (ListDebug only).
   */
  props[PROP_CLASS_NAME] = g_param_spec_string ("class-name", NULL, NULL, "", flags);
  /**
   * LdbCallsite:session:
   *
   * The logind session whose change the callsite carries now, or ""
   * (ListDebug only).
   */
  props[PROP_SESSION] = g_param_spec_string ("session", NULL, NULL, "", flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ldb_callsite_init (LdbCallsite *self)
{
}

static LdbCallsite *
callsite_new (void)
{
  LdbCallsite *self = g_object_new (LDB_TYPE_CALLSITE, NULL);

  self->previous_flags = g_strdup ("");
  self->format = g_strdup ("");
  self->class_name = g_strdup ("");
  self->session = g_strdup ("");
  return self;
}

/* SetDebug's (file, line, module, function, old_flags, new_flags, extra)
 * and ResetDebug's (file, line, module, function, flags_now,
 * flags_replaced, extra). No key of extra is read in this version. */
static LdbCallsite *
callsite_from_change (GVariant *row, gboolean old_first)
{
  LdbCallsite *self = callsite_new ();
  char *a, *b;

  g_clear_pointer (&self->previous_flags, g_free);
  g_variant_get (row, "(sussss@a{sv})", &self->file, &self->line, &self->module, &self->function,
                 &a, &b, NULL);
  self->previous_flags = old_first ? a : b;
  self->flags = old_first ? b : a;
  return self;
}

/* ListDebug's (file, line, module, function, flags, format, class, session,
 * extra). */
static LdbCallsite *
callsite_from_listing (GVariant *row)
{
  LdbCallsite *self = callsite_new ();

  g_clear_pointer (&self->format, g_free);
  g_clear_pointer (&self->class_name, g_free);
  g_clear_pointer (&self->session, g_free);
  g_variant_get (row, "(sussssss@a{sv})", &self->file, &self->line, &self->module, &self->function,
                 &self->flags, &self->format, &self->class_name, &self->session, NULL);
  return self;
}

GPtrArray *
ldb_callsites_from_variant (GVariant *rows, LdbCallsiteRows kind)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GVariantIter iter;
  GVariant *row;

  g_variant_iter_init (&iter, rows);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      LdbCallsite *site = kind == LDB_CALLSITE_ROWS_LISTING ? callsite_from_listing (row)
                        : callsite_from_change (row, kind == LDB_CALLSITE_ROWS_SET);
      g_ptr_array_add (out, site);
      g_variant_unref (row);
    }
  return out;
}

#define LDB_CALLSITE_GETTER(field, doc)                       \
  const char *                                                \
  ldb_callsite_get_##field (LdbCallsite *self)                \
  {                                                           \
    g_return_val_if_fail (LDB_IS_CALLSITE (self), NULL);      \
    return self->field;                                       \
  }

/**
 * ldb_callsite_get_file:
 * @self: a callsite
 *
 * Returns: the source file
 */
LDB_CALLSITE_GETTER (file, "")

/**
 * ldb_callsite_get_line:
 * @self: a callsite
 *
 * Returns: the line in the source file
 */
guint
ldb_callsite_get_line (LdbCallsite *self)
{
  g_return_val_if_fail (LDB_IS_CALLSITE (self), 0);
  return self->line;
}

/**
 * ldb_callsite_get_module:
 * @self: a callsite
 *
 * Returns: the module
 */
LDB_CALLSITE_GETTER (module, "")

/**
 * ldb_callsite_get_function:
 * @self: a callsite
 *
 * Returns: the function
 */
LDB_CALLSITE_GETTER (function, "")

/**
 * ldb_callsite_get_flags:
 * @self: a callsite
 *
 * Returns: the flags now ("_" for none)
 */
LDB_CALLSITE_GETTER (flags, "")

/**
 * ldb_callsite_get_previous_flags:
 * @self: a callsite
 *
 * Returns: the flags before the call, "" for a listing
 */
LDB_CALLSITE_GETTER (previous_flags, "")

/**
 * ldb_callsite_get_format:
 * @self: a callsite
 *
 * Returns: the format string, "" unless listed
 */
LDB_CALLSITE_GETTER (format, "")

/**
 * ldb_callsite_get_class_name:
 * @self: a callsite
 *
 * Returns: the callsite's class, "" for none
 */
LDB_CALLSITE_GETTER (class_name, "")

/**
 * ldb_callsite_get_session:
 * @self: a callsite
 *
 * Returns: the logind session whose change the callsite carries, or ""
 */
LDB_CALLSITE_GETTER (session, "")
