# SPDX-License-Identifier: LGPL-2.1-or-later
'''Lockdown settings: a GTK4 + libadwaita front end of lockdown-brokerd.

It reads and changes the broker's state through liblockdown-broker-1
(LockdownBroker 1 through GObject introspection) and nothing else.'''
