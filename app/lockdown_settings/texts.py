# SPDX-License-Identifier: LGPL-2.1-or-later
'''The app's own, translatable text for the broker's codes.

The broker sends stable codes next to its English sentences (NoticeCode,
HibernateBlockerCode, the "why" of ExceptionRevoked, the reason names). A
code this version does not know falls back to the broker's sentence, or to
the code itself: a newer broker must not leave a blank.'''

from gettext import gettext as _

import gi

gi.require_version('LockdownBroker', '1')
from gi.repository import LockdownBroker as Ldb  # noqa: E402


def N_(text):
    '''Marks text for xgettext; _() translates it where it is shown.'''
    return text


NOTICES = {
    'not-enforcing': N_('Enforcement is not loaded, so nothing is locked: the broker '
                        'cannot refuse anything. See the broker\'s journal for why.'),
    'kernel-lockdown-raised': N_('The kernel raised its own lockdown (for example because '
                                 'Secure Boot is on). No exception can allow what the '
                                 'kernel\'s lockdown refuses.'),
    'part-missing-dynamic-debug': N_('Enforcement holds, but the dynamic debug part did not '
                                     'load on this kernel.'),
    'part-missing-pin-protection': N_('Enforcement holds, but the protection of its pinned '
                                      'files did not load on this kernel.'),
    'part-missing-self-protection': N_('Enforcement holds, but its self-protection did not '
                                       'load on this kernel.'),
    'part-missing-kexec-file': N_('Enforcement holds, but the kexec file check did not '
                                  'load on this kernel.'),
    'part-missing-hibernation-files': N_('Enforcement holds, but the protection of the '
                                         'hibernation files did not load on this kernel.'),
    'part-missing-cgroup-fence': N_('Enforcement holds, but the cgroup fence did not load '
                                    'on this kernel.'),
}

HIBERNATE_BLOCKERS = {
    'no-kernel-support': N_('This kernel cannot hibernate.'),
    'resume-unreadable': N_('The kernel does not say which device it resumes from.'),
    'swaps-unreadable': N_('The list of swap devices cannot be read.'),
    'no-swap': N_('No swap is active, so there is nowhere to write the image.'),
    'no-usable-swap': N_('None of the active swaps can hold a hibernation image.'),
    'zram-only': N_('The only swap is compressed memory (zram), which does not survive '
                    'power off.'),
    'swap-in-ram': N_('The swap is stored in memory, which does not survive power off.'),
    'resume-in-ram': N_('The kernel would resume from a memory device.'),
    'resume-mismatch': N_('The kernel would resume from a device that is not an active swap.'),
    'resume-unset': N_('No resume device is set, so the next boot would not find the image.'),
    'swap-stack-unreadable': N_('What stores the swap cannot be told.'),
    'protection-unverifiable': N_('How the swap is protected cannot be told.'),
    'swap-not-encrypted': N_('The swap is not encrypted: whoever has the disk could read '
                             'and change the hibernation image.'),
    'swap-not-authenticated': N_('The swap is encrypted but not authenticated: the image '
                                 'could be changed without anyone noticing.'),
    'swap-file': N_('The swap is a file; only swap partitions can hold the image.'),
    'unsupported-layer': N_('The swap sits on RAID (md) or a loop device.'),
    'page-size-unsupported': N_('The kernel\'s memory page size is not supported by the image writer.'),
    'shared-integrity-layer': N_('The integrity layer below the swap has other users.'),
    'layer-between': N_('Another layer (LVM or similar) sits between the integrity layer '
                        'and the swap.'),
    'layer-holders-unreadable': N_('What else uses a layer below the swap cannot be told.'),
    'stale-image': N_('The swap holds an image that this system did not resume from.'),
    'swap-header-unreadable': N_('The swap header cannot be read.'),
    'swap-too-small': N_('There is less free swap than the image may need.'),
    'swap-below-active-memory': N_('There is less free swap than memory in use.'),
    'no-active-session': N_('Nobody is logged in at the machine.'),
    'logind-unreachable': N_('The login manager could not be asked about sessions.'),
    'grant-failed': N_('The login manager\'s hibernation grant could not be set up.'),
}

# What each reason protects, in words a user knows.
REASONS = {
    'unsigned-module': N_('Loading kernel modules that are not signed'),
    'module-parameters': N_('Module parameters that set hardware addresses'),
    'dev-mem': N_('Reading and writing memory through /dev/mem and /dev/kmem'),
    'efi-test': N_('The EFI test driver'),
    'kexec': N_('Starting an unsigned kernel with kexec'),
    'hibernation': N_('Hibernating (the image could be changed on disk)'),
    'pci-access': N_('Direct access to PCI devices'),
    'ioport': N_('Raw hardware I/O ports'),
    'msr': N_('Writing CPU model-specific registers'),
    'acpi-tables': N_('Replacing ACPI tables'),
    'tiocsti': N_('Faking terminal input'),
    'mmiotrace': N_('Tracing memory-mapped I/O'),
    'debugfs': N_('The kernel\'s debug file system'),
    'bpf-write-kernel': N_('BPF programs writing kernel memory'),
    'kcore': N_('Reading kernel memory through /proc/kcore'),
    'kprobes': N_('Kernel probes'),
    'bpf-read-kernel': N_('BPF programs reading kernel memory'),
    'perf': N_('Kernel performance events that can read memory'),
    'tracefs': N_('The kernel\'s tracing file system'),
    'dynamic-debug': N_('Switching the kernel\'s debug messages on or off'),
}

REVOKE_WHY = {
    Ldb.RevokeWhy.SESSION_LOCKED: N_('your session was locked'),
    Ldb.RevokeWhy.SESSION_INACTIVE: N_('another session became active'),
    Ldb.RevokeWhy.SESSION_REMOVED: N_('the session ended'),
    Ldb.RevokeWhy.EXPIRED: N_('its time ran out'),
    Ldb.RevokeWhy.RELEASED: N_('it was released'),
    Ldb.RevokeWhy.REVOKED: N_('an administrator revoked it'),
    Ldb.RevokeWhy.RESUMED: N_('the machine resumed'),
    Ldb.RevokeWhy.UNIT_STOPPED: N_('its unit stopped'),
    Ldb.RevokeWhy.SCOPE_EMPTY: N_('its processes exited'),
    Ldb.RevokeWhy.HIBERNATION_BLOCKED: N_('hibernation is no longer protected'),
    Ldb.RevokeWhy.INVALID: N_('it no longer applied'),
}

ORIGINS = {
    Ldb.Origin.REQUEST: N_('Requested'),
    Ldb.Origin.ADMIN: N_('Granted by an administrator'),
    Ldb.Origin.STANDING: N_('Standing (configured by the system)'),
    Ldb.Origin.HIBERNATION: N_('For hibernation'),
}

MODES = {
    Ldb.LockdownMode.NONE: N_('None'),
    Ldb.LockdownMode.INTEGRITY: N_('Integrity'),
    Ldb.LockdownMode.CONFIDENTIALITY: N_('Confidentiality'),
}


def notice(code, fallback):
    '''The text for NoticeCode code; the broker's sentence for a code not known here.'''
    return _(NOTICES[code]) if code in NOTICES else fallback


def hibernate_blocker(code, fallback):
    return _(HIBERNATE_BLOCKERS[code]) if code in HIBERNATE_BLOCKERS else fallback


def reason(name):
    '''What reason name protects, or the name itself for one not known here.'''
    return _(REASONS[name]) if name in REASONS else name


def revoke_why(value):
    '''value: the Ldb.RevokeWhy of exception-revoked.'''
    return _(REVOKE_WHY.get(value, N_('for a reason this version does not know')))


def scope(kind, name):
    '''What an exception covers: kind is an Ldb.ScopeKind, name the session
    id, unit name or cgroup path.'''
    if kind == Ldb.ScopeKind.SESSION:
        return _('session {}').format(name)
    if kind == Ldb.ScopeKind.UNIT:
        return _('unit {}').format(name)
    if kind == Ldb.ScopeKind.CGROUP:
        return _('cgroup {}').format(name)
    return name


def origin(value):
    return _(ORIGINS.get(value, N_('Unknown origin')))


def mode(value):
    return _(MODES.get(value, N_('Unknown')))


def duration(seconds):
    '''A countdown, as "1 h 05 min", "4 min 09 s" or "12 s".'''
    seconds = max(0, int(seconds))
    if seconds >= 2 * 86400:
        # TRANSLATORS: a countdown of more than two days
        return _('{d} days').format(d=seconds // 86400)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        # TRANSLATORS: a countdown, hours and minutes
        return _('{h} h {m:02d} min').format(h=hours, m=minutes)
    if minutes:
        # TRANSLATORS: a countdown, minutes and seconds
        return _('{m} min {s:02d} s').format(m=minutes, s=secs)
    # TRANSLATORS: a countdown, seconds
    return _('{s} s').format(s=secs)
