#!/bin/sh
# t0010-replication: journal and snapshot images replicate, and onedr status shows them.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

J=$(img j) S=$(img s) P=$(img plain)

test_expect_success 'journal and snapshot images made on site-a replicate to site-b' '
	mk_image a journal "$J" && mk_image a snapshot "$S" &&
	write_data a "$J" && write_data a "$S" && snapshot_now a "$S" &&
	wait_until 120 "$J replaying on site-b" is_replaying b "$J" &&
	wait_until 120 "$S replaying on site-b" is_replaying b "$S"
'

test_expect_success 'onedr status on site-a shows both as primary and healthy' '
	wait_until 60 "site-a status healthy" onedr_a status "$J" "$S" &&
	onedr_a status "$J" "$S" >out &&
	grep -E "^$J +journal +primary +up\+stopped +up\+replaying .* ok$" out &&
	grep -E "^$S +snapshot +primary +up\+stopped +up\+replaying .* ok$" out &&
	grep -q "^SITE   : site-a$" out && grep -q "^PEERS  : site-b (rx-tx)$" out
'

test_expect_success 'onedr status on site-b shows both as non-primary and replaying, with their lag' '
	onedr_b status "$J" "$S" >out &&
	grep -E "^$J +journal +non-primary +up\+replaying .* [0-9]+ entries +- +ok$" out &&
	grep -E "^$S +snapshot +non-primary +up\+replaying .* [0-9]+ s +- +ok$" out &&
	grep -q "^HEALTHY: 2 mirrored images: 2 ok" out
'

test_expect_success 'onedr status -j is JSON with the same facts' '
	onedr_b status -j "$J" >out.json &&
	python3 -c "
import json, sys
d = json.load(open(\"out.json\"))
i = d[\"images\"][0]
assert d[\"site\"] == \"site-b\", d
assert i[\"image\"] == \"$J\" and i[\"mode\"] == \"journal\", i
assert i[\"primary\"] is False and i[\"state\"] == \"up+replaying\", i
assert i[\"peer_primary\"] is True and i[\"split_brain\"] is False, i
assert i[\"health\"] == \"healthy\", i
"
'

test_expect_success 'onedr status -x is well-formed XML with the same facts' '
	onedr_b status -x "$S" >out.xml &&
	xmllint --xpath "string(/MIRROR_STATUS/IMAGE/NAME)" out.xml | grep -qx "$S" &&
	xmllint --xpath "string(/MIRROR_STATUS/IMAGE/PRIMARY)" out.xml | grep -qx NO &&
	xmllint --xpath "string(/MIRROR_STATUS/IMAGE/MODE)" out.xml | grep -qx snapshot
'

test_expect_success 'an image without mirroring is listed as unprotected, and status says degraded' '
	rbd_a create "$POOL/$P" --size 8M &&
	test_exit_code_in "4 5" onedr_a status >out &&
	grep -q "^\(DEGRADED\|CRITICAL\): .* [1-9][0-9]* unprotected$" out &&
	grep "^UNPROTECTED (mirroring not enabled):.* $P\( \|$\)" out &&
	! grep -E "^$P " out
'

test_expect_success 'the image rows and the pool summary are consistent in JSON' '
	onedr_a status -j >out.json || true &&
	python3 -c "
import json
d = json.load(open(\"out.json\"))
names = [i[\"image\"] for i in d[\"images\"]]
assert \"$J\" in names and \"$S\" in names, names
assert \"$P\" in d[\"unprotected\"] and \"$P\" not in names, d[\"unprotected\"]
assert d[\"health\"] in (\"degraded\", \"critical\"), d[\"health\"]
"
'

test_done
