/*
 * cmd.h: the command table. Each command lives in its own cmd-NAME.c and
 * exports one struct cmd_entry; onedr.c dispatches on the first argument,
 * or on the name the binary was started as (onedr-promote = onedr promote).
 */
#ifndef ONEDR_CMD_H
#define ONEDR_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "args.h"
#include "ceph.h"
#include "conf.h"
#include "fence.h"
#include "mirror.h"
#include "one-doc.h"
#include "one-rpc.h"
#include "manifest-format.h"
#include "mirror-run.h"
#include "output.h"
#include "actions.h"	/* remotes/: the TM and datastore actions */

/* Exit codes, documented in `onedr help` and the README. */
enum {
	EXIT_OK = 0,		/* success; status: healthy */
	EXIT_PARTIAL = 1,	/* some items failed, were refused or timed out; the others were done */
	EXIT_USAGE = 2,		/* usage or configuration error: nothing was done */
	EXIT_UNAVAILABLE = 3,	/* the cluster, pool or peer could not be used: nothing was done */
	EXIT_DEGRADED = 4,	/* status: replication degraded, or images not protected */
	EXIT_CRITICAL = 5,	/* status: split-brain, or images in error */
};

struct cmd_ctx {
	const char *name;		/* command name, for messages */
	struct args args;		/* the command line, parsed; every string owned */
	struct onedr_conf conf;
};

/* A command: its file's one table entry. exec() gets the operands (what is
 * left of argv once the options are parsed into ctx->args), argv[0] being
 * the first operand. */
struct cmd_entry {
	const char *name;
	const char *usage;	/* arguments, after the name */
	const char *summary;	/* one line for `onedr help` */
	const char *help;	/* prose of `onedr NAME --help`, before the options */
	const struct arg_spec *options;	/* the command's own options; NULL: none */
	int (*exec)(struct cmd_ctx *ctx, int argc, char **argv);
};

extern const struct cmd_entry cmd_demote_entry;
extern const struct cmd_entry cmd_drill_entry;
extern const struct cmd_entry cmd_export_entry;
extern const struct cmd_entry cmd_failback_entry;
extern const struct cmd_entry cmd_failover_entry;
extern const struct cmd_entry cmd_fence_entry;
extern const struct cmd_entry hook_fence_host_entry;
extern const struct cmd_entry hook_host_error_entry;
extern const struct cmd_entry cmd_manifest_entry;
extern const struct cmd_entry cmd_recreate_entry;
extern const struct cmd_entry cmd_register_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry hook_image_ready_entry;
extern const struct cmd_entry cmd_promote_entry;
extern const struct cmd_entry cmd_resync_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_switchover_entry;
extern const struct cmd_entry cmd_unfence_entry;
extern const struct cmd_entry cmd_version_entry;
REMOTE_DATASTORE_ACTIONS(REMOTE_ENTRY_EXTERN, REMOTE_ENTRY_EXTERN)
REMOTE_TM_ACTIONS(REMOTE_ENTRY_EXTERN, REMOTE_ENTRY_EXTERN)
REMOTE_TM_SSH_ACTIONS(REMOTE_SSH_ENTRY_EXTERN, REMOTE_SSH_ENTRY_EXTERN)
extern const struct cmd_entry hook_protect_entry;
extern const struct cmd_entry hook_retire_entry;

extern const struct cmd_entry *const cmd_table[];
const struct cmd_entry *cmd_find(const char *name);
/* "hook/", "tm/" or "datastore/" for the entries oned runs (their names
 * start with it), NULL for a command. */
const char *cmd_kind_prefix(const char *name);
void cmd_usage(const struct cmd_entry *e, bool full);

/* Options every command accepts (-c, --cluster, --ceph-conf, --id, --keyring,
 * -v, --help), parsed with the command's own. */
extern const struct arg_spec cmd_common_options[];

/* Options several commands share, for their tables. */
#define CMD_OPT_POOL(what) { "pool", 'p', ARG_STRING, "POOL", 0, what }
#define CMD_OPT_CONCURRENCY \
	{ "concurrency", 0, ARG_NUMBER, "N", 1024, "images in flight at once (CONCURRENCY, default 16)" }
#define CMD_OPT_MIRROR_POOL CMD_OPT_POOL("every mirror-enabled image of POOL")
#define CMD_OPT_TIMEOUT \
	{ "timeout", 0, ARG_NUMBER, "S", 86400, \
	  "deadline of each Ceph call on an image (TIMEOUT/IMAGE);\n" \
	  "an image past it is reported as timed out, with the\n" \
	  "state it was left in, and a rerun retries it" }
#define CMD_OPT_JSON { "json", 'j', ARG_FLAG, NULL, 0, "JSON" }
#define CMD_OPT_XML { "xml", 'x', ARG_FLAG, NULL, 0, "XML" }
#define CMD_OPT_END { NULL, 0, ARG_FLAG, NULL, 0, NULL }

/* The output format -j / -x ask for (table without either). Logs its error. */
int cmd_output_format(const struct cmd_ctx *ctx, enum output_format *ret);

/* One batch of steps (run_steps, the progress called with arg), its
 * error logged ("cannot run the STEP steps"): how many are not done (all,
 * at least 1, when the batch could not run: each RUN_NOT_RUN). */
struct journal;
struct run_step;
size_t cmd_run_batch(struct journal *j, struct run_step *steps, size_t n, unsigned conc,
		     void (*progress)(void *arg, const struct run_step *s), void *arg,
		     const char *step);

/* Print the option lines of a table, as --help shows them. */
void cmd_print_options(FILE *f, const struct arg_spec *options);

/* Load onedr.conf and apply the command-line overrides. Logs its error. */
int cmd_load_conf(struct cmd_ctx *ctx);
/* The same, for the commands that write or read manifests: SITE must be set. */
int cmd_load_site_conf(struct cmd_ctx *ctx);

/* Connect to the local cluster and, when want_peer and one is configured,
 * to the peer at the same time. An unreachable peer is not an error:
 * *ret_peer is NULL and *ret_peer_error says why. Logs its error. */
int cmd_connect(struct cmd_ctx *ctx, bool want_peer, struct ceph **ret_local,
		struct ceph **ret_peer, int *ret_peer_error);

/* cmd_connect in two halves, for a command with local work to do before
 * it needs the peer (failover: an unreachable peer costs the whole connect
 * timeout): the local connection made, the peer's started in the
 * background (*ret_pc; NULL when not wanted or not configured). Then
 * cmd_connect_peer(pc, ...) waits for it, once, and frees pc (NULL: the
 * peer is NULL, -ENODATA); after a cmd_connect_start that failed, nothing
 * is left to wait for. */
struct cmd_peer_connect;
int cmd_connect_start(struct cmd_ctx *ctx, bool want_peer, struct ceph **ret_local,
		      struct cmd_peer_connect **ret_pc);
void cmd_connect_peer(struct cmd_peer_connect *pc, struct ceph **ret_peer, int *ret_peer_error);

/* The message for a failed connection, for one error line. */
const char *cmd_connect_hint(int r);

/* SIGINT and SIGTERM stop the command from starting new work (batch.h):
 * what is in flight finishes or is abandoned at its deadline, and the
 * command prints what was done and what was not, and exits EXIT_PARTIAL.
 * A second signal ends the process at once. cmd_interrupted() says whether
 * one came. */
void cmd_catch_signals(void);
bool cmd_interrupted(void);

/* The shape of promote, demote and resync: images from arguments or --pool,
 * one line per image, a summary, exit code. */
int cmd_run_mirror(struct cmd_ctx *ctx, const struct cmd_entry *e, enum mirror_op op,
		   int argc, char **argv);

/* ---- the OpenNebula commands (cmd-one.c) ---- */
struct one_client;
struct one_error;
struct store_scan;
struct store_vm;

/* A client for this site's oned (ONE in onedr.conf, else ONE_XMLRPC and
 * ONE_AUTH as OpenNebula's CLI finds them). Logs its error. */
int cmd_one_connect(struct cmd_ctx *ctx, struct one_client **ret);

/* The manifests' signing key (SIGNING_KEY); *ret NULL when not configured
 * and not required. Logs its error. */
int cmd_signing_key(struct cmd_ctx *ctx, bool required, struct manifest_key **ret);

/* Read every manifest of pool, checking signatures with key. Logs its error. */
int cmd_scan_manifests(struct cmd_ctx *ctx, struct ceph *c, const char *pool,
		       const struct manifest_key *key, struct store_scan *ret);

/* The VMs named by argv ("ID" or "SITE:ID") or, with all, every VM whose
 * manifest comes from another site than this one. Only verified manifests
 * that are not retired are selected: --all skips retired ones with a line,
 * and refuses (logs, counts in *ret_refused) unsigned ones. Logs each named
 * VM not found or refused; returns -ENOENT then (nothing selected), else 0
 * and a malloc'd array. */
int cmd_select_vms(struct cmd_ctx *ctx, const struct store_scan *s, const char *pool,
		   int argc, char **argv, bool all, const struct store_vm ***ret, size_t *ret_n,
		   size_t *ret_refused);

/* This site's objects, read once per command. */
struct site_objs {
	struct one_objs ds, images, vnets, users, groups, hosts;
};
enum { SITE_DS = 1, SITE_IMAGES = 2, SITE_VNETS = 4, SITE_USERS = 8, SITE_GROUPS = 16,
       SITE_HOSTS = 32 };
int cmd_site_load(struct one_client *c, unsigned what, struct site_objs *ret);
void cmd_site_free(struct site_objs *s);

/* Map the other site's name through kind's map and find the result among
 * objs; NULL when there is no map or no such object. what: "datastore",
 * "user"...; label: the VM ("VM site-a/1 (x)"). What is missing is kept,
 * each name with every VM that uses it, until cmd_map_report() logs one
 * line per name and returns how many (0: nothing was missing). The misses
 * are kept per thread: cmd_map_report() reports the calling thread's. */
const struct one_obj *cmd_map_obj(const struct onedr_conf *conf, enum map_kind kind,
				  const char *name, const struct one_objs *objs,
				  const char *what, const char *label);
int cmd_map_report(const struct onedr_conf *conf);

/* What register and recreate start from: the configuration, the local
 * cluster, the manifests of the pool, the VMs named (or --all), oned and
 * this site's objects (what: SITE_* bits). */
struct takeover {
	struct ceph *ceph;
	struct store_scan *scan;
	const struct store_vm **vms;
	size_t nvms;
	struct one_client *one;
	struct site_objs site;
	struct manifest_key *key;	/* SIGNING_KEY */
	size_t refused;		/* --all: VMs left out (unsigned manifests) */
};
/* 0, or the exit code to leave with (the error logged). Either way end
 * with cmd_takeover_end(). */
int cmd_takeover_begin(struct cmd_ctx *ctx, int argc, char **argv, bool all, unsigned what,
		       struct takeover *t);
/* The same, connected to the peer's cluster too (cmd_connect: an
 * unreachable peer is *ret_peer NULL, *ret_peer_error why). */
int cmd_takeover_begin_peer(struct cmd_ctx *ctx, int argc, char **argv, bool all, unsigned what,
			    struct takeover *t, struct ceph **ret_peer, int *ret_peer_error);
void cmd_takeover_end(struct takeover *t);

/* The caller's user (from the session) in s->users, or NULL: a new object
 * belongs to it (its ID) and its primary group (its GID) before any chown. */
const struct one_obj *cmd_caller(struct one_client *c, const struct site_objs *s);

/* "VM site-a/12 (name)" for messages. */
const char *cmd_vm_label(const struct manifest *m, char *buf, size_t len);

/* The registered image of the RBD pool/rbd, or NULL, its SOURCE compared by
 * pool and RBD name (manifest_source_split; default_pool for a SOURCE
 * without one). *ret_snap (may be NULL): that SOURCE names a snapshot. */
const struct one_obj *cmd_image_by_source(const struct site_objs *s, const char *default_pool,
					  const char *pool, const char *rbd, bool *ret_snap);

/* A run of the journal (cmd-report.c), as `onedr report` shows it: the
 * table (with every step when steps), JSON or XML, on stdout. The
 * failover's final report. Returns an exit code (logged). */
int cmd_report_run(struct cmd_ctx *ctx, struct ceph *ceph, const char *id,
		   enum output_format format, bool steps);

/* ---- register and recreate, per disk and per VM (cmd-register.c,
 * cmd-recreate.c): their commands and failover share them. The checks
 * (cmd_register_plan, cmd_recreate_check) log what blocks; doing one disk
 * or VM (cmd_register_disk, cmd_recreate_vm) prints nothing and logs
 * nothing: it returns what it did, its callers tell. Several threads may
 * run them at once, each with its own oned client. ---- */

/* What registering one disk needs, found by the checks. */
struct reg_disk {
	const struct manifest *m;
	const struct manifest_disk *d;
	const struct one_obj *image;	/* already registered, or NULL */
	long same_as;			/* the earlier disk of this run with the same RBD, or -1 */
	const struct one_obj *ds;	/* where to register it */
	const struct one_obj *user, *group;
	char name[256];			/* its NAME here: the manifest's, or NAME-SITE on a clash */
};
/* Check every protected disk of vms (mappings, datastore, name, the RBD
 * here) and plan it (malloc'd array); -EINVAL when something blocks (each
 * thing logged), nothing created. caller: the caller's user ID or -1. */
int cmd_register_plan(struct cmd_ctx *ctx, struct ceph *c, const struct store_vm *const *vms,
		      size_t nvms, const struct site_objs *site, int caller, struct reg_disk **ret,
		      size_t *ret_n);
/* The plan of d in reg[0..n) (the earlier disk's for one with the same
 * RBD), or NULL. */
const struct reg_disk *cmd_reg_disk_of(const struct reg_disk *reg, size_t n,
				       const struct manifest_disk *d);
/* Register one planned disk (or reuse rd->image), then set its owner.
 * *ret_id: the image (>= 0 also when only the chown failed). */
int cmd_register_disk(struct one_client *one, const struct reg_disk *rd,
		      const struct one_obj *caller, int *ret_id, bool *ret_new, struct one_error *err);

enum start_mode { START_HOLD, START_DEPLOY, START_RELEASE };

struct rec_vm {
	const struct manifest *m;
	const struct one_vm *existing;	/* recreated before */
	const struct one_obj *user, *group;
	struct tmpl *tmpl;		/* what to allocate; NULL when existing */
	const struct one_obj *sys_ds;	/* --deploy: the system datastore here */
	char *notes;			/* lines for the report, malloc'd, or NULL */
};
/* Check and plan recreating m (here: this site's VMs, to find one
 * recreated before; primary: check every disk is primary here when mode
 * starts it). Returns how many things block (each logged). */
int cmd_recreate_check(struct cmd_ctx *ctx, struct ceph *c, const struct site_objs *site,
		       const struct one_vms *here, const struct manifest *m, bool drop,
		       enum start_mode mode, bool primary, struct rec_vm *rv);
/* What cmd_recreate_vm did. */
struct rec_done {
	int id;				/* the VM here, -1 when none */
	const char *did;		/* "deployed", "released", or NULL (left as it was) */
	struct one_error err;		/* what failed */
};
/* Create (or adopt rv->existing), chown, and start as mode says. Prints
 * nothing: the caller tells (ret->id >= 0 with an error: created, then the
 * chown or the start failed; a rerun adopts it). */
int cmd_recreate_vm(struct one_client *one, const struct rec_vm *rv, enum start_mode mode, int host,
		    const struct one_obj *caller, struct rec_done *ret);

/* ---- waiting for a VM's state (cmd-one.c): failover's and drill's
 * RUNNING, switchover's and failback's POWEROFF ---- */
struct cmd_vm_wait {
	struct one_client *one;		/* oned; NULL: take() one for each look, give() it back */
	struct one_client *(*take)(void *pool);
	void (*give)(void *pool, struct one_client *one);
	void *pool;
	/* The VM as oned says it is now (vm NULL when one.vm.info failed
	 * with r and err): 1 it is there, 0 look again, < 0 give up with
	 * that. May act on the VM with one. Says what it saw in its arg. */
	int (*look)(void *arg, struct one_client *one, const struct one_vm *vm, int r,
		    const struct one_error *err);
	void *arg;
	unsigned wait;			/* seconds */
	unsigned first_ms;		/* the first pause, doubled up to a second; 0: a second */
	bool late;			/* set: it gave up at the deadline */
};
/* Look at VM id until w->look says it is there (0) or gives up (its
 * error), w->wait seconds pass (-ETIMEDOUT, w->late) or the command is
 * interrupted (-EINTR). Prints nothing. */
int cmd_wait_vm(struct cmd_vm_wait *w, int id);
/* Wait (cmd_wait_vm; w->look and w->arg are set here) until VM id is
 * RUNNING; -EIO when it is DONE, or HOLD and mode is not START_HOLD.
 * detail: the VM's state, as last seen. */
int cmd_wait_running(struct cmd_vm_wait *w, int id, enum start_mode mode, char *detail,
		     size_t len);

/* ---- failover's takeover, shared with switchover (cmd-failover.c) ---- */
struct journal;
struct failover_opts {
	bool force, dry_run, drop;	/* --force, --dry-run, --drop-unprotected */
	const char *deploy;		/* --deploy HOST, or NULL: release */
	unsigned wait;			/* --wait S; 0: the default */
	struct journal *j;		/* NULL: failover's own run (resumed or new);
					 * else the caller's open, locked run, which
					 * the caller ends */
	bool replayed;			/* the caller's run saw every disk's demotion
					 * replayed here (a switchover whose source
					 * died after): with the peer unreachable,
					 * promote unforced without it (librbd
					 * refuses one that was not replayed) */
};
/* The failover of the VMs named (ID or SITE:ID of the other site) or all,
 * as `onedr failover` does it: preflight, then per priority group promote
 * (forced only with force), register, recreate, start, wait for RUNNING,
 * each step in the run's journal. ctx's configuration may be loaded
 * already (a conf_peer_view). Returns the exit code. */
int cmd_failover_run(struct cmd_ctx *ctx, const struct failover_opts *o, int argc, char **argv,
		     bool all);

/* ---- what switchover and failback share (cmd-twosite.c) ---- */
struct run_step;
enum journal_kind;
/* The peer's view of the configuration (conf_peer_view) in a copy of ctx
 * (same args; free its conf only), after checking site (may be NULL) is
 * this site or the peer: *ret_local says it is this one. Logs its error. */
int cmd_twosite_views(struct cmd_ctx *ctx, const char *site, struct cmd_ctx *peer_view,
		      bool *ret_local);
/* Lock run j, named "WHAT ID" in messages. takeover: the command has
 * --takeover HOLDER; take is its HOLDER (or NULL): when take holds the lock,
 * on the user's word its Ceph client is blocklisted, its lock broken and j
 * locked again ("WHAT ID taken over from HOLDER"). Held by another: the
 * error names the holder, and --takeover when the command has it. Logs its
 * error: -EBUSY, -ESTALE (taken by yet another meanwhile) or else. */
int cmd_run_lock(struct journal *j, const char *what, bool takeover, const char *take);
/* The newest open run of kind in pool on c, else a new one; locked
 * (cmd_run_lock), then "resuming run ID" or "run ID". Logs its error. */
int cmd_twosite_open_run(struct ceph *c, const char *pool, double timeout, enum journal_kind kind,
			 const char *site, const char *options, bool takeover, const char *take,
			 struct journal **ret);
/* One line per step, as failover prints them. */
void cmd_twosite_progress(void *arg, const struct run_step *s);
/* One image through mirror_run on local against peer (peer_name), with
 * ctx's deadlines: its detail in detail (when it ran); 0 when done or
 * nothing to do, else its error (-EIO without one). */
int cmd_twosite_mirror_one(const struct cmd_ctx *ctx, struct ceph *local, struct ceph *peer,
			   const char *peer_name, enum mirror_op op, const char *pool,
			   const char *image, char *detail, size_t len);
/* one.vm.info, parsed. */
int cmd_twosite_vm(struct one_client *one, int id, struct one_vm **ret, struct one_error *err);
/* Power VM id off (hard: poweroff-hard) if RUNNING or UNKNOWN, and wait
 * up to wait seconds until it is POWEROFF; what happened in detail. */
int cmd_twosite_poweroff(struct one_client *one, int id, bool hard, unsigned wait, char *detail,
			 size_t len);

/* ---- fencing a host (cmd-fence.c); the host-error hooks share it ---- */

/* A host to fence: its addresses, and its VMs whose RBDs are checked for
 * watchers from it (and that hook/host-error recovers). */
struct fence_target {
	char name[256];		/* the host's NAME, or the addresses given */
	char source[64];	/* where the addresses come from, for the lines */
	int host_id;		/* -1: addresses given without a host */
	struct fence_addrs addrs;
	struct one_vms vms;	/* ACTIVE, SUSPENDED or POWEROFF, the host last */
};

/* host (may be NULL when addresses are given) and its addresses: addresses
 * (--address), else its template's ONEDR_FENCE_ADDRESS, else its name
 * resolved; its VMs from one (NULL without host). Logs its error; returns
 * an exit code. Free with cmd_fence_target_free() either way. */
int cmd_fence_target(struct cmd_ctx *ctx, struct one_client *one, const struct one_obj *host,
		     const char *addresses, struct fence_target *ret);
void cmd_fence_target_free(struct fence_target *t);

/* Fence t: refuse (nothing done, EXIT_USAGE) when an address covers one
 * that is never fenced; blocklist each address for expire seconds; then
 * wait up to wait seconds until no watcher from t's addresses is left on
 * the RBDs of its VMs. One line per action. EXIT_OK only when all of it
 * was done and no watcher is left; dry_run blocklists nothing. */
int cmd_fence_run(struct cmd_ctx *ctx, struct ceph *c, const struct fence_target *t,
		  unsigned expire, unsigned wait, bool dry_run);

/* What the hooks do (host-error, fence-host): fence host as it is in oned
 * (its target into *t, for the caller's recovery: free it either way),
 * connected to this site's cluster for the time of it; cmd_fence_run's
 * exit code. */
int cmd_fence_host(struct cmd_ctx *ctx, struct one_client *one, const struct one_obj *host,
		   unsigned expire, unsigned wait, struct fence_target *t);

/* What the host hooks (hook/fence-host, hook/host-error) begin with: the
 * HOST payload oned gives (hook_payload_read; another kind is refused,
 * with hint after the message), logged on error... */
struct hook_payload;
int cmd_host_payload_read(int argc, char **argv, const char *hint, struct hook_payload **ret);
/* ... then its HOST parsed, onedr.conf loaded and oned connected: 0, or
 * the exit code (EXIT_USAGE, EXIT_UNAVAILABLE; logged). */
int cmd_host_payload_begin(struct cmd_ctx *ctx, const struct hook_payload *p,
			   struct one_obj **ret_host, struct one_client **ret_one);

#endif
