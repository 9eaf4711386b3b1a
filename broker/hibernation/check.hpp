// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The image protection check for hibernation: where would the kernel write
// the image, and can an offline attacker read or forge it there?
//
// Three stages, kept apart so that each can be tested on its own; this
// header is all of them, for the callers (gate, daemon, lockdown-hibernate):
//  1. kernel_text.hpp: parsers for the kernel's text files (pure, fuzzed);
//     crypt_strength.hpp judges one crypt layer's cipher and integrity;
//  2. kernel_facts.hpp: gather_hibernation_facts() reads /sys/power,
//     /proc/swaps, /proc/meminfo, the block device stack in sysfs
//     (device_stack.hpp) and the swap header (page_io.hpp) below a root
//     directory, and asks a CryptInspector about every dm-crypt layer;
//  3. verdict.hpp: classify_hibernation(), facts in, verdict out, no I/O
//     (swap_choice.hpp, stack_protection.hpp, writer_layers.hpp).

#include "hibernation/crypt_inspect.hpp"
#include "hibernation/crypt_strength.hpp"
#include "hibernation/kernel_facts.hpp"
#include "hibernation/kernel_text.hpp"
#include "hibernation/swap_header.hpp"
#include "hibernation/verdict.hpp"
