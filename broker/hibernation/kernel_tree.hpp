// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The files the hibernation check reads, below a root directory: "/" is the
// running system, tests point it at a fixture tree. Private to the check.

#include <optional>
#include <string>

namespace ldb {

class KernelTree {
public:
    // The root is made canonical so that resolved sysfs links can be
    // checked to stay inside it.
    explicit KernelTree(const std::string& root);

    // `abs` ("/sys/power/resume") below the root.
    std::string path(const std::string& abs) const { return root_ + abs; }

    // Reads a small kernel file whole (base/files.hpp's bounded reader, at
    // most 1 MiB); nullopt with `err` set to why when it cannot.
    std::optional<std::string> read(const std::string& abs, std::string* err = nullptr) const;

    // Resolves symlinks (sysfs is made of them) and keeps the result inside
    // the tree; the empty string with `err` set on loops and dangling links.
    std::string resolve(const std::string& abs, std::string& err) const;

private:
    std::string root_; // canonical, without a trailing '/'; empty for "/"
};

} // namespace ldb
