#!/usr/bin/python3
"""bench/failover-call.py URL AUTH METHOD [ARG...]: one XML-RPC call in a
fresh process, the way a scripted runbook runs `oneimage create`, `onevm
create`, `onevm deploy` or `onevm list` once per step (OpenNebula's own CLI
is Ruby and starts slower than this). ARG: i:N an int, b:0|1 a bool, f:FILE
a file's content, else a string. Prints the result (an ID, or a document)."""
import sys
import xmlrpc.client

url, auth, method = sys.argv[1:4]
args = []
for a in sys.argv[4:]:
    t, v = (a[0], a[2:]) if a[:2] in ("i:", "b:", "f:") else ("s", a)
    args.append(int(v) if t == "i" else bool(int(v)) if t == "b" else
                open(v).read() if t == "f" else v)
r = getattr(xmlrpc.client.ServerProxy(url), method)(open(auth).readline().strip(), *args)
if not r[0]:
    sys.exit("%s: %s" % (method, r[1]))
print(r[1])
