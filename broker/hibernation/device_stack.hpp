// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The block device stack below a swap, as sysfs shows it: each layer's
// number, kind and device-mapper names (dev, size, dm/), the layers below it
// (slaves/), the devices stacked on it (holders/), and for crypt layers what
// a CryptInspector says. Part of gathering the facts; private to the check.

#include <string>
#include <vector>

#include "hibernation/crypt_inspect.hpp"
#include "hibernation/kernel_facts.hpp"
#include "hibernation/kernel_tree.hpp"

namespace ldb {

// Appends the device at sysfs directory `dir` (absolute, resolved) and
// everything below it to `layers`, the top first. What cannot be read
// becomes the error of the layer it concerns; nothing throws but the
// allocator.
void read_device_stack(const KernelTree& tree, CryptInspector& inspector, const std::string& dir,
                       std::vector<BlockLayer>& layers);

} // namespace ldb
