#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for /proc/dynamic_debug/control, for the integration tests: a
FUSE file system with one file, `control`, that prints callsites as the
kernel does and applies what is written to it as the kernel does
(lib/dynamic_debug.c: queries split at ';' and newlines, words, quotes,
'#' comments, keyword-value pairs, flags last, globbing, escapes, classes).
It is written independently of the broker's C++ parser, so that the tests
compare two readings of the kernel's rules rather than one with itself.

  fake_dyndbg.py MOUNTPOINT INITIAL_CONTROL_FILE LOG_FILE [FLAG_LETTERS]

Every write is appended to LOG_FILE as one JSON line {"query", "errno"}.
Runs in the foreground until unmounted or killed.
"""

import errno
import fnmatch
import json
import os
import re
import stat
import sys
import threading
import time

try:
    from fusepy import FUSE, FuseOSError, Operations  # Debian's python3-fusepy
except ImportError:
    from fuse import FUSE, FuseOSError, Operations  # the same module under its upstream name

LINE = re.compile(r'^(?P<file>\S+):(?P<line>\d+) \[(?P<module>[^\]]+)\](?P<func>\S+) =(?P<flags>\S+) "(?P<rest>.*)$')


def parse_line(text):
    m = LINE.match(text)
    if not m:
        raise ValueError(f'bad control line: {text!r}')
    rest = m.group('rest')
    cls = None
    if rest.endswith('"'):
        fmt = rest[:-1]
    else:
        k = rest.rfind('" class:')
        if k < 0:
            raise ValueError(f'bad control line: {text!r}')
        fmt, cls = rest[:k], rest[k + len('" class:'):]
    return {'file': m.group('file'), 'line': int(m.group('line')), 'module': m.group('module'),
            'func': m.group('func'), 'flags': set(m.group('flags')) - {'_'}, 'format': fmt, 'class': cls}


def unescape(s):
    """string_unescape(UNESCAPE_SPACE | UNESCAPE_OCTAL | UNESCAPE_SPECIAL)."""
    out, i = [], 0
    simple = {'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '"': '"', '\\': '\\', 'a': '\a', 'e': '\x1b'}
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            e = s[i + 1]
            if e in simple:
                out.append(simple[e])
                i += 2
                continue
            if e in '01234567':
                j, num = i + 1, 0
                while j < len(s) and j < i + 4 and s[j] in '01234567' and (j == i + 1 or num < 32):
                    num = num * 8 + int(s[j])
                    j += 1
                out.append(chr(num))
                i = j
                continue
        out.append(c)
        i += 1
    return ''.join(out)


class Kernel:
    def __init__(self, sites, letters):
        self.sites = sites
        self.letters = letters
        self.lock = threading.Lock()

    def render(self):
        with self.lock:
            out = ['# filename:lineno [module]function flags format']
            for s in self.sites:
                flags = ''.join(c for c in self.letters if c in s['flags']) or '_'
                line = f'{s["file"]}:{s["line"]} [{s["module"]}]{s["func"]} ={flags} "{s["format"]}"'
                if s['class']:
                    line += f' class:{s["class"]}'
                out.append(line)
            return ('\n'.join(out) + '\n').encode()

    @staticmethod
    def tokenize(q):
        words, i = [], 0
        while i < len(q):
            while i < len(q) and q[i].isspace():
                i += 1
            if i >= len(q) or q[i] == '#':
                break
            if q[i] in '"\'':
                end = q.find(q[i], i + 1)
                if end < 0:
                    raise ValueError('unclosed quote')
                words.append(q[i + 1:end])
                i = end + 1
            else:
                j = i
                while j < len(q) and not q[j].isspace():
                    j += 1
                words.append(q[i:j])
                i = j
            if len(words) > 9:
                raise ValueError('too many words')
        return words

    def exec_one(self, q):
        words = self.tokenize(q)
        if not words:
            raise ValueError('empty')
        flags = words[-1]
        if not flags or flags[0] not in '+-=':
            raise ValueError('bad flag op')
        letters = set(flags[1:])
        if any(c not in self.letters for c in letters):
            raise ValueError('unknown flag')
        letters -= {'_'}
        spec = {}
        pairs = words[:-1]
        if len(pairs) % 2:
            raise ValueError('odd')
        for k, v in zip(pairs[::2], pairs[1::2]):
            if k not in ('module', 'file', 'func', 'format', 'line', 'class') or k in spec:
                raise ValueError('keyword')
            spec[k] = unescape(v) if k == 'format' else v
        first = last = 0
        if 'line' in spec:
            a, sep, b = spec['line'].partition('-')
            first = int(a) if a else 0
            last = (int(b) if b else 2**32 - 1) if sep else first
        with self.lock:
            for s in self.sites:
                if 'module' in spec and not fnmatch.fnmatchcase(s['module'], spec['module']):
                    continue
                if spec.get('class') != s['class']:
                    continue
                if 'file' in spec and not (fnmatch.fnmatchcase(s['file'], spec['file']) or
                                           fnmatch.fnmatchcase(os.path.basename(s['file']), spec['file'])):
                    continue
                if 'func' in spec and not fnmatch.fnmatchcase(s['func'], spec['func']):
                    continue
                if 'format' in spec:
                    shown = s['format'].replace('\\n', '\n').replace('\\t', '\t')
                    f = spec['format']
                    if (f.startswith('^') and not shown.startswith(f[1:])) or (not f.startswith('^') and f not in shown):
                        continue
                if first and s['line'] < first:
                    continue
                if last and s['line'] > last:
                    continue
                if flags[0] == '+':
                    s['flags'] |= letters
                elif flags[0] == '-':
                    s['flags'] -= letters
                else:
                    s['flags'] = set(letters)

    def write(self, data):
        err = 0
        for q in re.split('[;\n]', data):
            q = q.strip()
            if not q or q.startswith('#'):
                continue
            try:
                self.exec_one(q)
            except ValueError:
                err = errno.EINVAL
        return err


class ControlFs(Operations):
    def __init__(self, kernel, log):
        self.kernel = kernel
        self.log = log
        self.snapshots = {}
        self.next_fh = 1

    def getattr(self, path, fh=None):
        now = time.time()
        if path == '/':
            return {'st_mode': stat.S_IFDIR | 0o755, 'st_nlink': 2, 'st_atime': now, 'st_mtime': now, 'st_ctime': now}
        if path == '/control':
            return {'st_mode': stat.S_IFREG | 0o644, 'st_nlink': 1, 'st_size': 0, 'st_atime': now,
                    'st_mtime': now, 'st_ctime': now}
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return ['.', '..', 'control']

    def open(self, path, flags):
        if path != '/control':
            raise FuseOSError(errno.ENOENT)
        fh = self.next_fh
        self.next_fh += 1
        self.snapshots[fh] = self.kernel.render()
        return fh

    def read(self, path, size, offset, fh):
        return self.snapshots.get(fh, b'')[offset:offset + size]

    def write(self, path, data, offset, fh):
        text = data.decode('latin-1')
        err = self.kernel.write(text)
        with open(self.log, 'a') as f:
            f.write(json.dumps({'query': text, 'errno': err}) + '\n')
        if err:
            raise FuseOSError(err)
        return len(data)

    def truncate(self, path, length, fh=None):
        return 0

    def release(self, path, fh):
        self.snapshots.pop(fh, None)
        return 0


def main():
    mountpoint, initial, log = sys.argv[1:4]
    letters = sys.argv[4] if len(sys.argv) > 4 else 'pmflt_'
    with open(initial) as f:
        sites = [parse_line(l.rstrip('\n')) for l in f if l.strip() and not l.startswith('#')]
    FUSE(ControlFs(Kernel(sites, letters), log), mountpoint, foreground=True, direct_io=True, nothreads=True)


if __name__ == '__main__':
    main()
