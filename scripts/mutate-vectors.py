#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Mutation test of the vector tests: every value of the vector file
# (selftests/cpns_vectors.json, a copy of ../shared/spec/vectors-v1.json)
# is changed in turn, and the suite must fail on every mutant.
#
#   host: selftests/host's ref_vectors and kprofile on each mutant (fast);
#   vm:   the VM test cpns_vectors on each mutant, all of them in ONE boot
#         (make check T=cpns_vectors,cpns_vectors_mutants: the mutants are
#         shipped beside the program as cpns_vectors.mut.N.json and
#         selftests/cpns_vectors_mutants.sh runs cpns_vectors on each).
#
# A mutant is killed when the host tests or cpns_vectors fail on it.  By
# default the VM runs only the mutants the host tests let live; --vm-all
# runs every one there, to count what the module test kills by itself.
#
# Usage: scripts/mutate-vectors.py [--no-vm] [--vm-all]
# Prints one line per mutant and a summary; exits 1 if any mutant lives.

import json
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
SELF = os.path.join(ROOT, 'selftests')
HOST = os.path.join(SELF, 'host')
VECTORS = os.path.join(SELF, 'cpns_vectors.json')
WORK = os.path.join(ROOT, 'build', 'mutants')


def leaves(v, path=()):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from leaves(x, path + (i,))
    else:
        yield path, v


def mutate(v):
    """One small change of a value, of the same kind."""
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + 1
    if v == '':
        return '00'
    if re.fullmatch(r'([0-9a-f]{2})+', v):
        return v[:-1] + '%x' % (int(v[-1], 16) ^ 1)
    return v[:-1] + ('A' if v[-1] != 'A' else 'B')


def put(doc, path, value):
    for k in path[:-1]:
        doc = doc[k]
    doc[path[-1]] = value


def name(path):
    return '.'.join(str(p) for p in path)


def host_fails(file):
    for prog in ('ref_vectors', 'kprofile'):
        r = subprocess.run([os.path.join(HOST, prog), file], cwd=HOST,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode:
            return True
    return False


def vm_run(mutants):
    """Ship mutants beside cpns_vectors, run them in one boot; {index: killed}."""
    shipped = []
    try:
        with open(os.path.join(SELF, 'cpns_vectors.mut.index'), 'w') as idx:
            for i, path, file in mutants:
                dst = os.path.join(SELF, f'cpns_vectors.mut.{i}.json')
                with open(file) as f, open(dst, 'w') as g:
                    g.write(f.read())
                shipped.append(dst)
                idx.write(f'{i} {name(path)}\n')
        shipped.append(os.path.join(SELF, 'cpns_vectors.mut.index'))
        env = dict(os.environ, T='cpns_vectors,cpns_vectors_mutants',
                   TEST_TIMEOUT=str(120 + 60 * len(mutants)),
                   VM_TIMEOUT=str(900 + 60 * len(mutants)))
        out = subprocess.run(['make', 'check'], cwd=ROOT, env=env,
                             capture_output=True, text=True).stdout
    finally:
        for f in shipped:
            os.remove(f)
    with open(os.path.join(WORK, 'vm.log'), 'w') as f:
        f.write(out)
    with open(os.path.join(ROOT, 'build', 'vm', 'results.log')) as f:
        res = f.read()
    with open(os.path.join(WORK, 'results.log'), 'w') as f:
        f.write(res)
    killed = {}
    for m in re.finditer(r'^\s*(not )?ok \d+ mutant (\d+) ', res, re.M):
        killed[int(m.group(2))] = not m.group(1)
    if (not re.search(r'^ok \d+ selftests: cpns: cpns_vectors$', res, re.M) or
            not re.search(r'^\s*ok \d+ control: ', res, re.M)):
        print('mutate-vectors: cpns_vectors does not pass on the vectors themselves '
              f'(see {WORK}/results.log)')
        sys.exit(2)
    return killed


def main(argv):
    subprocess.run(['make', '-s', '-C', HOST], check=True)
    with open(VECTORS) as f:
        orig = json.load(f)
    if host_fails(VECTORS):
        print('mutate-vectors: the host tests fail on the vectors themselves')
        return 2
    os.makedirs(WORK, exist_ok=True)
    mutants = []
    for i, (path, v) in enumerate(leaves(orig)):
        doc = json.loads(json.dumps(orig))
        put(doc, path, mutate(v))
        file = os.path.join(WORK, f'{i}.json')
        with open(file, 'w') as f:
            json.dump(doc, f, indent=1)
        mutants.append((i, path, file))
    by_host = {i: host_fails(file) for i, _, file in mutants}
    to_vm = [m for m in mutants if '--vm-all' in argv or not by_host[m[0]]]
    by_vm = vm_run(to_vm) if to_vm and '--no-vm' not in argv else {}
    alive = 0
    for i, path, _ in mutants:
        h = by_host[i]
        v = by_vm.get(i)
        where = ', '.join(w for w, k in (('host', h), ('vm', v)) if k) or 'ALIVE'
        if not h and not v:
            alive += 1
        print(f'mutant {i:3d} {name(path)}: killed by {where}')
    print(f'{len(mutants)} mutants: {len(mutants) - alive} killed '
          f'({sum(by_host.values())} by the host tests, '
          f'{sum(1 for k in by_vm.values() if k)} of {len(by_vm)} run in the VM by cpns_vectors), '
          f'{alive} alive')
    return 1 if alive else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
