#!/usr/bin/env bash
# check-cycles.sh: no loop of calls among stage 3's core files (docs/architecture.md).
# usage: scripts/check-cycles.sh   (make check-cycles; no options; needs a build: make)
#
# The graph is the linker's: file A -> file B when A's object names a symbol that B's
# object defines (a call, or a global it reads or writes), from `nm` of every
# build/stage3/core/*.o.  A loop among them (memmap.c calls kept.c, kept.c reads
# memmap.c's map) is how the stop, end and panic paths once tangled: every loop is
# printed with the symbols that tie it, and the check fails.
set -uo pipefail
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "check-cycles.sh: no options (--help)" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
objs=(${BUILD:-build}/stage3/core/*.o)
[ -e "${objs[0]}" ] || { echo "check-cycles: no objects in ${BUILD:-build}/stage3/core (run make)" >&2; exit 1; }
python3 - "${objs[@]}" <<'PY'
import subprocess, sys, collections
defs, uses = {}, collections.defaultdict(set)
for o in sys.argv[1:]:
    for line in subprocess.run(['nm', o], capture_output=True, text=True, check=True).stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in 'TDBRC':
            defs[f[2]] = o
        elif len(f) == 2 and f[0] == 'U':
            uses[o].add(f[1])
g = {o: collections.defaultdict(list) for o in sys.argv[1:]}
for o, syms in uses.items():
    for s in syms:
        if defs.get(s, o) != o:
            g[o][defs[s]].append(s)
# Strongly connected components (Tarjan), iteratively: a loop is one of more than one file.
index, low, stack, on, loops, n = {}, {}, [], set(), [], 0
for root in g:
    if root in index:
        continue
    work = [(root, iter(g[root]))]
    index[root] = low[root] = n; n += 1; stack.append(root); on.add(root)
    while work:
        v, it = work[-1]
        w = next(it, None)
        if w is not None:
            if w not in index:
                index[w] = low[w] = n; n += 1; stack.append(w); on.add(w)
                work.append((w, iter(g[w])))
            elif w in on:
                low[v] = min(low[v], index[w])
            continue
        work.pop()
        if work:
            low[work[-1][0]] = min(low[work[-1][0]], low[v])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                loops.append(comp)
name = lambda o: 'core/' + o.rsplit('/', 1)[1][:-2] + '.c'
for comp in loops:
    print('check-cycles: a loop of calls:', ' '.join(sorted(name(c) for c in comp)))
    for a in comp:
        for b, syms in g[a].items():
            if b in comp:
                print('   ', name(a), '->', name(b) + ':', ' '.join(sorted(syms)))
if loops:
    sys.exit(1)
print('check-cycles: %d core files, no loop of calls' % len(g))
PY
