// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// journald MESSAGE_IDs, one per kind of record. data/lockdown-broker.catalog
// explains each; keep the two in step.
namespace ldb::message_id {
inline constexpr const char* kDenied = "29417f12c63e4de89dc86de0dba98c7a";
inline constexpr const char* kAudit = "a1b93de028fb4756a9954d7282d1b747";
inline constexpr const char* kGrantUsed = "a174d638ef194a73bc026b70e08e9f33";
inline constexpr const char* kLeaseExpired = "e1390c3ccc7d4770bd5bba305cfd78ff";
inline constexpr const char* kExceptionGranted = "b65aff0605f64713a347777811e1533e";
inline constexpr const char* kExceptionRevoked = "f5cca6defcaa437f8bd238f08c72bc01";
// An exception covers fewer cgroups (another session of the user appeared).
inline constexpr const char* kExceptionNarrowed = "de187a6ff242401cbcb73580d46eba95";
inline constexpr const char* kEventsDropped = "bf45e8bd6ab34dc5906ddc3122982c92";
inline constexpr const char* kDebugChanged = "28b303354dc14451bc6eae49f60ba504";
inline constexpr const char* kDebugRestored = "5b9bf9a5c38a4e7e8adbe3651d86993f";
// Dynamic debug changed without the broker (a module's dyndbg= parameter), reverted.
inline constexpr const char* kDebugForeign = "a5f1d393f9e04866b77a3dc6ffef75d7";
// --enforce-only: an optional part did not load; locked_down did not load.
inline constexpr const char* kPartMissing = "69dad4bf7a504a6197295bd0edd0033e";
inline constexpr const char* kNotEnforcing = "35c2237459da4e2baefbea53e4630e9a";
// lockdown-hibernate --guard-swaps
inline constexpr const char* kStaleImageRepaired = "dcb5cf7764b04fddb3ccec7c3ff99a3f";
inline constexpr const char* kStaleImageUnrepaired = "ad9d909d54d74678b049cff04cf7385a";
// Policy reload (SIGHUP, systemctl reload): applied or unchanged; refused
// because it loosens (waits for the next boot); the files were wrong.
inline constexpr const char* kPolicyReloaded = "dd4c31fe648941e7a2211892a47c80de";
inline constexpr const char* kPolicyLoosenRefused = "7b87f6cc62b24a67a03804543365b2ad";
inline constexpr const char* kPolicyReloadFailed = "46b3e8e5fac941d893d8c916bfc35500";
} // namespace ldb::message_id
