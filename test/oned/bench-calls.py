#!/usr/bin/env python3
"""bench-calls.py STANDIN OBJECTS CALLS: calls per second of a stand-in
(one.vm.update, a mutating call that is saved, and one.vm.info) with OBJECTS
VMs and OBJECTS images in its state. A measurement, not a test:

    python3 test/oned/bench-calls.py test/oned/oned-standin 200 300
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xmlrpc.client


def main():
    standin, nobj, ncalls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    d = tempfile.mkdtemp(prefix="bench-calls.")
    try:
        with open(d + "/auth", "w") as f:
            f.write("oneadmin:pw\n")
        p = subprocess.Popen([sys.executable, standin, "--port", "0", "--state", d + "/st",
                              "--auth", d + "/auth", "--step-delay", "0",
                              "--monitor-interval", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        port = int(p.stdout.readline())
        s = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port)
        a = "oneadmin:pw"
        s.one.datastore.allocate(a, "NAME=img DS_MAD=dummy TM_MAD=dummy", -1)
        for i in range(nobj):
            s.one.image.allocate(a, "NAME=i%d SOURCE=x/y%d FORMAT=raw SIZE=1" % (i, i), 100, True)
            s.one.vm.allocate(a, 'NAME=v%d MEMORY=64 CPU=1 DISK=[IMAGE_ID=%d] CONTEXT=[A="b"]'
                              % (i, i), True)
        t = time.time()
        for i in range(ncalls):
            assert s.one.vm.update(a, i % nobj, 'X="%d"' % i, 1)[0]
        upd = time.time() - t
        t = time.time()
        for i in range(ncalls):
            s.one.vm.info(a, i % nobj)
        info = time.time() - t
        print("objects=%d calls=%d: one.vm.update %.1f calls/s (%.2f ms/call), one.vm.info "
              "%.1f calls/s" % (nobj, ncalls, ncalls / upd, 1000 * upd / ncalls, ncalls / info))
        p.terminate()
        p.wait()
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
