/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * A group of processes for one multi-process test: a primary (member 0) and
 * n secondaries (members 1..n), each this binary re-executed with a role
 * (see harness.h), sharing a fresh runtime directory and file prefix. The
 * test process steps them through a scenario: mp_group_step() tells a
 * member to run step k and waits for its report, so the test process orders
 * every step and members need no channel between themselves ("secondary 1
 * runs step 2 after the primary finished step 1"). Nobody sleeps: each
 * member has one SOCK_SEQPACKET socketpair to the test process, and waits
 * are poll()s bounded by a timeout.
 *
 * Any failure (a status other than 0, a member that dies or exits, a
 * timeout) kills the whole group and keeps one report line, e.g.
 * "secondary 2 failed step 3: status 3: no such page". An expected failure
 * is a check that passes: the member reports 0 ("attach failed, as it
 * must"). Members never outlive the test process: it kills them at exit
 * and the kernel kills them when it dies (PR_SET_PDEATHSIG).
 *
 * The test process's side:
 *	g = mp_group_create();          // runtime dir + prefix, no process yet
 *	mp_group_start(g, 3, "grp_member", NULL, NULL, 30);
 *	for (step = 1; step <= 5; step++)
 *		CU_ASSERT_FATAL(mp_group_step_all(g, step, 10) == 0);
 *	CU_ASSERT(mp_group_finish(g, 30) == 0);
 *	mp_group_cleanup(g);           // also in the suite's teardown
 * A member's role:
 *	if (mp_member_init(argc, argv, &m) != 0)
 *		return 1;
 *	while ((step = mp_member_next_step(&m)) > 0)
 *		mp_member_report(&m, step, do_step(&m, step), "...");
 *	return step < 0;
 */

#ifndef MEMPLANE_TEST_GROUP_H
#define MEMPLANE_TEST_GROUP_H

#include <stdbool.h>
#include <sys/types.h>

/* Members in a group, the primary included. */
#define MP_GROUP_MAX_MEMBERS 16
/* Groups alive at once in one test process. */
#define MP_GROUP_MAX 4
/* Longest message of a member's report, without its NUL. */
#define MP_MSG_MAX 200

struct mp_group;

/* ---- the test process's side ---- */

/*
 * Make a group with no member yet: a new runtime directory
 * (/tmp/memplane-test-XXXXXX) and a file prefix ("t" + the same XXXXXX).
 * Returns the group, or NULL with errno set (EMFILE: MP_GROUP_MAX groups
 * are alive already).
 */
struct mp_group *mp_group_create(void);

/*
 * Spawn the members and wait until each has called mp_member_init(), for
 * at most timeout_s seconds. The primary plays role_primary, the secondaries
 * role_secondary (NULL: role_primary too). With role_primary NULL the test
 * process is the primary itself and only the secondaries are spawned (member
 * 0 is then absent). args (NULL-terminated, or NULL) are passed to every
 * member after the harness's own. Returns 0, or -1 with the report set
 * (the group is then killed).
 */
int mp_group_start(struct mp_group *g, unsigned int n_secondaries,
		const char *role_primary, const char *role_secondary,
		const char *const args[], int timeout_s);

/*
 * Tell member to run step (> 0) and wait for its report for at most
 * timeout_s seconds. Returns 0 if it reported status 0, else -1 with the
 * report set and the group killed. Also fails, and kills the group, when
 * any other member dies or speaks meanwhile. After a failure every call
 * returns -1 and the first report stays.
 */
int mp_group_step(struct mp_group *g, unsigned int member, int step,
		int timeout_s);

/*
 * Tell every live member to run step at once, then collect the reports in
 * the order they come, within timeout_s seconds in all. Returns 0, or -1 as
 * mp_group_step() (the report names the first member that failed).
 */
int mp_group_step_all(struct mp_group *g, int step, int timeout_s);

/*
 * Kill member on purpose (SIGKILL) and reap it: later steps skip it and its
 * death is no failure. Returns 0, or -1 (no such live member).
 */
int mp_group_kill(struct mp_group *g, unsigned int member);

/*
 * Tell every live member to exit and wait, for at most timeout_s seconds,
 * until each has exited with status 0. Returns 0, or -1 with the report set
 * and every member killed.
 */
int mp_group_finish(struct mp_group *g, int timeout_s);

/*
 * Kill and reap any member still alive, remove the runtime directory and
 * everything in it, and give the group back. NULL or a group already
 * cleaned up (with no mp_group_create() since) is a no-op. Returns 0, or -1
 * if the directory could not be removed.
 */
int mp_group_cleanup(struct mp_group *g);

/* mp_group_cleanup() on every group of this process (for suite teardowns). */
void mp_group_cleanup_all(void);

/* The report line of the first failure, "" while nothing failed. */
const char *mp_group_report(const struct mp_group *g);

/* The last message member sent with a report ("" if none). */
const char *mp_group_msg(const struct mp_group *g, unsigned int member);

/* Runtime directory and file prefix. */
const char *mp_group_dir(const struct mp_group *g);
const char *mp_group_prefix(const struct mp_group *g);

/* pid of member, or 0 if it was never spawned. Stays set after its death. */
pid_t mp_group_pid(const struct mp_group *g, unsigned int member);

/* ---- a member's side ---- */

struct mp_member {
	unsigned int idx;           /* 0 = primary, 1..n_secondaries */
	unsigned int n_secondaries;
	const char *dir;            /* the group's runtime directory */
	const char *prefix;         /* the group's file prefix */
	int argc;                   /* the test's own args (mp_group_start's) */
	char **argv;
	int sock;                   /* to the test process */
};

/*
 * Parse the args mp_group_start() gave the role (its argc, argv) and tell
 * the test process that this member is ready. Returns 0, or -1 (bad args,
 * or the test process is gone).
 */
int mp_member_init(int argc, char **argv, struct mp_member *m);

/*
 * Wait for the test process's next order: a step (> 0), 0 to exit, or -1
 * when the test process is gone or sent garbage.
 */
int mp_member_next_step(struct mp_member *m);

/*
 * Report step done with status (0 = success) and a message (printf format,
 * or NULL; cut at MP_MSG_MAX characters). Returns 0 or -1.
 */
int mp_member_report(struct mp_member *m, int step, int status,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* MEMPLANE_TEST_GROUP_H */
