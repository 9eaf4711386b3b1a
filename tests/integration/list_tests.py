# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints the test ids ("Class.test_method") of a test file, one a line, for
meson to register each as its own test. Reads the source only: nothing is
imported or run at configure time."""

import ast
import sys


def main(path):
    tree = ast.parse(open(path, encoding='utf-8').read(), path)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}

    def is_test_class(cls):
        # concrete test classes derive, directly or not, from BrokerTestCase
        for base in cls.bases:
            name = base.id if isinstance(base, ast.Name) else None
            if name == 'BrokerTestCase' or (name in classes and is_test_class(classes[name])):
                return True
        return False

    for name, cls in classes.items():
        if not is_test_class(cls):
            continue
        for item in cls.body:
            if isinstance(item, ast.FunctionDef) and item.name.startswith('test_'):
                print(f'{name}.{item.name}')


if __name__ == '__main__':
    main(sys.argv[1])
