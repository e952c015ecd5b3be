#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Host test of Documentation/netlink/specs/cpns.yaml by YNL's own rules
# (tools/net/ynl/pyynl/lib/nlspec.py and ynl_gen_c.py of a current kernel):
#
#  - attribute sets count from 1 unless an entry has `value:`, each later
#    entry is the previous + 1 unless it has `value:`; a subset's entry
#    has its parent's id and the parent's properties merged with its own;
#  - operations likewise, from 1; enums from `value-start` (default 0);
#  - an integer's policy is its `checks` (min, max), else what its enum
#    implies (max = the highest entry, min = the lowest when not 0);
#    a binary's is exact-len, or min-len and max-len.
#
# Every id, enum value, count and name is compared with the compiled
# uapi/linux/cpns.h (a C program printing them), and the policies the
# kernel must report through CTRL_CMD_GETPOLICY, with each operation's
# flags, are written as a table that selftests/cpns_ynl.expected must
# equal (the VM test cpns_ynl compares the kernel with that file).
# The multicast group's flags are compared with kmod/netlink.c.
#
# The spec is the one source of each attribute's type and limits and of
# each command's policy (Documentation/design.rst, "One source for the
# contract"): this script is also its generator, and checks on every run
# that what it generates is what the tree holds:
#   kmod/netlink-policy.h   the kernel's nla_policy of each command
#   userspace/cpns_attrs.h  X-macro tables (enums, attribute sets,
#                           commands, each command's request policy) for
#                           cpnsctl and the selftests
#   selftests/cpns_ynl.expected
#
# Usage: ynl_spec.py [--write] [SPEC]     (KTAP on stdout; exit 1 on failure)
#   --write  rewrite the three generated files from the spec

import os
import re
import subprocess
import sys
import tempfile
import textwrap

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
SPEC = os.path.join(REPO, 'Documentation/netlink/specs/cpns.yaml')
UAPI = os.path.join(REPO, 'uapi')
EXPECTED = os.path.join(REPO, 'selftests/cpns_ynl.expected')
NETLINK_C = os.path.join(REPO, 'kmod/netlink.c')
# The files generated from the spec (--write), each checked on every run.
KPOLICY_H = os.path.join(REPO, 'kmod/netlink-policy.h')
ATTRS_H = os.path.join(REPO, 'userspace/cpns_attrs.h')

# Attribute types as the kernel names them in NL_POLICY_TYPE_ATTR_TYPE.
NL_TYPE = {'u8': 'u8', 'u16': 'u16', 'u32': 'u32', 'u64': 'u64',
           's8': 's8', 's16': 's16', 's32': 's32', 's64': 's64',
           'binary': 'binary', 'flag': 'flag', 'string': 'string',
           'nest': 'nested'}
# Multicast group flags: what each YNL flag is in struct genl_multicast_group.
MCGRP_FLAG = {'uns-admin-perm': 'GENL_MCAST_CAP_NET_ADMIN'}
# A binary whose doc gives a character set ("of [...]") is checked by a
# function of kmod/netlink.c: the class the tables name it by, the
# function, and the uapi limits that function enforces itself.
CHARSETS = {
    '[A-Za-z0-9._:@-]': ('ID', 'cpns_validate_id', '1', 'CPNS_ID_MAX_LEN'),
    '[A-Za-z0-9-]': ('CLAIM', 'cpns_validate_claim_code',
                     'CPNS_CLAIM_CODE_MIN_LEN', 'CPNS_CLAIM_CODE_MAX_LEN'),
}
# The uapi's length macros that C code sizes buffers by: each must be the
# limit the spec gives the attribute (min, max; None: not named there).
UAPI_LIMITS = {
    'master': (None, 'CPNS_ID_MAX_LEN'),
    'hpw': ('CPNS_HASH_LEN', 'CPNS_HASH_LEN'),
    'password': (None, 'CPNS_PASSWORD_MAX_LEN'),
    'claim-code': ('CPNS_CLAIM_CODE_MIN_LEN', 'CPNS_CLAIM_CODE_MAX_LEN'),
    'tk': ('CPNS_TK_MIN_LEN', 'CPNS_TK_MAX_LEN'),
    'rand': ('CPNS_RAND_LEN', 'CPNS_RAND_LEN'),
    'sealed': ('CPNS_SEALED_MIN', 'CPNS_SEALED_MAX'),
    'challenge': ('CPNS_CHALLENGE_LEN', 'CPNS_CHALLENGE_LEN'),
    'confirm': ('CPNS_HASH_LEN', 'CPNS_HASH_LEN'),
    'chain-id': ('CPNS_CHAIN_ID_LEN', 'CPNS_CHAIN_ID_LEN'),
    'user-record': ('CPNS_SEALED_MIN', 'CPNS_SEALED_MAX'),
    'entity-record': ('CPNS_SEALED_MIN', 'CPNS_SEALED_MAX'),
    'chain-record': ('CPNS_SEALED_MIN', 'CPNS_SEALED_MAX'),
    'key-blob': (None, 'CPNS_KEY_BLOB_MAX'),
}


def c_upper(name):
    return name.upper().replace('-', '_')


def c_lower(name):
    return name.lower().replace('-', '_')


class SpecError(Exception):
    pass


class Family:
    """The parts of a YNL family this test needs, numbered as YNL does."""

    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            self.y = yaml.safe_load(f)
        self.name = self.y['name']
        self.enums = {}      # name -> (yaml, [(entry, value)])
        self.sets = {}       # name -> (yaml, {attr: (value, merged yaml)})
        self.ops = []        # [(name, value, yaml)]
        for d in self.y.get('definitions', []):
            if d['type'] in ('enum', 'flags'):
                self.enums[d['name']] = (d, self._enum_entries(d))
        for s in self.y['attribute-sets']:
            self.sets[s['name']] = (s, self._attrs(s))
        val = 1
        for op in self.y['operations']['list']:
            if 'value' in op:
                val = op['value']
            self.ops.append((op['name'], val, op))
            val += 1

    @staticmethod
    def _enum_entries(d):
        out, prev = [], None
        for e in d['entries']:
            if isinstance(e, str):
                e = {'name': e}
            if 'value' in e:
                v = e['value']
            elif prev is not None:
                v = prev + 1
            else:
                v = d.get('value-start', 0)
            out.append((e['name'], v))
            prev = v
        return out

    def _attrs(self, s):
        attrs = {}
        if 'subset-of' not in s:
            val = 1
            for a in s['attributes']:
                if 'value' in a:
                    val = a['value']
                attrs[a['name']] = (val, dict(a))
                val += 1
            return attrs
        parent = self.sets[s['subset-of']][1]
        for a in s['attributes']:
            if a['name'] not in parent:
                raise SpecError(f"subset {s['name']}: {a['name']} not in {s['subset-of']}")
            pval, pyaml = parent[a['name']]
            attrs[a['name']] = (pval, pyaml | a)
        return attrs

    # C names, as ynl_gen_c.py renders the uapi header.
    def enum_prefix(self, d):
        return d.get('name-prefix', f"{self.name}-{d['name']}-")

    def enum_type(self, d):
        if 'enum-name' in d:
            return d['enum-name'] and 'enum ' + c_lower(d['enum-name'])
        return f"enum {c_lower(self.name)}_{c_lower(d['name'])}"

    def set_prefix(self, s):
        return s.get('name-prefix', f"{self.name}-{s['name']}-a-")

    def op_prefix(self):
        return self.y['operations'].get('name-prefix', f"{self.name}-cmd-")

    def header_names(self):
        """[(C expression, expected value)] and [C types that must exist]."""
        vals, types = [], []
        y = self.y
        g = 'family'
        vals.append((g, c_upper(y.get('c-family-name', f'{self.name}-family-name')),
                     self.name))
        vals.append((g, c_upper(y.get('c-version-name', f'{self.name}-family-version')),
                     y.get('version', 1)))
        for m in y.get('mcast-groups', {}).get('list', []):
            vals.append((g, c_upper(m.get('c-define-name',
                                          f"{self.name}-mcgrp-{m['name']}")), m['name']))
        for d, entries in self.enums.values():
            g = f"enum {d['name']}"
            pfx = self.enum_prefix(d)
            if self.enum_type(d):
                types.append(self.enum_type(d))
            for name, v in entries:
                vals.append((g, c_upper(pfx + name), v))
            if d.get('render-max'):
                last = max(v for _, v in entries)
                vals.append((g, c_upper('__' + pfx + 'max'), last + 1))
                vals.append((g, c_upper(pfx + 'max'), last))
        for s, attrs in self.sets.values():
            if 'subset-of' in s:
                continue
            g = f"attribute-set {s['name']}"
            pfx = self.set_prefix(s)
            if 'enum-name' in s:
                types.append('enum ' + c_lower(s['enum-name']))
            for name, (v, _) in attrs.items():
                vals.append((g, c_upper(pfx + name), v))
            last = max(v for v, _ in attrs.values())
            vals.append((g, c_upper(s.get('attr-cnt-name', '__' + pfx + 'max')), last + 1))
            vals.append((g, c_upper(s.get('attr-max-name', pfx + 'max')), last))
        g = 'operations'
        pfx = self.op_prefix()
        if 'enum-name' in y['operations']:
            types.append('enum ' + c_lower(y['operations']['enum-name']))
        for name, v, _ in self.ops:
            vals.append((g, c_upper(pfx + name), v))
        last = max(v for _, v, _ in self.ops)
        vals.append((g, c_upper(y.get('cmd-cnt-name', '__' + pfx + 'max')), last + 1))
        vals.append((g, c_upper(y.get('cmd-max-name', pfx + 'max')), last))
        return vals, types

    # Policies, as the kernel reports them.
    def limit(self, v):
        if isinstance(v, int):
            return v
        m = re.fullmatch(r'([su])(8|16|32|64)-(min|max)', str(v))
        if not m:
            raise SpecError(f'limit {v!r}: not a number nor a type limit')
        bits = int(m.group(2))
        if m.group(1) == 'u':
            return 0 if m.group(3) == 'min' else (1 << bits) - 1
        return -(1 << (bits - 1)) if m.group(3) == 'min' else (1 << (bits - 1)) - 1

    def int_range(self, a):
        t = a['type']
        bits = int(t[1:])
        if t[0] == 'u':
            lo, hi = 0, (1 << bits) - 1
        else:
            lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        checks = dict(a.get('checks', {}))
        if 'enum' in a:
            vals = [v for _, v in self.enums[a['enum']][1]]
            elo, ehi = min(vals), max(vals)
            if ehi - elo + 1 != len(vals):
                raise SpecError(f"{a['name']}: sparse enum {a['enum']} in a request: "
                                'YNL checks it by a function the kernel does not have')
            if 'min' not in checks and (elo != 0 or t[0] == 's'):
                checks['min'] = elo
            if 'max' not in checks:
                checks['max'] = ehi
        if 'min' in checks:
            lo = self.limit(checks['min'])
        if 'max' in checks:
            hi = self.limit(checks['max'])
        return lo, hi

    def policy(self, a):
        t = a['type']
        if t not in NL_TYPE:
            raise SpecError(f"{a['name']}: type {t} in a request")
        out = NL_TYPE[t]
        checks = a.get('checks', {})
        if t[0] in 'us' and t[1:].isdigit():
            lo, hi = self.int_range(a)
            out += f' min={lo} max={hi}'
        elif t == 'binary':
            if 'exact-len' in checks:
                n = self.limit(checks['exact-len'])
                out += f' minlen={n} maxlen={n}'
            elif 'of [' in a.get('doc', '') and 'max-len' in checks:
                # a character set: checked by a function, length max only
                out += f" maxlen={self.limit(checks['max-len'])}"
            elif 'min-len' in checks:
                out += f" minlen={self.limit(checks['min-len'])}"
                out += f" maxlen={self.limit(checks.get('max-len', 65535))}"
            elif 'max-len' in checks:
                out += f" maxlen={self.limit(checks['max-len'])}"
        elif t == 'string' and 'max-len' in checks:
            out += f" maxlen={self.limit(checks['max-len'])}"
        return out

    def classify(self, a):
        """(TYPE, CHECK, MIN, MAX) of an attribute, as the tables write it.

        TYPE is the netlink type (PAD, STRING, NESTED, FLAG, U8..S64,
        BINARY); CHECK says what MIN and MAX bound: NONE; MIN, MAX, RANGE
        an integer's value; EXACT, LEN a length (MAX 0: none); ID, CLAIM a
        length and the character set CHARSETS gives.
        """
        t = a['type']
        checks = a.get('checks', {})
        if t == 'pad':
            return 'PAD', 'NONE', 0, 0
        if t in ('flag', 'nest'):
            return {'flag': 'FLAG', 'nest': 'NESTED'}[t], 'NONE', 0, 0
        if t == 'string':
            hi = self.limit(checks.get('max-len', 0))
            return 'STRING', 'LEN' if hi else 'NONE', 0, hi
        if t[0] in 'us' and t[1:] in ('8', '16', '32', '64'):
            bits = int(t[1:])
            full = ((0, (1 << bits) - 1) if t[0] == 'u' else
                    (-(1 << (bits - 1)), (1 << (bits - 1)) - 1))
            lo, hi = self.int_range(a)
            if (lo, hi) == full:
                return t.upper(), 'NONE', 0, 0
            if lo == full[0]:
                return t.upper(), 'MAX', 0, hi
            if hi == full[1]:
                return t.upper(), 'MIN', lo, 0
            return t.upper(), 'RANGE', lo, hi
        if t != 'binary':
            raise SpecError(f"{a['name']}: type {t} has no table form")
        if 'exact-len' in checks:
            n = self.limit(checks['exact-len'])
            return 'BINARY', 'EXACT', n, n
        m = re.search(r'of (\[[^]]*\])', a.get('doc', ''))
        if m and 'max-len' in checks:
            if m.group(1) not in CHARSETS:
                raise SpecError(f"{a['name']}: no function checks {m.group(1)}")
            return ('BINARY', CHARSETS[m.group(1)][0],
                    self.limit(checks.get('min-len', 0)), self.limit(checks['max-len']))
        if 'min-len' in checks:
            return ('BINARY', 'LEN', self.limit(checks['min-len']),
                    self.limit(checks.get('max-len', 65535)))
        if 'max-len' in checks:
            return 'BINARY', 'LEN', 0, self.limit(checks['max-len'])
        return 'BINARY', 'NONE', 0, 0

    def request_ops(self):
        """[(op name, value, [(attr name, attr id, merged yaml)])] of each do."""
        out = []
        for name, v, op in self.ops:
            if 'do' not in op:
                continue
            attrs = self.sets[op['attribute-set']][1]
            req = op['do'].get('request', {}).get('attributes', [])
            for an in req:
                if an not in attrs:
                    raise SpecError(f"{name}: {an} not in {op['attribute-set']}")
            out.append((name, v, [(an, attrs[an][0], attrs[an][1]) for an in req]))
        return out

    def expected_table(self):
        lines = []
        for name, v, op in self.ops:
            if 'do' not in op and 'dump' not in op:
                continue
            flags = ','.join(op.get('flags', [])) or 'none'
            lines.append(f'op {v} flags={flags} # {name}')
            attrs = self.sets[op['attribute-set']][1]
            req = op.get('do', {}).get('request', {}).get('attributes', [])
            for an in req:
                if an not in attrs:
                    raise SpecError(f"{name}: {an} not in {op['attribute-set']}")
                av, a = attrs[an]
                lines.append(f'policy {v} {av} {self.policy(a)} # {name} {an}')
        return lines


GENERATED = ('Generated by selftests/host/ynl_spec.py --write from',
             'Documentation/netlink/specs/cpns.yaml: do not edit.')


def comment(lines, indent=''):
    """A kernel-style block comment of the given paragraphs."""
    out = [indent + '/*']
    for para in lines:
        if not para:
            out.append(indent + ' *')
            continue
        for l in textwrap.wrap(para, 76 - len(indent)):
            out.append(indent + ' * ' + l)
    return out + [indent + ' */']


def kernel_entry(name, a, cls):
    t, c, lo, hi = cls
    if t in ('PAD', 'NESTED'):
        raise SpecError(f'{name}: a {t.lower()} attribute in a request has no policy here')
    nla = 'NLA_' + t
    if c in ('MIN', 'MAX', 'RANGE'):
        if not all(-32768 <= v <= 32767 for v in (lo, hi)):
            raise SpecError(f'{name}: {lo}..{hi} does not fit the s16 min/max of a '
                            '6.1 nla_policy (would need NLA_POLICY_FULL_RANGE)')
        if c == 'MIN':
            return f'NLA_POLICY_MIN({nla}, {lo})'
        if c == 'MAX':
            return f'NLA_POLICY_MAX({nla}, {hi})'
        return f'NLA_POLICY_RANGE({nla}, {lo}, {hi})'
    if c == 'EXACT':
        return f'NLA_POLICY_EXACT_LEN({lo})'
    if c == 'LEN' and lo == 0:
        return f'{{ .type = {nla}, .len = {hi} }}'
    if c == 'LEN':
        return f'NLA_POLICY_RANGE({nla}, {lo}, {hi})'
    for fn_class, fn, _, _ in CHARSETS.values():
        if c == fn_class:
            return f'NLA_POLICY_VALIDATE_FN(NLA_BINARY, {fn}, {hi})'
    return f'{{ .type = {nla} }}'


def kernel_policy_h(fam):
    """kmod/netlink-policy.h: the policy of each command."""
    apfx = c_upper(fam.set_prefix(fam.sets['cpns'][0]))
    out = ['/* SPDX-License-Identifier: GPL-2.0 */']
    out += comment([GENERATED[0] + ' ' + GENERATED[1], '',
                    'The policy of each command: exactly the attributes its request '
                    'takes, with the checks the spec gives them in its attribute set, '
                    'or in the command\'s subset (gw-confirm-attrs, ...), which '
                    'override them.  Included once, by kmod/netlink.c, after the '
                    'functions that check a character set, each of which enforces '
                    'the limits asserted here itself.'])
    out += ['#ifndef _CPNS_NETLINK_POLICY_H', '#define _CPNS_NETLINK_POLICY_H', '']
    asserts = []
    ops = fam.request_ops()
    for _, _, attrs in ops:
        for an, _, a in attrs:
            t, c, lo, hi = fam.classify(a)
            for fn_class, _, dmin, dmax in CHARSETS.values():
                if c != fn_class:
                    continue
                for want, got in ((dmin, lo), (dmax, hi)):
                    line = f'static_assert({want} == {got});'
                    if not want.isdigit() and line not in asserts:
                        asserts.append(line)
                    elif want.isdigit() and int(want) != got:
                        raise SpecError(f'{an}: {c} is {dmin}..{dmax}, spec {lo}..{hi}')
    out += asserts
    for name, _, attrs in ops:
        out += ['', f'static const struct nla_policy cpns_{c_lower(name)}_policy'
                    f'[{apfx}MAX + 1] = {{']
        op = dict((n, o) for n, _, o in fam.ops)[name]
        subset = fam.sets[op['attribute-set']][0]
        sub_docs = {x['name']: x.get('doc') for x in subset['attributes']} \
            if 'subset-of' in subset else {}
        for an, _, a in attrs:
            if sub_docs.get(an):
                out += comment([sub_docs[an]], '\t')
            key = f'[{apfx}{c_upper(an)}]'
            col = 8 + len(key)
            tabs = max(1, (32 - col + 7) // 8)
            out.append(f'\t{key}' + '\t' * tabs +
                       f'= {kernel_entry(name + " " + an, a, fam.classify(a))},')
        out.append('};')
    out += ['', '#endif /* _CPNS_NETLINK_POLICY_H */']
    return '\n'.join(out) + '\n'


def macro(name, rows):
    out = [f'#define {name}(X)' + (' \\' if rows else '')]
    for i, r in enumerate(rows):
        out.append(f'\tX({r})' + (' \\' if i + 1 < len(rows) else ''))
    return out


def attrs_h(fam):
    """userspace/cpns_attrs.h: the same tables as X-macros, for C userspace."""
    out = ['/* SPDX-License-Identifier: GPL-2.0 */']
    out += comment([
        GENERATED[0] + ' ' + GENERATED[1], '',
        'The contract of uapi/linux/cpns.h as tables, for cpnsctl and the '
        'selftests: each macro calls X once per row, in order.',
        'CPNS_ENUM_<ENUM>(X): X(ENUMERATOR, SUFFIX) for each value of an enum '
        '(an "unspec" entry is not listed).',
        'CPNS_SET_<SET>(X): X(ENUMERATOR, SUFFIX, "name", TYPE, CHECK, MIN, MAX) '
        'for each attribute of an attribute set but its unused 0.',
        'CPNS_OPS(X): X(ENUMERATOR, SUFFIX, "name") for each command.',
        'CPNS_REQUEST_<OP>(X): as CPNS_SET_*, for the attributes the request of '
        'a command takes, with that command\'s checks (the kernel\'s policy).',
        'TYPE: PAD, STRING, NESTED, FLAG, U8 .. U64, S8 .. S64, BINARY.  CHECK: '
        'NONE; MIN, MAX, RANGE: an integer\'s value; EXACT, LEN: a length '
        '(MAX 0: no limit); ID, CLAIM: a length and the character set of an '
        'identifier or a claim code (uapi/linux/cpns.h).'])
    out += ['#ifndef _CPNS_ATTRS_H', '#define _CPNS_ATTRS_H']

    def row(pfx, an, a, cls):
        t, c, lo, hi = cls
        return f'{c_upper(pfx + an)}, {c_upper(an)}, "{an}", {t}, {c}, {lo}, {hi}'

    for d, entries in fam.enums.values():
        pfx = fam.enum_prefix(d)
        rows = [f'{c_upper(pfx + n)}, {c_upper(n)}' for n, _ in entries if n != 'unspec']
        out += [''] + macro(f"CPNS_ENUM_{c_upper(d['name'])}", rows)
    for s, attrs in fam.sets.values():
        if 'subset-of' in s:
            continue
        pfx = fam.set_prefix(s)
        rows = [row(pfx, an, a, fam.classify(a)) for an, (_, a) in attrs.items()
                if a['type'] != 'unused']
        out += [''] + macro(f"CPNS_SET_{c_upper(s['name'])}", rows)
    opfx = fam.op_prefix()
    out += [''] + macro('CPNS_OPS', [f'{c_upper(opfx + n)}, {c_upper(n)}, "{n}"'
                                     for n, _, _ in fam.ops])
    for name, _, attrs in fam.request_ops():
        s = fam.sets[dict((n, o) for n, _, o in fam.ops)[name]['attribute-set']][0]
        pfx = fam.set_prefix(fam.sets[s.get('subset-of', s['name'])][0])
        rows = [row(pfx, an, a, fam.classify(a)) for an, _, a in attrs]
        out += [''] + macro(f'CPNS_REQUEST_{c_upper(name)}', rows)
    out += ['', '#endif /* _CPNS_ATTRS_H */']
    return '\n'.join(out) + '\n'


def compare(k, path, text, what):
    """One case: the file at path holds text."""
    try:
        with open(path, encoding='utf-8') as f:
            have = f.read()
    except OSError:
        have = ''
    diag = []
    if have != text:
        old, new = set(have.splitlines()), set(text.splitlines())
        diag = ([f'- {l}' for l in have.splitlines() if l not in new] +
                [f'+ {l}' for l in text.splitlines() if l not in old])[:40]
        diag.append('run selftests/host/ynl_spec.py --write')
    k.result(have == text, f'{os.path.relpath(path, REPO)} is the spec\'s {what}', diag)


class Ktap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, what, diag=()):
        self.n += 1
        self.failed += not ok
        for d in diag:
            print('# ' + d)
        print(f"{'' if ok else 'not '}ok {self.n} - {what}")


def header_values(exprs, types):
    """Each expression's value in the uapi header; and those it lacks."""
    missing = []
    while True:
        got, errs = _header_values([e for e in exprs if e not in missing], types)
        if got is not None:
            return got, missing
        lost = [m for l in errs for m in re.findall(r"[‘'](\w+)[’'] undeclared", l)]
        types = [t for t in types if not any(t.endswith(' ' + m) for m in
                 re.findall(r"[‘']enum (\w+)[’']", ' '.join(errs)))]
        if not lost and not errs:
            return None, errs
        if not lost:
            missing += [t for t in errs]
            return {}, missing
        missing += lost


def _header_values(exprs, types):
    """Compile a program printing each expression of the uapi header."""
    src = ['#include <stdio.h>', '#include <linux/cpns.h>',
           '#define S(x) _Generic((x), char *: 1, default: 0)', 'int main(void)', '{']
    for t in types:
        src.append(f'\tprintf("type %s %zu\\n", "{t}", sizeof({t}));')
    for e in exprs:
        src.append(f'\tif (S({e})) printf("%s \\"%s\\"\\n", "{e}", (char *)(long)({e}));')
        src.append(f'\telse printf("%s %lld\\n", "{e}", (long long)(long)({e}));')
    src += ['\treturn 0;', '}']
    with tempfile.TemporaryDirectory() as d:
        c, exe = os.path.join(d, 'h.c'), os.path.join(d, 'h')
        with open(c, 'w') as f:
            f.write('\n'.join(src) + '\n')
        cc = subprocess.run([os.environ.get('CC', 'cc'), '-w', '-I', UAPI, '-o', exe, c],
                            capture_output=True, text=True)
        if cc.returncode:
            return None, [l for l in cc.stderr.splitlines() if 'error' in l][:20]
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    got = {}
    for line in out.splitlines():
        k, v = line.split(' ', 1)
        if k == 'type':
            continue
        got[k] = v[1:-1] if v.startswith('"') else int(v)
    return got, []


def header_counts():
    """Every enumerator of the header's enums, to find any the spec lacks."""
    with open(os.path.join(UAPI, 'linux/cpns.h'), encoding='utf-8') as f:
        text = f.read()
    names = []
    for body in re.findall(r'enum\s+\w+\s*\{(.*?)\};', text, re.S):
        body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
        names += [m.split('=')[0].strip() for m in body.split(',') if m.strip()]
    return names


def mcgrp_flags():
    with open(NETLINK_C, encoding='utf-8') as f:
        text = f.read()
    m = re.search(r'genl_multicast_group\s+\w+\[\]\s*=\s*\{(.*?)\n\};', text, re.S)
    if not m:
        return None
    return [f.strip() for f in re.findall(r'\.flags\s*=\s*([A-Z_ |]+)', m.group(1))]


def main(argv):
    write = '--write' in argv
    args = [a for a in argv if a != '--write']
    spec = args[0] if args else SPEC
    k = Ktap()
    print('TAP version 13')
    print(f'# {os.path.relpath(spec, REPO)} by YNL\'s numbering rules')
    try:
        fam = Family(spec)
        exprs, types = fam.header_names()
    except (SpecError, KeyError) as e:
        k.result(False, f'spec parses by YNL rules: {e}')
        print(f'1..{k.n}')
        return 1
    k.result(True, 'spec parses by YNL rules')

    got, missing = header_values([e for _, e, _ in exprs], types)
    k.result(not missing, 'every name YNL renders exists in uapi/linux/cpns.h',
             [f'{m}: not in the header' for m in missing])
    groups = {}
    for g, e, want in exprs:
        groups.setdefault(g, []).append((e, want))
    for g, items in groups.items():
        diag = [f'{e}: spec {want!r}, header {got[e]!r}'
                for e, want in items if e in got and got[e] != want]
        k.result(not diag, f'{g}: {len(items)} values as the header has them', diag)
    named = {e for _, e, _ in exprs}
    extra = [n for n in header_counts() if n not in named and
             not re.fullmatch(r'[A-Z_]+_UNSPEC', n)]
    k.result(not extra, 'the header has no enumerator the spec lacks',
             [f'{n}: in uapi/linux/cpns.h, not in the spec' for n in extra])

    flags = mcgrp_flags()
    want = []
    for g in fam.y.get('mcast-groups', {}).get('list', []):
        want += [MCGRP_FLAG.get(f, '?' + f) for f in g.get('flags', [])]
    k.result(flags == want, 'multicast group flags as kmod/netlink.c sets them',
             [f'spec {want}, kmod/netlink.c {flags}'] if flags != want else [])

    attrs = fam.sets['cpns'][1]
    macros = sorted({m for pair in UAPI_LIMITS.values() for m in pair if m})
    vals, lost = header_values(macros, [])
    diag = [f'{m}: not in the header' for m in lost]
    if vals is None:
        diag.append('uapi/linux/cpns.h does not compile')
    for an, pair in UAPI_LIMITS.items():
        if an not in attrs:
            diag.append(f'{an}: not in the spec')
            continue
        _, _, lo, hi = fam.classify(attrs[an][1])
        for m, v in zip(pair, (lo, hi)):
            if m and vals and m in vals and vals[m] != v:
                diag.append(f'{an}: spec {v}, header {m} {vals[m]}')
    k.result(not diag, f'{len(macros)} length macros of the header are the spec\'s limits',
             diag)

    try:
        table = fam.expected_table()
    except (SpecError, KeyError) as e:
        k.result(False, f'policies by YNL rules: {e}')
        print(f'1..{k.n}')
        return 1
    text = ['# Generated by selftests/host/ynl_spec.py from',
            '# Documentation/netlink/specs/cpns.yaml: do not edit.',
            '# op CMD flags=F; policy CMD ATTR TYPE [min= max=] [minlen= maxlen=]',
            '# as CTRL_CMD_GETFAMILY and CTRL_CMD_GETPOLICY report them.'] + table
    text = '\n'.join(text) + '\n'
    try:
        files = [(EXPECTED, text, f'({len(table)} lines)'),
                 (KPOLICY_H, kernel_policy_h(fam), 'kernel policy of each command'),
                 (ATTRS_H, attrs_h(fam), 'tables for userspace')]
    except (SpecError, KeyError) as e:
        k.result(False, f'tables by YNL rules: {e}')
        print(f'1..{k.n}')
        return 1
    for path, body, what in files:
        if write:
            with open(path, 'w', encoding='utf-8') as f:
                f.write(body)
        compare(k, path, body, what)
    print(f'1..{k.n}')
    return 1 if k.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
