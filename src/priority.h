/*
 * priority.h: the failover groups of a set of VMs. Each VM's priority
 * (1 first ... 5 last) comes, first found:
 *   1. onedr.conf PRIORITY = [ VM = "name-or-ID", PRIORITY = "N" ];
 *   2. onedr.conf PRIORITY = [ LABEL = "L", PRIORITY = "N" ] for a label
 *      of the VM (USER_TEMPLATE LABELS = "a,b/c", OpenNebula's labels; L
 *      covers L itself and its sub-labels L/...), the most urgent of those
 *      that match (the first in the file on a tie);
 *   3. USER_TEMPLATE ONEDR_PRIORITY = "N" (it travels in the manifest);
 *   4. the default, 3.
 * Then the dependencies: USER_TEMPLATE ONEDR_AFTER = "name-or-ID,..." puts
 * the VM in a group after each VM it names (group = the largest of its
 * priority and each dependency's group + 1: groups may go past 5). A
 * dependency must be one of the VMs given (a name, else an ID); one that
 * is not, or a cycle, is an error, and so is a bad ONEDR_PRIORITY.
 *
 * Library module: never prints, never exits.
 */
#ifndef ONEDR_PRIORITY_H
#define ONEDR_PRIORITY_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

#define PRIORITY_DEFAULT 3

struct prio_vm {
	/* in */
	const char *name;	/* the VM's name on the other site, NULL none */
	int id;			/* its ID there */
	const char *priority;	/* USER_TEMPLATE ONEDR_PRIORITY, NULL none */
	const char *labels;	/* USER_TEMPLATE LABELS, NULL none */
	const char *after;	/* USER_TEMPLATE ONEDR_AFTER, NULL none */
	/* out */
	int base;		/* its priority, before the dependencies */
	int group;		/* the group it fails over in */
	char source[160];	/* where base came from, for people */
	char after_why[160];	/* "after 'db' (group 2)": what moved it later, "" */
	char error[320];	/* why it cannot be placed, "" */
};

/* Fill base, group, source, after_why and error of vms[0..n). Returns
 * the number of VMs with an error (a cycle is reported once, on the
 * first of its VMs given), or -ENOMEM. */
int prio_resolve(const struct onedr_conf *conf, struct prio_vm *vms, size_t n);

/* Whether the label list ("a, b/c") holds label or a sub-label of it. */
bool prio_has_label(const char *labels, const char *label);

#endif
