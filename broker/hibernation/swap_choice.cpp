// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/swap_choice.hpp"

namespace ldb {

using kernel_text::shown;

bool is_zram_path(const std::string& path) { return path.starts_with("/dev/zram"); }

Choice choose_swap(const HibernationFacts& f)
{
    Choice c;
    const bool resume_set = f.resume && !(*f.resume == DevNo{});
    const uint64_t sys_offset = f.resume_offset.value_or(0);
    size_t zram = 0;
    for (size_t i = 0; i < f.swaps.size(); i++) {
        const SwapFacts& s = f.swaps[i];
        const SwapEntry& e = s.entry;
        if (e.type == SwapType::File && e.deleted) {
            c.skipped.push_back(shown(e.path) + " (deleted)");
            continue;
        }
        if (e.type == SwapType::Partition && is_zram_path(e.path)) {
            zram++;
            c.skipped.push_back(shown(e.path) + " (zram)");
            continue;
        }
        if (e.type == SwapType::Other) {
            c.skipped.push_back(shown(e.path) + " (type " + shown(e.type_text) + ")");
            continue;
        }
        if (!resume_set && c.index) {
            const SwapEntry& best = f.swaps[*c.index].entry;
            const auto free_of = [](const SwapEntry& x) { return x.size_kib > x.used_kib ? x.size_kib - x.used_kib : 0; };
            if (e.priority < best.priority || (e.priority == best.priority && free_of(e) < free_of(best)))
                continue;
        }
        c.index = i;
        if (resume_set && s.devno && *s.devno == *f.resume) {
            // A swap file matches only at its own first block; one whose
            // offset is unknown cannot be shown to match.
            const std::optional<uint64_t> off = e.type == SwapType::File ? s.file_offset_pages : uint64_t{0};
            if (off && *off == sys_offset) {
                c.resume_match = true;
                break;
            }
        }
    }
    c.only_zram = !c.index && zram > 0;
    return c;
}

} // namespace ldb
