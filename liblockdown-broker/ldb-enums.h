/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(LDB_INSIDE) && !defined(LDB_COMPILATION)
#error "Only <lockdown-broker.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/* The broker sends enums as lower-case strings (see the interface XML). The
 * nick of each value below is that string; a string this library does not
 * know becomes the UNKNOWN (0) value of its enum, never an error, so that an
 * older client keeps working against a newer broker. */

/**
 * LdbLockdownMode:
 * @LDB_LOCKDOWN_MODE_UNKNOWN: a mode this library does not know
 * @LDB_LOCKDOWN_MODE_NONE: "none"
 * @LDB_LOCKDOWN_MODE_INTEGRITY: "integrity"
 * @LDB_LOCKDOWN_MODE_CONFIDENTIALITY: "confidentiality"
 *
 * A lockdown mode: the kernel's own (#LdbClient:kernel-lockdown) or the
 * broker's configured baseline (#LdbClient:mode).
 */
typedef enum {
  LDB_LOCKDOWN_MODE_UNKNOWN = 0,
  LDB_LOCKDOWN_MODE_NONE,
  LDB_LOCKDOWN_MODE_INTEGRITY,
  LDB_LOCKDOWN_MODE_CONFIDENTIALITY,
} LdbLockdownMode;

/**
 * LdbReasonLevel:
 * @LDB_REASON_LEVEL_UNKNOWN: a level this library does not know
 * @LDB_REASON_LEVEL_INTEGRITY: "integrity"
 * @LDB_REASON_LEVEL_CONFIDENTIALITY: "confidentiality"
 *
 * The lockdown level a reason belongs to.
 */
typedef enum {
  LDB_REASON_LEVEL_UNKNOWN = 0,
  LDB_REASON_LEVEL_INTEGRITY,
  LDB_REASON_LEVEL_CONFIDENTIALITY,
} LdbReasonLevel;

/**
 * LdbReasonAction:
 * @LDB_REASON_ACTION_UNKNOWN: an action this library does not know
 * @LDB_REASON_ACTION_ALLOW: "allow"
 * @LDB_REASON_ACTION_DENY: "deny"
 * @LDB_REASON_ACTION_AUDIT: "audit" (allow and log)
 *
 * What the policy does with a reason.
 */
typedef enum {
  LDB_REASON_ACTION_UNKNOWN = 0,
  LDB_REASON_ACTION_ALLOW,
  LDB_REASON_ACTION_DENY,
  LDB_REASON_ACTION_AUDIT,
} LdbReasonAction;

/**
 * LdbScopeKind:
 * @LDB_SCOPE_KIND_UNKNOWN: a kind this library does not know
 * @LDB_SCOPE_KIND_SESSION: "session": a logind session id
 * @LDB_SCOPE_KIND_UNIT: "unit": a systemd unit name
 * @LDB_SCOPE_KIND_CGROUP: "cgroup": a path below the cgroup2 root
 *
 * What an exception's scope names.
 */
typedef enum {
  LDB_SCOPE_KIND_UNKNOWN = 0,
  LDB_SCOPE_KIND_SESSION,
  LDB_SCOPE_KIND_UNIT,
  LDB_SCOPE_KIND_CGROUP,
} LdbScopeKind;

/**
 * LdbOrigin:
 * @LDB_ORIGIN_UNKNOWN: an origin this library does not know
 * @LDB_ORIGIN_REQUEST: "request": a user asked
 * @LDB_ORIGIN_ADMIN: "admin": granted by an administrator
 * @LDB_ORIGIN_STANDING: "standing": from exceptions.d
 * @LDB_ORIGIN_HIBERNATION: "hibernation": lets the system hibernate
 *
 * Where an exception comes from.
 */
typedef enum {
  LDB_ORIGIN_UNKNOWN = 0,
  LDB_ORIGIN_REQUEST,
  LDB_ORIGIN_ADMIN,
  LDB_ORIGIN_STANDING,
  LDB_ORIGIN_HIBERNATION,
} LdbOrigin;

/**
 * LdbRevokeWhy:
 * @LDB_REVOKE_WHY_UNKNOWN: a cause this library does not know
 * @LDB_REVOKE_WHY_SESSION_LOCKED: "session-locked"
 * @LDB_REVOKE_WHY_SESSION_INACTIVE: "session-inactive"
 * @LDB_REVOKE_WHY_SESSION_REMOVED: "session-removed"
 * @LDB_REVOKE_WHY_EXPIRED: "expired"
 * @LDB_REVOKE_WHY_RELEASED: "released"
 * @LDB_REVOKE_WHY_REVOKED: "revoked"
 * @LDB_REVOKE_WHY_RESUMED: "resumed"
 * @LDB_REVOKE_WHY_UNIT_STOPPED: "unit-stopped"
 * @LDB_REVOKE_WHY_SCOPE_EMPTY: "scope-empty"
 * @LDB_REVOKE_WHY_HIBERNATION_BLOCKED: "hibernation-blocked"
 * @LDB_REVOKE_WHY_INVALID: "invalid"
 *
 * Why an exception ended (#LdbClient::exception-revoked).
 */
typedef enum {
  LDB_REVOKE_WHY_UNKNOWN = 0,
  LDB_REVOKE_WHY_SESSION_LOCKED,
  LDB_REVOKE_WHY_SESSION_INACTIVE,
  LDB_REVOKE_WHY_SESSION_REMOVED,
  LDB_REVOKE_WHY_EXPIRED,
  LDB_REVOKE_WHY_RELEASED,
  LDB_REVOKE_WHY_REVOKED,
  LDB_REVOKE_WHY_RESUMED,
  LDB_REVOKE_WHY_UNIT_STOPPED,
  LDB_REVOKE_WHY_SCOPE_EMPTY,
  LDB_REVOKE_WHY_HIBERNATION_BLOCKED,
  LDB_REVOKE_WHY_INVALID,
} LdbRevokeWhy;

/**
 * LdbNarrowWhy:
 * @LDB_NARROW_WHY_UNKNOWN: a cause this library does not know
 * @LDB_NARROW_WHY_NONE: "": the exception covers all it was granted with
 * @LDB_NARROW_WHY_OTHER_SESSION: "other-session": another session of the
 *   holder's user appeared
 *
 * Why an exception covers less than it was granted with.
 */
typedef enum {
  LDB_NARROW_WHY_UNKNOWN = 0,
  LDB_NARROW_WHY_NONE,
  LDB_NARROW_WHY_OTHER_SESSION,
} LdbNarrowWhy;

/**
 * LdbCanHibernate:
 * @LDB_CAN_HIBERNATE_UNKNOWN: a value this library does not know
 * @LDB_CAN_HIBERNATE_YES: "yes": hibernation is possible now
 * @LDB_CAN_HIBERNATE_NA: "na": it is not; see #LdbClient:hibernate-blocker
 *
 * Whether the system can hibernate to a protected image now.
 */
typedef enum {
  LDB_CAN_HIBERNATE_UNKNOWN = 0,
  LDB_CAN_HIBERNATE_YES,
  LDB_CAN_HIBERNATE_NA,
} LdbCanHibernate;

/**
 * LdbScope:
 * @LDB_SCOPE_SESSION: the caller's own logind session (the broker's default)
 * @LDB_SCOPE_CALLER: only the cgroup of the calling process, which must be a
 *   scope of its own (as `lockdownctl run` makes)
 *
 * What an exception asked for with ldb_client_request_exception_async()
 * covers: the "scope" option of RequestException.
 */
typedef enum {
  LDB_SCOPE_SESSION = 0,
  LDB_SCOPE_CALLER,
} LdbScope;

/**
 * LdbCallFlags:
 * @LDB_CALL_FLAGS_NONE: no flags
 * @LDB_CALL_FLAGS_INTERACTIVE: polkit may ask the user (an authentication
 *   dialog); the call then waits up to five minutes instead of GDBus's 25 s
 *
 * Flags for the calls of #LdbClient that polkit decides.
 */
typedef enum /*< flags >*/ {
  LDB_CALL_FLAGS_NONE = 0,
  LDB_CALL_FLAGS_INTERACTIVE = 1 << 0,
} LdbCallFlags;

G_END_DECLS
