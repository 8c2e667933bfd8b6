#!/bin/sh
# t0162-failover-groups: the groups of `onedr failover` and what it shows.
# Priorities from onedr.conf PRIORITY (a VM entry, label entries: a parent
# label covers its sub-labels) over USER_TEMPLATE ONEDR_PRIORITY, and
# dependencies (USER_TEMPLATE ONEDR_AFTER) that move a VM after another; a
# cycle, an unknown name or a dependency left out block in the preflight.
# The progress: one line per step on a pipe, a line per group rewritten in
# place on a terminal (script(1)); the final report: a row per VM, -j JSON
# (python3) and -x XML (xmllint) on stdout with the rest on stderr.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

own_pool 162

# vm N USER_TEMPLATE [DISK]: VM vm-N on site-a
vm() {
	{ echo "NAME = \"vm-$1\""; echo "MEMORY = 64"; echo "CPU = 1"
	  if [ -n "$3" ]; then echo "DISK = [ IMAGE_ID = $3 ]"; fi; } >tmpl &&
	call a one.vm.allocate "$(cat tmpl)" b:0 >id && test "$(cat id)" = "$1" &&
	call a one.vm.update "i:$1" "$2" i:1 >/dev/null
}
line_of() { grep -n "$1" "$TRASH/b.conf" | cut -d: -f1; }

# vm-0 labels prod/db: conf LABEL prod/db -> 1 (more urgent than LABEL prod)
# vm-1 labels prod/app, ONEDR_PRIORITY 1: conf LABEL prod -> 2
# vm-2 ONEDR_PRIORITY 1, ONEDR_AFTER vm-1 -> group 3
# vm-3 ONEDR_PRIORITY 1: conf VM vm-3 -> 5
# vm-4 and vm-5 after each other (a cycle); vm-6 after a VM that is not there
DISKS="one-0 one-1 one-2 one-3 one-4 one-5 one-6"

test_expect_success 'setup: site-a runs 7 VMs on mirrored Ceph disks; site-b has PRIORITY entries' '
	standins_up &&
	{ echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]"
	  echo "PRIORITY = [ LABEL = \"prod\", PRIORITY = \"2\" ]"
	  echo "PRIORITY = [ VM = \"vm-3\", PRIORITY = \"5\" ]"
	  echo "PRIORITY = [ LABEL = \"prod/db\", PRIORITY = \"1\" ]"; } >>"$TRASH/b.conf" &&
	image 0 journal && image 1 snapshot && image 2 journal && image 3 journal &&
	vm 0 "LABELS = \"prod/db\"" 0 &&
	vm 1 "LABELS = \"prod/app,x\"
ONEDR_PRIORITY = \"1\"" 1 &&
	vm 2 "ONEDR_PRIORITY = \"1\"
ONEDR_AFTER = \"vm-1\"" 2 &&
	vm 3 "ONEDR_PRIORITY = \"1\"" 3 &&
	image 4 journal && image 5 journal && image 6 journal &&
	vm 4 "ONEDR_AFTER = \"vm-5\"" 4 && vm 5 "ONEDR_AFTER = \"vm-4\"" 5 &&
	vm 6 "ONEDR_AFTER = \"vm-0, nothing-here\"" 6 &&
	for v in 0 1 2 3 4 5 6; do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for v in 0 1 2 3 4 5 6; do wait_until 60 "VM $v RUNNING" vm_is a $v 3/3 || exit 1; done ||
	{ cat "$TRASH/oned-a.log"; false; }
'
standins_pids

test_expect_success 'setup: exported, written, replicated; site-a dies' '
	onedr_sa export --all >out 2>err && grep -q "^export: 7 VMs: 0 failed" out &&
	for d in $DISKS; do write_data a "$d" 1 || exit 1; done &&
	snapshot_now a one-1 &&
	for d in $DISKS; do wait_until 180 "$d in sync" same_data "$d" || exit 1; done &&
	wait_until 120 "manifests synced" manifests_synced &&
	"$LAB" kill site-a && kill "$SA" && SA=
'

test_expect_success 'a dependency cycle and an unknown name block in the preflight, one line each' '
	test_exit_code 2 onedr_sb failover --force --dry-run 4 5 6 >out 2>err &&
	cat err &&
	test "$(grep -c "dependency cycle" err)" = 1 &&
	grep -q "^ERROR: failover: VM site-a/4 (vm-4): dependency cycle (ONEDR_AFTER): '"'"'vm-4'"'"' -> '"'"'vm-5'"'"' -> '"'"'vm-4'"'"'$" err &&
	grep -q "^ERROR: failover: VM site-a/6 (vm-6): USER_TEMPLATE ONEDR_AFTER names '"'"'nothing-here'"'"', not among the VMs of this failover$" err &&
	grep -q "things block the failover: nothing was changed" err
'

test_expect_success 'a VM without the VM it depends on is refused; nothing changed' '
	test_exit_code 2 onedr_sb failover --force 2 >out 2>err &&
	grep -q "vm-2): USER_TEMPLATE ONEDR_AFTER names '"'"'vm-1'"'"', not among the VMs of this failover" err &&
	test "$(count b one.imagepool.info IMAGE)" = 0 &&
	for d in $DISKS; do is_non_primary b "$d" || exit 1; done
'

test_expect_success 'the preflight shows each VM group and where its priority came from' '
	onedr_sb failover --force --dry-run 0 1 2 3 >out 2>err &&
	grep "group priority-" out &&
	grep -q "^VM site-a/0 (vm-0): group priority-1: priority 1 from onedr.conf line $(line_of "LABEL = \"prod/db\""), LABEL '"'"'prod/db'"'"'$" out &&
	grep -q "^VM site-a/1 (vm-1): group priority-2: priority 2 from onedr.conf line $(line_of "LABEL = \"prod\","), LABEL '"'"'prod'"'"'$" out &&
	grep -q "^VM site-a/2 (vm-2): group priority-3: priority 1 from USER_TEMPLATE ONEDR_PRIORITY, after '"'"'vm-1'"'"' (group 2)$" out &&
	grep -q "^VM site-a/3 (vm-3): group priority-5: priority 5 from onedr.conf line $(line_of "VM = \"vm-3\""), VM '"'"'vm-3'"'"'$" out &&
	grep -q "^would fail over VM site-a/2 (vm-2) in group priority-3" out
'

test_expect_success '--label selects the VMs with a label or a sub-label of it' '
	onedr_sb failover --force --dry-run --all --label prod >out 2>err &&
	grep "^would fail over" out &&
	test "$(grep -c "^would fail over" out)" = 2 &&
	grep -q "^would fail over VM site-a/0 (vm-0) in group priority-1$" out &&
	grep -q "^would fail over VM site-a/1 (vm-1) in group priority-2$" out &&
	test_exit_code 2 onedr_sb failover --force --dry-run --all --label pro >out 2>err &&
	grep -q "^ERROR: failover: --label: none of the VMs selected has the label '"'"'pro'"'"'$" err
'

test_expect_success 'failover -j of VMs 0 1 2 on a pipe: one progress line per step on stderr, the report as JSON on stdout, groups in order' '
	onedr_sb failover --force --deploy host-b -j 0 1 2 >rep.json 2>err || { cat rep.json err; false; } &&
	cat err &&
	grep -q "^priority-1 site-a/0 promote $P/one-0: done: promoted (forced)" err &&
	grep -q "^priority-2 site-a/1 register $P/one-1: done: registered$" err &&
	grep -q "^priority-3 site-a/2 recreate vm: done: created VM [0-9]*, deployed, RPO " err &&
	grep -q "^priority-3 site-a/2 running vm: done: VM [0-9]* state 3 lcm 3" err &&
	test "$(grep -c "^priority-[0-9] site-a/[0-9] [a-z]* [^ ]*: done" err)" = 12 &&
	! grep -q "$(printf "\r")" err &&
	for v in 0 1 2; do running_once $v || exit 1; done &&
	python3 - <<-PY
	import json
	r = json.load(open("rep.json"))
	assert r["kind"] == "failover" and r["state"] == "finished" and r["result"] == 0, r
	vms = {v["vm"]: v for v in r["vms"]}
	assert sorted(vms) == ["site-a/0", "site-a/1", "site-a/2"], vms
	assert [vms["site-a/%d" % i]["group"] for i in range(3)] == ["priority-1", "priority-2", "priority-3"]
	assert all(v["state"] == "RUNNING" and v["new_vm_id"] >= 0 and v["disks"] == 1 for v in vms.values()), vms
	assert vms["site-a/0"]["name"] == "vm-0" and vms["site-a/1"]["rpo"] != "", vms
	s = r["steps"]
	for a, b in (("priority-1", "priority-2"), ("priority-2", "priority-3")):
	    assert max(x["ended"] for x in s if x["group"] == a) <= min(x["started"] for x in s if x["group"] == b), (a, b)
	PY
'

test_expect_success 'failover of VM 3 on a terminal: a line per group rewritten in place, then a row per VM' '
	script -q -e -c "\"$ONEDR\" -c \"$TRASH/b.conf\" failover --force --deploy host-b 3" ts </dev/null >/dev/null ||
	{ cat ts; false; } &&
	cat ts &&
	tr "\r" "\n" <ts >ts.lines &&
	grep -q "^$(printf "\033")\[Kpriority-5: promote 0/1, register 0/1, recreate 0/1, running 0/1, failed 0$" ts.lines &&
	grep -q "^$(printf "\033")\[Kpriority-5: promote 1/1, register 1/1, recreate 1/1, running 1/1, failed 0$" ts.lines &&
	! grep -q "^priority-5 site-a/3 " ts.lines &&
	grep -q "^priority-5 *site-a/3 (vm-3) *-> [0-9]* *RUNNING  *[^ ]* *1$" ts.lines &&
	running_once 3
'

test_expect_success 'failover -x of VMs 0 to 3 again: XML on stdout, every VM RUNNING once, nothing created' '
	onedr_sb failover --force --deploy host-b -x 0 1 2 3 >rep.xml 2>err || { cat rep.xml err; false; } &&
	xmllint --noout rep.xml &&
	test "$(xmllint --xpath "count(/RUN/VMS/VM)" rep.xml)" = 4 &&
	test "$(xmllint --xpath "count(/RUN/VMS/VM[STATE=\"RUNNING\"])" rep.xml)" = 4 &&
	test "$(xmllint --xpath "string(/RUN/VMS/VM[SOURCE_VM=\"site-a/3\"]/GROUP)" rep.xml)" = priority-5 &&
	test "$(xmllint --xpath "string(/RUN/STATE)" rep.xml)" = finished &&
	for v in 0 1 2 3; do running_once $v || exit 1; done &&
	test "$(count b one.imagepool.info IMAGE)" = 4
'

test_expect_success 'onedr report: the VM rows before the steps' '
	onedr_sb report >rep.txt && cat rep.txt &&
	grep -q "^GROUP  *VM THERE  *-> HERE  *STATE  *RPO  *DISKS$" rep.txt &&
	test "$(grep -c "^priority-[0-9]  *site-a/[0-3] (vm-[0-3])  *-> [0-9]*  *RUNNING " rep.txt)" = 4 &&
	onedr_sb report -j | python3 -c "import json, sys; r = json.load(sys.stdin); assert len(r[\"vms\"]) == 4, r[\"vms\"]"
'

test_done
