/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define LDB_INSIDE
#include "ldb-enums.h"
#include "ldb-enum-types.h"
#include "ldb-error.h"
#include "ldb-reason.h"
#include "ldb-exception.h"
#include "ldb-callsite.h"
#include "ldb-client.h"
#undef LDB_INSIDE
