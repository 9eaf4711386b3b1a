// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Which polkit action guards each method, and the one precondition every
// guarded method goes through: checked before polkit is asked and again
// when it answers (a prompt may stay open for minutes, and the session may
// lock meanwhile). A caller that leaves while polkit decides gets nothing.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "bus/caller.hpp"
#include "bus/replying.hpp"
#include "host/authority.hpp"
#include "host/sessions.hpp"

namespace ldb {

// The methods that ask polkit.
enum class Guarded { RequestException, GrantException, RevokeException, Hibernate, SetDebug };

struct Guard {
    std::string_view method;
    const char* action_id;
    // Acts for the caller's own session, which must be eligible at both
    // checks.
    bool session_bound;
};
// The one method -> polkit action table.
const Guard& guard_of(Guarded m);

enum class Stage { BeforePolkit, AfterPolkit };

// One guarded call: who asks, and (session-bound methods) the caller's
// session as it was at the latest check.
struct GuardedCall {
    Guarded method;
    Caller caller;
    std::optional<SessionInfo> session;
    // A caller outside any session acts for the user's display session
    // (RequestException scope=caller from a scope in user@UID.service).
    bool display_fallback = false;
    // Set by the precondition: the caller was outside any session, and
    // `session` is the user's display session.
    bool via_display = false;
};

// A method's own condition, checked after the session at each stage.
using Condition = std::function<void(Stage, const GuardedCall&)>;
using PolkitDetails = std::map<std::string, std::string>;

class Authorizer {
public:
    Authorizer(Authority& authority, SessionDirectory& sessions) : authority_(authority), sessions_(sessions) {}

    // The precondition: the caller's session (session-bound methods: found
    // from the caller's pid before polkit, looked up again by id after it),
    // then `extra`. Throws ldb::Error when the call may not go on.
    void precondition(Stage stage, GuardedCall& call, const Condition& extra) const;

    // Checks the precondition, asks polkit for the method's action with
    // `details` (computed once the precondition held), checks again when
    // polkit allows, then runs `then`. Whatever is thrown before polkit is
    // asked goes to the method's own replying(); later, through `result`.
    template <typename R>
    void run(R&& result, GuardedCall call, const std::function<PolkitDetails()>& details, Condition extra,
             std::function<void(R&, const GuardedCall&)> then);

    // The caller `sender` left the bus: drop its pending checks.
    void cancel_of(const std::string& sender);

private:
    struct Pending {
        Authority::Handle handle;
        std::string sender;
    };
    Authority& authority_;
    SessionDirectory& sessions_;
    std::map<uint64_t, Pending> pending_;
    uint64_t next_token_ = 1;
};

template <typename R>
void Authorizer::run(R&& result, GuardedCall call, const std::function<PolkitDetails()>& details, Condition extra,
                     std::function<void(R&, const GuardedCall&)> then)
{
    precondition(Stage::BeforePolkit, call, extra);
    const PolkitDetails asked = details ? details() : PolkitDetails{};
    const char* action_id = guard_of(call.method).action_id;
    const uint64_t token = next_token_++;
    const std::string sender = call.caller.sender;
    const bool interactive = call.caller.interactive;
    auto shared = std::make_shared<R>(std::move(result));
    auto state = std::make_shared<GuardedCall>(std::move(call));
    Authority::Handle handle = 0;
    try {
        handle = authority_.check(
            sender, action_id, asked, interactive,
            [this, token, shared, state, action_id, extra = std::move(extra),
             then = std::move(then)](AuthResult r, const std::string& detail) {
                pending_.erase(token);
                replying(*shared, [&] {
                    if (r == AuthResult::Failed)
                        throw Error(ErrorKind::Internal, detail);
                    if (r != AuthResult::Authorized)
                        throw Error(ErrorKind::NotAuthorized, detail + " (" + action_id + ")");
                    precondition(Stage::AfterPolkit, *state, extra);
                    then(*shared, *state);
                });
            });
    } catch (...) {
        // The result has moved here: answer through it, never through the
        // caller's moved-from one.
        replying(*shared, [] { throw; });
        return;
    }
    pending_[token] = Pending{handle, sender};
}

} // namespace ldb
