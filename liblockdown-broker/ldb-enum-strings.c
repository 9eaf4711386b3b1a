/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ldb-private.h"

int
ldb_enum_from_string (GType enum_type, const char *text)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (enum_type);
  const GEnumValue *value;

  if (text == NULL)
    return 0;
  value = g_enum_get_value_by_nick (klass, text);
  return value != NULL ? value->value : 0;
}

const char *
ldb_enum_to_string (GType enum_type, int value)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (enum_type);
  const GEnumValue *found = g_enum_get_value (klass, value);

  /* Nicks live in static storage, so they outlive the class ref. */
  return found != NULL ? found->value_nick : NULL;
}
