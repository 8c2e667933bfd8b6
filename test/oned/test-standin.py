#!/usr/bin/env python3
"""Self-test of test/oned/oned-standin (standard library only, TAP output).

1. Basic checks that need no fixtures (template parser, HTTP, SIGTERM,
   persistence across a restart, concurrency, deploy to RUNNING), and the
   methods the fixtures do not cover: groups (group.allocate/info,
   grouppool.info), user.chgrp, vm/image/vn.chown, with their error paths.
2. Replays the real oned 7.0.2 exchanges of
   shared/fixtures/opennebula-7.0/xmlrpc against a fresh stand-in, in an
   order that recreates the same objects with the same IDs, and compares:
     - error arrays / IDs / faults: decoded value exactly, raw bytes too;
     - documents: element structure (names, order, nesting, CDATA or not)
       and values, with volatile values (times, UUIDs, hashes, monitoring,
       error texts with timestamps, hook command paths) masked.
   Hook payloads captured by small hook scripts are compared with
   shared/fixtures/opennebula-7.0/hooks/*.decoded.xml the same way.

A fixture whose document differs in a way we know about and accept is
reported as "not ok ... # TODO <reason>" (TAP: does not fail the run).
Anything else that differs fails.

Environment: ONED_FIXTURES=<dir> overrides the fixture location
(default: <repo>/test/fixtures/opennebula-7.0, a copy of the captures).
"""

import base64
import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.environ.get("ONED_STANDIN") or os.path.join(HERE, "oned-standin")
MKREMOTES = os.path.join(HERE, "mkremotes")
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.environ.get("ONED_FIXTURES") or os.path.join(
    REPO, "test", "fixtures", "opennebula-7.0")
XDIR = os.path.join(FIXTURES, "xmlrpc")
HDIR = os.path.join(FIXTURES, "hooks")
PASSWORD = "REDACTED_PASSWORD"
SESSION = "oneadmin:" + PASSWORD

# --------------------------------------------------------------------------
# TAP
# --------------------------------------------------------------------------
N = 0
FAILED = 0
PASSED = 0
TODO = 0
SUMMARY = {"exact": 0, "structural": 0, "todo": 0, "failed": 0}


def tap(ok, desc, todo=None, diag=None):
    global N, FAILED, PASSED, TODO
    N += 1
    line = ("ok %d - %s" if ok else "not ok %d - %s") % (N, desc)
    if todo and not ok:
        line += " # TODO " + todo
        TODO += 1
    elif ok:
        PASSED += 1
    else:
        FAILED += 1
    print(line)
    if diag and (not ok or os.environ.get("VERBOSE")):
        for d in diag[:25]:
            print("#   " + d)
    sys.stdout.flush()


# --------------------------------------------------------------------------
# Stand-in process
# --------------------------------------------------------------------------
class Standin:
    def __init__(self, state, *args, password=PASSWORD, env=None):
        self.state = state
        self.env = env
        self.auth = os.path.join(state + ".auth")
        with open(self.auth, "w") as f:
            f.write("oneadmin:%s\n" % password)
        self.args = list(args)
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, STANDIN, "--port", "0", "--state", self.state,
             "--auth", self.auth] + self.args,
            stdout=subprocess.PIPE, stderr=open(self.state + ".log", "a"), env=self.env)
        line = self.proc.stdout.readline().decode().strip()
        if not line.isdigit():
            raise RuntimeError("stand-in did not start: %r (see %s.log)" % (line, self.state))
        self.port = int(line)
        self.proxy = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode

    def post(self, body, path="/RPC2", method="POST"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request(method, path, body=body, headers={"Content-Type": "text/xml"})
        r = c.getresponse()
        data = r.read()
        hdrs = r.getheaders()
        c.close()
        return r.status, hdrs, data

    def call(self, method, *args):
        return getattr(self.proxy, method)(SESSION, *args)


def make_remotes(d, kind="recorder", *names):
    """An OpenNebula remotes tree for --remotes (test/oned/mkremotes)."""
    subprocess.check_call([MKREMOTES, d, kind] + list(names))
    return d


def write_script(path, body):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.islink(path):
        os.unlink(path)
    with open(path, "w") as f:
        f.write(body)
    os.chmod(path, 0o755)


# --------------------------------------------------------------------------
# XML tree for comparisons
# --------------------------------------------------------------------------
TOK = re.compile(r"<!\[CDATA\[(.*?)\]\]>|<(/?)([A-Za-z_][\w.\-]*)\s*(/?)>|([^<]+)", re.S)


class Node:
    __slots__ = ("tag", "kids", "leaf", "selfclose")

    def __init__(self, tag):
        self.tag, self.kids, self.leaf, self.selfclose = tag, [], None, False


def unent(s):
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def parse_tree(s, keep_ws=False):
    root = Node("#root")
    stack = [root]
    pending_text = []
    for m in TOK.finditer(s):
        cd, close, tag, sc, text = m.groups()
        cur = stack[-1]
        if cd is not None:
            cur.leaf = ("C", (cur.leaf[1] if cur.leaf else "") + cd)
        elif tag is not None:
            if close:
                if len(stack) > 1:
                    stack.pop()
            else:
                n = Node(tag)
                cur.kids.append(n)
                if sc:
                    n.selfclose = True
                else:
                    stack.append(n)
        elif text is not None:
            if text.strip() == "" and not keep_ws:
                continue
            if cur.leaf and cur.leaf[0] == "C":
                cur.leaf = ("C", cur.leaf[1] + unent(text))
            else:
                cur.leaf = ("T", (cur.leaf[1] if cur.leaf else "") + unent(text))
    return root.kids[0] if root.kids else Node("#empty")


VOLATILE = {"STIME", "ETIME", "LAST_POLL", "REGTIME", "MODTIME", "PSTIME", "PETIME",
            "RSTIME", "RETIME", "ESTIME", "EETIME", "TIMESTAMP", "TIME", "UUID",
            "TOKEN_PASSWORD", "PASSWORD", "REQUEST_ID", "ONE_KEY"}
TS_RX = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}")
HOOK_VOLATILE = {"ARGUMENTS", "COMMAND"}
SKIP_SUBTREE = {"MONITORING"}


def flatten(node, path="", out=None, ctx=None):
    """-> list of (path, kind, value); kind: E (element w/ children), C, T, 0 (empty)."""
    if out is None:
        out = []
    p = path + "/" + node.tag
    in_hook = ctx == "HOOK" or node.tag in ("HOOK_EXECUTION_RECORD", "HOOK")
    if node.tag in SKIP_SUBTREE:
        out.append((p, "M", ""))
        return out
    if node.kids:
        out.append((p, "E", ""))
        for k in node.kids:
            flatten(k, p, out, "HOOK" if in_hook else ctx)
        if node.leaf and node.leaf[1].strip():
            out.append((p + "/#text", node.leaf[0], node.leaf[1]))
    else:
        kind, val = node.leaf if node.leaf else ("0", "")
        if kind == "T" and val == "":
            kind = "0"
        if kind == "0" and node.selfclose:
            kind = "0/"
        if node.tag in VOLATILE or (in_hook and node.tag in HOOK_VOLATILE):
            val = "*"
        elif node.tag == "ERROR":
            val = TS_RX.sub("<time>", val)      # compare the text, not the time
        out.append((p, kind, val))
    return out


def compare_docs(exp, got):
    """-> (status, diag): status in exact / structural / differs."""
    a = flatten(parse_tree(exp))
    b = flatten(parse_tree(got))
    sa = [(p, k) for p, k, _ in a]
    sb = [(p, k) for p, k, _ in b]
    if sa != sb:
        import difflib
        diag = ["structure differs (- fixture, + stand-in):"]
        for line in difflib.unified_diff(["%s [%s]" % x for x in sa],
                                         ["%s [%s]" % x for x in sb], lineterm="", n=1):
            if line.startswith(("---", "+++")):
                continue
            diag.append(line)
        return "differs", diag
    vd = ["%s: fixture %r, stand-in %r" % (p, v1, v2)
          for (p, _, v1), (_, _, v2) in zip(a, b) if v1 != v2]
    if vd:
        return "structural", vd
    return "exact", []


# --------------------------------------------------------------------------
# Part 1: checks that need no fixtures
# --------------------------------------------------------------------------
def basic_tests(tmp):
    st = Standin(os.path.join(tmp, "basic"), "--step-delay", "0", "--monitor-interval", "0")
    try:
        status, hdrs, body = st.post(b"", method="GET")
        tap(status == 405, "GET /RPC2 -> 405")
        r = st.call("one.system.version")
        tap(r == [True, "7.0.2", 0], "one.system.version")
        hd = dict((k.lower(), v) for k, v in st.post(xmlrpc.client.dumps(
            (SESSION,), "one.system.version").encode())[1])
        tap(hd.get("content-type") == "text/xml; charset=utf-8" and
            hd.get("connection") == "close", "reply headers (Content-type, Connection)")
        # template parser corner cases (through image.allocate errors)
        cases = [
            ('A = "x"\nB = [ C = "1", D = 2 ]\n# c\nE=\n', None),
            ('NAME = "bad\nSOURCE = [', "Parse error: syntax error, unexpected $end, "
             "expecting CBRACKET or VARIABLE at line 1, columns 22:23"),
            ('A = "x ]]> y"', "Parse error."),
            ('A = [ B = "x ]]> y" ]', "Parse error."),
            ('A = [\n B = "x ]]> y" ]', "Parse error: syntax error, unexpected "
             "CCDATA, expecting STRING at line 1, columns 12:23"),
            ('A B', "Parse error: syntax error, unexpected VARIABLE, expecting EQUAL or "
             "EQUAL_EMPTY at line 1, columns 3:4"),
        ]
        for tmpl, want in cases:
            r = st.call("one.vm.allocate", tmpl, True)
            got = r[1] if not r[0] else None
            ok = (want is None and got and "MEMORY" in got) or \
                 (want is not None and got == "[one.vm.allocate] " + want)
            tap(ok, "template parser: %r" % tmpl, diag=[repr(r)])
        # escaping: only \" unescaped, names upper-cased, vector first-wins
        r = st.call("one.host.allocate", "h0", "dummy", "dummy", -1)
        r = st.call("one.datastore.allocate", 'NAME=sys\nTYPE=SYSTEM_DS\nTM_MAD=dummy', -1)
        dsid = r[1]
        r = st.call("one.vm.allocate", 'name = "v\\"q"\nMEMORY=64\nCPU=1\nnote="a\\\\b \\"c\\""\n'
                    'vec=[ a = "1", A = "2" ]', False)
        tap(r[0] is False and "Invalid NAME, char '\"'" in r[1], "NAME with quote rejected")
        r = st.call("one.vm.allocate", 'name = "v (1) [x]"\nMEMORY=64\nCPU=1\n'
                    'note="a\\\\b \\"c\\""\nvec=[ a = "1", A = "2" ]\n'
                    'GRAPHICS=[TYPE=vnc]', False)
        doc = st.call("one.vm.info", r[1])[1]
        tap('<NOTE><![CDATA[a\\\\b "c"]]></NOTE>' in doc and
            "<VEC><A><![CDATA[1]]></A></VEC>" in doc and "<NAME>v (1) [x]</NAME>" in doc,
            "text template escaping / names / vector first-wins")
        vid = r[1]
        r = st.call("one.vm.deploy", vid, 0, False, dsid, "")
        doc = st.call("one.vm.info", vid)[1]
        tap(r[0] and "<STATE>3</STATE><LCM_STATE>3</LCM_STATE>" in doc and
            "<PORT><![CDATA[" in doc, "deploy reaches RUNNING (step-delay 0) with VNC port")
        # concurrency
        errs = []

        def worker(i):
            try:
                p = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % st.port)
                for j in range(10):
                    rr = p.one.vm.allocate(SESSION, 'NAME="c-%d-%d" MEMORY=32 CPU=0.1' % (i, j))
                    if not rr[0]:
                        errs.append(rr)
                    p.one.vmpool.info(SESSION, -2, -1, -1, -1)
            except Exception as e:
                errs.append(e)
        ths = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        pool = st.call("one.vmpool.info", -2, -1, -1, -1)[1]
        ids = [int(x) for x in re.findall(r"<VM><ID>(\d+)</ID>", pool)]
        tap(not errs and len(ids) == len(set(ids)) == 81 and ids == sorted(ids, reverse=True),
            "80 concurrent allocates: unique IDs, descending listing", diag=[repr(errs[:3])])
        # restart keeps state; SIGTERM exits 0
        rc = st.stop()
        tap(rc == 0, "SIGTERM: clean exit (rc=%r)" % rc)
        st.start()
        r = st.call("one.vm.info", vid)
        tap(r[0] and "<LCM_STATE>3</LCM_STATE>" in r[1] and "v (1) [x]" in r[1],
            "state survives a restart")
        r = st.proxy.one.vm.info("oneadmin:wrong", vid)
        tap(r == [False, "[one.vm.info] User couldn't be authenticated, aborting call.",
                  256, -1, -1], "wrong password -> 256")
        # per-change persistence: a SIGKILLed stand-in comes back with every
        # change made before (the journal), and without a failed call's
        st.call("one.vm.update", vid, 'KEPT="yes"', 1)
        r1 = st.call("one.vm.rename", vid, "bad/name")
        n_before = len(re.findall(r"<VM><ID>", st.call("one.vmpool.info", -2, -1, -1, -1)[1]))
        st.call("one.vm.allocate", 'NAME="late"\nMEMORY="64"', True)
        st.proc.kill()
        st.proc.wait()
        journal = os.path.getsize(os.path.join(st.state, "state.journal"))
        st.start()
        doc = st.call("one.vm.info", vid)[1]
        n_after = len(re.findall(r"<VM><ID>", st.call("one.vmpool.info", -2, -1, -1, -1)[1]))
        tap(r1[0] is False and "KEPT" in doc and "bad/name" not in doc and
            n_after == n_before + 1 and journal > 0,
            "SIGKILL: every change is back after a restart (state.json + state.journal), a "
            "failed call left nothing", diag=["journal %d bytes, VMs %d -> %d" % (
                journal, n_before, n_after)])
    finally:
        st.stop()


def like_oned_tests(tmp):
    """Behaviours where an earlier stand-in was kinder than oned 7.0.2
    (issue 8, item 18): each check failed against it."""
    st = Standin(os.path.join(tmp, "strict"), "--step-delay", "0", "--monitor-interval", "0")
    ceph = ("DISK_TYPE=RBD CEPH_HOST=127.0.0.1 CEPH_USER=admin BRIDGE_LIST=localhost "
            "CEPH_SECRET=6c9b5f1a-2d3e-4f50-8a7b-9c0d1e2f3a4b POOL_NAME=one")
    try:
        # a failed allocate on an empty image pool uses up ID 0 (PoolSQL::allocate
        # sets last_oid back to max(-1, 0) when Image::insert fails)
        img_ds = st.call("one.datastore.allocate", "NAME=ceph-img DS_MAD=ceph TM_MAD=ceph " + ceph, -1)[1]
        sys_ds = st.call("one.datastore.allocate", "NAME=ceph-sys TYPE=SYSTEM_DS TM_MAD=ceph " + ceph, -1)[1]
        r1 = st.call("one.image.allocate", "NAME=a SOURCE=one/one-0 SIZE=8", img_ds, True)
        r2 = st.call("one.image.allocate", "NAME=a SOURCE=one/one-0 SIZE=8 FORMAT=raw", img_ds, True)
        tap(r1[:3] == [False, "[one.image.allocate] Error allocating a new image. SOURCE needs "
                       "FORMAT to be set.", 16384] and r2 == [True, 1, 0],
            "a failed image.allocate on an empty pool uses up image ID 0", diag=[repr(r1), repr(r2)])
        # a NIC with IP and MAC is refused
        st.call("one.host.allocate", "h0", "dummy", "dummy", -1)
        st.call("one.vn.allocate", "NAME=lan BRIDGE=br0 VN_MAD=bridge AR=[TYPE=IP4, IP=10.0.0.10, SIZE=20]", -1)
        st.call("standin.settle")
        r = st.call("one.vm.allocate", 'NAME=n MEMORY=64 CPU=1 NIC=[ NETWORK_ID=0, IP="10.0.0.12", '
                    'MAC="02:00:0a:00:00:0c" ]', True)
        tap(r[:3] == [False, "[one.vm.allocate] Cannot get IP/MAC lease from virtual network 0.", 8192],
            "a NIC with both IP and MAC is refused (8192)", diag=[repr(r)])
        r = st.call("one.vm.allocate", 'NAME=n MEMORY=64 CPU=1 NIC=[ NETWORK_ID=0, IP="10.0.0.13" ]', True)
        doc = st.call("one.vm.info", r[1])[1] if r[0] else ""
        tap("<MAC><![CDATA[02:00:0a:00:00:0d]]></MAC>" in doc,
            "a NIC with only the IP gets the MAC the network derives", diag=[repr(r)])
        # deploying to a system DS whose TM the image DS does not support
        iid = st.call("one.image.allocate", "NAME=b SOURCE=one/one-1 SIZE=8 FORMAT=raw PERSISTENT=YES",
                      img_ds, True)[1]
        r = st.call("one.vm.allocate", "NAME=d MEMORY=64 CPU=1 DISK=[ IMAGE_ID=%d ]" % iid, True)
        vid = r[1]
        r = st.call("one.vm.deploy", vid, 0, False, -1, "")
        tap(r[:3] == [False, "[one.vm.deploy] Image Datastore does not support transfer mode: "
                      "local", 2048], "deploy onto the lowest system DS (0, TM local) is refused "
            "for a Ceph disk", diag=[repr(r)])
        r = st.call("one.vm.deploy", vid, 0, False, sys_ds, "")
        doc = st.call("one.vm.info", vid)[1]
        tap(r[0] and "<DS_ID>%d</DS_ID>" % sys_ds in doc, "deploy onto the Ceph system DS works",
            diag=[repr(r)])
        # ]]> in an XML template value
        r = st.call("one.vm.allocate", "<TEMPLATE><NAME>x</NAME><MEMORY>64</MEMORY><CPU>1</CPU>"
                    "<NOTE>a ]]&gt; b</NOTE></TEMPLATE>", True)
        tap(r[:3] == [False, "[one.vm.allocate] Error transforming the VM to XML.", 8192],
            "]]> in an XML template value is refused (8192), not dropped", diag=[repr(r)])
        # CONTEXT variables
        r = st.call("one.vm.allocate", 'NAME=ctx MEMORY=64 CPU=1 CONTEXT=[ A="$NAME-$UNAME", '
                    'B="x$NOSUCH.y", C="\\$NAME" ]', True)
        doc = st.call("one.vm.info", r[1])[1] if r[0] else ""
        tap("<A><![CDATA[ctx-oneadmin]]></A>" in doc and "<B><![CDATA[x.y]]></B>" in doc and
            "<C><![CDATA[\\$NAME]]></C>" in doc,
            "CONTEXT $NAME, $UNAME substituted, an unknown variable is empty, \\$ kept",
            diag=[repr(r), re.sub(r".*(<CONTEXT>.*</CONTEXT>).*", r"\1", doc)])
        # the trailing backslash of the CONTEXT attribute that sorts last
        r = st.call("one.vm.allocate", "<TEMPLATE><NAME>bs</NAME><MEMORY>64</MEMORY><CPU>1</CPU>"
                    "<CONTEXT><A>a\\</A><Z>z\\</Z></CONTEXT></TEMPLATE>", True)
        doc = st.call("one.vm.info", r[1])[1] if r[0] else ""
        tap("<A><![CDATA[a\\]]></A>" in doc and "<Z><![CDATA[z]]></Z>" in doc,
            "oned drops the trailing backslash of the CONTEXT attribute that sorts last",
            diag=[repr(r), re.sub(r".*(<CONTEXT>.*</CONTEXT>).*", r"\1", doc)])
    finally:
        st.stop()


def wait_state(st, vid, want, timeout=10):
    end = time.time() + timeout
    doc = ""
    while time.time() < end:
        doc = st.call("one.vm.info", vid)[1]
        s = re.search(r"<STATE>(\d+)</STATE><LCM_STATE>(\d+)</LCM_STATE>", doc).groups()
        if (int(s[0]), int(s[1])) == want:
            return True
        time.sleep(0.05)
    return False


def lifecycle_tests(tmp):
    """Default timing (asynchronous steps), --ds-capacity, control methods."""
    rem = make_remotes(os.path.join(tmp, "life-remotes"))
    st = Standin(os.path.join(tmp, "life"), "--ds-capacity", "100000:90000:10000",
                 "--monitor-interval", "0.3", "--remotes", rem)
    try:
        st.call("one.host.allocate", "kvm-a", "kvm", "kvm", -1)
        img_ds = st.call("one.datastore.allocate",
                         'NAME="img"\nDS_MAD="ceph"\nTM_MAD="ceph"\nDISK_TYPE="RBD"\n'
                         'POOL_NAME="one"\nCEPH_HOST="mon1"\nCEPH_USER="libvirt"\n'
                         'CEPH_SECRET="s"\nBRIDGE_LIST="h"', -1)[1]
        sys_ds = st.call("one.datastore.allocate",
                         'NAME="sys"\nTYPE="SYSTEM_DS"\nTM_MAD="ceph"\nDISK_TYPE="RBD"\n'
                         'POOL_NAME="one"\nCEPH_HOST="mon1"\nCEPH_USER="libvirt"\n'
                         'CEPH_SECRET="s"\nBRIDGE_LIST="h"', -1)[1]
        st.call("standin.settle", 30)         # the new image datastore is monitored
        st.call("standin.datastore.monitor", img_ds, 100000, 90000, 10000)
        r = st.call("one.image.allocate", 'NAME="disk"\nSOURCE="one/one-42"\nFORMAT="raw"\n'
                    'SIZE="1024"\nPERSISTENT="YES"', img_ds)
        tap(r[0] and r[1] == 0, "SOURCE image registered without the skip flag (capacity set)",
            diag=[repr(r)])
        st.call("standin.datastore.monitor", img_ds, 100, 10, 90)
        r = st.call("one.image.allocate", 'NAME="big"\nSOURCE="one/one-43"\nFORMAT="raw"\n'
                    'SIZE="1024"', img_ds)
        tap(r == [False, "[one.image.allocate] Not enough space in datastore", 2048, -1, -1],
            "standin.datastore.monitor lowers FREE_MB", diag=[repr(r)])
        vn = st.call("one.vn.allocate", 'NAME="net"\nVN_MAD="bridge"\nBRIDGE="br0"\n'
                     'AR=[TYPE="IP4",IP="10.0.0.10",SIZE="4"]', -1)[1]
        time.sleep(0.5)
        vid = st.call("one.vm.allocate", 'NAME="web"\nCPU="1"\nMEMORY="512"\n'
                      'DISK=[IMAGE_ID="0"]\nNIC=[NETWORK_ID="%d"]\nGRAPHICS=[TYPE="vnc"]'
                      % vn, False)[1]
        r = st.call("one.vm.deploy", vid, 0, False, sys_ds, "")
        doc = st.call("one.vm.info", vid)[1]
        tap(r[0] and "<STATE>3</STATE><LCM_STATE>0</LCM_STATE>" in doc,
            "deploy returns while the VM is ACTIVE/LCM_INIT")
        tap(wait_state(st, vid, (3, 3)), "VM reaches RUNNING shortly after deploy")
        time.sleep(0.7)
        doc = st.call("one.vm.info", vid)[1]
        tap("<MONITORING><CPU>" in doc and "<LAST_POLL>0<" not in doc,
            "monitor thread fills VM MONITORING / LAST_POLL")
        img = st.call("one.image.info", 0)[1]
        tap("<STATE>8</STATE>" in img and "<VMS><ID>%d</ID></VMS>" % vid in img,
            "persistent image is USED_PERS while attached")
        st.call("one.vm.action", "poweroff", vid)
        tap(wait_state(st, vid, (8, 0)), "poweroff -> POWEROFF")
        st.call("one.vm.action", "resume", vid)
        tap(wait_state(st, vid, (3, 3)), "resume -> RUNNING")
        st.call("standin.host.state", 0, "ERROR", "host down", True)
        tap(wait_state(st, vid, (3, 16)), "standin.host.state ERROR puts VMs in UNKNOWN")
        r = st.call("one.vm.recover", vid, 3)
        tap(r[0] and wait_state(st, vid, (6, 0)), "recover --delete -> DONE")
        img = st.call("one.image.info", 0)[1]
        tap("<STATE>5</STATE>" in img and "<RUNNING_VMS>0</RUNNING_VMS>" in img,
            "persistent image released in ERROR after deleting an ACTIVE VM")
        r = st.call("one.image.enable", 0, True)
        img = st.call("one.image.info", 0)[1]
        tap(r[0] and "<STATE>1</STATE>" in img, "image.enable brings it back to READY")
        r = st.call("one.image.delete", 0, False)
        gone = False
        for _ in range(50):
            if st.call("one.image.info", 0)[0] is False:
                gone = True
                break
            time.sleep(0.05)
        tap(r[0] and gone, "image.delete removes the image (no Ceph involved)")
        leases = st.call("one.vn.info", vn)[1]
        tap("<USED_LEASES>0</USED_LEASES>" in leases, "lease released at DONE")
        alice = st.call("one.user.allocate", "bob", "pw", "", [])[1]
        r = st.proxy.one.vm.info("bob:pw", vid)
        tap(r[0] is False and r[2] == 512, "non-admin user cannot see oneadmin's VM")
        r = st.proxy.one.user.allocate("bob:pw", "eve", "x", "", [])
        tap(r[0] is False and r[2] == 512 and alice == 2, "non-admin cannot create users")
    finally:
        st.stop()


QUOTAS = ("<DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA>"
          "<VM_QUOTA></VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA>")
USERS_TMPL = ("<TEMPLATE><SUNSTONE><DEFAULT_VIEW><![CDATA[cloud]]></DEFAULT_VIEW>"
              "<GROUP_ADMIN_DEFAULT_VIEW><![CDATA[groupadmin]]></GROUP_ADMIN_DEFAULT_VIEW>"
              "<GROUP_ADMIN_VIEWS><![CDATA[groupadmin,cloud]]></GROUP_ADMIN_VIEWS>"
              "<VIEWS><![CDATA[cloud]]></VIEWS></SUNSTONE></TEMPLATE>")


def err(method, msg, code, oid=-1):
    return [False, "[%s] %s" % (method, msg), code, oid, -1]


def fault(st, session, method, *args):
    try:
        getattr(st.proxy, method)(session, *args)
    except xmlrpc.client.Fault as f:
        return (f.faultCode, f.faultString)
    return None


def group_chown_tests(tmp):
    """one.group.*, one.grouppool.info, one.user.chgrp, one.{vm,image,vn}.chown."""
    st = Standin(os.path.join(tmp, "groups"), "--step-delay", "0", "--monitor-interval", "0")
    INT = (-501, "Parameter that is supposed to be integer is not")
    STR = (-501, "Parameter that is supposed to be a string is not")
    try:
        # ---- groups as bootstrapped by oned: 0 oneadmin (users 0, 1), 1 users
        r = st.call("one.grouppool.info")
        want = ("<GROUP_POOL><GROUP><ID>1</ID><NAME>users</NAME>" + USERS_TMPL +
                "<USERS></USERS><ADMINS></ADMINS></GROUP><QUOTAS><ID>1</ID>" + QUOTAS +
                "</QUOTAS><GROUP><ID>0</ID><NAME>oneadmin</NAME><TEMPLATE></TEMPLATE>"
                "<USERS><ID>0</ID><ID>1</ID></USERS><ADMINS></ADMINS></GROUP><QUOTAS><ID>0</ID>"
                + QUOTAS + "</QUOTAS><DEFAULT_GROUP_QUOTAS>" + QUOTAS +
                "</DEFAULT_GROUP_QUOTAS></GROUP_POOL>")
        tap(r == [True, want, 0], "grouppool.info: GROUP + QUOTAS rows, DEFAULT_GROUP_QUOTAS, "
            "descending", diag=[repr(r)])
        r = st.call("one.group.info", -1)
        want0 = ("<GROUP><ID>0</ID><NAME>oneadmin</NAME><TEMPLATE></TEMPLATE><USERS><ID>0</ID>"
                 "<ID>1</ID></USERS><ADMINS></ADMINS>" + QUOTAS + "<DEFAULT_GROUP_QUOTAS>" +
                 QUOTAS + "</DEFAULT_GROUP_QUOTAS></GROUP>")
        tap(r == [True, want0, 0], "group.info(-1) = the caller's group, with quotas",
            diag=[repr(r)])
        r = st.call("one.group.info", 1, True)
        tap(r[0] and r[1].startswith("<GROUP><ID>1</ID><NAME>users</NAME>" + USERS_TMPL),
            "group.info(1, decrypt): users group with its SUNSTONE template", diag=[repr(r)])
        r = st.call("one.group.info", 4242)
        tap(r == err("one.group.info", "Error getting group [4242].", 1024, 4242),
            "group.info unknown -> 1024 with the ID", diag=[repr(r)])
        r = st.call("one.group.info", -7)
        tap(r == err("one.group.info", "Error getting group [-7].", 1024, -7),
            "group.info(-7) -> 1024", diag=[repr(r)])
        tap(fault(st, SESSION, "one.group.info", "1") == INT, "group.info('1') -> fault -501")
        tap(fault(st, SESSION, "one.group.info", 1, "x") ==
            (-501, "Parameter that is supposed to be boolean is not"),
            "group.info(1, 'x') as admin -> fault -501 (boolean)")
        # ---- group.allocate
        r = st.call("one.group.allocate", "dr-site")
        tap(r == [True, 100, 0], "group.allocate -> ID 100 (first non-system group)",
            diag=[repr(r)])
        r = st.call("one.group.allocate", "dr-site")
        tap(r == err("one.group.allocate", "NAME is already taken by GROUP 100.", 8192),
            "group.allocate duplicate name -> 8192", diag=[repr(r)])
        r = st.call("one.group.allocate", "users")
        tap(r == err("one.group.allocate", "NAME is already taken by GROUP 1.", 8192),
            "group.allocate 'users' -> taken by GROUP 1", diag=[repr(r)])
        r = st.call("one.group.allocate", "a:b")
        tap(r == err("one.group.allocate", "Invalid NAME, char ':' is not allowed", 8192),
            "group.allocate invalid NAME -> 8192", diag=[repr(r)])
        r = st.call("one.group.allocate", "")
        tap(r == err("one.group.allocate", "Invalid NAME, it cannot be empty", 8192),
            "group.allocate empty NAME -> 8192", diag=[repr(r)])
        tap(fault(st, SESSION, "one.group.allocate", 5) == STR,
            "group.allocate(5) as admin -> fault -501")
        tap(fault(st, SESSION, "one.group.allocate") == (-501, "Not enough parameters"),
            "group.allocate() -> fault -501 Not enough parameters")
        alice = st.call("one.user.allocate", "alice", "pw", "", [])[1]
        bob = st.call("one.user.allocate", "bob", "pw", "", [100])[1]
        A, B = "alice:pw", "bob:pw"
        r = st.proxy.one.group.allocate(A, "mine")
        tap(r == err("one.group.allocate", "User [2] : Not authorized to perform CREATE "
                     "GROUP.", 512), "group.allocate by a non-admin -> 512", diag=[repr(r)])
        r = st.proxy.one.group.allocate(A, 5)
        tap(r[2:4] == [512, -1], "group.allocate by a non-admin: authorization before the "
            "name is read", diag=[repr(r)])
        r = st.call("one.group.info", 100)
        tap(r[0] and "<TEMPLATE></TEMPLATE><USERS><ID>3</ID></USERS><ADMINS></ADMINS>" in r[1],
            "new group: empty TEMPLATE, USERS lists the user created in it", diag=[repr(r)])
        # ---- what non-admins see
        r = st.proxy.one.grouppool.info(A)
        tap(r[0] and re.findall(r"<GROUP><ID>(\d+)<", r[1]) == ["1"] and
            "<QUOTAS><ID>1</ID>" in r[1] and "<DEFAULT_GROUP_QUOTAS>" in r[1],
            "grouppool.info as alice: only her group", diag=[repr(r)])
        r = st.proxy.one.group.info(A, -1)
        tap(r[0] and "<ID>1</ID><NAME>users</NAME>" in r[1] and "<USERS><ID>2</ID></USERS>" in r[1],
            "group.info(-1) as alice -> group users", diag=[repr(r)])
        r = st.proxy.one.group.info(A, 0)
        tap(r == err("one.group.info", "User [2] : Not authorized to perform USE GROUP [0].",
                     512), "group.info of a foreign group -> 512", diag=[repr(r)])
        r = st.proxy.one.group.info(A, -7)
        tap(r == err("one.group.info", "User [2] : Not authorized to perform USE GROUP.", 512),
            "group.info(-7) as non-admin -> 512 without ID", diag=[repr(r)])
        r = st.proxy.one.group.info(A, 1, "x")
        tap(r[0], "group.info: decrypt flag not read for non-admins", diag=[repr(r)])
        # ---- user.chgrp
        r = st.call("one.user.chgrp", alice, 100)
        u = st.call("one.user.info", alice)[1]
        tap(r == [True, alice, 0] and "<GID>100</GID><GROUPS><ID>100</ID></GROUPS>"
            "<GNAME>dr-site</GNAME>" in u, "user.chgrp moves the user (old group dropped)",
            diag=[repr(r), u[:200]])
        g1, g100 = st.call("one.group.info", 1)[1], st.call("one.group.info", 100)[1]
        tap("<USERS></USERS>" in g1 and "<USERS><ID>2</ID><ID>3</ID></USERS>" in g100,
            "user.chgrp: group USERS lists follow", diag=[g1[:300], g100[:300]])
        r = st.call("one.user.chgrp", alice, 100)
        tap(r == [True, alice, 0], "user.chgrp to the same group -> success")
        r = st.call("one.user.chgrp", 0, 1)
        tap(r == err("one.user.chgrp", "user [0] oneadmin cannot be moved outside of the "
                     "group [0] oneadmin", 8192), "user.chgrp of oneadmin -> 8192",
            diag=[repr(r)])
        r = st.call("one.user.chgrp", alice, -1)
        tap(r == err("one.user.chgrp", "Wrong group ID", 4096), "user.chgrp gid -1 -> 4096",
            diag=[repr(r)])
        r = st.call("one.user.chgrp", 77, 1)
        tap(r == err("one.user.chgrp", "Error getting user [77].", 1024, 77),
            "user.chgrp unknown user -> 1024 with the ID", diag=[repr(r)])
        r = st.call("one.user.chgrp", alice, 555)
        tap(r == err("one.user.chgrp", "Error getting group [555].", 1024, 555),
            "user.chgrp unknown group -> 1024 with the ID", diag=[repr(r)])
        r = st.proxy.one.user.chgrp(B, alice, 1)
        tap(r == err("one.user.chgrp", "User [3] : Not authorized to perform MANAGE USER [2]; "
                     "Not authorized to perform USE GROUP [1].", 512),
            "user.chgrp by a non-admin: both failures joined with '; '", diag=[repr(r)])
        r = st.proxy.one.user.chgrp(B, bob, 0)
        tap(r == err("one.user.chgrp", "User [3] : Not authorized to perform USE GROUP [0].",
                     512), "user.chgrp of oneself into a foreign group -> 512", diag=[repr(r)])
        tap(fault(st, SESSION, "one.user.chgrp", alice, "1") == INT,
            "user.chgrp(2, '1') -> fault -501")
        st.call("one.user.chgrp", alice, 1)      # back to users for what follows
        # ---- vm.chown
        vid = st.proxy.one.vm.allocate(A, 'NAME="v1" MEMORY=64 CPU=1', False)[1]
        r = st.call("one.vm.chown", vid, bob, 100)
        doc = st.call("one.vm.info", vid)[1]
        perms = re.search(r"<PERMISSIONS>.*</PERMISSIONS>", doc).group(0)
        tap(r == [True, vid, 0] and "<UID>3</UID><GID>100</GID><UNAME>bob</UNAME>"
            "<GNAME>dr-site</GNAME>" in doc and "<OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M>"
            "<OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U>" in perms,
            "vm.chown: UID/GID/UNAME/GNAME changed, PERMISSIONS kept", diag=[repr(r), doc[:400]])
        tap(st.proxy.one.vm.info(B, vid)[0] and st.proxy.one.vm.info(A, vid)[2] == 512,
            "vm.chown: the new owner can see the VM, the old one cannot")
        r = st.call("one.vm.chown", vid, -1, 1)
        doc = st.call("one.vm.info", vid)[1]
        tap(r == [True, vid, 0] and "<UID>3</UID><GID>1</GID><UNAME>bob</UNAME>"
            "<GNAME>users</GNAME>" in doc, "vm.chown uid -1 keeps the owner")
        r = st.call("one.vm.chown", vid, 99, 1)
        tap(r == err("one.vm.chown", "Error getting user [99].", 1024, 99),
            "vm.chown unknown user -> 1024 with the ID", diag=[repr(r)])
        r = st.call("one.vm.chown", vid, -1, 999)
        tap(r == err("one.vm.chown", "Error getting group [999].", 1024, 999),
            "vm.chown unknown group -> 1024 with the ID", diag=[repr(r)])
        r = st.call("one.vm.chown", 4242, 99, -1)
        tap(r == err("one.vm.chown", "Error getting user [99].", 1024, 99),
            "vm.chown: the new user is looked up before the VM", diag=[repr(r)])
        r = st.call("one.vm.chown", 4242, 2, 1)
        tap(r == err("one.vm.chown", "Error getting virtual machine [4242].", 1024, 4242),
            "vm.chown unknown VM -> 1024 with the ID", diag=[repr(r)])
        r = st.proxy.one.vm.chown(A, vid, alice, -1)
        tap(r == err("one.vm.chown", "User [2] : Not authorized to perform MANAGE VM [%d]."
                     % vid, 512), "vm.chown of someone else's VM to oneself -> 512 "
            "(MANAGE VM; a user may MANAGE itself)", diag=[repr(r)])
        r = st.proxy.one.vm.chown(A, vid, 0, -1)
        tap(r == err("one.vm.chown", "User [2] : Not authorized to perform MANAGE VM [%d]; "
                     "Not authorized to perform MANAGE USER [0]." % vid, 512),
            "vm.chown by a non-admin without any right: failures joined with '; '",
            diag=[repr(r)])
        r = st.proxy.one.vm.chown(B, vid, alice, 100)
        tap(r == err("one.vm.chown", "User [3] : Not authorized to perform MANAGE USER [2].",
                     512), "vm.chown by the owner to another user -> 512 (MANAGE USER)",
            diag=[repr(r)])
        r = st.proxy.one.vm.chown(B, vid, bob, 0)
        tap(r == err("one.vm.chown", "User [3] : Not authorized to perform USE GROUP [0].",
                     512), "vm.chown by the owner to a foreign group -> 512 (USE GROUP)",
            diag=[repr(r)])
        r = st.proxy.one.vm.chown(B, vid, bob, 100)
        tap(r == [True, vid, 0], "vm.chown by the owner to one of his groups -> success",
            diag=[repr(r)])
        r = st.call("one.vm.chown", vid, -2, -1)
        tap(r == err("one.vm.chown", "User [0] : User not found.", 512),
            "vm.chown uid -2: oned's quota step does not find the user -> 512",
            diag=[repr(r)])
        tap(fault(st, SESSION, "one.vm.chown", str(vid), 2, 1) == INT and
            fault(st, SESSION, "one.vm.chown", vid, "2", 1) == INT and
            fault(st, SESSION, "one.vm.chown", vid, 2, True) == INT,
            "vm.chown with a non-integer ID/uid/gid -> fault -501")
        tap(fault(st, SESSION, "one.vm.chown", vid, 2) == (-501, "Not enough parameters"),
            "vm.chown without gid -> fault -501 Not enough parameters")
        st.call("one.vm.lock", vid, 2, False)
        r = st.call("one.vm.chown", vid, 0, 0)
        tap(r == err("one.vm.chown", "User [0] : VM is locked. [%d]." % vid, 512),
            "vm.chown of a locked VM -> 512 VM is locked", diag=[repr(r)])
        st.call("one.vm.unlock", vid)
        st.proxy.one.vm.lock(B, vid, 1, False)
        r = st.proxy.one.vm.chown(B, vid, -1, -1)
        tap(r == err("one.vm.chown", "User [3] : Not authorized to perform MANAGE VM [%d]."
                     % vid, 512), "vm.chown of his locked VM by a non-admin owner -> 512 "
            "Not authorized (oned's AclManager)", diag=[repr(r)])
        st.proxy.one.vm.unlock(B, vid)
        r = st.proxy.one.vm.chown("nobody:x", vid, 0, 0)
        tap(r == err("one.vm.chown", "User couldn't be authenticated, aborting call.", 256),
            "vm.chown with a bad session -> 256")
        st.call("one.vm.action", "terminate-hard", vid)
        r = st.call("one.vm.chown", vid, 0, 0)
        tap(r == err("one.vm.chown", "Could not change VM ownership, wrong state", 2048),
            "vm.chown of a DONE VM -> 2048", diag=[repr(r)])
        # ---- image.chown
        i0 = st.call("one.image.allocate", 'NAME="same"\nSOURCE="/x/0"\nFORMAT="raw"\n'
                     'SIZE="1"', 1)[1]
        r = st.call("one.image.chown", i0, alice, 1)
        doc = st.call("one.image.info", i0)[1]
        tap(r == [True, i0, 0] and "<UID>2</UID><GID>1</GID><UNAME>alice</UNAME>"
            "<GNAME>users</GNAME>" in doc, "image.chown -> [true, id, 0], owner changed",
            diag=[repr(r), doc[:200]])
        i1 = st.call("one.image.allocate", 'NAME="same"\nSOURCE="/x/1"\nFORMAT="raw"\n'
                     'SIZE="1"', 1)[1]
        r = st.call("one.image.chown", i1, alice, -1)
        tap(r == err("one.image.chown", "user [2] already owns image [%d] with NAME same" % i0,
                     8192), "image.chown: name clash for the new owner -> 8192",
            diag=[repr(r)])
        r = st.proxy.one.image.chown(A, i1, alice, -1)
        tap(r == err("one.image.chown", "User [2] : Not authorized to perform MANAGE IMAGE "
                     "[%d]." % i1, 512), "image.chown of a foreign image by a non-admin -> 512",
            diag=[repr(r)])
        r = st.call("one.image.chown", 4242, -1, -1)
        tap(r == err("one.image.chown", "Error getting image [4242].", 1024, 4242),
            "image.chown unknown image -> 1024", diag=[repr(r)])
        tap(fault(st, SESSION, "one.image.chown", i1, -1, "x") == INT,
            "image.chown with a string gid -> fault -501")
        # ---- vn.chown
        vn = st.call("one.vn.allocate", 'NAME="net"\nVN_MAD="bridge"\nBRIDGE="br0"\n'
                     'AR=[TYPE="IP4",IP="10.0.0.10",SIZE="4"]', -1)[1]
        r = st.call("one.vn.chown", vn, bob, 100)
        doc = st.call("one.vn.info", vn)[1]
        tap(r == [True, vn, 0] and "<UID>3</UID><GID>100</GID><UNAME>bob</UNAME>"
            "<GNAME>dr-site</GNAME>" in doc, "vn.chown -> [true, id, 0]", diag=[repr(r)])
        # ---- state written before groups were objects still loads
        st.stop()
        path = os.path.join(tmp, "groups", "state.json")
        with open(path) as f:
            db = json.load(f)
        db["groups"] = {k: g["name"] for k, g in db["groups"].items()}
        del db["next"]["group"]
        with open(path, "w") as f:
            json.dump(db, f)
        st.start()
        r = st.call("one.group.allocate", "after-restart")
        pool = st.call("one.grouppool.info")[1]
        tap(r == [True, 101, 0] and re.findall(r"<GROUP><ID>(\d+)<", pool) ==
            ["101", "100", "1", "0"] and USERS_TMPL in pool,
            "old state file (groups as names) is migrated", diag=[repr(r), pool[:300]])
    finally:
        st.stop()


# --------------------------------------------------------------------------
# Part 2: fixture replay
# --------------------------------------------------------------------------
CAPTURE = r'''#!/usr/bin/env python3
import os, sys
name = os.path.basename(sys.argv[0])[:-3]
d = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "out")
os.makedirs(d, exist_ok=True)
n = 0
while True:     # hooks run concurrently: claim a number atomically
    try:
        os.close(os.open(os.path.join(d, "%s.%d.argv" % (name, n)), os.O_CREAT | os.O_EXCL))
        break
    except FileExistsError:
        n += 1
data = sys.stdin.buffer.read()
with open(os.path.join(d, "%s.%d.stdin" % (name, n)), "wb") as f:
    f.write(data)
with open(os.path.join(d, "%s.%d.argv" % (name, n)), "w") as f:
    f.write("".join(a + "\n" for a in sys.argv[1:]) + "argc=%d\n" % (len(sys.argv) - 1))
if name == "hook_fail":
    print("partial output before failure")
    sys.stderr.write("simulated hook failure (exit 3)\n")
    sys.exit(3)
print("hook ok " + name)
'''

# Known, accepted differences: fixture -> reason (reported as TODO if it differs)
KNOWN = {
    "system.config": "stand-in returns a minimal OPENNEBULA_CONFIGURATION subset",
    "hook.info.api_vm_allocate": "execution-record count depends on how many "
                                 "one.vm.allocate calls the capture run made",
    "hook.info.api_vm_allocate_argv": "execution-record count depends on the capture run",
}


def load_result(name):
    p = os.path.join(XDIR, name + ".result.txt")
    if os.path.exists(p):
        txt = open(p).read().strip()
        return "value", eval(txt, {"__builtins__": {}}, {"False": False, "True": True})
    return "doc", open(os.path.join(XDIR, name + ".xml")).read()


class Replay:
    def __init__(self, tmp):
        self.tmp = tmp
        self.hookdir = os.path.join(tmp, "hooks")
        os.makedirs(self.hookdir)
        for n in ("hook_vm_running", "hook_vm_prolog_failure", "hook_host_error",
                  "hook_api_vm_allocate", "hook_api_vm_allocate_argv", "hook_fail",
                  "hook_vm_done", "hook_image_ready"):
            p = os.path.join(self.hookdir, n + ".sh")
            with open(p, "w") as f:
                f.write(CAPTURE)
            os.chmod(p, 0o755)
        # the capture machine of these fixtures had no Ceph: its ceph
        # datastore monitor failed, and its stat found no image format
        # (no qemu-img); the TM actions are recorded
        rem = make_remotes(os.path.join(tmp, "replay-remotes"))
        write_script(os.path.join(rem, "datastore", "ceph", "monitor"),
                     "#!/bin/sh\ncat >/dev/null\necho 'Error: ceph df failed' >&2\nexit 1\n")
        write_script(os.path.join(rem, "datastore", "ceph", "stat"),
                     "#!/bin/sh\ncat >/dev/null\necho 'Failed to detect image format' >&2\n"
                     "exit 255\n")
        self.st = Standin(os.path.join(tmp, "replay"), "--step-delay", "0.6",
                          "--monitor-interval", "0", "--fail-prolog-tm", "ceph",
                          "--remotes", rem)
        self.seen = set()

    def raw(self, name):
        return open(os.path.join(XDIR, name + ".request.xml"), "rb").read()

    def fx(self, name, expect_state=None):
        body = self.raw(name)
        if b"/var/lib/one/remotes/hooks/capture/" in body:
            body = body.replace(b"/var/lib/one/remotes/hooks/capture", self.hookdir.encode())
        status, hdrs, data = self.st.post(body)
        self.seen.add(name)
        kind, exp = load_result(name)
        try:
            got = xmlrpc.client.loads(data)[0][0]
        except xmlrpc.client.Fault as f:
            got = ("FAULT", f.faultCode, f.faultString)
        raw_exp = open(os.path.join(XDIR, name + ".response.xml"), "rb").read()
        if kind == "value":
            ok = got == exp if not isinstance(exp, tuple) else tuple(got) == exp
            diag = ["fixture:  %r" % (exp,), "stand-in: %r" % (got,)]
            same_bytes = raw_exp == data
            if ok:
                SUMMARY["exact"] += 1
                tap(True, "%s: %s%s" % (name, "identical value" if isinstance(exp, list)
                                          else "identical fault",
                                          "" if same_bytes else " (bytes differ)"))
            else:
                self.report_fail(name, diag)
            return got
        if not (isinstance(got, list) and got[0] is True):
            self.report_fail(name, ["expected a document, got %r" % (got,)])
            return got
        status, diag = compare_docs(exp, got[1])
        if status == "exact":
            SUMMARY["exact"] += 1
            tap(True, "%s: document matches (volatile values masked)" % name)
        elif status == "structural" and name not in KNOWN:
            SUMMARY["structural"] += 1
            tap(True, "%s: same structure, %d value(s) differ" % (name, len(diag)),
                diag=diag)
            if os.environ.get("VERBOSE") is None:
                for d in diag[:6]:
                    print("#   " + d)
        else:
            self.report_fail(name, diag, status)
        return got

    def report_fail(self, name, diag, status="differs"):
        if name in KNOWN:
            SUMMARY["todo"] += 1
            tap(False, "%s: %s" % (name, status), todo=KNOWN[name], diag=diag[:8])
        else:
            SUMMARY["failed"] += 1
            tap(False, "%s: %s" % (name, status), diag=diag)

    def call(self, method, *args):
        r = self.st.call(method, *args)
        if not r[0]:
            raise RuntimeError("setup call %s%r failed: %r" % (method, args, r))
        return r[1]

    def wait_vm(self, vid, state, lcm, timeout=15):
        end = time.time() + timeout
        while time.time() < end:
            doc = self.st.call("one.vm.info", vid)[1]
            s = int(re.search(r"<STATE>(\d+)</STATE>", doc).group(1))
            l_ = int(re.search(r"<LCM_STATE>(\d+)</LCM_STATE>", doc).group(1))
            if (s, l_) == (state, lcm):
                return True
            time.sleep(0.02)
        tap(False, "VM %d did not reach %d/%d (now %d/%d)" % (vid, state, lcm, s, l_))
        return False

    def settle(self):
        self.st.call("standin.settle", 30)

    def run(self):
        fx, call, wait, st = self.fx, self.call, self.wait_vm, self.st
        alpine = self.raw("vm.allocate.alpine-0-rep")
        alpine_tmpl = xmlrpc.client.loads(alpine)[0][1]
        volatile_tmpl = xmlrpc.client.loads(self.raw("vm.allocate.volatile-only"))[0][1]

        # system, users, auth, faults
        for n in ("system.version", "system.config", "fault-unknown-method",
                  "user.info.self-oneadmin", "image.info.error-wrong-password",
                  "image.info.error-unknown-user", "image.info.error-malformed-session",
                  "vm.info.fault-missing-params", "vm.info.fault-string-instead-of-int",
                  "user.allocate", "user.info.alice"):
            fx(n)
        # hosts (host 0 errors once before any hook exists)
        fx("host.allocate")
        fx("host.info.just-allocated")
        fx("host.allocate.error-duplicate")
        call("standin.host.state", 0, "ERROR", "Error monitoring Host dummy-host-0 (0): ")
        fx("host.info.error-monitor-failed")
        fx("hostpool.info.error-monitor-failed")
        call("standin.host.state", 0, "MONITORED")
        call("standin.monitor")
        fx("host.info.0.monitored")
        fx("host.info.error-not-found")
        fx("host.allocate.broken")
        fx("host.info.broken-error")
        fx("hostpool.info")
        # datastores
        fx("datastore.allocate.ceph-image")
        fx("datastore.allocate.ceph-system")
        t100 = xmlrpc.client.loads(self.raw("datastore.allocate.ceph-image"))[0][1]
        call("one.datastore.allocate", t100.replace('"ceph-img"', '"ceph-img-nocapcheck"') +
             'DATASTORE_CAPACITY_CHECK = "NO"\n', -1)
        call("one.datastore.chmod", 102, -1, -1, -1, -1, -1, -1, 1, -1, -1)
        fx("datastore.allocate.error-no-tm")
        fx("datastore.allocate.dummy-system")
        for n in ("datastore.info.101.before-monitor", "datastore.info.101.ceph-system",
                  "datastore.info.101.after-monitor-cycle",
                  "datastore.info.103.after-monitor-cycle", "datastore.info.error-not-found",
                  "datastore.chmod.other-use"):
            fx(n)
        # images 0 and 1
        for n in ("image.allocate.error-not-enough-space", "image.allocate.source-nonpersistent",
                  "image.info.0.nonpersistent", "image.allocate.source-persistent",
                  "image.info.1.persistent", "image.allocate.error-duplicate-name",
                  "image.allocate.error-no-datastore", "image.allocate.error-system-ds",
                  "image.allocate.error-source-without-format",
                  "image.allocate.error-source-without-size",
                  "image.allocate.error-source-without-size-format",
                  "image.allocate.error-template-syntax", "image.allocate.error-nonadmin-source",
                  "image.allocate.error-nonadmin-source-nocheck",
                  "image.allocate.error-nonadmin-path-size-detect",
                  "image.info.error-not-authorized", "image.info.error-not-found",
                  "imagepool.info.all", "datastore.info.100.before-monitor",
                  "datastore.info.100.ceph-image"):
            fx(n)
        # virtual network
        fx("vn.allocate")
        fx("vn.info.just-allocated")
        fx("vn.allocate.error-bad-vnmad")
        fx("vn.info.error-not-found")
        self.settle()
        # hooks 0..4
        for n in ("hook.allocate.vm_running", "hook.allocate.vm_prolog_failure",
                  "hook.allocate.host_error", "hook.allocate.api_vm_allocate",
                  "hook.allocate.api_vm_allocate_argv", "hook.allocate.error-no-command",
                  "hook.allocate.error-on-poweroff", "hookpool.info", "hook.info.error-not-found"):
            fx(n)
        # VM 0 and VM 1, allocate errors
        for n in ("vm.allocate.alpine-0-rep", "vm.info.alpine-0-rep.after-allocate",
                  "vm.allocate.error-ampersand-in-name", "vm.allocate.error-cdata-terminator",
                  "vm.allocate.error-missing-image", "vm.allocate.error-no-memory",
                  "vm.allocate.error-quote-in-name"):
            fx(n)
        # the captured quote-in-name hook payload came from this template (see README)
        special = open(os.path.join(FIXTURES, "other", "vm1-special-chars.template.txt")).read()
        r = st.call("one.vm.allocate", re.sub(r'NAME = "[^"]*"', lambda m: 'NAME = '
                                              '"alpine-\\"quoted\\"-[1]"', special, 1), False)
        tap(r[0] is False and r[2] == 8192, "quote-in-name with the special-chars template "
            "fails like the fixture", diag=[repr(r)])
        for n in (
                  "vm.allocate.second-user-of-persistent-image", "vm.allocate.escaping",
                  "vm.info.escaping.after-allocate", "vm.info.error-not-authorized",
                  "vm.info.error-not-found", "vmpool.info.as-alice-empty",
                  "vmpool.info.error-bad-filter", "vm.deploy.error-no-host",
                  "vm.deploy.error-no-host-3args"):
            fx(n)
        # host 1 goes to ERROR (fires the HOST hook), then host 2
        call("standin.monitor")
        self.settle()
        fx("hostpool.info.with-error-host")
        fx("host.allocate.unknown-im-accepted")
        fx("host.info.2.unknown-im")
        # VM 2 to RUNNING, VM 0 to PROLOG_FAILURE
        fx("vm.allocate.volatile-only")
        fx("vm.deploy.volatile-only.dummy-sys")
        if wait(2, 3, 1):
            fx("vm.deploy.error-wrong-state")
        wait(2, 3, 3)
        fx("vm.info.vm2.state-3-3")
        fx("vm.deploy.alpine-0-rep.ceph-sys")
        wait(0, 3, 39)
        call("standin.monitor")
        for n in ("vm.info.vm0.state-3-39", "vmpool.info.filter-state-minus2.mid-run",
                  "vmpool.info.filter-state-minus1.mid-run",
                  "vmpool.info.filter-state-3-active.mid-run",
                  "vmpool.infoextended.filter-state-minus2.mid-run",
                  "vm.info.volatile-only.running", "vm.action.error-resume-on-running",
                  "vm.action.error-unknown-action", "vm.action.poweroff"):
            fx(n)
        wait(2, 8, 0)
        fx("vm.info.volatile-only.poweroff")
        fx("vm.action.error-poweroff-on-poweroff")
        fx("vm.action.resume")
        wait(2, 3, 3)
        fx("vm.action.terminate")
        wait(2, 6, 0)
        fx("vm.info.volatile-only.done")
        fx("vm.action.terminate-on-done-accepted")
        fx("vm.action.terminate-in-prolog-failure")
        wait(0, 6, 0)
        for n in ("vm.info.alpine-0-rep.after-terminate-attempt", "image.info.1.after-vm-done",
                  "image.info.1.error-after-prolog-failure-terminate",
                  "imagepool.info.later", "image.info.0.in-use-by-pending-vm",
                  "image.delete.error-in-use", "host.info.0.after-vms", "vn.info.with-leases",
                  "vnpool.info", "vm.info.escaping.pending", "vm.rename.error-angle-in-name",
                  "vm.lock.level4-all", "vm.action.error-locked", "vm.unlock",
                  "vm.action.hold-pending", "vm.info.escaping.hold", "vm.action.release",
                  "vm.update.merge-user-template", "vm.info.escaping.after-update",
                  "vm.action.error-no-vm", "image.enable.recover-from-error",
                  "image.info.1.after-enable", "hook.allocate.api_image_allocate_fail",
                  "datastorepool.info", "image.allocate.datablock-source",
                  "datastore.info.100.after-monitor-cycle"):
            fx(n)
        # VM 3: PROLOG_FAILURE, recover retry
        call("one.vm.allocate", alpine_tmpl.replace("alpine-0-rep", "alpine-3-rep"), False)
        fx("vm.deploy.alpine-3-rep")
        if wait(3, 3, 1):
            # despite its name, this capture shows ACTIVE/PROLOG (3/1)
            fx("vm.info.alpine-3-rep.state-3-0")
            fx("vm.info.alpine-3-rep.state-3-1")
            fx("imagepool.info.final")
        wait(3, 3, 39)
        fx("vm.info.alpine-3-rep.state-3-39")
        fx("vm.recover.error-bad-op")
        fx("vm.recover.retry-in-prolog-failure")
        wait(3, 3, 1)
        wait(3, 3, 39)
        for n in ("vmpool.info.filter-state-minus2.late", "vmpool.info.filter-state-minus1.late",
                  "vmpool.infoextended.filter-state-minus2.late",
                  "vmpool.infoextended.filter-state-6-done.late", "vmpool.info.range-2-3",
                  "vn.info.final"):
            fx(n)
        # VM 4 (XML template, hold)
        for n in ("vm.allocate.xml-template-on-hold", "vm.info.xml-template-on-hold",
                  "vm.update.text-with-cdata-terminator", "vm.update.xml-with-cdata-terminator",
                  "vm.info.xml-template-cdata-terminator"):
            fx(n)
        # hooks 6, 7, image 3, VM 5
        fx("hook.allocate.vm_done")
        fx("hook.allocate.image_ready")
        fx("image.allocate.source-for-ready-hook")
        fx("image.info.3.ready")
        v5 = volatile_tmpl.replace("alpine-volatile-2", "alpine-volatile-5")
        v5 = re.sub(r"GRAPHICS = \[[^\]]*\]\n", "", v5)
        v5 = re.sub(r"CONTEXT = \[[^\]]*\]\n", "", v5)
        call("one.vm.allocate", v5, False)
        call("one.vm.deploy", 5, 0, False, 103, "")
        wait(5, 3, 3)
        fx("vm.action.poweroff-hard")
        wait(5, 8, 0)
        fx("vm.action.terminate-hard-from-poweroff")
        wait(5, 6, 0)
        fx("vm.info.alpine-volatile-5.done")
        # final listings (VM 4 got PLAIN="ok" by a call that was not captured)
        call("one.vm.update", 4, 'PLAIN = "ok"', 1)
        call("standin.monitor")
        self.settle()
        for n in ("vmpool.info.filter-state-minus2.end", "vmpool.info.filter-state-minus1.end",
                  "vmpool.info.filter-mine-minus3",
                  "vmpool.infoextended.filter-state-minus1.end",
                  "vmpool.infoextended.filter-state-minus2.end", "hostpool.info.final",
                  "hookpool.info.final", "hook.info.vm_running", "hook.info.vm_prolog_failure",
                  "hook.info.host_error", "hook.info.api_vm_allocate",
                  "hook.info.api_vm_allocate_argv", "hook.info.api_image_allocate_fail",
                  "hook.info.vm_done", "hook.info.image_ready"):
            fx(n)
        self.settle()
        self.check_hooks()
        names = {os.path.basename(p)[:-len(".request.xml")]
                 for p in glob.glob(os.path.join(XDIR, "*.request.xml"))}
        missing = sorted(names - self.seen)
        tap(not missing, "every fixture request replayed (%d of %d)"
            % (len(names & self.seen), len(names)), diag=missing)
        return len(names & self.seen)

    # ---- hook payloads
    def capture(self, name, idx=None, contains=None):
        out = os.path.join(self.hookdir, "out")
        files = sorted(glob.glob(os.path.join(out, name + ".*.argv")),
                       key=lambda p: int(p.split(".")[-2]))
        for p in files:
            n = int(p.split(".")[-2])
            stdin = open(p[:-5] + ".stdin", "rb").read()
            argv = open(p).read().splitlines()
            b64 = stdin if stdin else (argv[0].encode() if argv and argv[0] != "argc=0"
                                       else b"")
            try:
                doc = base64.b64decode(b64).decode()
            except Exception:
                doc = ""
            if idx is not None and n != idx:
                continue
            if contains is not None and not all(c in doc for c in contains):
                continue
            return stdin, argv, doc
        return None

    def check_hooks(self):
        checks = [
            ("state-vm-running.alpine-volatile-2.first-boot", "hook_vm_running", 0, None),
            ("state-vm-running.alpine-volatile-2.after-resume", "hook_vm_running", 1, None),
            ("state-vm-prolog-failure.alpine-0-rep", "hook_vm_prolog_failure", 0, None),
            ("state-vm-prolog-failure.alpine-3-rep", "hook_vm_prolog_failure", 1, None),
            ("state-host-error.broken-host-1", "hook_host_error", 0, None),
            ("state-vm-done.alpine-volatile-5", "hook_vm_done", 0, None),
            ("state-image-ready.alpine-os-4", "hook_image_ready", 0, None),
            ("api-vm-allocate.stdin.success.alpine-0-rep", "hook_api_vm_allocate", None,
             ['NAME = "alpine-0-rep"', "<RESULT>1</RESULT>"]),
            ("api-vm-allocate.argv.success.alpine-0-rep", "hook_api_vm_allocate_argv", None,
             ['NAME = "alpine-0-rep"', "<RESULT>1</RESULT>"]),
            ("api-vm-allocate.stdin.failure.no-memory", "hook_api_vm_allocate", None,
             ['NAME = "nomem"']),
            ("api-vm-allocate.stdin.failure.quote-in-name", "hook_api_vm_allocate", None,
             ["quoted", "<RESULT>0</RESULT>", "<y>"]),
            ("api-vm-allocate.stdin.success.special-chars", "hook_api_vm_allocate", None,
             ["alpine-[1]-(x) y", "<RESULT>1</RESULT>"]),
            ("api-image-allocate.argv.failing-hook", "hook_fail", 0, None),
        ]
        for fxname, hook, idx, contains in checks:
            exp = open(os.path.join(HDIR, fxname + ".decoded.xml")).read()
            exp_argv = open(os.path.join(HDIR, fxname + ".argv.txt")).read().splitlines()
            got = self.capture(hook, idx, contains)
            if got is None:
                SUMMARY["failed"] += 1
                tap(False, "hook payload %s: hook did not run" % fxname)
                continue
            stdin, argv, doc = got
            n_exp = len([a for a in exp_argv if a and not a.startswith("argc=")])
            n_got = len([a for a in argv if a and not a.startswith("argc=")])
            shape_ok = n_exp == n_got and (
                (stdin and not stdin.endswith(b"\n") and b"\n" not in stdin)
                if n_exp == 0 else True)
            format_ok = (doc.startswith("<") and not doc.endswith("\n") and
                         not doc.startswith("<?xml"))
            status, diag = compare_docs(exp, doc)
            if not (shape_ok and format_ok):
                status = "differs"
                diag = ["argv/stdin shape: fixture %d args, stand-in %d args; stdin %r..."
                        % (n_exp, n_got, stdin[:40])]
            if status == "exact":
                SUMMARY["exact"] += 1
                tap(True, "hook payload %s: matches (volatile values masked)" % fxname)
            elif status == "structural":
                SUMMARY["structural"] += 1
                tap(True, "hook payload %s: same structure, %d value(s) differ"
                    % (fxname, len(diag)))
                for d in diag[:6]:
                    print("#   " + d)
            else:
                SUMMARY["failed"] += 1
                tap(False, "hook payload %s: %s" % (fxname, status), diag=diag)


# --------------------------------------------------------------------------
# Part 3: hook execution, driver calls, and the opennebula-7.0-ceph captures
# --------------------------------------------------------------------------
CEPH_FIXTURES = os.environ.get("ONED_CEPH_FIXTURES") or os.path.join(
    REPO, "test", "fixtures", "opennebula-7.0-ceph")

# a hook command that records its view of the world, then waits (at most
# 60 s) until the file "release" exists when asked to by "block"
PROBE = r'''#!/usr/bin/env python3
import fcntl, os, sys, time
d = os.environ.get("PROBE_DIR") or os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "out")
os.makedirs(d, exist_ok=True)
name = os.path.basename(sys.argv[0])
data = sys.stdin.read()
with open(os.path.join(d, "lock"), "a+") as lk:
    fcntl.flock(lk, fcntl.LOCK_EX)
    n = len([f for f in os.listdir(d) if f.startswith(name + ".")])
    with open(os.path.join(d, "%s.%d" % (name, n)), "w") as f:
        f.write("cwd=%s\nhome=%s\none_auth=%s\nargc=%d\nargv=%s\nstdin=%s\n" % (
            os.getcwd(), os.environ.get("HOME"), os.environ.get("ONE_AUTH", "unset"),
            len(sys.argv) - 1, " ".join(sys.argv[1:]), data))
    running = int(open(os.path.join(d, "running")).read() or 0) \
        if os.path.exists(os.path.join(d, "running")) else 0
    running += 1
    open(os.path.join(d, "running"), "w").write(str(running))
    mx = int(open(os.path.join(d, "max")).read() or 0) if os.path.exists(os.path.join(d, "max")) else 0
    open(os.path.join(d, "max"), "w").write(str(max(mx, running)))
if "block" in sys.argv[1:]:
    end = time.time() + 60
    while not os.path.exists(os.path.join(d, "release")) and time.time() < end:
        time.sleep(0.05)
if "sleepchild" in sys.argv[1:]:
    import subprocess
    c = subprocess.Popen(["sleep", "300"])
    open(os.path.join(d, "child.pid"), "w").write(str(c.pid))
    print("started child")
    sys.stdout.flush()
    c.wait()
with open(os.path.join(d, "lock"), "a+") as lk:
    fcntl.flock(lk, fcntl.LOCK_EX)
    running = int(open(os.path.join(d, "running")).read())
    open(os.path.join(d, "running"), "w").write(str(running - 1))
print("probe " + name)
sys.stderr.write("probe stderr\n")
sys.exit(3 if "fail" in sys.argv[1:] else 0)
'''


def wait_for(fn, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.05)
    return False


def hook_records(st, hid):
    doc = st.call("one.hook.info", hid)[1]
    return re.findall(r"<HOOK_EXECUTION_RECORD>(.*?)</HOOK_EXECUTION_RECORD>", doc, re.S)


def rec_field(rec, tag):
    m = re.search(r"<%s>(.*?)</%s>" % (tag, tag), rec, re.S)
    return m.group(1) if m else None


def hook_exec_tests(tmp):
    """onehem's execution: concurrency 10, TIMEOUT, environment, tokens,
    ARGUMENTS_STDIN values, REMOTE without host, relative COMMAND, records."""
    rem = os.path.join(tmp, "hx-remotes")
    os.makedirs(os.path.join(rem, "hooks", "t"))
    write_script(os.path.join(rem, "hooks", "t", "probe"), PROBE)
    out = os.path.join(rem, "hooks", "t", "out")
    env = dict(os.environ, ONE_AUTH="/nonexistent/one_auth")
    st = Standin(os.path.join(tmp, "hx"), "--step-delay", "0", "--monitor-interval", "0",
                 "--remotes", rem, env=env)
    try:
        def alloc(t):
            r = st.call("one.hook.allocate", t)
            if not r[0]:
                tap(False, "hook.allocate %r: %r" % (t, r))
                t = re.sub(r"ON=\w+", "ON=RUNNING", t)     # (an older stand-in)
                r = st.call("one.hook.allocate", t.replace("ON=CUSTOM", "ON=RUNNING"))
            return r[1]
        # hook.allocate: oned's checks and stored forms
        r = st.call("one.hook.allocate", 'NAME=a TYPE=state RESOURCE=VM ON=CREATE COMMAND=x')
        tap(r[:3] == [False, "[one.hook.allocate] Unkown state condition: CREATE", 8192],
            "hook.allocate: ON=CREATE is refused as oned refuses it", diag=[repr(r)])
        r = st.call("one.hook.allocate", 'NAME=a TYPE=state RESOURCE=VM ON=POWEROFF COMMAND=x')
        tap(r[:3] == [False, "[one.hook.allocate] Unkown state condition: POWEROFF", 8192],
            "hook.allocate: ON=POWEROFF is refused", diag=[repr(r)])
        hp = alloc('NAME=p TYPE=state RESOURCE=VM ON=prolog COMMAND=x')
        doc = st.call("one.hook.info", hp)[1]
        tap("<LCM_STATE><![CDATA[PROLOG]]></LCM_STATE>" in doc and
            "<STATE><![CDATA[ACTIVE]]></STATE>" in doc and "<ON>" not in doc,
            "hook.allocate: ON=prolog is stored as STATE=ACTIVE LCM_STATE=PROLOG", diag=[doc])
        hi = alloc('NAME=i TYPE=state RESOURCE=IMAGE STATE=ready COMMAND=x')
        doc = st.call("one.hook.info", hi)[1]
        tap("<STATE><![CDATA[READY]]></STATE>" in doc, "hook.allocate: IMAGE STATE=ready "
            "is stored as READY", diag=[doc])
        r = st.call("one.hook.allocate", 'NAME=b TYPE=state RESOURCE=IMAGE STATE=INIT COMMAND=x')
        tap(r[:3] == [False, "[one.hook.allocate] Invalid or unkown STATE condition: INIT",
                      8192], "hook.allocate: IMAGE STATE=INIT refused", diag=[repr(r)])
        r = st.call("one.hook.allocate", 'NAME=b TYPE=api CALL=one.vm.info COMMAND=x')
        tap(r[:3] == [False, "[one.hook.allocate] API call does not exist or is not "
                      "supported: one.vm.info", 8192], "hook.allocate: CALL one.vm.info "
            "refused", diag=[repr(r)])
        r = st.call("one.hook.allocate", 'NAME=b TYPE=api CALL=one.vm.attach COMMAND=x')
        h_attach = r[1]
        tap(r[0] is True, "hook.allocate: CALL one.vm.attach accepted (an oned method the "
            "stand-in does not serve)", diag=[repr(r)])
        r = st.call("one.hook.allocate", 'NAME=c TYPE=bogus COMMAND=x')
        tap(r[:3] == [False, "[one.hook.allocate] No TYPE or invalid one in template for "
                      "Hook.", 8192], "hook.allocate: bad TYPE message", diag=[repr(r)])
        r = st.call("one.hook.allocate", 'NAME=c TYPE=state COMMAND=x')
        tap(r[:3] == [False, "[one.hook.allocate] RESOURCE attribute is required for STATE "
                      "hooks.", 8192], "hook.allocate: missing RESOURCE message", diag=[repr(r)])
        for h in (hp, hi, h_attach):
            st.call("one.hook.delete", h)
        # the objects
        st.call("one.host.allocate", "h0", "dummy", "dummy", -1)
        ds = st.call("one.datastore.allocate", "NAME=sys\nTYPE=SYSTEM_DS\nTM_MAD=dummy", -1)[1]
        vid = st.call("one.vm.allocate", "NAME=v\nMEMORY=64", True)[1]
        # 1. at most 10 at once (15 events; each blocks until released)
        hc = alloc('NAME=conc TYPE=api CALL=one.vm.update COMMAND="t/probe" '
                   'ARGUMENTS="block $API" ARGUMENTS_STDIN=no')
        for i in range(15):
            st.call("one.vm.update", vid, 'N="%d"' % i, 1)
        reached = wait_for(lambda: os.path.exists(os.path.join(out, "max")) and
                           open(os.path.join(out, "max")).read() == "10")
        time.sleep(0.3)         # (only lets an 11th run show up; not asserted on)
        mx = open(os.path.join(out, "max")).read() if os.path.exists(
            os.path.join(out, "max")) else "0"
        open(os.path.join(out, "release"), "w").close()
        st.call("standin.settle", 90)
        recs = hook_records(st, hc)
        tap(reached and mx == "10" and len(recs) == 15,
            "15 hook runs: 10 ran at once, never more (recorded by the command), all 15 "
            "recorded", diag=["max %s, records %d" % (mx, len(recs))])
        ran = sorted(f for f in os.listdir(out) if f.startswith("probe."))
        first = open(os.path.join(out, ran[0])).read() if ran else ""
        tap("cwd=/\n" in first and "home=%s\n" % os.path.abspath(os.path.join(tmp, "hx"))
            in first and "one_auth=unset" in first,
            "hook runs in /, HOME = the state directory, no ONE_AUTH (set in the stand-in's "
            "environment)", diag=first.splitlines()[:4])
        tap(recs and rec_field(recs[0], "COMMAND").startswith(
            os.path.join(rem, "hooks", "t", "probe") + " block ") and
            rec_field(recs[0], "CODE") == "0" and
            base64.b64decode(rec_field(recs[0], "STDOUT")) == b"probe probe\n" and
            rec_field(recs[0], "STDOUT").endswith("\n") and
            base64.b64decode(rec_field(recs[0], "STDERR")) == b"probe stderr\n",
            "relative COMMAND under <remotes>/hooks; record: COMMAND with its arguments, "
            "STDOUT/STDERR base64 with newline, CODE", diag=recs[:1])
        st.call("one.hook.delete", hc)
        for f in os.listdir(out):
            os.unlink(os.path.join(out, f))
        # 2. tokens and ARGUMENTS_STDIN values
        ht = alloc('NAME=tok TYPE=state RESOURCE=VM ON=CUSTOM STATE=PENDING '
                   'LCM_STATE=LCM_INIT COMMAND="t/probe" ARGUMENTS="$TEMPLATE $ID x$TEMPLATE $API  end" '
                   'ARGUMENTS_STDIN="true"')
        hs = alloc('NAME=stdin TYPE=state RESOURCE=VM ON=CUSTOM STATE=PENDING '
                   'LCM_STATE=LCM_INIT COMMAND="t/probe" ARGUMENTS="$TEMPLATE" '
                   'ARGUMENTS_STDIN="YES"')
        hr = alloc('NAME=rem TYPE=state RESOURCE=VM ON=CUSTOM STATE=PENDING LCM_STATE=LCM_INIT '
                   'COMMAND="t/probe" ARGUMENTS="$TEMPLATE" REMOTE="yes"')
        vid2 = st.call("one.vm.allocate", "NAME=w\nMEMORY=64", True)[1]
        st.call("one.vm.action", "release", vid2)       # HOLD -> PENDING
        st.call("standin.settle", 30)
        r_t, r_s = hook_records(st, ht), hook_records(st, hs)
        tap(len(r_t) == 1 and rec_field(r_t[0], "ARGUMENTS").split()[1:] ==
            ["$ID", "x$TEMPLATE", "end"] and
            base64.b64decode(rec_field(r_t[0], "ARGUMENTS").split()[0]).startswith(b"<VM>"),
            "ARGUMENTS: only whole $TEMPLATE tokens are replaced, $API is empty for a state "
            "event, blanks collapse; ARGUMENTS_STDIN=true falls back to argv",
            diag=r_t[:1])
        probe = sorted(f for f in os.listdir(out) if f.startswith("probe."))
        views = [open(os.path.join(out, f)).read() for f in probe]
        tap(any("argc=0\n" in v and "stdin=PFZN" in v for v in views),
            "ARGUMENTS_STDIN=YES: payload on stdin, argv empty", diag=views)
        tap(any("argc=3\n" in v and re.search(r"argv=\S+ x end\n", v) for v in views),
            "a '$' left in the arguments makes the command run through /bin/sh -c (as "
            "Ruby's spawn does): $ID and x$TEMPLATE are expanded by the shell", diag=views)
        tap(hook_records(st, hr) == [] and len(views) == 2,
            "REMOTE=yes hook on a VM without a host is skipped silently (no run, no record)")
        # 3. TIMEOUT: SIGTERM to the group, code 255, nothing kept of stdout
        hto = alloc('NAME=to TYPE=api CALL=one.vm.rename COMMAND="t/probe sleepchild" '
                    'TIMEOUT="1"')
        st.call("one.vm.rename", vid2, "renamed")
        st.call("standin.settle", 90)
        recs = hook_records(st, hto)
        child = open(os.path.join(out, "child.pid")).read() if os.path.exists(
            os.path.join(out, "child.pid")) else ""
        alive = False
        if child:
            try:
                os.kill(int(child), 0)
                alive = open("/proc/%s/stat" % child).read().split()[2] != "Z"
            except (OSError, ValueError):
                alive = False
        tap(len(recs) == 1 and rec_field(recs[0], "CODE") == "255" and
            rec_field(recs[0], "STDOUT") == "" and
            base64.b64decode(rec_field(recs[0], "STDERR")).decode() ==
            "Timeout executing %s/hooks/t/probe sleepchild" % rem and child and not alive,
            "TIMEOUT: the hook's process group gets SIGTERM (its child too), CODE 255, "
            "STDERR 'Timeout executing CMD', STDOUT empty", diag=recs + ["child " + child])
        # 4. API hook on a failed call, no automatic retry of a failing hook
        hf = alloc('NAME=fail TYPE=api CALL=one.vm.action COMMAND="t/probe fail" '
                   'ARGUMENTS="$API" ARGUMENTS_STDIN=yes')
        st.call("one.vm.action", "resume", vid2)
        st.call("standin.settle", 30)
        recs = hook_records(st, hf)
        payload = base64.b64decode(rec_field(recs[0], "ARGUMENTS")).decode() if recs else ""
        tap(len(recs) == 1 and rec_field(recs[0], "CODE") == "3" and
            "<RESULT>0</RESULT>" in payload and "<EXTRA/>" in payload,
            "API hook fires after a failed call (RESULT 0); a failing hook (code 3) runs "
            "once", diag=recs)
    finally:
        st.stop()


def driver_tests(tmp):
    """Failures of TM and datastore actions, as oned records them."""
    rem = make_remotes(os.path.join(tmp, "drv-remotes"), "recorder", "ceph")
    rec = os.path.join(tmp, "drv-rec")
    env = dict(os.environ, ONED_RECORDER_DIR=rec, ONED_RECORDER_FAIL="clone,mkfs")
    st = Standin(os.path.join(tmp, "drv"), "--step-delay", "0", "--monitor-interval", "0",
                 "--remotes", rem, env=env)
    try:
        ceph = ('DISK_TYPE=RBD POOL_NAME=one CEPH_HOST=127.0.0.1 CEPH_USER=admin '
                'CEPH_SECRET=x BRIDGE_LIST=localhost')
        st.call("one.host.allocate", "h0", "dummy", "dummy", -1)
        img_ds = st.call("one.datastore.allocate", "NAME=img DS_MAD=ceph TM_MAD=ceph " + ceph,
                         -1)[1]
        sys_ds = st.call("one.datastore.allocate", "NAME=sys TYPE=SYSTEM_DS TM_MAD=ceph " +
                         ceph, -1)[1]
        st.call("standin.settle", 30)
        ds = st.call("one.datastore.info", img_ds)[1]
        tap("<FREE_MB>100352</FREE_MB>" in ds, "a new image datastore is monitored at once "
            "by its DS_MAD's monitor", diag=[ds[:300]])
        st.call("one.image.allocate", "NAME=base SOURCE=one/one-0 FORMAT=raw SIZE=16", img_ds)
        r = st.call("one.image.allocate", "NAME=blk TYPE=DATABLOCK SIZE=16", img_ds)
        st.call("standin.settle", 30)
        img = st.call("one.image.info", r[1])[1]
        tap("<STATE>5</STATE>" in img and re.search(
            r"<ERROR><!\[CDATA\[\w{3} \w{3} [ \d]\d [\d:]{8} \d{4} : Error creating datablock: "
            r"recorder: mkfs failed \(simulated\)\]\]></ERROR>", img),
            "a failing datastore mkfs leaves the image in ERROR with oned's message",
            diag=[img[-600:]])
        vid = st.call("one.vm.allocate", "NAME=v MEMORY=64 DISK=[IMAGE_ID=0] "
                      "DISK=[TYPE=fs,SIZE=16,FORMAT=raw]", True)[1]
        st.call("one.vm.deploy", vid, 0, False, sys_ds, "")
        st.call("standin.settle", 30)
        doc = st.call("one.vm.info", vid)[1]
        tap("<STATE>3</STATE><LCM_STATE>39</LCM_STATE>" in doc and re.search(
            r"<ERROR><!\[CDATA\[\w{3} \w{3} [ \d]\d [\d:]{8} \d{4}: Error executing image "
            r"transfer script: recorder: clone failed \(simulated\)\]\]></ERROR>", doc),
            "a failing TM clone: PROLOG_FAILURE, ERROR from the action's stderr",
            diag=[doc[doc.find("<USER_TEMPLATE>"):][:300]])
        calls = sorted(f for f in os.listdir(rec) if f.endswith(".argv.txt"))
        tap(any(".tm.ceph.clone." in c for c in calls) and
            not any(".tm.ceph.ln." in c or ".tm.ceph.mkimage." in c for c in calls),
            "the transfer stops at the first failing line", diag=calls)
        r = st.call("one.vm.action", "terminate-hard", vid)
        st.call("standin.settle", 30)
        tap(wait_state(st, vid, (6, 0)), "terminate from PROLOG_FAILURE reaches DONE (the "
            "delete actions' result is ignored)")
        st.stop()
        # a stand-in without remotes: the drivers are missing
        st2 = Standin(os.path.join(tmp, "drv2"), "--step-delay", "0", "--monitor-interval", "0",
                      "--remotes", os.path.join(tmp, "no-remotes"))
        try:
            st2.call("one.host.allocate", "h0", "dummy", "dummy", -1)
            st2.call("one.datastore.allocate", "NAME=img DS_MAD=ceph TM_MAD=ceph " + ceph, -1)
            s2 = st2.call("one.datastore.allocate", "NAME=sys TYPE=SYSTEM_DS TM_MAD=ceph " +
                          ceph, -1)[1]
            st2.call("one.image.allocate", "NAME=b SOURCE=one/one-0 FORMAT=raw SIZE=16", 100,
                     True)
            v = st2.call("one.vm.allocate", "NAME=v MEMORY=64 DISK=[IMAGE_ID=0]", True)[1]
            st2.call("one.vm.deploy", v, 0, False, s2, "")
            st2.call("standin.settle", 30)
            doc = st2.call("one.vm.info", v)[1]
            msg = ("Error executing image transfer script: Driver path '%s/tm/ceph/ln' "
                   "does not exists" % os.path.join(tmp, "no-remotes"))
            tap("<LCM_STATE>39</LCM_STATE>" in doc and
                (msg[:100] + "... see more details in VM log]]>") in doc,
                # (100 characters of the message are kept)
                "no tm/ceph/ln under --remotes: PROLOG_FAILURE with one_tm's message",
                diag=[doc[doc.find("<USER_TEMPLATE>"):][:300]])
        finally:
            st2.stop()
    finally:
        st.stop()


class CephReplay:
    """The run of opennebula-7.0-ceph (README "The run, in order"), as far as
    the stand-in serves its calls (not: disk/NIC hotplug, disk-saveas,
    resize, disk-resize, live migration). The hook payloads and the driver
    calls it produces are compared with the captured ones."""

    HOOKS = [("vm_running", "state", "RESOURCE=VM ON=RUNNING"),
             ("vm_done", "state", "RESOURCE=VM ON=DONE"),
             ("image_ready", "state", "RESOURCE=IMAGE STATE=READY"),
             ("host_error", "state", "RESOURCE=HOST STATE=ERROR")] + [
        ("api_" + c.replace(".", "_"), "api", "CALL=one." + c) for c in (
            "vm.update", "vm.attach", "vm.detach", "vm.attachnic", "vm.detachnic",
            "vm.resize", "vm.rename", "vm.chown", "vm.deploy", "vm.action",
            "image.allocate", "image.delete", "image.clone")]

    def __init__(self, tmp):
        self.tmp = tmp
        self.hookdir = os.path.join(tmp, "ceph-hooks")
        os.makedirs(self.hookdir)
        self.rem = make_remotes(os.path.join(tmp, "ceph-remotes"), "recorder", "ceph")
        self.rec = os.path.join(tmp, "ceph-rec")
        self.path = os.path.join(tmp, "tiny-alpine.raw")
        with open(self.path, "wb") as f:
            f.truncate(40 * 1048576)
        env = dict(os.environ, ONED_RECORDER_DIR=self.rec)
        self.st = Standin(os.path.join(tmp, "ceph"), "--step-delay", "0.2",
                          "--monitor-interval", "0", "--remotes", self.rem, env=env)

    @staticmethod
    def fx_in(name, pos):
        """The IN parameter POS of a captured API hook payload (what the
        OpenNebula CLI sent)."""
        doc = open(os.path.join(CEPH_FIXTURES, "hooks", name + ".decoded.xml")).read()
        for m in re.finditer(r"<POSITION>(\d+)</POSITION>\s*<TYPE>IN</TYPE>\s*"
                             r"<VALUE>(.*?)</VALUE>", doc, re.S):
            if int(m.group(1)) == pos:
                return m.group(2)
        raise KeyError((name, pos))

    def call(self, method, *args):
        r = self.st.call(method, *args)
        if not r[0] and not method.endswith(".delete"):
            raise RuntimeError("setup call %s%r failed: %r" % (method, args, r))
        return r[1]

    def settle(self):
        self.st.call("standin.settle", 60)

    def wait_vm(self, vid, state):
        ok = wait_state(self.st, vid, state, 60)
        if not ok:
            tap(False, "ceph replay: VM %d did not reach %r" % (vid, state))
        self.settle()

    def run(self):
        call, settle = self.call, self.settle
        for name, typ, trig in self.HOOKS:
            p = os.path.join(self.hookdir, name + ".sh")
            # silent, as the capture script was (empty STDOUT in HOOKLOG)
            write_script(p, CAPTURE.replace('print("hook ok " + name)', ''))
            call("one.hook.allocate", 'NAME="%s"\nTYPE="%s"\n%s\nCOMMAND="%s"\n'
                 'ARGUMENTS="%s"\nARGUMENTS_STDIN="yes"\n' % (
                     name, typ, "\n".join(trig.split()), p,
                     "$API" if typ == "api" else "$TEMPLATE"))
        call("one.user.allocate", "alice", "alicepw", "", [])
        ceph = ('DS_MAD = "ceph"\nTM_MAD = "ceph"\nDISK_TYPE = "RBD"\nPOOL_NAME = "one"\n'
                'CEPH_HOST = "127.0.0.1"\nCEPH_USER = "admin"\n'
                'CEPH_SECRET = "6c9b5f1a-2d3e-4f50-8a7b-9c0d1e2f3a4b"\nBRIDGE_LIST = "localhost"\n')
        call("one.datastore.allocate", 'NAME = "ceph-img"\n' + ceph, -1)
        call("one.datastore.allocate", 'NAME = "ceph-sys"\nTYPE = "SYSTEM_DS"\n' +
             ceph.replace('DS_MAD = "ceph"\n', ""), -1)
        settle()
        call("one.host.allocate", "ceph-host-0", "dummy", "dummy", -1)
        call("one.host.allocate", "ceph-host-err", "kvm", "dummy", -1)
        call("standin.host.state", 1, "ERROR", "Error monitoring Host ceph-host-err (1): ")
        call("standin.monitor")
        call("one.vn.allocate", 'NAME=vnet-br0 VN_MAD=bridge BRIDGE=br0 AR=[TYPE=IP4, '
             'IP=192.168.150.100, SIZE=10] DNS=192.168.150.1 GATEWAY=192.168.150.1 '
             'NETWORK_MASK=255.255.255.0', -1)
        settle()
        fx = self.fx_in
        call("one.image.allocate", fx("api-image-allocate.success.source-persistent-0", 2),
             100, False)
        call("one.image.allocate", fx("api-image-allocate.success.source-clone-1", 2),
             100, False)
        settle()
        call("one.image.allocate", fx("api-image-allocate.success.path-cp-2", 2).replace(
            "/var/tmp/tiny-alpine.raw", self.path), 100, False)
        settle()
        call("one.image.allocate", fx("api-image-allocate.success.datablock-mkfs-3", 2),
             100, False)
        settle()
        call("one.image.clone", 1, "ceph-clone-of-1-4", -1)
        settle()
        call("one.vm.allocate", 'NAME = "ceph-vm-0"\nCPU = "0.1"\nVCPU = "1"\nMEMORY = "128"\n'
             'DISK = [ IMAGE_ID = "0" ]\nDISK = [ IMAGE_ID = "1" ]\n'
             'DISK = [ TYPE = "fs", SIZE = "64", FORMAT = "raw" ]\nNIC = [ NETWORK_ID = "0" ]\n'
             'GRAPHICS = [ TYPE = "VNC", LISTEN = "0.0.0.0" ]\nOS = [ ARCH = "x86_64" ]\n'
             'CONTEXT = [ NETWORK = "YES", SSH_PUBLIC_KEY = "ssh-rsa AAAA... test" ]\n', True)
        call("one.vm.deploy", 0, 0, False, 101, "")
        self.wait_vm(0, (3, 3))
        call("one.vm.update", 0, self.fx_in("api-vm-update.success.append", 3), 1)
        call("one.vm.disksaveas", 0, 1, "ceph-saveas-5", "", -1)
        self.wait_vm(0, (3, 3))
        call("one.vm.action", "poweroff", 0)
        self.wait_vm(0, (8, 0))
        call("one.vm.action", "resume", 0)
        self.wait_vm(0, (3, 3))
        call("one.vm.rename", 0, "ceph-vm-0-renamed")
        call("one.vm.chown", 0, 2, 1)
        call("one.vm.allocate", 'NAME = "ceph-vm-1"\nCPU = "0.1"\nMEMORY = "64"\n'
             'DISK = [ IMAGE_ID = "1" ]\nNIC = [ NETWORK_ID = "0" ]\n'
             'CONTEXT = [ NETWORK = "YES" ]\n', True)
        # (the capture deployed it on ceph-host-0 and live-migrated it to
        # ceph-host-err; the stand-in has no migrate: deployed there)
        call("one.vm.deploy", 1, 1, False, 101, "")
        self.wait_vm(1, (3, 3))
        call("standin.host.state", 1, "INIT")       # onehost disable; onehost enable
        call("standin.host.state", 1, "ERROR", "Error monitoring Host ceph-host-err (1): ", True)
        self.wait_vm(1, (3, 16))
        call("one.vm.action", "terminate-hard", 0)
        self.wait_vm(0, (6, 0))
        call("one.vm.action", "terminate-hard", 1)
        self.wait_vm(1, (6, 0))
        call("one.image.delete", 2, False)
        settle()
        call("one.image.delete", 4, False)
        settle()
        self.st.call("one.image.delete", 9999, False)
        settle()
        self.check_hooks()
        self.check_drivers()
        self.check_hook_docs()
        self.check_persisted()

    POOLS = (("one.vmpool.infoextended", (-2, -1, -1, -2)), ("one.imagepool.info", (-2, -1, -1)),
             ("one.datastorepool.info", ()), ("one.hostpool.info", ()),
             ("one.vnpool.info", (-2, -1, -1)), ("one.hookpool.info", (-2, -1, -1)),
             ("one.userpool.info", ()))

    def check_persisted(self):
        """After this whole run, a SIGKILLed stand-in restarted on its state
        directory serves the same documents (per-change persistence missed
        nothing: drivers, hooks, images, VMs, hosts)."""
        before = [self.st.call(m, *a)[1] for m, a in self.POOLS]
        hooks = [self.st.call("one.hook.info", i)[1] for i in range(len(self.HOOKS))]
        self.st.proc.kill()
        self.st.proc.wait()
        self.st.start()
        after = [self.st.call(m, *a)[1] for m, a in self.POOLS]
        hooks2 = [self.st.call("one.hook.info", i)[1] for i in range(len(self.HOOKS))]
        diff = [m for (m, _), x, y in zip(self.POOLS, before, after) if x != y]
        diff += ["hook.info %d" % i for i, (x, y) in enumerate(zip(hooks, hooks2)) if x != y]
        tap(not diff, "SIGKILL after the ceph replay, restart: every pool and hook document "
            "is served as before", diag=diff)

    def captured(self, hook):
        out = os.path.join(self.hookdir, "out")
        files = sorted(glob.glob(os.path.join(out, hook + ".*.argv")),
                       key=lambda p: int(p.split(".")[-2]))
        res = []
        for p in files:
            stdin = open(p[:-5] + ".stdin", "rb").read()
            argv = open(p).read()
            try:
                doc = base64.b64decode(stdin).decode()
            except Exception:
                doc = ""
            res.append((stdin, argv, doc))
        return res

    # fixture payload -> (hook, which run, values that differ for a reason)
    PAYLOADS = [
        ("state-vm-running.ceph-vm-0.first-boot", "vm_running", 0, ()),
        # (the capture had hot-plugged a disk and a NIC before: each hotplug
        # added a HISTORY record)
        ("state-vm-running.ceph-vm-0.after-disk-saveas", "vm_running", 1, ("HISTORY_RECORDS",)),
        ("state-vm-running.ceph-vm-1.first-boot", "vm_running", 3,
         ("HOSTNAME", "HID", "DEPLOY_ID")),
        # the capture resized VM 0 (CPU, VCPU, MEMORY, disk 1 SIZE) and live-
        # migrated VM 1 (which recomputed AUTOMATIC_DS_REQUIREMENTS): not
        # replayed, so these values differ
        ("state-vm-done.ceph-vm-0-renamed", "vm_done", 0,
         ("HISTORY_RECORDS", "CPU", "VCPU", "MEMORY", "SIZE")),
        ("state-vm-done.ceph-vm-1", "vm_done", 1,
         ("HISTORY_RECORDS", "DEPLOY_ID", "AUTOMATIC_DS_REQUIREMENTS")),
        ("state-image-ready.ceph-persistent-0.registered-by-source", "image_ready", 0, ()),
        ("state-image-ready.ceph-clone-1.registered-by-source", "image_ready", 1, ()),
        ("state-image-ready.ceph-cp-2.created-by-cp", "image_ready", 2, ()),
        ("state-image-ready.ceph-mkfs-3.created-by-mkfs", "image_ready", 3, ()),
        ("state-image-ready.ceph-clone-of-1-4.created-by-clone", "image_ready", 4, ()),
        ("state-image-ready.ceph-clone-1.clone-source-released", "image_ready", 5, ()),
        ("state-image-ready.ceph-saveas-5.created-by-disk-saveas", "image_ready", 6, ()),
        ("state-image-ready.ceph-persistent-0.released-after-terminate", "image_ready", 7, ()),
        ("state-image-ready.ceph-clone-1.released-after-terminate", "image_ready", 8, ()),
        ("state-host-error.ceph-host-err.no-vms", "host_error", 0, ()),
        ("state-host-error.ceph-host-err.with-vm-1", "host_error", 1, ()),
        ("api-vm-deploy.success.vm-0", "api_vm_deploy", 0, ()),
        ("api-vm-update.success.append", "api_vm_update", 0, ()),
        ("api-vm-action.success.poweroff", "api_vm_action", 0, ()),
        ("api-vm-action.success.resume", "api_vm_action", 1, ()),
        ("api-vm-rename.success", "api_vm_rename", 0, ()),
        ("api-vm-chown.success.to-alice-users", "api_vm_chown", 0, ()),
        ("api-vm-action.success.terminate-hard-vm-0", "api_vm_action", 2, ()),
        ("api-vm-action.success.terminate-hard-vm-1", "api_vm_action", 3, ()),
        ("api-image-allocate.success.source-persistent-0", "api_image_allocate", 0, ()),
        ("api-image-allocate.success.source-clone-1", "api_image_allocate", 1, ()),
        ("api-image-allocate.success.path-cp-2", "api_image_allocate", 2, ()),
        ("api-image-allocate.success.datablock-mkfs-3", "api_image_allocate", 3, ()),
        ("api-image-clone.success.clone-of-1-4", "api_image_clone", 0, ()),
        ("api-image-delete.success.cp-2", "api_image_delete", 0, ()),
        ("api-image-delete.success.clone-of-1-4", "api_image_delete", 1, ()),
        ("api-image-delete.failure.not-found", "api_image_delete", 2, ()),
    ]

    def check_hooks(self):
        hd = os.path.join(CEPH_FIXTURES, "hooks")
        for fxname, hook, idx, allowed in self.PAYLOADS:
            exp = open(os.path.join(hd, fxname + ".decoded.xml")).read()
            exp_argv = open(os.path.join(hd, fxname + ".argv.txt")).read()
            runs = self.captured(hook)
            if idx >= len(runs):
                tap(False, "ceph payload %s: hook %s ran %d time(s)" % (fxname, hook, len(runs)))
                continue
            # hooks run concurrently (as onehem runs them): the run order of
            # close events is not fixed; take the run of the same object
            # (and PREV_STATE), else the IDX-th
            stdin, argv, doc = runs[idx]
            key = lambda d: (re.findall(r"<ID>(\d+)</ID>", d)[:1],
                             re.findall(r"<PREV_STATE>(\d+)</PREV_STATE>", d)[:1],
                             re.findall(r"<VALUE>(.*?)</VALUE>", d, re.S)[1:2])
            same = [r for r in runs if key(r[2].replace(self.path, "/var/tmp/tiny-alpine.raw"))
                    == key(exp)]
            if same:
                stdin, argv, doc = same[0] if len(same) == 1 or idx >= len(runs) else (
                    runs[idx] if runs[idx] in same else same[0])
            doc = doc.replace(self.path, "/var/tmp/tiny-alpine.raw")
            shape = (argv.strip() == exp_argv.strip() and stdin and b"\n" not in stdin and
                     not doc.startswith("<?xml") and not doc.endswith("\n"))
            status, diag = compare_docs(exp, doc)
            if status == "differs" and allowed and "HISTORY_RECORDS" in allowed:
                # the capture's VM had more history records (hotplug, migration)
                e2 = re.sub(r"<HISTORY_RECORDS>.*</HISTORY_RECORDS>", "", exp, flags=re.S)
                d2 = re.sub(r"<HISTORY_RECORDS>.*</HISTORY_RECORDS>", "", doc, flags=re.S)
                status, diag = compare_docs(e2, d2)
            if status == "structural":
                diag = [d for d in diag if not any("/%s:" % a in d for a in allowed)]
                status = "structural" if diag else "exact"
            if fxname.startswith("state-vm-done"):
                doc_hist = len(re.findall("<HISTORY>", doc))
                if doc_hist < 1:
                    status, diag = "differs", ["no HISTORY record"]
            ok = shape and status != "differs"
            SUMMARY["exact" if ok and status == "exact" else
                    "structural" if ok else "failed"] += 1
            tap(ok, "ceph payload %s: %s" % (fxname, "shape (stdin, no argv, no declaration) "
                "and every element as captured" if status == "exact" else
                "same structure, %d value(s) differ" % len(diag) if ok else
                "differs"), diag=diag if not ok else None)
            if ok and status == "structural":
                for d in diag[:8]:
                    print("#   " + d)

    def check_hook_docs(self):
        """hook.info (with HOOKLOG) and hookpool.info against xmlrpc/ of the
        capture, for the hooks whose events the replay makes all of (the
        others ran fewer times); each record's ARGUMENTS is what the hook
        read on stdin."""
        xd = os.path.join(CEPH_FIXTURES, "xmlrpc")
        same_runs = ["vm_done", "image_ready", "host_error", "api_vm_update", "api_vm_rename",
                     "api_vm_chown", "api_vm_deploy", "api_image_allocate", "api_image_delete",
                     "api_image_clone"]
        for hid, (name, typ, trig) in enumerate(self.HOOKS):
            exp = open(os.path.join(xd, "hook.info.%d.xml" % hid)).read()
            got = self.st.call("one.hook.info", hid)[1]
            runs = self.captured(name)
            recs = re.findall(r"<ARGUMENTS>([^<]*)</ARGUMENTS>", got)
            args_ok = sorted(recs) == sorted(r[0].decode() for r in runs)
            if name not in same_runs:
                e2 = re.sub(r"<HOOKLOG>.*</HOOKLOG>", "", exp, flags=re.S)
                g2 = re.sub(r"<HOOKLOG>.*</HOOKLOG>", "", got, flags=re.S)
                status, diag = compare_docs(e2, g2)
                what = "template (the capture ran it more often)"
            else:
                status, diag = compare_docs(exp, got)
                what = "template and HOOKLOG"
            if name == "image_ready":
                # the capture had 11 READY events (hotplug, saveas), the replay 8
                e2 = re.sub(r"<HOOKLOG>.*</HOOKLOG>", "", exp, flags=re.S)
                g2 = re.sub(r"<HOOKLOG>.*</HOOKLOG>", "", got, flags=re.S)
                status, diag = compare_docs(e2, g2)
                what = "template (the capture ran it more often)"
            ok = status != "differs" and args_ok
            tap(ok, "hook.info %d %s: %s as captured%s, every ARGUMENTS is the hook's stdin" % (
                hid, name, what, "" if status == "exact" else " (%d value(s) differ)" %
                len(diag)), diag=diag if not ok else None)
            if ok and status == "structural":
                for d in diag[:4]:
                    print("#   " + d)
        status, diag = compare_docs(open(os.path.join(xd, "hookpool.info.xml")).read(),
                                    self.st.call("one.hookpool.info", -2, -1, -1)[1])
        tap(status != "differs", "hookpool.info as captured (no HOOKLOG)", diag=diag)

    def check_drivers(self):
        """Every recorded TM/datastore call against the captured one of the
        same action, in order (monitor calls and the actions of steps the
        stand-in does not serve left out)."""
        dd = os.path.join(CEPH_FIXTURES, "drivers")
        skip = {"0016", "0017", "0018", "0019", "0020"}  # cold attach/detach, resize
        exp = []
        for p in sorted(glob.glob(os.path.join(dd, "*.argv.txt"))):
            seq, kind, drv, action = os.path.basename(p).split(".")[:4]
            if action == "monitor" or seq in skip:
                continue
            exp.append((seq, kind, action, p[:-len(".argv.txt")]))
        got = []
        for p in sorted(glob.glob(os.path.join(self.rec, "*.argv.txt"))):
            seq, kind, drv, action = os.path.basename(p).split(".")[:4]
            if action == "monitor":
                continue
            got.append((seq, kind, action, p[:-len(".argv.txt")]))
        host = socket.gethostname()
        tap([(k, a) for _, k, a, _ in exp] == [(k, a) for _, k, a, _ in got],
            "driver calls: the same actions in the same order as oned made them (%d)" % len(exp),
            diag=["fixture  " + " ".join("%s/%s" % (k, a) for _, k, a, _ in exp),
                  "stand-in " + " ".join("%s/%s" % (k, a) for _, k, a, _ in got)])
        for (seq, kind, action, ef), (gseq, _, gaction, gf) in zip(exp, got):
            if action != gaction:
                break
            ea = open(ef + ".argv.txt").read()
            ga = open(gf + ".argv.txt").read()
            # the capture's VM 1 ran on ceph-host-0 first, then on ceph-host-err;
            # its front-end was called "vm"
            ga = ga.replace(host + ":", "vm:")
            if seq == "0021":
                ga = ga.replace("ceph-host-err:", "ceph-host-0:")
            meta = open(gf + ".meta.txt").read()
            cwd_ok = "cwd=%s\n" % os.path.abspath(os.path.join(self.tmp, "ceph")) in meta
            if kind == "datastore":
                stdin = open(gf + ".stdin.b64", "rb").read()
                doc = base64.b64decode(stdin).decode().replace(self.path,
                                                               "/var/tmp/tiny-alpine.raw")
                exp_doc = open(ef + ".decoded.xml").read()
                status, diag = compare_docs(exp_doc, doc)
                shape = b"\n" not in stdin and stdin and ea == ga
            else:
                status, diag = "exact", []
                shape = ea == ga and os.path.getsize(gf + ".stdin.b64") == 0
            ok = shape and cwd_ok and status != "differs"
            tap(ok, "driver call %s %s/ceph/%s: %s" % (
                seq, kind, action, "argv%s as captured%s" % (
                    ", stdin" if kind == "datastore" else "",
                    "" if status == "exact" else " (%d value(s) differ)" % len(diag))),
                diag=(["fixture argv:  " + ea.replace("\n", " "),
                       "stand-in argv: " + ga.replace("\n", " "), meta] + diag)
                if not ok else None)
            if ok and status == "structural":
                for d in diag[:6]:
                    print("#   " + d)


def ceph_replay(tmp):
    if not os.path.isdir(os.path.join(CEPH_FIXTURES, "hooks")):
        tap(True, "ceph fixture replay # SKIP no fixtures at %s" % CEPH_FIXTURES)
        return
    cr = CephReplay(tmp)
    try:
        cr.run()
    finally:
        tap(cr.st.stop() == 0, "ceph replay stand-in stopped cleanly")


def main():
    tmp = tempfile.mkdtemp(prefix="oned-standin-test.")
    replayed = 0
    try:
        basic_tests(tmp)
        lifecycle_tests(tmp)
        group_chown_tests(tmp)
        like_oned_tests(tmp)
        for section in (hook_exec_tests, driver_tests, ceph_replay):
            try:
                section(tmp)
            except Exception:
                import traceback
                traceback.print_exc(file=sys.stdout)
                tap(False, "%s crashed" % section.__name__)
        if os.path.isdir(XDIR):
            rp = Replay(tmp)
            try:
                replayed = rp.run()
            finally:
                rc = rp.st.stop()
                tap(rc == 0, "replay stand-in stopped cleanly")
        else:
            print("# fixtures not found at %s: replay skipped" % XDIR)
            tap(True, "fixture replay # SKIP no fixtures")
    except Exception:
        import traceback
        traceback.print_exc(file=sys.stdout)
        tap(False, "test harness crashed")
    finally:
        if os.environ.get("KEEP_TMP"):
            print("# kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % N)
    print("# fixtures replayed: %d; results (fixtures + hook payloads): %d exact, "
          "%d same-structure, %d known differences (TODO), %d failed"
          % (replayed, SUMMARY["exact"], SUMMARY["structural"], SUMMARY["todo"],
             SUMMARY["failed"]))
    print("%d passed, %d failed, %d skipped" % (PASSED, FAILED, TODO))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
