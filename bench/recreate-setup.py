#!/usr/bin/python3
"""bench/recreate-setup.py: the site objects and VMs bench/recreate needs.

  recreate-setup.py site URL AUTH POOL        datastores, network, host (either site)
  recreate-setup.py vms URL AUTH POOL N       N VMs with a persistent image disk and a
                                              volatile disk, deployed; prints the RBD
                                              names to create (one per line)
  recreate-setup.py runbook URL AUTH N DIR    the runbook's inputs for site B: one image
                                              template file per disk and one VM template
                                              per VM, as an admin would have exported
"""
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import CEPH, client  # noqa: E402


def site(call, pool):
    call("one.host.allocate", "host0", "dummy", "dummy", -1)
    call("one.datastore.allocate", "NAME=ceph-img DS_MAD=ceph TM_MAD=ceph POOL_NAME=%s %s" % (pool, CEPH), -1)
    call("one.datastore.allocate", "NAME=ceph-sys TYPE=SYSTEM_DS TM_MAD=ceph POOL_NAME=%s %s" % (pool, CEPH), -1)
    call("one.vn.allocate", "NAME=lan BRIDGE=br0 VN_MAD=bridge AR=[TYPE=IP4, IP=10.1.0.1, SIZE=1000]", -1)


def vms(call, pool, n):
    for i in range(n):
        img = call("one.image.allocate",
                   "NAME=disk-%d TYPE=OS PERSISTENT=YES SOURCE=%s/one-%d FORMAT=raw SIZE=8" % (i, pool, i), 100, True)
        vm = call("one.vm.allocate", 'NAME="vm %d" CPU=0.1 MEMORY=64 DISK=[IMAGE_ID=%d] '
                  'DISK=[TYPE=fs,SIZE=8,FORMAT=raw] NIC=[NETWORK_ID=0] '
                  'CONTEXT=[NETWORK=YES,SSH_PUBLIC_KEY="ssh-ed25519 AAAA bench"] '
                  'GRAPHICS=[TYPE=vnc,LISTEN="0.0.0.0"]' % (i, img), False)
        call("one.vm.deploy", vm, 0, False, 101)
        print("one-%d" % img)
        print("one-sys-%d-1" % vm)


def runbook(call, n, out):
    """What the runbook's step 1 leaves the admin: templates in files."""
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        doc = ET.fromstring(call("one.vm.info", i, False))
        pool, rbd = doc.find("TEMPLATE/DISK/SOURCE").text.split("/")
        with open(os.path.join(out, "image-%d-0.txt" % i), "w") as f:
            f.write('NAME="disk-%d" TYPE="OS" PERSISTENT="YES" SOURCE="%s/%s" FORMAT="raw" SIZE="8"\n'
                    % (i, pool, rbd))
        with open(os.path.join(out, "image-%d-1.txt" % i), "w") as f:
            f.write('NAME="vm %d-disk1" TYPE="DATABLOCK" PERSISTENT="YES" SOURCE="%s/one-sys-%d-1" '
                    'FORMAT="raw" SIZE="8"\n' % (i, pool, i))
        # site B's image IDs are 2i and 2i+1: the loop registers them in order
        with open(os.path.join(out, "vm-%d.txt" % i), "w") as f:
            f.write('NAME="vm %d" CPU="0.1" MEMORY="64" DISK=[IMAGE_ID="%d"] DISK=[IMAGE_ID="%d"] '
                    'NIC=[NETWORK="lan"] CONTEXT=[NETWORK="YES",SSH_PUBLIC_KEY="ssh-ed25519 AAAA bench"] '
                    'GRAPHICS=[TYPE="vnc",LISTEN="0.0.0.0"]\n' % (i, 2 * i, 2 * i + 1))


def main():
    what, url, auth = sys.argv[1:4]
    call = client(url, auth)
    if what == "site":
        site(call, sys.argv[4])
    elif what == "vms":
        vms(call, sys.argv[4], int(sys.argv[5]))
    elif what == "runbook":
        runbook(call, int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("unknown: " + what)


main()
