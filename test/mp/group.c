/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Groups of re-executed test processes stepped through a scenario (see
 * group.h). Each member has one SOCK_SEQPACKET socketpair to the test
 * process, so every order and report is one whole datagram, a dead member
 * shows as end of file, and writing to one never raises SIGPIPE. The sockets
 * are SOCK_CLOEXEC in the test process; mp_spawn_keep() hands each member
 * its own end only, so a member's death is never hidden by a sibling
 * holding a copy of its socket.
 *
 * Wire: the test process sends an int32_t order (a step > 0, or ORDER_EXIT);
 * a member answers a step with one struct wire_report, sends one for
 * STEP_START from mp_member_init(), and answers ORDER_EXIT by exiting.
 *
 * Groups live in a static pool, never on a test's stack, so the suite's
 * teardown and the atexit() handler can always kill what a test that
 * aborted (CU_ASSERT_FATAL) left behind. Invariant: a member is alive and
 * unreaped exactly when its sock is >= 0.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test/lib/test_util.h"
#include "test/mp/group.h"
#include "test/mp/harness.h"

#define STEP_START 0      /* the report mp_member_init() sends */
#define ORDER_EXIT 0      /* the order to exit */
#define PHASE_EXIT (-1)   /* the test process waits for members to exit */
#define N_HARNESS_ARGS 5  /* idx n_secondaries dir prefix sock */
/* A member that closed its socket has this long to finish exiting. */
#define REAP_GRACE_MS 5000

struct wire_report {
	int32_t step;
	int32_t status;
	char msg[MP_MSG_MAX + 1];
};

struct member {
	pid_t pid;          /* 0: never spawned */
	int sock;           /* -1: not alive, or reaped */
	bool pending;       /* owes an answer to the current order */
	int last_step;      /* the last step it reported */
	char msg[MP_MSG_MAX + 1];
};

struct mp_group {
	bool in_use;
	bool failed;
	pid_t owner;        /* the process that created it */
	unsigned int n_members;
	char dir[PATH_MAX];
	char prefix[16];
	char report[MP_MSG_MAX + 128];
	struct member m[MP_GROUP_MAX_MEMBERS];
};

static struct mp_group pool[MP_GROUP_MAX];

/* ---- small helpers ---- */

static void
member_name(unsigned int i, char *buf, size_t sz)
{
	if (i == 0)
		snprintf(buf, sz, "primary");
	else
		snprintf(buf, sz, "secondary %u", i);
}

/* What a member was doing: "step 3", "start", "exit", "while idle ...". */
static void
phase_name(const struct member *mb, int step, char *buf, size_t sz)
{
	if (!mb->pending)
		snprintf(buf, sz, "while idle after step %d", mb->last_step);
	else if (step == STEP_START)
		snprintf(buf, sz, "start");
	else if (step == PHASE_EXIT)
		snprintf(buf, sz, "exit");
	else
		snprintf(buf, sz, "step %d", step);
}

static void
describe_status(int status, char *buf, size_t sz)
{
	if (status == -1)
		snprintf(buf, sz, "vanished (not our child any more)");
	else if (WIFEXITED(status))
		snprintf(buf, sz, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sz, "died (signal %d, %s)", WTERMSIG(status),
				strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sz, "wait status 0x%x", status);
}

/* Blocking waitpid(): the wait status, or -1. */
static int
wait_hard(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

/*
 * Reap a member that closed its socket, so is exiting: its wait status.
 * It is SIGKILLed if it still runs at deadline.
 */
static int
reap(pid_t pid, int64_t deadline)
{
	int status;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && test_now_ms() < deadline)
		poll(NULL, 0, 1);   /* between closing its files and exiting */
	if (r == pid)
		return status;
	if (r == 0)
		kill(pid, SIGKILL);
	return wait_hard(pid);
}

static void
kill_member(struct member *mb)
{
	if (mb->sock < 0)
		return;
	kill(mb->pid, SIGKILL);
	wait_hard(mb->pid);
	close(mb->sock);
	mb->sock = -1;
	mb->pending = false;
}

static void
kill_all(struct mp_group *g)
{
	unsigned int i;

	for (i = 0; i < g->n_members; i++)
		kill_member(&g->m[i]);
}

/* Keep the first failure, "<member> failed <phase>: <fmt...>", kill all. */
static void __attribute__((format(printf, 4, 5)))
fail(struct mp_group *g, unsigned int i, int step, const char *fmt, ...)
{
	char name[32], phase[48];
	va_list ap;
	int n;

	if (!g->failed) {
		g->failed = true;
		member_name(i, name, sizeof(name));
		phase_name(&g->m[i], step, phase, sizeof(phase));
		n = snprintf(g->report, sizeof(g->report), "%s failed %s: ",
				name, phase);
		va_start(ap, fmt);
		vsnprintf(g->report + n, sizeof(g->report) - n, fmt, ap);
		va_end(ap);
	}
	kill_all(g);
}

/* A call the test got wrong: fail the group too, so it shows. */
static int
misuse(struct mp_group *g, const char *what)
{
	if (!g->failed) {
		g->failed = true;
		snprintf(g->report, sizeof(g->report), "harness misuse: %s", what);
	}
	kill_all(g);
	return -1;
}

/* ---- the test process: waiting for members ---- */

/* Member i closed its socket: fine if it exited 0 when told to, or fail. */
static int
on_eof(struct mp_group *g, unsigned int i, int step)
{
	struct member *mb = &g->m[i];
	char what[96];
	int status;

	close(mb->sock);
	mb->sock = -1;
	status = reap(mb->pid, test_now_ms() + REAP_GRACE_MS);
	if (mb->pending && step == PHASE_EXIT && status == 0) {
		mb->pending = false;
		return 0;
	}
	describe_status(status, what, sizeof(what));
	fail(g, i, step, "%s", what);
	return -1;
}

/* Member i's socket is readable: take its report for step. 0 or -1. */
static int
on_readable(struct mp_group *g, unsigned int i, int step)
{
	struct member *mb = &g->m[i];
	struct wire_report w;
	ssize_t n;

	do {
		n = recv(mb->sock, &w, sizeof(w), MSG_TRUNC | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return on_eof(g, i, step);
	if (n != sizeof(w) || memchr(w.msg, '\0', sizeof(w.msg)) == NULL) {
		fail(g, i, step, "bad report (%zd bytes)", n);
		return -1;
	}
	if (!mb->pending || w.step != step) {
		fail(g, i, step, "reported step %d unasked", (int)w.step);
		return -1;
	}
	memcpy(mb->msg, w.msg, sizeof(mb->msg));
	if (w.status != 0) {
		fail(g, i, step, "status %d: %s", (int)w.status, w.msg);
		return -1;
	}
	mb->pending = false;
	mb->last_step = step;
	return 0;
}

/*
 * Poll every live member until deadline and take what they sent: the number
 * that did, or -1 when the group failed. *first_pending: the first member
 * that owed an answer before the poll, n_members if none.
 */
static int
poll_members(struct mp_group *g, int step, int64_t deadline,
		unsigned int *first_pending)
{
	struct pollfd pfd[MP_GROUP_MAX_MEMBERS];
	unsigned int idx[MP_GROUP_MAX_MEMBERS], i, n = 0;
	int64_t left;
	int ret;

	*first_pending = g->n_members;
	for (i = 0; i < g->n_members; i++) {
		if (g->m[i].sock < 0)
			continue;
		if (g->m[i].pending && *first_pending == g->n_members)
			*first_pending = i;
		pfd[n] = (struct pollfd){ .fd = g->m[i].sock, .events = POLLIN };
		idx[n++] = i;
	}
	do {
		left = deadline - test_now_ms();
		/* With nobody pending, still take the news of the dead. */
		if (*first_pending == g->n_members || left < 0)
			left = 0;
		ret = poll(pfd, n, (int)left);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0) {
		fail(g, *first_pending, step, "poll: %s", strerror(errno));
		return -1;
	}
	for (i = 0; ret > 0 && i < n; i++) {
		if (pfd[i].revents != 0 &&
		    on_readable(g, idx[i], step) != 0)
			return -1;
	}
	return ret;
}

/* Wait until no member owes an answer for step, or fail at timeout_s. */
static int
collect(struct mp_group *g, int step, int timeout_s)
{
	int64_t deadline = test_now_ms() + (int64_t)timeout_s * 1000;
	unsigned int first;
	int ret;

	for (;;) {
		ret = poll_members(g, step, deadline, &first);
		if (ret < 0)
			return -1;
		if (first == g->n_members)
			return 0;
		if (ret == 0) {
			fail(g, first, step, "no answer within %d s (killed)",
					timeout_s);
			return -1;
		}
	}
}

/*
 * Order a live member to run step (PHASE_EXIT: to exit); it then owes an
 * answer. A member found dead here owes nothing: collect() reports it.
 */
static int
order(struct mp_group *g, unsigned int i, int step)
{
	int32_t wire = step == PHASE_EXIT ? ORDER_EXIT : step;
	ssize_t n;

	do {
		n = send(g->m[i].sock, &wire, sizeof(wire), MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n == sizeof(wire))
		g->m[i].pending = true;
	if (n == sizeof(wire) || errno == EPIPE || errno == ECONNRESET)
		return 0;
	fail(g, i, step, "cannot send the order: %s", strerror(errno));
	return -1;
}

/* ---- the test process: the group's life ---- */

static bool
is_ours(const struct mp_group *g)
{
	return g != NULL && g->in_use && g->owner == getpid();
}

static void
at_exit(void)
{
	mp_group_cleanup_all();
}

struct mp_group *
mp_group_create(void)
{
	static bool registered;
	struct mp_group *g = NULL;
	unsigned int i;

	if (!registered && atexit(at_exit) == 0)
		registered = true;
	for (i = 0; i < MP_GROUP_MAX && g == NULL; i++)
		g = pool[i].in_use ? NULL : &pool[i];
	if (g == NULL) {
		errno = EMFILE;
		return NULL;
	}
	memset(g, 0, sizeof(*g));
	if (test_dir_create(g->dir, sizeof(g->dir)) != 0)
		return NULL;
	/* mkdtemp's XXXXXX has neither '.' nor '/'. */
	snprintf(g->prefix, sizeof(g->prefix), "t%s", strrchr(g->dir, '-') + 1);
	for (i = 0; i < MP_GROUP_MAX_MEMBERS; i++)
		g->m[i].sock = -1;
	g->owner = getpid();
	g->in_use = true;
	return g;
}

/* Spawn member i playing role. 0, or -1 with the group failed. */
static int
spawn_member(struct mp_group *g, unsigned int i, const char *role,
		const char *const args[])
{
	const char *argv[N_HARNESS_ARGS + 32];
	char num[3][16];
	int sv[2], ret, n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		fail(g, i, STEP_START, "socketpair: %s", strerror(errno));
		return -1;
	}
	snprintf(num[0], sizeof(num[0]), "%u", i);
	snprintf(num[1], sizeof(num[1]), "%u", g->n_members - 1);
	snprintf(num[2], sizeof(num[2]), "%d", sv[1]);
	argv[0] = num[0];
	argv[1] = num[1];
	argv[2] = g->dir;
	argv[3] = g->prefix;
	argv[4] = num[2];
	for (n = 0; args != NULL && args[n] != NULL && n < 31; n++)
		argv[N_HARNESS_ARGS + n] = args[n];
	argv[N_HARNESS_ARGS + n] = NULL;
	ret = mp_spawn_keep(role, argv, &sv[1], 1, &g->m[i].pid);
	close(sv[1]);
	if (ret != 0) {
		close(sv[0]);
		g->m[i].pid = 0;
		fail(g, i, STEP_START, "cannot spawn: %s", strerror(errno));
		return -1;
	}
	g->m[i].sock = sv[0];
	g->m[i].pending = true;
	return 0;
}

int
mp_group_start(struct mp_group *g, unsigned int n_secondaries,
		const char *role_primary, const char *role_secondary,
		const char *const args[], int timeout_s)
{
	unsigned int i;

	if (!is_ours(g))
		return -1;
	if (g->n_members != 0 || g->failed ||
	    n_secondaries >= MP_GROUP_MAX_MEMBERS ||
	    (role_primary == NULL && role_secondary == NULL))
		return misuse(g, "mp_group_start: started twice or bad args");
	if (role_secondary == NULL)
		role_secondary = role_primary;
	g->n_members = n_secondaries + 1;
	if (role_primary != NULL &&
	    spawn_member(g, 0, role_primary, args) != 0)
		return -1;
	for (i = 1; i < g->n_members; i++) {
		if (spawn_member(g, i, role_secondary, args) != 0)
			return -1;
	}
	return collect(g, STEP_START, timeout_s);
}

int
mp_group_step(struct mp_group *g, unsigned int member, int step,
		int timeout_s)
{
	if (!is_ours(g) || g->failed)
		return -1;
	if (step <= 0 || member >= g->n_members || g->m[member].sock < 0)
		return misuse(g, "mp_group_step: bad step or no such live member");
	if (order(g, member, step) != 0)
		return -1;
	return collect(g, step, timeout_s);
}

int
mp_group_step_all(struct mp_group *g, int step, int timeout_s)
{
	unsigned int i;

	if (!is_ours(g) || g->failed)
		return -1;
	if (step <= 0)
		return misuse(g, "mp_group_step_all: step must be > 0");
	for (i = 0; i < g->n_members; i++) {
		if (g->m[i].sock >= 0 && order(g, i, step) != 0)
			return -1;
	}
	return collect(g, step, timeout_s);
}

int
mp_group_kill(struct mp_group *g, unsigned int member)
{
	if (!is_ours(g) || member >= g->n_members || g->m[member].sock < 0)
		return -1;
	kill_member(&g->m[member]);
	return 0;
}

int
mp_group_finish(struct mp_group *g, int timeout_s)
{
	unsigned int i;

	if (!is_ours(g) || g->failed)
		return -1;
	for (i = 0; i < g->n_members; i++) {
		if (g->m[i].sock >= 0 && order(g, i, PHASE_EXIT) != 0)
			return -1;
	}
	return collect(g, PHASE_EXIT, timeout_s);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
mp_group_cleanup(struct mp_group *g)
{
	int ret;

	if (!is_ours(g))
		return 0;
	kill_all(g);
	ret = nftw(g->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (ret != 0 && errno == ENOENT)
		ret = 0;
	g->in_use = false;
	return ret == 0 ? 0 : -1;
}

void
mp_group_cleanup_all(void)
{
	unsigned int i;

	for (i = 0; i < MP_GROUP_MAX; i++)
		mp_group_cleanup(&pool[i]);
}

const char *
mp_group_report(const struct mp_group *g)
{
	return g != NULL ? g->report : "no group";
}

const char *
mp_group_msg(const struct mp_group *g, unsigned int member)
{
	return member < MP_GROUP_MAX_MEMBERS ? g->m[member].msg : "";
}

const char *
mp_group_dir(const struct mp_group *g)
{
	return g->dir;
}

const char *
mp_group_prefix(const struct mp_group *g)
{
	return g->prefix;
}

pid_t
mp_group_pid(const struct mp_group *g, unsigned int member)
{
	return member < MP_GROUP_MAX_MEMBERS ? g->m[member].pid : 0;
}

/* ---- a member ---- */

static int
parse_uint(const char *s, unsigned int max, unsigned int *val)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max)
		return -1;
	*val = (unsigned int)v;
	return 0;
}

int
mp_member_init(int argc, char **argv, struct mp_member *m)
{
	unsigned int sock;

	if (argc < 1 + N_HARNESS_ARGS ||
	    parse_uint(argv[1], MP_GROUP_MAX_MEMBERS - 1, &m->idx) != 0 ||
	    parse_uint(argv[2], MP_GROUP_MAX_MEMBERS - 1,
			    &m->n_secondaries) != 0 ||
	    parse_uint(argv[5], INT_MAX, &sock) != 0)
		return -1;
	m->dir = argv[3];
	m->prefix = argv[4];
	m->argc = argc - 1 - N_HARNESS_ARGS;
	m->argv = argv + 1 + N_HARNESS_ARGS;
	m->sock = (int)sock;
	/* Our own children must not hold the socket open after we die. */
	if (fcntl(m->sock, F_SETFD, FD_CLOEXEC) != 0)
		return -1;
	return mp_member_report(m, STEP_START, 0, NULL);
}

int
mp_member_next_step(struct mp_member *m)
{
	int32_t step;
	ssize_t n;

	do {
		n = recv(m->sock, &step, sizeof(step), MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n != sizeof(step) || step < 0)
		return -1;
	return step;
}

int
mp_member_report(struct mp_member *m, int step, int status,
		const char *fmt, ...)
{
	struct wire_report w;
	va_list ap;
	ssize_t n;

	memset(&w, 0, sizeof(w));
	w.step = step;
	w.status = status;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(w.msg, sizeof(w.msg), fmt, ap);
		va_end(ap);
	}
	do {
		n = send(m->sock, &w, sizeof(w), MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == sizeof(w) ? 0 : -1;
}
