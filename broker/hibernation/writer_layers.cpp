// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/writer_layers.hpp"

#include <algorithm>
#include <vector>

namespace ldb {

using kernel_text::shown;

namespace {

// above[i]: the layers of the stack directly on top of layer i.
using Above = std::vector<std::vector<size_t>>;

Above layers_above(const std::vector<BlockLayer>& L)
{
    const size_t n = L.size();
    Above above(n);
    for (size_t j = 0; j < n; j++)
        for (size_t c : L[j].lower)
            if (c < n && c != j && std::find(above[c].begin(), above[c].end(), j) == above[c].end())
                above[c].push_back(j);
    return above;
}

std::string describe_holder(const BlockHolder& h)
{
    return "/dev/" + shown(h.name) + (h.dm_name.empty() ? "" : " (" + shown(h.dm_name) + ")");
}

// What the writer suspends along with the integrity layer i: the dm-crypt
// layers right above it. i comes first.
std::vector<size_t> suspended_with(const std::vector<BlockLayer>& L, const Above& above, size_t i)
{
    std::vector<size_t> suspended{i};
    for (size_t j : above[i])
        if (L[j].kind == LayerKind::DmCrypt)
            suspended.push_back(j);
    return suspended;
}

// A suspended layer must have no holders but the stack's own.
std::optional<StackRefusal> refuse_other_holders(const std::vector<BlockLayer>& L, const Above& above, size_t i,
                                                 const std::vector<size_t>& suspended, const std::string& label)
{
    const std::string stall = "anything else on it would stall while it is suspended or see a stale dm-integrity instance";
    const std::string why = "lockdown-hibernate must suspend and reload that layer after a resume, and " + stall;
    for (size_t x : suspended) {
        const BlockLayer& l = L[x];
        const std::string role = x == i ? "the dm-integrity layer of " + label
                                        : "the dm-crypt layer above the dm-integrity layer " + describe_layer(L[i]) +
                                              " of " + label;
        if (!l.holders_error.empty())
            return StackRefusal{HibernationBlock::Unverifiable,
                                "cannot tell what else is stacked on " + describe_layer(l) + ", " + role +
                                    ", which lockdown-hibernate must suspend and reload after a resume: " +
                                    l.holders_error,
                                "layer-holders-unreadable"};
        std::string others;
        for (const BlockHolder& h : l.holders) {
            const bool ours =
                std::any_of(above[x].begin(), above[x].end(), [&](size_t j) { return L[j].name == h.name; });
            if (!ours)
                others += (others.empty() ? "" : ", ") + describe_holder(h);
        }
        if (!others.empty())
            return StackRefusal{HibernationBlock::SharedLayer,
                                describe_layer(l) + ", " + role + ", is also used by " + others + ", stacked on it: " +
                                    (x == i ? why
                                            : "lockdown-hibernate must suspend that layer after a resume while it "
                                              "reloads the one below, and " + stall) +
                                    ". Give the swap a LUKS2 --integrity partition of its own",
                                "shared-integrity-layer"};
    }
    return std::nullopt;
}

// Everything between the integrity layer i and the swap must be one of the
// dm-crypt layers suspended with it.
std::optional<StackRefusal> refuse_layers_between(const std::vector<BlockLayer>& L, const Above& above, size_t i,
                                                  const std::vector<size_t>& suspended, const std::string& label)
{
    const size_t n = L.size();
    std::vector<bool> seen(n, false);
    std::vector<size_t> todo = above[i];
    while (!todo.empty()) {
        const size_t j = todo.back();
        todo.pop_back();
        if (seen[j])
            continue;
        seen[j] = true;
        todo.insert(todo.end(), above[j].begin(), above[j].end());
    }
    for (size_t j = 0; j < n; j++) {
        if (!seen[j] || std::find(suspended.begin() + 1, suspended.end(), j) != suspended.end())
            continue;
        const std::string what =
            L[j].kind == LayerKind::DmOther
                ? "a device-mapper layer (LVM or similar), whose volume group can hold other volumes, such as "
                  "the root file system"
                : "a " + to_string(L[j].kind) + " layer that lockdown-hibernate would not suspend with it";
        return StackRefusal{HibernationBlock::SharedLayer,
                            label + " reaches its dm-integrity layer " + describe_layer(L[i]) + " through " +
                                describe_layer(L[j]) + ", " + what +
                                ": lockdown-hibernate must suspend and reload the dm-integrity layer after a "
                                "resume, and anything else on that stack would stall while it is suspended or "
                                "see a stale dm-integrity instance. Put the swap directly on a LUKS2 --integrity "
                                "partition of its own",
                            "layer-between"};
    }
    return std::nullopt;
}

} // namespace

std::optional<StackRefusal> judge_writer_layers(const SwapFacts& s, const std::string& label)
{
    const std::vector<BlockLayer>& L = s.layers;
    const Above above = layers_above(L);
    for (size_t i = 0; i < L.size(); i++) {
        if (L[i].kind != LayerKind::DmIntegrity)
            continue;
        const std::vector<size_t> suspended = suspended_with(L, above, i);
        if (auto r = refuse_other_holders(L, above, i, suspended, label))
            return r;
        if (auto r = refuse_layers_between(L, above, i, suspended, label))
            return r;
    }
    return std::nullopt;
}

} // namespace ldb
