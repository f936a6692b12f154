/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Self-test of the process-group harness (test/mp/group.h):
 * - group_steps: members run steps in the order the test process gives,
 *   seen through a file in the runtime directory; all at once; with the
 *   test process as the primary;
 * - group_failures: a member that reports a failure, crashes, exits, hangs,
 *   dies while idle or never starts is named in the report with its step,
 *   and afterwards no member is left and the runtime directory is gone;
 * - group_lifetime: cleanup twice, cleanup of every group, a member's own
 *   group killed at its exit (atexit) and at its death (PR_SET_PDEATHSIG),
 *   many groups in a row.
 * Members are the role "grp_member" below; its args choose a fault:
 * MODE TARGET_IDX TARGET_STEP.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "test/lib/test_assert.h"
#include "test/lib/test_main.h"
#include "test/mp/group.h"
#include "test/mp/harness.h"

#define N_SEC 3
#define N_STEPS 5
#define START_S 60   /* valgrind starts a member in a second or two */
#define STEP_S 30
#define DATA_LEN 256

static struct mp_group *g;

/* ---- both sides ---- */

/* "s.i " for each (step, member) before (step, idx), in the order run. */
static void
expected_data(char *buf, size_t sz, int step, unsigned int idx,
		unsigned int n_members)
{
	size_t len = 0;
	unsigned int i;
	int s;

	buf[0] = '\0';
	for (s = 1; s <= step; s++) {
		for (i = 0; i < n_members; i++) {
			if (s == step && i >= idx)
				return;
			len += snprintf(buf + len, sz - len, "%d.%u ", s, i);
		}
	}
}

static void
data_path(char *buf, size_t sz, const char *dir, const char *prefix)
{
	snprintf(buf, sz, "%s/%s.data", dir, prefix);
}

static void
read_data(const char *path, char *buf, size_t sz)
{
	FILE *f = fopen(path, "re");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sz - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* ---- the member ---- */

/* Check that the file holds what ran before us, then add our entry. */
static int
step_append(struct mp_member *m, int step, char *msg, size_t sz)
{
	char path[PATH_MAX], got[DATA_LEN], exp[DATA_LEN];
	FILE *f;

	data_path(path, sizeof(path), m->dir, m->prefix);
	read_data(path, got, sizeof(got));
	expected_data(exp, sizeof(exp), step, m->idx, m->n_secondaries + 1);
	if (strcmp(got, exp) != 0) {
		snprintf(msg, sz, "found '%.80s', expected '%.80s'", got, exp);
		return 1;
	}
	f = fopen(path, "ae");
	if (f == NULL || fprintf(f, "%d.%u ", step, m->idx) < 0 ||
	    fclose(f) != 0) {
		snprintf(msg, sz, "cannot append to the data file");
		return 2;
	}
	snprintf(msg, sz, "%d", (int)getpid());
	return 0;
}

/* The fault MODE asks for, at our step; returns only for "fail". */
static int
step_fault(const char *mode, char *msg, size_t sz)
{
	const struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);   /* nor vgcore.PID files */
	if (strcmp(mode, "crash") == 0)
		raise(SIGSEGV);
	if (strcmp(mode, "exit") == 0)
		_exit(7);
	while (strcmp(mode, "hang") == 0)
		pause();
	snprintf(msg, sz, "page %d is not mapped", 42);
	return 3;
}

static bool
is_target(const struct mp_member *m, int step)
{
	return strtol(m->argv[1], NULL, 0) == (long)m->idx &&
		strtol(m->argv[2], NULL, 0) == step;
}

/* Mode "pid": report our pid; else check and append to the data file. */
static int
step_run(struct mp_member *m, int step, char *msg, size_t sz)
{
	if (strcmp(m->argv[0], "pid") != 0)
		return step_append(m, step, msg, sz);
	snprintf(msg, sz, "%d", (int)getpid());
	return 0;
}

static int
role_member(int argc, char **argv)
{
	char msg[MP_MSG_MAX + 1];
	struct mp_member m;
	int step, rc;
	bool idle;

	if (mp_member_init(argc, argv, &m) != 0 || m.argc != 3)
		return 1;
	idle = strcmp(m.argv[0], "die_idle") == 0;
	while ((step = mp_member_next_step(&m)) > 0) {
		if (is_target(&m, step) && !idle)
			rc = step_fault(m.argv[0], msg, sizeof(msg));
		else
			rc = step_run(&m, step, msg, sizeof(msg));
		if (mp_member_report(&m, step, rc, "%s", msg) != 0)
			return 2;
		if (is_target(&m, step) && idle)
			step_fault("crash", msg, sizeof(msg));
	}
	return step < 0 ? 3 : 0;
}

/*
 * A member with a group of its own (primary + 2 secondaries): step 1
 * reports "dir pid0 pid1 pid2". It never cleans that group up: exit() must (atexit),
 * or the kernel kills the secondaries when this member is killed.
 */
static int
role_nest(int argc, char **argv)
{
	const char *const args[] = { "pid", "-1", "0", NULL };
	struct mp_group *inner;
	struct mp_member m;
	int step, rc;

	if (mp_member_init(argc, argv, &m) != 0)
		return 1;
	inner = mp_group_create();
	if (inner == NULL ||
	    mp_group_start(inner, 2, "grp_member", NULL, args, START_S) != 0)
		return 2;
	while ((step = mp_member_next_step(&m)) > 0) {
		rc = mp_group_step_all(inner, 1, STEP_S);
		mp_member_report(&m, step, rc, "%s %d %d %d",
				mp_group_dir(inner), (int)mp_group_pid(inner, 0),
				(int)mp_group_pid(inner, 1),
				(int)mp_group_pid(inner, 2));
	}
	exit(step < 0 ? 3 : 0);
}

/* ---- the test process ---- */

static void
test_setup(void)
{
	g = mp_group_create();
	CU_ASSERT_FATAL(g != NULL);
}

static void
test_teardown(void)
{
	mp_group_cleanup_all();
}

static bool
is_gone(pid_t pid)
{
	return kill(pid, 0) == -1 && errno == ESRCH;
}

static bool
dir_is_gone(const char *dir)
{
	return access(dir, F_OK) == -1 && errno == ENOENT;
}

/* Clean up; then no member of g may be left, nor its directory. */
static void
expect_all_gone(void)
{
	char dir[PATH_MAX];
	pid_t pid[MP_GROUP_MAX_MEMBERS];
	unsigned int i;

	snprintf(dir, sizeof(dir), "%s", mp_group_dir(g));
	for (i = 0; i < MP_GROUP_MAX_MEMBERS; i++)
		pid[i] = mp_group_pid(g, i);
	CU_ASSERT_EQUAL(mp_group_cleanup(g), 0);
	for (i = 0; i < MP_GROUP_MAX_MEMBERS; i++) {
		if (pid[i] != 0)
			CU_ASSERT(is_gone(pid[i]));
	}
	CU_ASSERT(dir_is_gone(dir));
}

/* Start primary + N_SEC grp_members; member idx has a fault at step. */
static int
start_fault(const char *mode, const char *idx, const char *step)
{
	const char *args[] = { mode, idx, step, NULL };

	return mp_group_start(g, N_SEC, "grp_member", NULL, args, START_S);
}

/* Start them with no fault: "order" (the data file) or "pid". */
static int
start_plain(const char *mode)
{
	return start_fault(mode, "-1", "0");
}

/* Steps 1..N_STEPS, member by member; -1 at the first failure. */
static int
run_in_order(int timeout_s)
{
	unsigned int i;
	int step;

	for (step = 1; step <= N_STEPS; step++) {
		for (i = 0; i <= N_SEC; i++) {
			if (mp_group_step(g, i, step, timeout_s) != 0)
				return -1;
		}
	}
	return 0;
}

/* A failing scenario: its report must hold want; nothing may be left. */
static void
expect_report(const char *want)
{
	const char *report = mp_group_report(g);
	char msg[512];

	snprintf(msg, sizeof(msg), "report '%s' lacks '%s'", report, want);
	CU_assertImplementation(strstr(report, want) != NULL, __LINE__, msg,
			__FILE__, "", CU_FALSE);
	CU_ASSERT_EQUAL(mp_group_finish(g, STEP_S), -1);
	expect_all_gone();
}

static void
test_group_steps_in_order(void)
{
	char path[PATH_MAX], got[DATA_LEN], exp[DATA_LEN];

	GROUP_OK(g, start_plain("order"));
	GROUP_OK(g, run_in_order(STEP_S));
	data_path(path, sizeof(path), mp_group_dir(g), mp_group_prefix(g));
	read_data(path, got, sizeof(got));
	expected_data(exp, sizeof(exp), N_STEPS + 1, 0, N_SEC + 1);
	CU_ASSERT_STRING_EQUAL(got, exp);
	GROUP_OK(g, mp_group_finish(g, STEP_S));
	CU_ASSERT_STRING_EQUAL(mp_group_report(g), "");
	expect_all_gone();
}

/* Concurrent steps: every member reports its pid. */
static void
expect_pids_reported(unsigned int first)
{
	char pid[16];
	unsigned int i;

	for (i = first; i <= N_SEC; i++) {
		snprintf(pid, sizeof(pid), "%d", (int)mp_group_pid(g, i));
		CU_ASSERT_STRING_EQUAL(mp_group_msg(g, i), pid);
	}
}

static void
test_group_steps_all(void)
{
	GROUP_OK(g, start_plain("pid"));
	GROUP_OK(g, mp_group_step_all(g, 1, STEP_S));
	expect_pids_reported(0);
	GROUP_OK(g, mp_group_finish(g, STEP_S));
	expect_all_gone();
}

static void
test_group_steps_test_is_primary(void)
{
	const char *args[] = { "pid", "-1", "0", NULL };

	GROUP_OK(g, mp_group_start(g, N_SEC, NULL, "grp_member", args,
			START_S));
	CU_ASSERT_EQUAL(mp_group_pid(g, 0), 0);
	GROUP_OK(g, mp_group_step_all(g, 1, STEP_S));
	expect_pids_reported(1);
	GROUP_OK(g, mp_group_finish(g, STEP_S));
	expect_all_gone();
}

static void
test_group_fail_status(void)
{
	GROUP_OK(g, start_fault("fail", "2", "3"));
	CU_ASSERT_EQUAL(run_in_order(STEP_S), -1);
	expect_report("secondary 2 failed step 3: status 3: "
			"page 42 is not mapped");
}

static void
test_group_fail_crash(void)
{
	GROUP_OK(g, start_fault("crash", "0", "2"));
	CU_ASSERT_EQUAL(run_in_order(STEP_S), -1);
	expect_report("primary failed step 2: died (signal 11");
}

static void
test_group_fail_exit(void)
{
	GROUP_OK(g, start_fault("exit", "1", "4"));
	CU_ASSERT_EQUAL(run_in_order(STEP_S), -1);
	expect_report("secondary 1 failed step 4: exited with status 7");
}

static void
test_group_fail_hang(void)
{
	GROUP_OK(g, start_fault("hang", "3", "2"));
	CU_ASSERT_EQUAL(run_in_order(1), -1);
	expect_report("secondary 3 failed step 2: no answer within 1 s");
}

/*
 * Secondary 2 crashes right after reporting step 2: a later step notices,
 * at the latest when it is told to exit.
 */
static void
test_group_fail_idle(void)
{
	GROUP_OK(g, start_fault("die_idle", "2", "2"));
	if (run_in_order(STEP_S) == 0)
		CU_ASSERT_EQUAL(mp_group_finish(g, STEP_S), -1);
	expect_report("signal 11");
	CU_ASSERT(strncmp(mp_group_report(g), "secondary 2 failed ", 19) == 0);
}

static void
test_group_fail_start(void)
{
	const char *args[] = { "pid", "-1", "0", NULL };

	CU_ASSERT_EQUAL(mp_group_start(g, N_SEC, "grp_member", "no_such_role",
			args, START_S), -1);
	expect_report("failed start: exited with status 126");
}

static void
test_group_step_after_failure(void)
{
	GROUP_OK(g, start_fault("fail", "0", "1"));
	CU_ASSERT_EQUAL(mp_group_step(g, 0, 1, STEP_S), -1);
	CU_ASSERT_EQUAL(mp_group_step(g, 1, 1, STEP_S), -1);
	CU_ASSERT_EQUAL(mp_group_step_all(g, 2, STEP_S), -1);
	expect_report("primary failed step 1: status 3");
}

static void
test_group_kill_member(void)
{
	GROUP_OK(g, start_plain("pid"));
	CU_ASSERT_EQUAL(mp_group_kill(g, 2), 0);
	CU_ASSERT(is_gone(mp_group_pid(g, 2)));
	CU_ASSERT_EQUAL(mp_group_kill(g, 2), -1);
	GROUP_OK(g, mp_group_step_all(g, 1, STEP_S));
	GROUP_OK(g, mp_group_finish(g, STEP_S));
	expect_all_gone();
}

static void
test_group_cleanup_twice(void)
{
	GROUP_OK(g, start_plain("pid"));
	expect_all_gone();
	CU_ASSERT_EQUAL(mp_group_cleanup(g), 0);
	CU_ASSERT_EQUAL(mp_group_step(g, 0, 1, STEP_S), -1);
}

/* What the suite's teardown does after a test aborted mid-scenario. */
static void
test_group_cleanup_all(void)
{
	const char *args[] = { "pid", "-1", "0", NULL };
	struct mp_group *g2 = mp_group_create();
	char dir[2][PATH_MAX];
	pid_t pid[2];

	CU_ASSERT_FATAL(g2 != NULL);
	GROUP_OK(g, start_plain("pid"));
	GROUP_OK(g2, mp_group_start(g2, 0, "grp_member", NULL, args, START_S));
	pid[0] = mp_group_pid(g, 3);
	pid[1] = mp_group_pid(g2, 0);
	snprintf(dir[0], sizeof(dir[0]), "%s", mp_group_dir(g));
	snprintf(dir[1], sizeof(dir[1]), "%s", mp_group_dir(g2));
	mp_group_cleanup_all();
	CU_ASSERT(is_gone(pid[0]) && is_gone(pid[1]));
	CU_ASSERT(dir_is_gone(dir[0]) && dir_is_gone(dir[1]));
}

/* Start a grp_nest member; its step 1 tells its own group's dir and pids. */
static void
start_nest(char *dir, pid_t pid[3])
{
	int p[3];

	GROUP_OK(g, mp_group_start(g, 0, "grp_nest", NULL, NULL, 2 * START_S));
	GROUP_OK(g, mp_group_step(g, 0, 1, 2 * STEP_S));
	CU_ASSERT_FATAL(sscanf(mp_group_msg(g, 0), "%s %d %d %d", dir, &p[0],
			&p[1], &p[2]) == 4);
	pid[0] = p[0];
	pid[1] = p[1];
	pid[2] = p[2];
	CU_ASSERT(!is_gone(pid[0]) && !is_gone(pid[1]) && !is_gone(pid[2]));
}

static void
test_group_lifetime_atexit(void)
{
	char dir[MP_MSG_MAX + 1];
	pid_t pid[3];

	start_nest(dir, pid);
	GROUP_OK(g, mp_group_finish(g, 2 * STEP_S));
	CU_ASSERT(is_gone(pid[0]) && is_gone(pid[1]) && is_gone(pid[2]));
	CU_ASSERT(dir_is_gone(dir));
	expect_all_gone();
}

/*
 * Killing the nest member leaves its group to the kernel: PDEATHSIG kills
 * each member, unless it first sees its socket close and exits (status 3).
 * As their subreaper we can wait for them.
 */
static void
test_group_lifetime_parent_killed(void)
{
	char dir[MP_MSG_MAX + 1];
	pid_t pid[3];
	int i, ret;

	CU_ASSERT_FATAL(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	start_nest(dir, pid);
	CU_ASSERT_EQUAL(mp_group_kill(g, 0), 0);
	for (i = 0; i < 3; i++) {
		ret = mp_wait(pid[i], STEP_S);
		CU_ASSERT(ret == -1 || ret == 3);
	}
	CU_ASSERT(prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);
	/* Its empty dir is left: nobody was there to remove it. */
	CU_ASSERT(rmdir(dir) == 0);
	GROUP_OK(g, mp_group_finish(g, STEP_S));
	expect_all_gone();
}

static void
test_group_lifetime_many(void)
{
	unsigned long i, n = test_scale(20, 5);

	for (i = 0; i < n; i++) {
		if (i > 0)
			g = mp_group_create();
		CU_ASSERT_FATAL(g != NULL);
		GROUP_OK(g, start_plain("pid"));
		GROUP_OK(g, mp_group_step_all(g, 1, STEP_S));
		GROUP_OK(g, mp_group_finish(g, STEP_S));
		expect_all_gone();
	}
}

/* ==== registration ==== */

const struct test_role test_roles[] = {
	{ "grp_member", role_member },
	{ "grp_nest", role_nest },
	{ NULL, NULL },
};


#define T(fn) TEST_DEF(fn)

static const struct test_def steps_tests[] = {
	T(test_group_steps_in_order), T(test_group_steps_all),
	T(test_group_steps_test_is_primary),
	{ NULL, NULL },
};

static const struct test_def failures_tests[] = {
	T(test_group_fail_status), T(test_group_fail_crash),
	T(test_group_fail_exit), T(test_group_fail_hang),
	T(test_group_fail_idle), T(test_group_fail_start),
	T(test_group_step_after_failure), T(test_group_kill_member),
	{ NULL, NULL },
};

static const struct test_def lifetime_tests[] = {
	T(test_group_cleanup_twice), T(test_group_cleanup_all),
	T(test_group_lifetime_atexit), T(test_group_lifetime_parent_killed),
	T(test_group_lifetime_many),
	{ NULL, NULL },
};

#undef T

static void
add_suite(const char *name, const struct test_def *tests)
{
	test_add_suite(name, tests,
			&(struct test_hooks){ NULL, NULL, test_setup, test_teardown });
}

void
test_register(void)
{
	add_suite("group_steps", steps_tests);
	add_suite("group_failures", failures_tests);
	add_suite("group_lifetime", lifetime_tests);
}
