#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''The dbusmock template has every method (with the XML's signatures) and
every property (with its type) of dbus/org.freedesktop.LockdownBroker1.xml,
so that panels testing against it test against the real contract.'''

import os
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

import dbus
import dbusmock

IFACE = 'org.freedesktop.LockdownBroker1'

def members(xml_text):
    '''{method: (in, out)}, {property: type} of IFACE in introspection XML.'''
    root = ET.fromstring(xml_text)
    iface = next(i for i in root.iter('interface') if i.get('name') == IFACE)
    methods, props = {}, {}
    for m in iface.findall('method'):
        args = m.findall('arg')
        methods[m.get('name')] = (
            ''.join(a.get('type') for a in args if a.get('direction', 'in') == 'in'),
            ''.join(a.get('type') for a in args if a.get('direction') == 'out'))
    for p in iface.findall('property'):
        props[p.get('name')] = p.get('type')
    return methods, props

class TestTemplateContract(dbusmock.DBusTestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_system_bus()

    def test_methods_and_properties(self):
        want_methods, want_props = members(open(os.environ['LDB_INTERFACE_XML']).read())
        mock, obj = self.spawn_server_template(os.environ['LDB_DBUSMOCK_TEMPLATE'], {},
                                               stdout=subprocess.DEVNULL)
        try:
            have_methods, _ = members(obj.Introspect(dbus_interface='org.freedesktop.DBus.Introspectable'))
            values = obj.GetAll(IFACE, dbus_interface=dbus.PROPERTIES_IFACE)
            props_xml = subprocess.run(
                ['gdbus', 'introspect', '--system', '--dest', IFACE, '--object-path',
                 '/org/freedesktop/LockdownBroker1', '--xml'],
                stdout=subprocess.PIPE, text=True, check=True).stdout
            _, have_props = members(props_xml)
        finally:
            mock.terminate()
            mock.wait()
        self.assertEqual(sorted(set(want_methods) - set(have_methods)), [], 'methods missing')
        for name, sig in want_methods.items():
            self.assertEqual(have_methods[name], sig, f'signature of {name}')
        self.assertEqual(sorted(set(want_props) - set(values)), [], 'properties missing')
        self.assertEqual(sorted(set(values) - set(want_props)), [], 'properties not in the XML')
        for name, sig in want_props.items():
            self.assertEqual(have_props.get(name), sig, f'type of {name}')

if __name__ == '__main__':
    unittest.main(testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
