// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/stack_protection.hpp"

#include <set>
#include <tuple>

#include "hibernation/crypt_strength.hpp"

namespace ldb {

std::string to_string(ImageProtection p)
{
    switch (p) {
    case ImageProtection::Authenticated: return "authenticated";
    case ImageProtection::EncryptedOnly: return "encrypted-only";
    case ImageProtection::Unencrypted: return "unencrypted";
    case ImageProtection::Unknown: return "unknown";
    }
    return "?";
}

namespace {

// Safety order: a path we cannot judge is worse than a known weaker tier,
// because RequireAuthenticatedImage=no must not accept it.
int rank(ImageProtection p)
{
    switch (p) {
    case ImageProtection::Unencrypted: return 0;
    case ImageProtection::Unknown: return 1;
    case ImageProtection::EncryptedOnly: return 2;
    case ImageProtection::Authenticated: return 3;
    }
    return 0;
}

struct PathState {
    const BlockLayer* encrypting = nullptr;  // first layer that encrypts
    bool authenticates = false;
    const BlockLayer* unknown = nullptr;
    std::string unknown_why;
    std::string weak_why;
};

// Paths through a shared lower device are judged once per state: the worst
// path wins either way, and a diamond-shaped stack cannot blow up the walk.
using Visited = std::set<std::tuple<size_t, bool, bool, bool>>;

void judge(ImageProtection p, const BlockLayer* culprit, std::string why, StackResult& out)
{
    if (!out.judged || rank(p) < rank(out.protection)) {
        out.protection = p;
        out.culprit = culprit;
        out.why = std::move(why);
    }
    out.judged = true;
}

// What layer `l` adds to the path through it.
void add_layer(const BlockLayer& l, PathState& st, StackResult& out)
{
    if (!l.error.empty() && !st.unknown) {
        st.unknown = &l;
        st.unknown_why = l.error;
    }
    if (l.kind == LayerKind::Volatile && !out.volatile_layer)
        out.volatile_layer = &l;
    if (l.crypt && !l.crypt->live) {
        if (!st.unknown) {
            st.unknown = &l;
            st.unknown_why = "only " + l.crypt->source + " could be read, which says " +
                             assess_crypt(*l.crypt).description +
                             "; the live table decides what is written, and reading it needs CAP_SYS_ADMIN";
        }
    } else if (l.crypt) {
        const CryptStrength c = assess_crypt(*l.crypt);
        if (c.encrypts && !st.encrypting)
            st.encrypting = &l;
        st.authenticates = st.authenticates || c.authenticates;
        if (!c.authenticates && st.weak_why.empty())
            st.weak_why = c.why;
    } else if ((l.kind == LayerKind::DmCrypt || l.kind == LayerKind::DmOther ||
                (l.kind == LayerKind::DmIntegrity && parse_dm_uuid(l.dm_uuid).type == "INTEGRITY")) &&
               !l.crypt_error.empty() && !st.unknown) {
        st.unknown = &l;
        st.unknown_why = l.crypt_error;
    }
}

// A path that ends at the leaf `l`.
void judge_path(const BlockLayer& l, const PathState& st, StackResult& out)
{
    ImageProtection p;
    const BlockLayer* culprit = &l;
    std::string why;
    if (st.encrypting && st.authenticates) {
        p = ImageProtection::Authenticated;
    } else if (st.unknown) {
        p = ImageProtection::Unknown;
        culprit = st.unknown;
        why = st.unknown_why;
    } else if (st.encrypting) {
        p = ImageProtection::EncryptedOnly;
        culprit = st.encrypting;
        why = st.weak_why;
    } else {
        p = ImageProtection::Unencrypted;
    }
    judge(p, culprit, std::move(why), out);
}

void walk(const std::vector<BlockLayer>& layers, size_t idx, PathState st, int depth, StackResult& out,
          Visited& visited, std::vector<bool>& on_path)
{
    const BlockLayer& l = layers[idx];
    // A stack that leads back into itself has no bottom to judge.
    if (on_path[idx])
        return judge(ImageProtection::Unknown, &l, "the device stack loops back to " + l.name, out);
    if (!visited.insert({idx, st.encrypting != nullptr, st.authenticates, st.unknown != nullptr}).second)
        return;
    add_layer(l, st, out);
    if (l.lower.empty())
        return judge_path(l, st, out);
    if (depth >= kMaxStackDepth)
        return judge(ImageProtection::Unknown, &l, "the device stack is deeper than " + std::to_string(kMaxStackDepth),
                     out);
    on_path[idx] = true;
    for (size_t c : l.lower) {
        if (c < layers.size())
            walk(layers, c, st, depth + 1, out, visited, on_path);
        else
            judge(ImageProtection::Unknown, &l, "a lower device of " + l.name + " is missing", out);
    }
    on_path[idx] = false;
}

} // namespace

StackResult judge_stack(const std::vector<BlockLayer>& layers)
{
    StackResult out;
    if (layers.empty()) {
        out.protection = ImageProtection::Unknown;
        out.why = "no block device found";
        return out;
    }
    Visited visited;
    std::vector<bool> on_path(layers.size(), false);
    walk(layers, 0, PathState{}, 0, out, visited, on_path);
    if (!out.judged) {
        out.protection = ImageProtection::Unknown;
        out.culprit = &layers[0];
        out.why = "no path through the device stack reaches a disk";
    }
    if (out.protection == ImageProtection::Authenticated)
        out.culprit = &layers[0];
    return out;
}

} // namespace ldb
