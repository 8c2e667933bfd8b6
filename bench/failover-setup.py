#!/usr/bin/python3
"""bench/failover-setup.py: the sites, VMs and RBDs bench/failover needs.

  failover-setup.py site URL AUTH POOL a|b     host-a|host-b, image and system Ceph
                                               datastores on POOL (IDs 100, 101:
                                               ceph-img, ceph-sys on a; ceph-img-b,
                                               ceph-sys-b on b), network "lan"
  failover-setup.py vms URL AUTH POOL N        site a: N VMs, each with two persistent
                                               images (RBDs POOL/one-ID), a NIC, deployed
                                               on host-a; prints the RBD names
  failover-setup.py rbds CEPH_CONF POOL FILE   the RBDs named in FILE: journal-mode
                                               mirrored, 4 MiB, OpenNebula's features
  failover-setup.py runbook URL AUTH N DIR     what the runbook starts from, exported
                                               from site a beforehand: one image
                                               template per disk, one VM template per VM
  failover-setup.py primary CEPH_CONF POOL FILE   exit 1 unless every RBD in FILE is
                                               primary there (prints how many are)
  failover-setup.py meta CEPH_CONF POOL FILE  exit 1 unless every RBD in FILE is
                                               there with its manifest
  failover-setup.py count URL AUTH N           exit 1 unless site b has 2N images and
                                               N VMs, every one RUNNING (prints counts)
"""
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import CEPH, client  # noqa: E402


def site(call, pool, s):
    sfx = "" if s == "a" else "-b"
    call("one.host.allocate", "host-" + s, "dummy", "dummy", -1)
    call("one.datastore.allocate", "NAME=ceph-img%s DS_MAD=ceph TM_MAD=ceph POOL_NAME=%s %s"
         % (sfx, pool, CEPH), -1)
    call("one.datastore.allocate", "NAME=ceph-sys%s TYPE=SYSTEM_DS TM_MAD=ceph POOL_NAME=%s %s"
         % (sfx, pool, CEPH), -1)
    call("one.vn.allocate", "NAME=lan BRIDGE=br0 VN_MAD=bridge AR=[TYPE=IP4, IP=10.1.0.1, SIZE=4000]", -1)


def vms(call, pool, n):
    for i in range(n):
        imgs = []
        for k in range(2):
            img = call("one.image.allocate",
                       "NAME=disk-%d-%d TYPE=DATABLOCK PERSISTENT=YES SOURCE=%s/one-%d FORMAT=raw SIZE=4"
                       % (i, k, pool, 2 * i + k), 100, True)
            imgs.append(img)
            print("one-%d" % img)
        vm = call("one.vm.allocate", 'NAME="vm-%d" CPU=0.1 MEMORY=64 DISK=[IMAGE_ID=%d] '
                  'DISK=[IMAGE_ID=%d] NIC=[NETWORK_ID=0] '
                  'CONTEXT=[NETWORK=YES,SSH_PUBLIC_KEY="ssh-ed25519 AAAA bench"]'
                  % (i, imgs[0], imgs[1]), False)
        call("one.vm.deploy", vm, 0, False, 101)


def rbds(conf, pool, names):
    import rados
    import rbd
    cluster = rados.Rados(conffile=conf)
    cluster.connect()
    io = cluster.open_ioctx(pool)
    feat = rbd.RBD_FEATURE_LAYERING | rbd.RBD_FEATURE_EXCLUSIVE_LOCK | rbd.RBD_FEATURE_JOURNALING
    for name in names:
        rbd.RBD().create(io, name, 4 << 20, old_format=False, features=feat)
        with rbd.Image(io, name) as im:
            im.mirror_image_enable(rbd.RBD_MIRROR_IMAGE_MODE_JOURNAL)
    io.close()
    cluster.shutdown()


def primary(conf, pool, names):
    import rados
    import rbd
    cluster = rados.Rados(conffile=conf)
    cluster.connect()
    io = cluster.open_ioctx(pool)
    n = 0
    for name in names:
        with rbd.Image(io, name, read_only=True) as im:
            n += bool(im.mirror_image_get_info()["primary"])
    io.close()
    cluster.shutdown()
    print("%d of %d primary" % (n, len(names)))
    return n == len(names)


def meta(conf, pool, names):
    """How many of the RBDs carry a manifest (image-meta onedr.manifest)."""
    import rados
    import rbd
    cluster = rados.Rados(conffile=conf)
    cluster.connect()
    io = cluster.open_ioctx(pool)
    n = 0
    for name in names:
        try:
            with rbd.Image(io, name, read_only=True) as im:
                n += any(k == "onedr.manifest" for k, _ in im.metadata_list())
        except rbd.ImageNotFound:
            pass
    io.close()
    cluster.shutdown()
    print("%d of %d with a manifest" % (n, len(names)))
    return n == len(names)


def runbook(call, n, out):
    """What the runbook's step 1 leaves the admin: templates in files."""
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        doc = ET.fromstring(call("one.vm.info", i, False))
        for k, d in enumerate(doc.findall("TEMPLATE/DISK")):
            with open(os.path.join(out, "image-%d-%d.txt" % (i, k)), "w") as f:
                f.write('NAME="disk-%d-%d" TYPE="DATABLOCK" PERSISTENT="YES" SOURCE="%s" '
                        'FORMAT="raw" SIZE="4"\n' % (i, k, d.findtext("SOURCE")))
        # site B's image IDs are 2i and 2i+1: the runbook registers them in order
        with open(os.path.join(out, "vm-%d.txt" % i), "w") as f:
            f.write('NAME="vm-%d" CPU="0.1" MEMORY="64" DISK=[IMAGE_ID="%d"] DISK=[IMAGE_ID="%d"] '
                    'NIC=[NETWORK="lan"] CONTEXT=[NETWORK="YES",SSH_PUBLIC_KEY="ssh-ed25519 AAAA bench"]\n'
                    % (i, 2 * i, 2 * i + 1))


def count(call, n):
    imgs = call("one.imagepool.info", -2, -1, -1).count("<IMAGE><ID>")
    pool = ET.fromstring(call("one.vmpool.info", -2, -1, -1, -1))
    vms = pool.findall("VM")
    running = sum(1 for v in vms if v.findtext("STATE") == "3" and v.findtext("LCM_STATE") == "3")
    print("%d images, %d VMs, %d RUNNING" % (imgs, len(vms), running))
    return imgs == 2 * n and len(vms) == n and running == n


def main():
    what = sys.argv[1]
    if what == "rbds":
        rbds(sys.argv[2], sys.argv[3], open(sys.argv[4]).read().split())
        return
    if what == "primary":
        sys.exit(0 if primary(sys.argv[2], sys.argv[3], open(sys.argv[4]).read().split()) else 1)
    if what == "meta":
        sys.exit(0 if meta(sys.argv[2], sys.argv[3], open(sys.argv[4]).read().split()) else 1)
    call = client(sys.argv[2], sys.argv[3])
    if what == "site":
        site(call, sys.argv[4], sys.argv[5])
    elif what == "vms":
        vms(call, sys.argv[4], int(sys.argv[5]))
    elif what == "runbook":
        runbook(call, int(sys.argv[4]), sys.argv[5])
    elif what == "count":
        sys.exit(0 if count(call, int(sys.argv[4])) else 1)
    else:
        sys.exit("unknown: " + what)


main()
