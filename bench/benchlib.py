"""bench/benchlib.py: what the benchmarks' setup scripts share: the Ceph
attributes of their datastores and an oned XML-RPC client."""
import sys
import xmlrpc.client

CEPH = ('DISK_TYPE=RBD CEPH_HOST=127.0.0.1 CEPH_USER=admin '
        'CEPH_SECRET=6c9b5f1a-2d3e-4f50-8a7b-9c0d1e2f3a4b BRIDGE_LIST=localhost')


def client(url, auth):
    """call(method, *args): the method with AUTH's session; exits with oned's error."""
    session = open(auth).readline().strip()
    proxy = xmlrpc.client.ServerProxy(url)

    def call(method, *args):
        r = getattr(proxy, method)(session, *args)
        if not r[0]:
            sys.exit("%s: %s" % (method, r[1]))
        return r[1]
    return call
