/* test-conf.c: onedr.conf loading: values, defaults, and every error with its file and line. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"

/* configure's --with-one-remotes, else OpenNebula's packaged path */
#ifdef ONE_REMOTES_DIR
#define ONE_REMOTES_DIR_WANT ONE_REMOTES_DIR
#else
#define ONE_REMOTES_DIR_WANT "/var/lib/one/remotes"
#endif

static char path[64];

static int load(const char *text, struct onedr_conf *conf, struct conf_error *err)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	conf_init(conf);
	err->msg[0] = '\0';
	return conf_load(conf, path, true, err);
}

int main(void)
{
	struct onedr_conf conf;
	struct conf_error err;
	char want[256];
	int fd;

	snprintf(path, sizeof(path), "/tmp/onedr-test-conf-XXXXXX");
	fd = mkstemp(path);
	close(fd);

	ok(load("# lab\nSITE = \"site-b\"\nCEPH = [ CLUSTER = \"ceph\", CONF = \"/x/ceph.conf\",\n"
		"  ID = \"admin\", KEYRING = \"/x/k\", POOL = \"one\" ]\n"
		"PEER = [ NAME = \"site-a\", CONF = \"/y/ceph.conf\" ]\n"
		"TIMEOUT = [ CONNECT = \"10\", OP = \"12\", IMAGE = \"20\", PROMOTE_WAIT = \"30\" ]\n"
		"concurrency = 8\n", &conf, &err) == 0, "a full configuration loads");
	is_str(conf.site, "site-b", "SITE is read");
	is_str(conf.ceph.conf, "/x/ceph.conf", "CEPH/CONF is read");
	is_str(conf.ceph.keyring, "/x/k", "CEPH/KEYRING is read");
	is_str(conf.pool, "one", "CEPH/POOL sets the default pool");
	is_str(conf.peer_name, "site-a", "PEER/NAME is read");
	is_str(conf.peer.conf, "/y/ceph.conf", "PEER/CONF is read");
	ok(conf.ceph.connect_timeout == 10 && conf.peer.connect_timeout == 10, "TIMEOUT/CONNECT applies to both sites");
	ok(conf.ceph.op_timeout == 12 && conf.image_timeout == 20 && conf.promote_wait == 30,
	   "the other timeouts are read");
	ok(conf.concurrency == 8, "lower-case names are accepted");
	conf_free(&conf);

	ok(load("", &conf, &err) == 0 && conf.ceph.connect_timeout == 30 && conf.concurrency == 16 &&
	   conf.peer_name == NULL && conf.signing_key == NULL, "an empty file keeps the defaults");
	conf_free(&conf);

	ok(load("SIGNING_KEY = \"/etc/one/onedr.key\"\n", &conf, &err) == 0, "SIGNING_KEY loads");
	is_str(conf.signing_key, "/etc/one/onedr.key", "SIGNING_KEY is the key file's path");
	conf_free(&conf);
	ok(load("SIGNING_KEY = \"\"\n", &conf, &err) == -EINVAL && strstr(err.msg, "SIGNING_KEY"),
	   "an empty SIGNING_KEY is an error: %s", err.msg);
	conf_free(&conf);

	ok(load("", &conf, &err) == 0 && !conf.mirror_snapshot, "MIRROR_MODE is journal by default");
	is_str(conf_remotes(&conf), ONE_REMOTES_DIR_WANT, "REMOTES defaults to OpenNebula's remotes");
	conf_free(&conf);
	ok(load("MIRROR_MODE = \"snapshot\"\nREMOTES = \"/opt/one/remotes\"\n", &conf, &err) == 0 &&
	   conf.mirror_snapshot, "MIRROR_MODE = snapshot loads");
	is_str(conf_remotes(&conf), "/opt/one/remotes", "REMOTES is read");
	conf_free(&conf);
	ok(load("MIRROR_MODE = \"journal\"\n", &conf, &err) == 0 && !conf.mirror_snapshot,
	   "MIRROR_MODE = journal loads");
	conf_free(&conf);
	ok(load("MIRROR_MODE = \"pool\"\n", &conf, &err) == -EINVAL &&
	   strstr(err.msg, "MIRROR_MODE: expected \"journal\" or \"snapshot\", got 'pool'"),
	   "another MIRROR_MODE is an error: %s", err.msg);
	conf_free(&conf);
	ok(load("REMOTES = \"remotes\"\n", &conf, &err) == -EINVAL && strstr(err.msg, "REMOTES"),
	   "a relative REMOTES is an error: %s", err.msg);
	conf_free(&conf);

	ok(load("SITE = \"a\"\nPOOL = \"x\n", &conf, &err) == -EINVAL, "an unterminated quote is an error");
	snprintf(want, sizeof(want), "%s:2:", path);
	ok(!strncmp(err.msg, want, strlen(want)), "its message names the file and line 2: %s", err.msg);
	conf_free(&conf);

	ok(load("SITE = \"a\"\nBOGUS = \"1\"\n", &conf, &err) == -EINVAL, "an unknown attribute is an error");
	snprintf(want, sizeof(want), "%s:2: unknown attribute 'BOGUS'", path);
	is_str(err.msg, want, "its message names the file, the line and the attribute");
	conf_free(&conf);

	ok(load("CEPH = [\n  ID = \"admin\",\n  SECRET = \"x\" ]\n", &conf, &err) == -EINVAL,
	   "an unknown attribute inside CEPH is an error");
	snprintf(want, sizeof(want), "%s:3: unknown attribute 'SECRET' in CEPH", path);
	is_str(err.msg, want, "its message gives the line of the attribute inside the vector");
	conf_free(&conf);

	ok(load("TIMEOUT = [ CONNECT = \"ten\" ]\n", &conf, &err) == -EINVAL && strstr(err.msg, "ten"),
	   "a timeout that is not a number is an error");
	conf_free(&conf);

	ok(load("TIMEOUT = [ OP = \"0\" ]\n", &conf, &err) == -EINVAL, "a zero timeout is an error");
	conf_free(&conf);

	ok(load("PEER = [ CONF = \"/y\" ]\n", &conf, &err) == -EINVAL && strstr(err.msg, "NAME"),
	   "a PEER without NAME is an error");
	conf_free(&conf);

	ok(load("CEPH = \"x\"\n", &conf, &err) == -EINVAL, "CEPH as a single value is an error");
	conf_free(&conf);

	{
		const char *to = NULL;

		ok(load("ONE = [ ENDPOINT = \"http://b:2633/RPC2\", AUTH = \"/b/one_auth\", TIMEOUT = \"5\" ]\n"
			"DATASTORE_MAP = [ FROM = \"ceph-img\", TO = \"ceph-b\" ]\n"
			"NETWORK_MAP = [ FROM = \"lan\", TO = \"lan-b\", KEEP_ADDRESSES = \"yes\" ]\n"
			"NETWORK_MAP = [ FROM = \"wan\", TO = \"wan-b\" ]\n"
			"USER_MAP = [ FROM = \"*\", TO = \"*\" ]\n"
			"USER_MAP = [ FROM = \"alice\", TO = \"alice-b\" ]\n", &conf, &err) == 0,
		   "ONE and the maps load: %s", err.msg);
		is_str(conf.one_endpoint, "http://b:2633/RPC2", "ONE/ENDPOINT is read");
		is_str(conf.one_auth, "/b/one_auth", "ONE/AUTH is read");
		ok(conf.one_timeout == 5, "ONE/TIMEOUT is read");
		ok(conf_map_find(&conf, MAP_DATASTORE, "ceph-img", &to) && !strcmp(to, "ceph-b"),
		   "a datastore is mapped by name");
		ok(conf_map_find(&conf, MAP_DATASTORE, "other", &to) == NULL, "an unmapped datastore has no map");
		ok(conf_map_find(&conf, MAP_NETWORK, "lan", &to) && conf_map_find(&conf, MAP_NETWORK, "lan", &to)->keep_addresses,
		   "KEEP_ADDRESSES=yes is read");
		ok(conf_map_find(&conf, MAP_NETWORK, "wan", &to) && !conf_map_find(&conf, MAP_NETWORK, "wan", &to)->keep_addresses,
		   "addresses are not kept by default");
		ok(conf_map_find(&conf, MAP_USER, "alice", &to) && !strcmp(to, "alice-b"),
		   "an explicit map wins over '*' wherever it is written");
		ok(conf_map_find(&conf, MAP_USER, "bob", &to) && !strcmp(to, "bob"), "'*' maps a name to itself");
		ok(conf_map_find(&conf, MAP_GROUP, "users", &to) == NULL, "no GROUP_MAP: a group has no map");
		conf_free(&conf);
	}
	ok(load("DATASTORE_MAP = [ FROM = \"a\" ]\n", &conf, &err) == -EINVAL && strstr(err.msg, "FROM and TO"),
	   "a map without TO is an error: %s", err.msg);
	conf_free(&conf);
	ok(load("USER_MAP = [ FROM = \"*\", TO = \"x\" ]\n", &conf, &err) == -EINVAL,
	   "'*' mapped to a name is an error");
	conf_free(&conf);
	ok(load("GROUP_MAP = [ FROM = \"a\", TO = \"b\" ]\nGROUP_MAP = [ FROM = \"a\", TO = \"c\" ]\n",
		&conf, &err) == -EINVAL && strstr(err.msg, "already mapped on line 1"),
	   "a name mapped twice is an error naming the first line: %s", err.msg);
	conf_free(&conf);
	ok(load("DATASTORE_MAP = [ FROM = \"a\", TO = \"b\", KEEP_ADDRESSES = \"YES\" ]\n", &conf, &err) == -EINVAL,
	   "KEEP_ADDRESSES outside NETWORK_MAP is an error");
	conf_free(&conf);
	{
		const char *to = NULL;

		ok(load("DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-img-b\" ]\n"
			"SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]\n", &conf, &err) == 0,
		   "SYSTEM_DATASTORE_MAP loads next to a DATASTORE_MAP of the same name: %s", err.msg);
		ok(conf_map_find(&conf, MAP_SYSTEM_DATASTORE, "ceph-sys", &to) && !strcmp(to, "ceph-sys-b"),
		   "a system datastore is mapped by SYSTEM_DATASTORE_MAP");
		ok(conf_map_find(&conf, MAP_DATASTORE, "ceph-sys", &to) && !strcmp(to, "ceph-img-b"),
		   "the DATASTORE_MAP of the same name is a separate map");
		is_str(conf_map_kind_name(MAP_SYSTEM_DATASTORE), "SYSTEM_DATASTORE_MAP", "its name in messages");
		conf_free(&conf);
	}
	{
		const char *to = NULL;

		ok(load("NETWORK_MAP = [ FROM = \"lan\", TO = \"lan-b\" ]\n"
			"DRILL_NETWORK_MAP = [ FROM = \"dmz\", TO = \"drill-dmz\", KEEP_ADDRESSES = \"YES\" ]\n"
			"DRILL_NETWORK_MAP = [ FROM = \"*\", TO = \"drill-net\" ]\n", &conf, &err) == 0,
		   "DRILL_NETWORK_MAP loads, '*' to one isolated network, KEEP_ADDRESSES: %s", err.msg);
		ok(conf_map_find(&conf, MAP_DRILL_NETWORK, "lan", &to) && !strcmp(to, "drill-net"),
		   "DRILL_NETWORK_MAP '*' maps every other network to its TO");
		ok(conf_map_find(&conf, MAP_DRILL_NETWORK, "dmz", &to) && !strcmp(to, "drill-dmz") &&
		   conf_map_find(&conf, MAP_DRILL_NETWORK, "dmz", &to)->keep_addresses,
		   "an explicit DRILL_NETWORK_MAP wins, with KEEP_ADDRESSES");
		ok(conf_map_find(&conf, MAP_NETWORK, "lan", &to) && !strcmp(to, "lan-b"),
		   "NETWORK_MAP is a separate map");
		ok(conf_map_find(&conf, MAP_NETWORK, "dmz", &to) == NULL,
		   "DRILL_NETWORK_MAP's '*' is not a NETWORK_MAP");
		is_str(conf_map_kind_name(MAP_DRILL_NETWORK), "DRILL_NETWORK_MAP", "its name in messages");
		conf_free(&conf);
	}
	ok(load("DRILL_NETWORK_MAP = [ FROM = \"*\", TO = \"*\" ]\n", &conf, &err) == -EINVAL &&
	   strstr(err.msg, "isolated network"),
	   "DRILL_NETWORK_MAP to '*' (the production networks) is an error: %s", err.msg);
	conf_free(&conf);
	ok(load("DRILL_NETWORK_MAP = [ FROM = \"lan\", TO = \"*\" ]\n", &conf, &err) == -EINVAL,
	   "DRILL_NETWORK_MAP of a name to '*' is an error");
	conf_free(&conf);
	ok(load("SYSTEM_DATASTORE_MAP = [ FROM = \"a\", TO = \"b\", KEEP_ADDRESSES = \"NO\" ]\n", &conf, &err) == -EINVAL,
	   "KEEP_ADDRESSES in SYSTEM_DATASTORE_MAP is an error");
	conf_free(&conf);
	ok(load("NETWORK_MAP = [ FROM = \"a\", TO = \"b\", KEEP_ADDRESSES = \"maybe\" ]\n", &conf, &err) == -EINVAL,
	   "KEEP_ADDRESSES other than YES/NO is an error");
	conf_free(&conf);
	ok(load("ONE = [ PASSWORD = \"x\" ]\n", &conf, &err) == -EINVAL && strstr(err.msg, "PASSWORD"),
	   "ONE takes no password: only the path of a one_auth file");
	conf_free(&conf);

	ok(load("", &conf, &err) == 0 && conf.fence_expire == 30 * 86400 && conf.fence_wait == 60,
	   "FENCE_EXPIRE defaults to 30 days, FENCE_WAIT to 60 s");
	conf_free(&conf);
	ok(load("FENCE_EXPIRE = \"604800\"\nFENCE_WAIT = \"120\"\n", &conf, &err) == 0 &&
	   conf.fence_expire == 604800 && conf.fence_wait == 120, "FENCE_EXPIRE and FENCE_WAIT load");
	conf_free(&conf);
	ok(load("FENCE_EXPIRE = \"0\"\n", &conf, &err) == -EINVAL && strstr(err.msg, "FENCE_EXPIRE") &&
	   strstr(err.msg, ":1:"), "FENCE_EXPIRE 0 is an error (Ceph has no permanent entry): %s", err.msg);
	conf_free(&conf);
	ok(load("FENCE_EXPIRE = \"315360001\"\n", &conf, &err) == -EINVAL,
	   "FENCE_EXPIRE past ten years is an error");
	conf_free(&conf);
	ok(load("FENCE_WAIT = \"1h\"\n", &conf, &err) == -EINVAL && strstr(err.msg, "FENCE_WAIT"),
	   "FENCE_WAIT must be a number of seconds");
	conf_free(&conf);

	unlink(path);
	conf_init(&conf);
	ok(conf_load(&conf, path, false, &err) == 0, "a missing default file is not an error");
	ok(conf_load(&conf, path, true, &err) == -ENOENT && strstr(err.msg, path),
	   "a missing named file is an error that names it");
	conf_free(&conf);
	return tap_done();
}
