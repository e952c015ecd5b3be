#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check the structure of kmod/ (and, with --userspace, userspace/).

  structure.py kmod [--userspace]

Prints KTAP: one "ok N - ..." or "not ok N - ..." line per check, with
the reasons as "# " lines; exits 1 on any failure.  Debian's
/usr/bin/python3 only, no modules beyond the standard library.

kmod checks (Documentation/design.rst, "Files"):
  layering   the include graph and the cross-file call graph of kmod/
             (a file uses another when it includes it or names a function
             defined there: a non-static one of a .c, an inline one of a
             .h) have no cycle, and every edge goes down the layers main >
             netlink > gw, pne, server > key.c, record > blob > key.h >
             profile, role, cpns > crypto (or stays in one layer)
  genl       netlink.c is the only file that speaks genl: no other
             includes <net/genetlink.h> or names genl_info, an skb, a
             netlink attribute or an nla_*() helper
  netlink.h  declares cpns_genl_init() and cpns_genl_exit(), nothing else
  length     no function body in kmod/ is over 80 lines (--userspace: in
             userspace/, over 100), counted from the line after its
             opening brace to the line before its closing one
"""

import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# Top to bottom; "x" is x.c and x.h, "x.h" the header alone.
# netlink-policy.h is netlink.c's policies, generated from the YNL spec
# (selftests/host/ynl_spec.py --write) and included by netlink.c only.  key.h sits
# below blob.c: the key type's payloads and descriptions, which blob.c
# seals and opens, while key.c calls blob.c.
LAYERS = [
    ["main"],
    ["netlink", "netlink-policy.h"],
    ["gw", "pne", "server"],
    ["key.c", "record"],
    ["blob"],
    ["key.h"],
    ["profile", "role", "cpns"],
    ["crypto"],
]


def rank(name):
    for i, layer in enumerate(LAYERS):
        if name in layer or os.path.splitext(name)[0] in layer:
            return i
    return None

GENL_WORDS = re.compile(r"\b(genl_info|genlmsg_\w+|sk_buff|nlattr|nla_\w+|"
                        r"nlmsg_\w+|genl_\w+)\b")

KMOD_MAX = 80
USERSPACE_MAX = 100


def strip(text):
    """Comments and string/char literals blanked, line breaks kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * max(0, j - i - 2) + (c if j - i >= 2 else ""))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(name, first body line, body lines, static) of each definition.

    Kernel style: a definition's opening and closing braces stand alone
    in column 0; the name is the last identifier before "(" on the lines
    above the brace.
    """
    lines = text.split("\n")
    res = []
    i = 0
    while i < len(lines):
        if lines[i].rstrip() == "{":
            j = i + 1
            while j < len(lines) and not lines[j].startswith("}"):
                j += 1
            k = i - 1
            sig = []
            while k >= 0 and lines[k].strip() and not lines[k].rstrip().endswith((";", "}")) \
                    and not lines[k].startswith("#"):
                sig.insert(0, lines[k])
                k -= 1
            s = " ".join(sig)
            m = re.search(r"(\w+)\s*\([^()]*(\([^()]*\)[^()]*)*\)\s*$", s)
            if m and not re.search(r"=\s*$", s) and not s.lstrip().startswith(("struct", "union", "enum")) \
                    or (m and "(" in s and s.lstrip().startswith(("struct", "union", "enum")) and "=" not in s):
                res.append((m.group(1), i + 2, j - i - 1, bool(re.match(r"\s*static\b", s))))
            i = j
        i += 1
    return res




def find_cycle(graph):
    """A cycle of @graph (dict node -> set), as a list, or None."""
    state = {}
    stack = []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(graph.get(u, ())):
            if state.get(v) == 1:
                return stack[stack.index(v):] + [v]
            if not state.get(v):
                c = visit(v)
                if c:
                    return c
        stack.pop()
        state[u] = 2
        return None

    for u in sorted(graph):
        if not state.get(u):
            c = visit(u)
            if c:
                return c
    return None


class Ktap:
    def __init__(self):
        self.results = []

    def case(self, name, problems):
        self.results.append((name, problems))

    def report(self):
        print("TAP version 13")
        print("1..%d" % len(self.results))
        failed = 0
        for i, (name, problems) in enumerate(self.results, 1):
            for p in problems:
                print("# " + p)
            print("%s %d - %s" % ("not ok" if problems else "ok", i, name))
            failed += bool(problems)
        return 1 if failed else 0


def read_sources(d, exts):
    files = {}
    for name in sorted(os.listdir(d)):
        if name.endswith(exts) and not name.endswith(".mod.c"):
            with open(os.path.join(d, name), encoding="utf-8") as f:
                files[name] = f.read()
    return files


def kmod_graph(files):
    """Edges unit -> unit, each with a reason."""
    defined = {}
    for name, text in files.items():
        for fn, _, _, static in functions(strip(text)):
            if not static or name.endswith(".h"):
                defined.setdefault(fn, name)
    edges = {}

    def add(a, b, why):
        if a != b:
            edges.setdefault(a, {}).setdefault(b, why)

    for name, text in files.items():
        s = strip(text)
        u = name
        edges.setdefault(u, {})
        for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
            if os.path.basename(inc) in files:
                add(u, os.path.basename(inc), "%s includes %s" % (name, inc))
        fns = functions(s)
        own = {fn for fn, _, _, _ in fns}
        if name.endswith(".h"):
            # a header uses what its inline functions' bodies name
            lines = s.split("\n")
            s = "\n".join("\n".join(lines[first - 1:first - 1 + n])
                          for _, first, n, _ in fns)
        for tok in sorted(set(re.findall(r"\b[A-Za-z_]\w*\b", s))):
            if tok in defined and tok not in own:
                add(u, defined[tok], "%s uses %s()" % (name, tok))
    return edges


def check_kmod(k, userspace):
    kdir = os.path.join(ROOT, "kmod")
    files = read_sources(kdir, (".c", ".h"))
    edges = kmod_graph(files)

    problems = []
    cycle = find_cycle({u: set(v) for u, v in edges.items()})
    if cycle:
        problems.append("cycle: " + " -> ".join(cycle) + " (" +
                        "; ".join(edges[a][b] for a, b in zip(cycle, cycle[1:])) + ")")
    for a in sorted(edges):
        if rank(a) is None:
            problems.append("%s is in no layer (scripts/structure.py LAYERS)" % a)
            continue
        for b, why in sorted(edges[a].items()):
            if rank(b) is not None and rank(b) < rank(a):
                problems.append("%s -> %s goes up the layers: %s" % (a, b, why))
    k.case("kmod: include and call graph acyclic, layered main > netlink > roles > "
           "key, record > blob > profile > crypto", problems)

    problems = []
    for name, text in files.items():
        if name in ("netlink.c", "netlink-policy.h"):
            continue
        s = strip(text)
        if re.search(r'#\s*include\s*"netlink-policy\.h"', text):
            problems.append("%s includes netlink-policy.h, netlink.c's own" % name)
        if re.search(r"#\s*include\s*<net/genetlink\.h>", text):
            problems.append("%s includes <net/genetlink.h>" % name)
        for m in sorted(set(GENL_WORDS.findall(s))):
            problems.append("%s names %s" % (name, m))
    k.case("kmod: netlink.c is the only file that speaks genl", problems)

    problems = []
    nh = strip(files.get("netlink.h", ""))
    decls = set(re.findall(r"\b(\w+)\s*\(", nh))
    if decls != {"cpns_genl_init", "cpns_genl_exit"}:
        problems.append("netlink.h declares %s" % ", ".join(sorted(decls)))
    for extra in re.findall(r"^\s*((?:struct|union|enum|extern|typedef)\b.*|#\s*define\s+\w+.*)$",
                            nh, re.M):
        if not re.match(r"#\s*define\s+_CPNS_NETLINK_H\s*$", extra):
            problems.append("netlink.h has: %s" % extra.strip())
    k.case("kmod: netlink.h exports cpns_genl_init() and cpns_genl_exit() only", problems)

    k.case("kmod: no function over %d lines" % KMOD_MAX,
           too_long(kdir, files, KMOD_MAX))
    if userspace:
        udir = os.path.join(ROOT, "userspace")
        ufiles = {}
        for dirpath, _, names in os.walk(udir):
            for name in sorted(names):
                if name.endswith((".c", ".h")):
                    p = os.path.join(dirpath, name)
                    with open(p, encoding="utf-8") as f:
                        ufiles[os.path.relpath(p, udir)] = f.read()
        k.case("userspace: no function over %d lines" % USERSPACE_MAX,
               too_long(udir, ufiles, USERSPACE_MAX))


def too_long(d, files, limit):
    problems = []
    for name, text in sorted(files.items()):
        for fn, line, n, _ in functions(strip(text)):
            if n > limit:
                problems.append("%s:%d: %s() is %d lines" %
                                (os.path.relpath(os.path.join(d, name), ROOT), line, fn, n))
    return problems


def main(argv):
    args = argv[1:]
    if not args or args[0] != "kmod" or any(a not in ("kmod", "--userspace") for a in args):
        sys.stderr.write("usage: structure.py kmod [--userspace]\n")
        return 2
    k = Ktap()
    check_kmod(k, "--userspace" in args)
    return k.report()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
