#!/usr/bin/python3
"""bench/recreate-call.py URL AUTH METHOD TEMPLATE_FILE [INT] [BOOL]: one
XML-RPC call in a fresh process, the way a scripted runbook calls `oneimage
create` or `onevm create` once per step (OpenNebula's own CLI is Ruby and
starts slower than this). Prints the new ID."""
import sys
import xmlrpc.client

url, auth, method, tmpl = sys.argv[1:5]
args = [open(tmpl).read()]
for a in sys.argv[5:]:
    args.append(a == "true" if a in ("true", "false") else int(a))
r = getattr(xmlrpc.client.ServerProxy(url), method)(open(auth).readline().strip(), *args)
if not r[0]:
    sys.exit(r[1])
print(r[1])
