// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The lifecycle of exceptions: add, renew the kernel lease while they hold,
// remove with a reason, and rebuild after a restart. Knows nothing of D-Bus,
// logind or polkit: callers decide *whether*; this decides *how*, so that the
// kernel map, the table and the runtime-dir record never disagree.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "enforcement/enforcer.hpp"
#include "exceptions/store.hpp"
#include "enforcement/reasons.hpp"
#include "base/clock.hpp"

namespace ldb {

// The kernel side, narrowed so tests can fake it. Enforcer implements it
// through EnforcerGrants.
class KernelGrants {
public:
    virtual ~KernelGrants() = default;
    virtual uint64_t add(const GrantRequest& req) = 0;
    virtual size_t remove(uint64_t id) = 0;
    virtual size_t renew(uint64_t id, uint64_t expires_boot_ns) = 0;
    // Removes the keys of grant `id` on one cgroup; returns how many.
    virtual size_t narrow(uint64_t id, uint64_t cgroup_id) = 0;
    virtual std::vector<GrantEntry> list() const = 0;
};

class EnforcerGrants final : public KernelGrants {
public:
    explicit EnforcerGrants(Enforcer& e) : e_(e) {}
    uint64_t add(const GrantRequest& req) override { return e_.add_grant(req); }
    size_t remove(uint64_t id) override { return e_.remove_grant(id); }
    size_t renew(uint64_t id, uint64_t t) override { return e_.renew_grant(id, t); }
    size_t narrow(uint64_t id, uint64_t cgroup_id) override { return e_.remove_grant_cgroup(id, cgroup_id); }
    std::vector<GrantEntry> list() const override { return e_.grants(); }

private:
    Enforcer& e_;
};

class ExceptionTable {
public:
    struct Hooks {
        std::function<void(const Exception&)> granted;
        std::function<void(const Exception&, RevokeWhy why)> revoked;
        // The exception covers fewer cgroups (`e.cgroups` is what is left;
        // `e.narrowed` says why).
        std::function<void(const Exception&)> narrowed;
    };
    struct Settings {
        uint64_t lease_seconds = 60;
        // cgroup path -> id; throws for a path that is not a cgroup.
        std::function<uint64_t(const std::string&)> cgroup_id;
    };

    ExceptionTable(KernelGrants& kernel, const ReasonCatalog& reasons, ExceptionStore& store, Settings settings, Clocks clocks,
               Hooks hooks);

    // `spec` carries reasons, scope, cgroups, holder and origin; the id and
    // the times are filled in here. Either the exception is complete in the
    // kernel, the table and the store, or nothing changed and this throws.
    const Exception& add(Exception spec, uint64_t seconds);

    // Removes it everywhere; false if there is no such exception.
    bool remove(uint64_t id, RevokeWhy why);
    // Removes every exception `pred` selects; returns how many.
    size_t remove_if(const std::function<bool(const Exception&)>& pred, RevokeWhy why);

    // The ways an exception's conditions end, each removing every exception
    // they bind: a session (locked, inactive, removed), a unit (stopped), or
    // every session-bound one (resume from sleep).
    size_t end_session(const std::string& session_id, RevokeWhy why);
    size_t end_unit(const std::string& unit);
    size_t end_all_sessions(RevokeWhy why);

    // Takes `drop` out of exception `id`: the kernel keys of those cgroups
    // first, then the table and the record; the hook once. Cgroups the
    // exception does not cover are ignored; false if nothing was dropped. An
    // exception left with no cgroup is removed instead (RevokeWhy::Invalid).
    bool narrow(uint64_t id, const std::vector<std::string>& drop, std::string_view why);

    const Exception* find(uint64_t id) const;
    const std::map<uint64_t, Exception>& all() const noexcept { return table_; }

    // Ends what has run out ("expired") and moves the kernel lease of the
    // rest forward. Call it every lease_seconds / 3.
    void renew();

    // After a (re)start: the kernel map is the truth for what exists, the
    // store for why. Keys without a record are removed; records without keys
    // are dropped; `invalid_why` returns why an exception no longer holds
    // (its session locked meanwhile, say), nullopt while it does.
    void restore(const std::function<std::optional<RevokeWhy>(const Exception&)>& invalid_why);

    std::chrono::milliseconds renew_interval() const;

    // The kernel expiry of an exception without a kernel lease.
    static constexpr uint64_t kNoLease = UINT64_MAX;

private:
    uint64_t lease_until(const Exception& e) const;

    KernelGrants& kernel_;
    const ReasonCatalog& reasons_;
    ExceptionStore& store_;
    Settings settings_;
    Clocks clocks_;
    Hooks hooks_;
    std::map<uint64_t, Exception> table_;
};

} // namespace ldb
