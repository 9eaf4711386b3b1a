// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/device_stack.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "base/error.hpp"
#include "hibernation/kernel_text.hpp"

namespace fs = std::filesystem;

namespace ldb {

namespace {

using kernel_text::chomp;
using kernel_text::has_prefix_and_digits;
using kernel_text::shown;

constexpr size_t kMaxLayers = 64;

class StackReader {
public:
    StackReader(const KernelTree& tree, CryptInspector& inspector, std::vector<BlockLayer>& layers)
        : tree_(tree), inspector_(inspector), layers_(layers)
    {
    }

    // Adds the layer at sysfs directory `dir` (absolute, resolved) and
    // everything below it; returns its index.
    size_t add(const std::string& dir, int depth)
    {
        if (const auto it = seen_.find(dir); it != seen_.end()) {
            if (on_path_.count(dir))
                layers_[it->second].error = "the device stack loops back to " + dir;
            return it->second;
        }
        const size_t idx = layers_.size();
        layers_.emplace_back();
        seen_[dir] = idx;
        on_path_.insert(dir);
        fill(idx, dir, depth);
        on_path_.erase(dir);
        return idx;
    }

private:
    void fill(size_t idx, const std::string& dir, int depth)
    {
        BlockLayer l;
        l.name = fs::path(dir).filename().string();
        identify(l, dir);
        const std::vector<std::string> lower_dirs = lower_dirs_of(l, dir, depth);
        read_holders(l, dir);
        layers_[idx] = std::move(l);

        for (const auto& d : lower_dirs) {
            if (layers_.size() >= kMaxLayers) {
                layers_[idx].error = "more than " + std::to_string(kMaxLayers) + " devices below " + layers_[idx].name;
                break;
            }
            const size_t child = add(d, depth + 1);
            layers_[idx].lower.push_back(child);
        }
        inspect(idx);
    }

    // The layer's number, size and kind, from dev, size and dm/.
    void identify(BlockLayer& l, const std::string& dir) const
    {
        std::string err;
        if (const auto dev = tree_.read(dir + "/dev", &err)) {
            if (auto d = parse_devno(*dev))
                l.devno = *d;
            else
                l.error = dir + "/dev holds '" + shown(*dev) + "', not MAJ:MIN";
        } else {
            l.error = err;
        }
        if (const auto size = tree_.read(dir + "/size"))
            l.size_sectors = parse_u64(*size);

        if (const auto dm_name = tree_.read(dir + "/dm/name")) {
            l.dm_name = std::string(chomp(*dm_name));
            l.dm_uuid = std::string(chomp(tree_.read(dir + "/dm/uuid").value_or("")));
            const DmUuid u = parse_dm_uuid(l.dm_uuid);
            if (u.type == "SUBDEV" || u.type == "INTEGRITY")
                l.kind = LayerKind::DmIntegrity;
            else if (u.cryptsetup && u.type != "VERITY" && u.type != "TEMP")
                l.kind = LayerKind::DmCrypt;
            else
                l.kind = LayerKind::DmOther;
        } else if (has_prefix_and_digits(l.name, "zram") || has_prefix_and_digits(l.name, "ram")) {
            l.kind = LayerKind::Volatile;
        } else if (has_prefix_and_digits(l.name, "loop")) {
            l.kind = LayerKind::Loop;
            const auto backing = tree_.read(dir + "/loop/backing_file");
            l.error = "loop device " + l.name + (backing ? " backed by " + shown(chomp(*backing)) : "") +
                      ": lockdown-broker does not follow loop devices";
        } else if (has_prefix_and_digits(l.name, "md")) {
            l.kind = LayerKind::Md;
        }
    }

    // The resolved sysfs directories of the layers below, from slaves/.
    std::vector<std::string> lower_dirs_of(BlockLayer& l, const std::string& dir, int depth) const
    {
        std::vector<std::string> lower_dirs;
        if (depth >= kMaxStackDepth) {
            l.error = "the device stack below " + l.name + " is deeper than " + std::to_string(kMaxStackDepth);
            return lower_dirs;
        }
        std::error_code ec;
        std::vector<std::string> names;
        for (const auto& de : fs::directory_iterator(tree_.path(dir + "/slaves"), ec))
            names.push_back(de.path().filename().string());
        std::sort(names.begin(), names.end());
        for (const auto& n : names) {
            std::string rerr;
            std::string r = tree_.resolve(dir + "/slaves/" + n, rerr);
            if (r.empty()) {
                l.error = rerr;
                continue;
            }
            lower_dirs.push_back(std::move(r));
        }
        return lower_dirs;
    }

    // What else is stacked on the layer: lockdown-hibernate suspends some
    // layers after a resume, which must not stall anyone else. Only the
    // names are needed (and the device-mapper name, for messages), so the
    // links in holders/ are not followed beyond that.
    void read_holders(BlockLayer& l, const std::string& dir) const
    {
        const std::string hdir = dir + "/holders";
        std::error_code ec;
        std::vector<std::string> entries;
        fs::directory_iterator it(tree_.path(hdir), ec);
        for (const fs::directory_iterator end{}; !ec && it != end; it.increment(ec)) {
            entries.push_back(it->path().filename().string());
            if (entries.size() > kMaxHolders)
                break;
        }
        if (ec) {
            l.holders_error = "cannot list " + hdir + ": " + ec.message();
            return;
        }
        std::string perr;
        const auto names = parse_holders(std::move(entries), perr);
        if (!names) {
            l.holders_error = hdir + ": " + perr;
            return;
        }
        for (const auto& n : *names) {
            BlockHolder h;
            h.name = n;
            h.dm_name = std::string(chomp(tree_.read(hdir + "/" + n + "/dm/name").value_or("")));
            l.holders.push_back(std::move(h));
        }
    }

    // Asks libcryptsetup (or a fake) about a crypt layer. A device-mapper
    // device that cryptsetup did not make might still be dm-crypt (dmsetup),
    // so it is asked too; LVM's own devices are known pass-through.
    void inspect(size_t idx)
    {
        BlockLayer& l = layers_[idx];
        const DmUuid u = parse_dm_uuid(l.dm_uuid);
        const bool ask = l.kind == LayerKind::DmCrypt || (l.kind == LayerKind::DmIntegrity && u.type == "INTEGRITY") ||
                         (l.kind == LayerKind::DmOther && !l.dm_uuid.starts_with("LVM-") && !u.cryptsetup);
        if (!ask)
            return;
        CryptTarget t;
        t.dm_name = l.dm_name;
        t.dm_uuid = l.dm_uuid;
        t.device = l.node();
        if (!l.lower.empty()) {
            const BlockLayer* below = &layers_[l.lower.front()];
            // LUKS2 --integrity: the header is below the integrity sub-device.
            if (parse_dm_uuid(below->dm_uuid).type == "SUBDEV" && !below->lower.empty())
                below = &layers_[below->lower.front()];
            t.header_device = below->node();
        }
        try {
            CryptFacts f = inspector_.inspect(t);
            BlockLayer& lr = layers_[idx];
            if (lr.kind == LayerKind::DmOther) {
                if (f.cipher.empty() && f.integrity.empty())
                    return; // not a crypt target: a pass-through
                lr.kind = f.type == "INTEGRITY" ? LayerKind::DmIntegrity : LayerKind::DmCrypt;
            }
            lr.crypt = std::move(f);
        } catch (const Error& e) {
            layers_[idx].crypt_error = e.what();
            if (!e.hint().empty())
                layers_[idx].crypt_error += " (" + e.hint() + ")";
        }
    }

    const KernelTree& tree_;
    CryptInspector& inspector_;
    std::vector<BlockLayer>& layers_;
    std::map<std::string, size_t> seen_;
    std::set<std::string> on_path_;
};


} // namespace

void read_device_stack(const KernelTree& tree, CryptInspector& inspector, const std::string& dir,
                       std::vector<BlockLayer>& layers)
{
    StackReader(tree, inspector, layers).add(dir, 0);
}

} // namespace ldb
