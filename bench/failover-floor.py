#!/usr/bin/python3
"""bench/failover-floor.py URL AUTH N DIR CONCURRENCY: the least oned work a
failover of N VMs (templates in DIR, as bench/failover-setup.py runbook wrote
them) needs, from ONE process: one.image.allocate per disk, then
one.vm.allocate (on hold) + one.vm.deploy per VM, on CONCURRENCY threads, each
with its own persistent XML-RPC client, no checks beyond the call's own
result; then one.vmpool.info every 0.1 s until every VM is RUNNING.
Prints the time of each phase."""
import os
import re
import sys
import threading
import time
import xmlrpc.client

url, auth, n, d, conc = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
session = open(auth).readline().strip()
local = threading.local()


def call(method, *args):
    if not hasattr(local, "proxy"):
        local.proxy = xmlrpc.client.ServerProxy(url)
    r = getattr(local.proxy, method)(session, *args)
    if not r[0]:
        raise SystemExit("%s: %s" % (method, r[1]))
    return r[1]


def read(name):
    with open(os.path.join(d, name)) as f:
        return f.read()


def parallel(fn, items):
    lock = threading.Lock()
    it = iter(items)
    errors = []

    def worker():
        while True:
            with lock:
                x = next(it, None)
            if x is None or errors:
                return
            try:
                fn(x)
            except BaseException as e:  # noqa: B902 - report, stop the run
                errors.append(e)
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        sys.exit("failover-floor: %s" % errors[0])


# the templates are read before the clock starts: the runbook has them too
images = {(i, k): read("image-%d-%d.txt" % (i, k)) for i in range(n) for k in (0, 1)}
vms = {i: read("vm-%d.txt" % i) for i in range(n)}
ids = {}
t0 = time.time()


def image(key):
    ids[key] = call("one.image.allocate", images[key], 100, True)


parallel(image, sorted(images))
t1 = time.time()


def vm(i):
    # the runbook's templates name image IDs 2i and 2i+1 (registered in
    # order); concurrent registration hands them out in any order
    tmpl = re.sub(r'IMAGE_ID="%d"' % (2 * i), 'IMAGE_ID="#0#"', vms[i], count=1)
    tmpl = re.sub(r'IMAGE_ID="%d"' % (2 * i + 1), 'IMAGE_ID="#1#"', tmpl, count=1)
    tmpl = tmpl.replace("#0#", str(ids[(i, 0)])).replace("#1#", str(ids[(i, 1)]))
    vid = call("one.vm.allocate", tmpl, True)
    call("one.vm.deploy", vid, 0, False, 101)


parallel(vm, range(n))
t2 = time.time()
running = "<STATE>3</STATE><LCM_STATE>3</LCM_STATE>"
while call("one.vmpool.info", -2, -1, -1, -1).count(running) < n:
    time.sleep(0.1)
t3 = time.time()
print("register %.2f recreate %.2f running %.2f" % (t1 - t0, t2 - t1, t3 - t2))
