/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Tests of the IPC channel (rte_mp_*) against its header contract
 * (include/rte_eal.h) and ipc/mp_private.h:
 * - mp_invalid: every documented error, -1 and the exact rte_errno; opening
 *   the channel twice, a second primary, bad groups and directories;
 *   rte_mp_request_sync() on the IPC thread (EDEADLK);
 * - mp_basic: sync and async requests both ways and to many secondaries,
 *   broadcast messages, unregister, late replies from another thread,
 *   rte_mp_disable();
 * - mp_fds: descriptors both ways, never leaked, even with no action;
 * - mp_peers: stopped, killed, dead secondaries and a dead primary;
 * - mp_concurrency: threads with requests in flight at once, no cross-talk;
 * - mp_fuzz: random and subtly malformed datagrams at a live primary;
 * - mp_fault: failing socket/bind/sendmsg through the os_prim table.
 * The parent is the primary of group GROUP in a fresh directory per test;
 * secondaries are this binary re-executed (the roles at the bottom), and
 * everyone synchronises through pipes or IPC, never by sleeping.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "ipc/mp_internal.h"
#include "ipc/mp_private.h"
#include "test/lib/fault.h"
#include "test/lib/test_main.h"
#include "test/lib/test_util.h"
#include "test/mp/harness.h"

#define GROUP "mp_socket"
#define CHILD_TIMEOUT_S 30
#define MAX_KIDS 8
/* rte_errno before calls that must succeed and so leave it alone. */
#define ERRNO_SENTINEL 0x5a5a

/* A call that must fail: -1 and exactly that rte_errno. */
#define EXPECT_ERR(call, err) do { \
	rte_errno = 0; \
	CU_ASSERT_EQUAL((call), -1); \
	CU_ASSERT_EQUAL(rte_errno, (err)); \
} while (0)

/* A call that must return exp and leave rte_errno alone. */
#define EXPECT_RET(call, exp) do { \
	rte_errno = ERRNO_SENTINEL; \
	CU_ASSERT_EQUAL((call), (exp)); \
	CU_ASSERT_EQUAL(rte_errno, ERRNO_SENTINEL); \
} while (0)

/* In a child: on failure, say why on stderr and return the distinct code. */
#define CHILD_CHECK(cond, code) do { \
	if (!(cond)) { \
		fprintf(stderr, "child %s (pid %d): check %d failed: %s (rte_errno %d)\n", \
				__func__, (int)getpid(), code, #cond, rte_errno); \
		return code; \
	} \
} while (0)

static char g_dir[PATH_MAX];

/* ---- small helpers, both sides ---- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct timespec
ms_ts(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return ts;
}

static void
msg_make(struct rte_mp_msg *msg, const char *name, const void *param,
		int len)
{
	memset(msg, 0, sizeof(*msg));
	snprintf(msg->name, sizeof(msg->name), "%s", name);
	msg->len_param = len;
	if (len > 0)
		memcpy(msg->param, param, len);
}

static bool
param_is(const struct rte_mp_msg *msg, const void *param, int len)
{
	return msg->len_param == len && memcmp(msg->param, param, len) == 0;
}

static int
request(const char *name, const void *param, int len, long timeout_ms,
		struct rte_mp_reply *reply)
{
	struct timespec ts = ms_ts(timeout_ms);
	struct rte_mp_msg msg;

	msg_make(&msg, name, param, len);
	return rte_mp_request_sync(&msg, reply, &ts);
}

static void
reply_free(struct rte_mp_reply *reply)
{
	int i, k;

	for (i = 0; i < reply->nb_received; i++) {
		for (k = 0; k < reply->msgs[i].num_fds; k++)
			close(reply->msgs[i].fds[k]);
	}
	free(reply->msgs);
	reply->msgs = NULL;
}

/* An anonymous file holding text, or -1. */
static int
memfd_with(const char *fmt, int i)
{
	char text[32];
	int fd = memfd_create("mp_test", MFD_CLOEXEC);
	int len = snprintf(text, sizeof(text), fmt, i);

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != len) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Does fd hold exactly the text fmt/i makes? */
static bool
memfd_is(int fd, const char *fmt, int i)
{
	char text[32], got[32];
	int len = snprintf(text, sizeof(text), fmt, i);

	return pread(fd, got, sizeof(got), 0) == len &&
		memcmp(got, text, len) == 0;
}

static int
memfds_make(int *fds, int n, const char *fmt)
{
	int i;

	for (i = 0; i < n; i++) {
		fds[i] = memfd_with(fmt, i);
		if (fds[i] < 0) {
			while (i-- > 0)
				close(fds[i]);
			return -1;
		}
	}
	return 0;
}

static void
fds_close(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

static bool
fds_valid(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (fcntl(fds[i], F_GETFD) < 0)
			return false;
	}
	return true;
}

static int
arg_int(const char *s)
{
	return (int)strtol(s, NULL, 0);
}

/* Answer a request with param echoed; closes the descriptors it came with. */
static int
echo_reply(const struct rte_mp_msg *msg, const void *peer)
{
	struct rte_mp_msg rep;

	fds_close(msg->fds, msg->num_fds);
	msg_make(&rep, msg->name, msg->param, msg->len_param);
	return rte_mp_reply(&rep, peer);
}

/* ---- the parent's side: children, pipes, fixtures ---- */

/* A child and the parent's ends of its pipes. */
struct kid {
	pid_t pid;
	int ready;  /* read: child -> parent, "I am ready" */
	int go;     /* write: parent -> child, "go on" (mostly: "finish") */
	int sig;    /* read: what the child's actions signal */
};

static struct kid g_kids[MAX_KIDS];

static void
kid_close_pipes(struct kid *k)
{
	close(k->ready);
	close(k->go);
	close(k->sig);
	k->ready = k->go = k->sig = -1;
}

/* Pipes whose child end (index child) survives exec, the other does not. */
static int
kid_pipe(int p[2], int child)
{
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	if (fcntl(p[child], F_SETFD, 0) == 0)
		return 0;
	close(p[0]);
	close(p[1]);
	return -1;
}

/*
 * Start role with args: dir ready_fd go_fd sig_fd extra... . Returns the
 * kid, or NULL.
 */
static struct kid *
kid_spawn(const char *role, const char *const extra[])
{
	const char *args[16] = { g_dir };
	char num[3][16];
	int r[2], g[2], s[2], i, n = 4;
	struct kid *k = NULL;

	for (i = 0; i < MAX_KIDS && k == NULL; i++)
		k = g_kids[i].pid == 0 ? &g_kids[i] : NULL;
	if (k == NULL || kid_pipe(r, 1) != 0)
		return NULL;
	if (kid_pipe(g, 0) != 0 || kid_pipe(s, 1) != 0)
		return NULL;
	snprintf(num[0], sizeof(num[0]), "%d", r[1]);
	snprintf(num[1], sizeof(num[1]), "%d", g[0]);
	snprintf(num[2], sizeof(num[2]), "%d", s[1]);
	args[1] = num[0];
	args[2] = num[1];
	args[3] = num[2];
	for (i = 0; extra != NULL && extra[i] != NULL && n < 15; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	if (mp_spawn(role, args, &k->pid) != 0)
		k->pid = 0;
	close(r[1]);
	close(g[0]);
	close(s[1]);
	k->ready = r[0];
	k->go = g[1];
	k->sig = s[0];
	if (k->pid != 0)
		return k;
	kid_close_pipes(k);
	return NULL;
}

/* Spawn and wait for the child's ready byte. */
static struct kid *
kid_start(const char *role, const char *const extra[])
{
	struct kid *k = kid_spawn(role, extra);

	if (k != NULL && mp_read_byte(k->ready, CHILD_TIMEOUT_S) != 0) {
		fprintf(stderr, "child %s (pid %d) did not get ready\n", role,
				(int)k->pid);
		mp_wait(k->pid, 0);
		kid_close_pipes(k);
		k->pid = 0;
		return NULL;
	}
	return k;
}

/* Wait for the child (after telling it to go on when go): exp, or fail. */
static void
kid_expect(struct kid *k, bool go, int exp)
{
	char msg[128];
	int ret;

	if (go)
		mp_write_byte(k->go);
	ret = mp_wait(k->pid, CHILD_TIMEOUT_S);
	snprintf(msg, sizeof(msg), "child %d: exit status %d, expected %d",
			(int)k->pid, ret, exp);
	CU_assertImplementation(ret == exp, __LINE__, msg, __FILE__, "",
			CU_FALSE);
	kid_close_pipes(k);
	k->pid = 0;
}

static void
kid_kill(struct kid *k)
{
	kill(k->pid, SIGKILL);
	kid_expect(k, false, -1);
}

static void
test_setup(void)
{
	memset(g_kids, 0, sizeof(g_kids));
	CU_ASSERT_FATAL(test_dir_create(g_dir, sizeof(g_dir)) == 0);
}

static void
test_teardown(void)
{
	int i;

	fault_reset();
	for (i = 0; i < MAX_KIDS; i++) {
		if (g_kids[i].pid == 0)
			continue;
		kill(g_kids[i].pid, SIGKILL);
		mp_wait(g_kids[i].pid, CHILD_TIMEOUT_S);
		kid_close_pipes(&g_kids[i]);
		g_kids[i].pid = 0;
	}
	mp_channel_close();
	CU_ASSERT_EQUAL(test_dir_remove(g_dir), 0);
}

static void
open_primary(void)
{
	CU_ASSERT_FATAL(mp_channel_open(g_dir, GROUP, MP_ROLE_PRIMARY) == 0);
}

/* Sockets of secondaries in the directory. */
static int
n_secondary_files(void)
{
	return test_dir_count(g_dir, GROUP ".s");
}

/* Check a sync request: 0, nb_sent/nb_received as given, the echoed param. */
static void
expect_echo(const char *name, const void *param, int len, int n)
{
	struct rte_mp_reply reply;
	char what[160];
	int i;

	rte_errno = ERRNO_SENTINEL;
	CU_ASSERT_EQUAL_FATAL(request(name, param, len, 5000, &reply), 0);
	CU_ASSERT_EQUAL(rte_errno, ERRNO_SENTINEL);
	snprintf(what, sizeof(what), "request '%s': nb_sent %d, nb_received %d, expected %d and %d",
			name, reply.nb_sent, reply.nb_received, n, n);
	CU_assertImplementation(reply.nb_sent == n && reply.nb_received == n,
			__LINE__, what, __FILE__, "", CU_FALSE);
	CU_ASSERT((reply.msgs != NULL) == (n > 0));
	for (i = 0; i < reply.nb_received; i++) {
		CU_ASSERT_STRING_EQUAL(reply.msgs[i].name, name);
		CU_ASSERT(param_is(&reply.msgs[i], param, len));
	}
	reply_free(&reply);
}

/* ---- the parent's actions ---- */

static int
p_echo(const struct rte_mp_msg *msg, const void *peer)
{
	return echo_reply(msg, peer);
}

/* A note from a secondary: one byte on g_note_pipe. */
static int g_note_pipe[2] = { -1, -1 };

static int
p_note(const struct rte_mp_msg *msg, const void *peer)
{
	RTE_SET_USED(peer);
	fds_close(msg->fds, msg->num_fds);
	return mp_write_byte(g_note_pipe[1]);
}

/* rte_mp_request_sync() from an action: what it returned. */
static int g_inner_ret, g_inner_errno, g_inner_nb;

static int
p_inner(const struct rte_mp_msg *msg, const void *peer)
{
	struct rte_mp_reply reply = { .nb_sent = -7, .nb_received = -7 };
	struct timespec ts = ms_ts(1000);
	struct rte_mp_msg req;

	msg_make(&req, "echo", "x", 1);
	rte_errno = 0;
	g_inner_ret = rte_mp_request_sync(&req, &reply, &ts);
	g_inner_errno = rte_errno;
	g_inner_nb = reply.nb_received;
	return echo_reply(msg, peer);
}

/* Replies given later by other threads, from copies of msg and peer. */
struct later {
	struct rte_mp_msg msg;
	char *peer;
	int ret;
};

static pthread_t g_later_threads[8];
static struct later *g_later[8];
static int g_n_later;

static void *
later_thread(void *arg)
{
	struct later *l = arg;

	l->ret = rte_mp_reply(&l->msg, l->peer);
	return NULL;
}

static int
p_later(const struct rte_mp_msg *msg, const void *peer)
{
	struct later *l;

	if (g_n_later == 8)
		return -1;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -1;
	msg_make(&l->msg, msg->name, msg->param, msg->len_param);
	l->peer = strdup(peer);
	g_later[g_n_later] = l;
	return pthread_create(&g_later_threads[g_n_later++], NULL,
			later_thread, l) == 0 ? 0 : -1;
}

/* ---- asynchronous replies, waited for through a mutex and condvar ---- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int calls;
	int nb_sent, nb_received;
	char names[4][RTE_MP_MAX_NAME_LEN];
	struct rte_mp_msg req;
	struct rte_mp_msg first;
	bool deadlk_checked;
	int deadlk_ret, deadlk_errno;
} g_async = { .lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER };

static void
async_reset(bool deadlk_check)
{
	pthread_mutex_lock(&g_async.lock);
	g_async.calls = 0;
	g_async.nb_sent = g_async.nb_received = -1;
	g_async.deadlk_checked = deadlk_check;
	g_async.deadlk_ret = 0;
	g_async.deadlk_errno = 0;
	pthread_mutex_unlock(&g_async.lock);
}

static void
async_deadlk_check(void)
{
	struct rte_mp_reply reply;
	struct timespec ts = ms_ts(100);
	struct rte_mp_msg req;

	msg_make(&req, "echo", "y", 1);
	rte_errno = 0;
	g_async.deadlk_ret = rte_mp_request_sync(&req, &reply, &ts);
	g_async.deadlk_errno = rte_errno;
}

static int
async_clb(const struct rte_mp_msg *request, const struct rte_mp_reply *reply)
{
	int i;

	pthread_mutex_lock(&g_async.lock);
	if (g_async.deadlk_checked)
		async_deadlk_check();
	g_async.calls++;
	g_async.nb_sent = reply->nb_sent;
	g_async.nb_received = reply->nb_received;
	g_async.req = *request;
	for (i = 0; i < reply->nb_received; i++) {
		fds_close(reply->msgs[i].fds, reply->msgs[i].num_fds);
		if (i == 0)
			g_async.first = reply->msgs[0];
	}
	pthread_cond_broadcast(&g_async.cond);
	pthread_mutex_unlock(&g_async.lock);
	return 0;
}

/* Wait until the callback ran n times; false after timeout_s. */
static bool
async_wait(int n, int timeout_s)
{
	struct timespec abs;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec += timeout_s;
	pthread_mutex_lock(&g_async.lock);
	while (g_async.calls < n && ret == 0)
		ret = pthread_cond_timedwait(&g_async.cond, &g_async.lock, &abs);
	pthread_mutex_unlock(&g_async.lock);
	return ret == 0;
}

static int
async_calls(void)
{
	int n;

	pthread_mutex_lock(&g_async.lock);
	n = g_async.calls;
	pthread_mutex_unlock(&g_async.lock);
	return n;
}

/* ==== mp_invalid ==== */

static void
name_64(char *name)
{
	memset(name, 'a', RTE_MP_MAX_NAME_LEN);
}

static void
test_mp_invalid_register(void)
{
	char name[RTE_MP_MAX_NAME_LEN + 1] = "";

	open_primary();
	EXPECT_ERR(rte_mp_action_register(NULL, p_echo), EINVAL);
	EXPECT_ERR(rte_mp_action_register("", p_echo), EINVAL);
	EXPECT_ERR(rte_mp_action_register("noaction", NULL), EINVAL);
	name_64(name);
	EXPECT_ERR(rte_mp_action_register(name, p_echo), E2BIG);
	name[RTE_MP_MAX_NAME_LEN - 1] = '\0';
	EXPECT_RET(rte_mp_action_register(name, p_echo), 0);
	EXPECT_RET(rte_mp_action_register("echo", p_echo), 0);
	EXPECT_ERR(rte_mp_action_register("echo", p_note), EEXIST);
	EXPECT_ERR(rte_mp_action_register(name, p_echo), EEXIST);
}

/* Unregistering nothing, NULL or junk changes nothing. */
static void
test_mp_invalid_unregister(void)
{
	char name[RTE_MP_MAX_NAME_LEN + 1] = "";

	open_primary();
	CU_ASSERT_EQUAL_FATAL(rte_mp_action_register("echo", p_echo), 0);
	rte_mp_action_unregister("unknown");
	rte_mp_action_unregister(NULL);
	rte_mp_action_unregister("");
	name_64(name);
	rte_mp_action_unregister(name);
	EXPECT_ERR(rte_mp_action_register("echo", p_echo), EEXIST);
	rte_mp_action_unregister("echo");
	rte_mp_action_unregister("echo");
	EXPECT_RET(rte_mp_action_register("echo", p_echo), 0);
}

/* One bad message and the rte_errno every sending function must give. */
struct bad_msg {
	const char *what;
	int err;
	void (*spoil)(struct rte_mp_msg *msg);
};

static void spoil_empty(struct rte_mp_msg *m) { m->name[0] = '\0'; }
static void spoil_name(struct rte_mp_msg *m) { name_64(m->name); }
static void spoil_len_neg(struct rte_mp_msg *m) { m->len_param = -1; }
static void spoil_len_big(struct rte_mp_msg *m) { m->len_param = 257; }
static void spoil_len_min(struct rte_mp_msg *m) { m->len_param = INT_MIN; }
static void spoil_fds_neg(struct rte_mp_msg *m) { m->num_fds = -1; }
static void spoil_fds_big(struct rte_mp_msg *m) { m->num_fds = 9; }

static const struct bad_msg bad_msgs[] = {
	{ "empty name", EINVAL, spoil_empty },
	{ "64-char name", E2BIG, spoil_name },
	{ "len_param -1", EINVAL, spoil_len_neg },
	{ "len_param 257", E2BIG, spoil_len_big },
	{ "len_param INT_MIN", EINVAL, spoil_len_min },
	{ "num_fds -1", EINVAL, spoil_fds_neg },
	/* DPDK says E2BIG for too many descriptors; so do we. */
	{ "num_fds 9", E2BIG, spoil_fds_big },
};

/* ret must be -1 with rte_errno err; the message names fn and the case. */
static void
expect_refused(int ret, int err, const char *fn, const char *what, int line)
{
	char ctx[160];

	snprintf(ctx, sizeof(ctx), "%s(%s): returned %d, rte_errno %d, expected -1 and %d",
			fn, what, ret, rte_errno, err);
	CU_assertImplementation(ret == -1 && rte_errno == err, line, ctx,
			__FILE__, "", CU_FALSE);
}

/* Each sending function with msg (NULL allowed); -1/rte_errno expected. */
static void
expect_all_refuse(struct rte_mp_msg *msg, int err, const char *what)
{
	struct timespec ts = ms_ts(100);
	struct rte_mp_reply reply;

	rte_errno = 0;
	expect_refused(rte_mp_sendmsg(msg), err, "sendmsg", what, __LINE__);
	rte_errno = 0;
	expect_refused(rte_mp_request_sync(msg, &reply, &ts), err,
			"request_sync", what, __LINE__);
	rte_errno = 0;
	expect_refused(rte_mp_request_async(msg, &ts, async_clb), err,
			"request_async", what, __LINE__);
	rte_errno = 0;
	expect_refused(rte_mp_reply(msg, "some_peer#1"), err, "reply", what,
			__LINE__);
}

static void
test_mp_invalid_msg(void)
{
	struct rte_mp_msg msg;
	unsigned int i;

	open_primary();
	expect_all_refuse(NULL, EINVAL, "NULL msg");
	for (i = 0; i < RTE_DIM(bad_msgs); i++) {
		msg_make(&msg, "echo", "p", 1);
		bad_msgs[i].spoil(&msg);
		expect_all_refuse(&msg, bad_msgs[i].err, bad_msgs[i].what);
	}
}

/* The limits themselves are fine: 63 chars, 256 bytes, 8 descriptors. */
static void
test_mp_invalid_msg_limits(void)
{
	uint8_t param[RTE_MP_MAX_PARAM_LEN] = { 1, 2, 3 };
	int fds[RTE_MP_MAX_FD_NUM];
	struct rte_mp_msg msg;

	open_primary();
	CU_ASSERT_FATAL(memfds_make(fds, RTE_MP_MAX_FD_NUM, "fd%d") == 0);
	msg_make(&msg, "", param, RTE_MP_MAX_PARAM_LEN);
	memset(msg.name, 'n', RTE_MP_MAX_NAME_LEN - 1);
	msg.num_fds = RTE_MP_MAX_FD_NUM;
	memcpy(msg.fds, fds, sizeof(fds));
	EXPECT_RET(rte_mp_sendmsg(&msg), 0);
	msg_make(&msg, "x", NULL, 0);
	EXPECT_RET(rte_mp_sendmsg(&msg), 0);
	CU_ASSERT(fds_valid(fds, RTE_MP_MAX_FD_NUM));
	fds_close(fds, RTE_MP_MAX_FD_NUM);
}

static void
test_mp_invalid_request_sync(void)
{
	struct timespec ts = ms_ts(100);
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;

	open_primary();
	msg_make(&msg, "echo", "p", 1);
	EXPECT_ERR(rte_mp_request_sync(&msg, NULL, &ts), EINVAL);
	EXPECT_ERR(rte_mp_request_sync(&msg, &reply, NULL), EINVAL);
	ts.tv_nsec = 1000000000;
	EXPECT_ERR(rte_mp_request_sync(&msg, &reply, &ts), EINVAL);
	ts.tv_nsec = -1;
	EXPECT_ERR(rte_mp_request_sync(&msg, &reply, &ts), EINVAL);
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	EXPECT_ERR(rte_mp_request_sync(&msg, &reply, &ts), EINVAL);
	ts.tv_sec = 0;
	ts.tv_nsec = 999999999;
	EXPECT_RET(rte_mp_request_sync(&msg, &reply, &ts), 0);
	CU_ASSERT_EQUAL(reply.nb_sent, 0);
	CU_ASSERT_EQUAL(reply.nb_received, 0);
	CU_ASSERT_PTR_NULL(reply.msgs);
}

static void
test_mp_invalid_request_async(void)
{
	struct timespec ts = ms_ts(100);
	struct rte_mp_msg msg;

	open_primary();
	async_reset(false);
	msg_make(&msg, "echo", "p", 1);
	EXPECT_ERR(rte_mp_request_async(&msg, &ts, NULL), EINVAL);
	EXPECT_ERR(rte_mp_request_async(&msg, NULL, async_clb), EINVAL);
	ts.tv_nsec = 1000000000;
	EXPECT_ERR(rte_mp_request_async(&msg, &ts, async_clb), EINVAL);
	ts.tv_nsec = -1;
	EXPECT_ERR(rte_mp_request_async(&msg, &ts, async_clb), EINVAL);
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	EXPECT_ERR(rte_mp_request_async(&msg, &ts, async_clb), EINVAL);
	/* None of the refused requests may run a callback. */
	ts = ms_ts(100);
	EXPECT_RET(rte_mp_request_async(&msg, &ts, async_clb), 0);
	CU_ASSERT(async_wait(1, CHILD_TIMEOUT_S));
	CU_ASSERT_EQUAL(async_calls(), 1);
}

static void
test_mp_invalid_reply(void)
{
	struct rte_mp_msg msg;

	open_primary();
	msg_make(&msg, "echo", "p", 1);
	EXPECT_ERR(rte_mp_reply(&msg, NULL), EINVAL);
}

/* With no channel open nothing can be sent. */
static void
test_mp_invalid_not_running(void)
{
	struct timespec ts = ms_ts(100);
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;
	char peer[PATH_MAX + 32];

	snprintf(peer, sizeof(peer), "%s/%s#1", g_dir, GROUP);
	msg_make(&msg, "echo", "p", 1);
	EXPECT_ERR(rte_mp_sendmsg(&msg), ENOTSUP);
	EXPECT_ERR(rte_mp_request_sync(&msg, &reply, &ts), ENOTSUP);
	EXPECT_ERR(rte_mp_request_async(&msg, &ts, async_clb), ENOTSUP);
	EXPECT_ERR(rte_mp_reply(&msg, peer), ENOTSUP);
	/* Also after a channel was opened and closed again. */
	open_primary();
	mp_channel_close();
	EXPECT_ERR(rte_mp_sendmsg(&msg), ENOTSUP);
	EXPECT_ERR(rte_mp_request_sync(&msg, &reply, &ts), ENOTSUP);
	EXPECT_ERR(rte_mp_request_async(&msg, &ts, async_clb), ENOTSUP);
	EXPECT_ERR(rte_mp_reply(&msg, peer), ENOTSUP);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
}

static void
test_mp_invalid_open_twice(void)
{
	open_primary();
	CU_ASSERT_EQUAL(mp_channel_open(g_dir, GROUP, MP_ROLE_PRIMARY),
			-EALREADY);
	CU_ASSERT_EQUAL(mp_channel_open(g_dir, GROUP, MP_ROLE_SECONDARY),
			-EALREADY);
	CU_ASSERT_EQUAL(mp_channel_open(g_dir, "other", MP_ROLE_PRIMARY),
			-EALREADY);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 1);
	CU_ASSERT(test_file_exists(g_dir, GROUP));
	mp_channel_close();
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
	mp_channel_close();
	open_primary();
}

/* A second primary of the group, in another process: -EEXIST. */
static void
test_mp_invalid_second_primary(void)
{
	const char *const eexist[] = { "primary", "-17", NULL };
	const char *const ok[] = { "primary", "0", NULL };
	struct kid *k;

	CU_ASSERT_EQUAL_FATAL(EEXIST, 17);
	open_primary();
	k = kid_spawn("mp_open", eexist);
	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
	CU_ASSERT(test_file_exists(g_dir, GROUP));
	mp_channel_close();
	/* Once the primary closed, the group is free for another. */
	k = kid_spawn("mp_open", ok);
	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
}

static void
test_mp_invalid_group(void)
{
	char group[RTE_MP_MAX_NAME_LEN + 2];

	CU_ASSERT_EQUAL(mp_channel_open(g_dir, "", MP_ROLE_PRIMARY), -EINVAL);
	CU_ASSERT_EQUAL(mp_channel_open(g_dir, "a/b", MP_ROLE_PRIMARY), -EINVAL);
	CU_ASSERT_EQUAL(mp_channel_open(g_dir, "/", MP_ROLE_SECONDARY), -EINVAL);
	memset(group, 'g', sizeof(group) - 1);
	group[sizeof(group) - 1] = '\0';
	CU_ASSERT_EQUAL(mp_channel_open(g_dir, group, MP_ROLE_PRIMARY), -EINVAL);
	group[RTE_MP_MAX_NAME_LEN] = '\0';
	CU_ASSERT_EQUAL(mp_channel_open(g_dir, group, MP_ROLE_SECONDARY),
			-EINVAL);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
	/* The failures left the channel closed and usable. */
	open_primary();
}

static void
test_mp_invalid_dir_too_long(void)
{
	char dir[PATH_MAX + 16];
	size_t len = strlen(g_dir);

	memcpy(dir, g_dir, len);
	dir[len] = '/';
	memset(dir + len + 1, 'd', 100);
	dir[len + 101] = '\0';
	CU_ASSERT_EQUAL(mp_channel_open(dir, GROUP, MP_ROLE_PRIMARY),
			-ENAMETOOLONG);
	CU_ASSERT_EQUAL(mp_channel_open(dir, GROUP, MP_ROLE_SECONDARY),
			-ENAMETOOLONG);
	memset(dir + len + 1, 'd', sizeof(dir) - len - 2);
	dir[sizeof(dir) - 1] = '\0';
	CU_ASSERT_EQUAL(mp_channel_open(dir, GROUP, MP_ROLE_PRIMARY),
			-ENAMETOOLONG);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
	open_primary();
}

/* An action calling rte_mp_request_sync(): EDEADLK, and its own requester
 * still gets the reply.
 */
static void
test_mp_invalid_deadlock_action(void)
{
	const char *const extra[] = { "inner", "1", "1", NULL };
	struct kid *k;

	open_primary();
	g_inner_ret = 0;
	g_inner_errno = 0;
	CU_ASSERT_FATAL(rte_mp_action_register("inner", p_inner) == 0);
	k = kid_spawn("mp_ask", extra);
	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
	CU_ASSERT_EQUAL(g_inner_ret, -1);
	CU_ASSERT_EQUAL(g_inner_errno, EDEADLK);
	CU_ASSERT_EQUAL(g_inner_nb, 0);
}

/* An async callback calling rte_mp_request_sync(): EDEADLK. */
static void
test_mp_invalid_deadlock_callback(void)
{
	struct timespec ts = ms_ts(2000);
	struct rte_mp_msg msg;

	open_primary();
	async_reset(true);
	msg_make(&msg, "echo", "p", 1);
	CU_ASSERT_FATAL(rte_mp_request_async(&msg, &ts, async_clb) == 0);
	CU_ASSERT_FATAL(async_wait(1, CHILD_TIMEOUT_S));
	CU_ASSERT_EQUAL(g_async.deadlk_ret, -1);
	CU_ASSERT_EQUAL(g_async.deadlk_errno, EDEADLK);
}

/* ==== mp_basic ==== */

/* Right after a secondary's open returned, the primary's requests reach it
 * (the contract: "every live secondary").
 */
static void
test_mp_basic_open_then_request(void)
{
	const char *const nosync[] = { "nosync", NULL };
	int i, n = (int)test_scale(50, 3);
	struct kid *k;

	open_primary();
	for (i = 0; i < n; i++) {
		k = kid_start("mp_server", nosync);
		CU_ASSERT_FATAL(k != NULL);
		expect_echo("echo", &i, sizeof(i), 1);
		kid_expect(k, true, 0);
	}
}

static void
test_mp_basic_primary_to_secondary(void)
{
	const char param[] = "primary to secondary";
	struct kid *k;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	expect_echo("echo", param, sizeof(param), 1);
	expect_echo("echo", NULL, 0, 1);
	kid_expect(k, true, 0);
}

static void
test_mp_basic_secondary_to_primary(void)
{
	const char *const extra[] = { "echo", "1", "3", NULL };
	struct kid *k;

	open_primary();
	CU_ASSERT_FATAL(rte_mp_action_register("echo", p_echo) == 0);
	k = kid_spawn("mp_ask", extra);
	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
}

/* Four secondaries: four replies, from four distinct processes. */
static void
test_mp_basic_four_secondaries(void)
{
	struct rte_mp_reply reply;
	struct kid *k[4];
	int i, j, pid, seen = 0;

	open_primary();
	for (i = 0; i < 4; i++) {
		k[i] = kid_start("mp_server", NULL);
		CU_ASSERT_FATAL(k[i] != NULL);
	}
	CU_ASSERT_EQUAL_FATAL(request("pid", NULL, 0, 5000, &reply), 0);
	CU_ASSERT_EQUAL(reply.nb_sent, 4);
	CU_ASSERT_EQUAL(reply.nb_received, 4);
	for (i = 0; i < reply.nb_received; i++) {
		CU_ASSERT_EQUAL(reply.msgs[i].len_param, (int)sizeof(pid));
		memcpy(&pid, reply.msgs[i].param, sizeof(pid));
		for (j = 0; j < 4; j++)
			seen |= pid == k[j]->pid ? 1 << j : 0;
	}
	CU_ASSERT_EQUAL(seen, 0xf);
	reply_free(&reply);
	expect_echo("echo", "four", 4, 4);
	for (i = 0; i < 4; i++)
		kid_expect(k[i], true, 0);
}

/* Nobody has that action: every peer answers "ignored", nb_sent is 0. */
static void
test_mp_basic_no_action(void)
{
	struct kid *k[2];

	open_primary();
	k[0] = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k[0] != NULL);
	k[1] = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k[1] != NULL);
	expect_echo("nobody", "x", 1, 0);
	expect_echo("echo", "x", 1, 2);
	kid_expect(k[0], true, 0);
	kid_expect(k[1], true, 0);
}

static void
test_mp_basic_async(void)
{
	struct timespec ts = ms_ts(5000);
	const char param[] = "async";
	struct rte_mp_msg msg;
	struct kid *k;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	async_reset(false);
	msg_make(&msg, "echo", param, sizeof(param));
	EXPECT_RET(rte_mp_request_async(&msg, &ts, async_clb), 0);
	CU_ASSERT_FATAL(async_wait(1, CHILD_TIMEOUT_S));
	CU_ASSERT_EQUAL(g_async.nb_sent, 1);
	CU_ASSERT_EQUAL(g_async.nb_received, 1);
	CU_ASSERT_STRING_EQUAL(g_async.req.name, "echo");
	CU_ASSERT(param_is(&g_async.req, param, sizeof(param)));
	CU_ASSERT(param_is(&g_async.first, param, sizeof(param)));
	/* A sync round trip later, the callback still ran only once. */
	expect_echo("echo", "sync", 4, 1);
	CU_ASSERT_EQUAL(async_calls(), 1);
	kid_expect(k, true, 0);
}

static void
test_mp_basic_async_no_peer(void)
{
	struct timespec ts = ms_ts(5000);
	struct rte_mp_msg msg;
	double t0 = now_s();

	open_primary();
	async_reset(false);
	msg_make(&msg, "echo", "n", 1);
	EXPECT_RET(rte_mp_request_async(&msg, &ts, async_clb), 0);
	CU_ASSERT_FATAL(async_wait(1, CHILD_TIMEOUT_S));
	CU_ASSERT(now_s() - t0 < 4.0); /* "soon", not at the timeout */
	CU_ASSERT_EQUAL(g_async.nb_sent, 0);
	CU_ASSERT_EQUAL(g_async.nb_received, 0);
	CU_ASSERT_EQUAL(async_calls(), 1);
}

/* Async to a secondary with no such action: callback with nb_sent 0. */
static void
test_mp_basic_async_no_action(void)
{
	struct timespec ts = ms_ts(5000);
	struct rte_mp_msg msg;
	struct kid *k;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	async_reset(false);
	msg_make(&msg, "nobody", "n", 1);
	EXPECT_RET(rte_mp_request_async(&msg, &ts, async_clb), 0);
	CU_ASSERT_FATAL(async_wait(1, CHILD_TIMEOUT_S));
	CU_ASSERT_EQUAL(g_async.nb_sent, 0);
	CU_ASSERT_EQUAL(g_async.nb_received, 0);
	kid_expect(k, true, 0);
}

/* rte_mp_sendmsg from the primary reaches every secondary. */
static void
test_mp_basic_broadcast(void)
{
	struct rte_mp_msg msg;
	struct kid *k[3];
	int i;

	open_primary();
	for (i = 0; i < 3; i++) {
		k[i] = kid_start("mp_server", NULL);
		CU_ASSERT_FATAL(k[i] != NULL);
	}
	msg_make(&msg, "note", "b", 1);
	EXPECT_RET(rte_mp_sendmsg(&msg), 0);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(mp_read_byte(k[i]->sig, CHILD_TIMEOUT_S), 0);
	EXPECT_RET(rte_mp_sendmsg(&msg), 0);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(mp_read_byte(k[i]->sig, CHILD_TIMEOUT_S), 0);
		kid_expect(k[i], true, 0);
	}
}

static void
test_mp_basic_secondary_sendmsg(void)
{
	struct kid *k;

	open_primary();
	CU_ASSERT_FATAL(pipe2(g_note_pipe, O_CLOEXEC) == 0);
	CU_ASSERT_FATAL(rte_mp_action_register("note", p_note) == 0);
	k = kid_spawn("mp_sendmsg", NULL);
	CU_ASSERT_FATAL(k != NULL);
	CU_ASSERT_EQUAL(mp_read_byte(g_note_pipe[0], CHILD_TIMEOUT_S), 0);
	CU_ASSERT_EQUAL(mp_read_byte(g_note_pipe[0], CHILD_TIMEOUT_S), 0);
	kid_expect(k, false, 0);
	close(g_note_pipe[0]);
	close(g_note_pipe[1]);
	g_note_pipe[0] = g_note_pipe[1] = -1;
}

/* After the secondary unregistered "echo", it ignores echo requests. */
static void
test_mp_basic_unregister(void)
{
	struct kid *k;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	expect_echo("echo", "1", 1, 1);
	expect_echo("unreg", "u", 1, 1);
	expect_echo("echo", "2", 1, 0);
	expect_echo("pid", NULL, 0, 0);
	kid_expect(k, true, 0);
}

/* The primary's own unregistered action: a secondary's request, nb_sent 0. */
static void
test_mp_basic_unregister_primary(void)
{
	const char *const extra[] = { "echo", "1", "1", "0/0", NULL };
	struct kid *k;

	open_primary();
	CU_ASSERT_FATAL(rte_mp_action_register("echo", p_echo) == 0);
	rte_mp_action_unregister("echo");
	k = kid_spawn("mp_ask", extra);
	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
}

/* rte_mp_reply from another thread, with a copy of peer, after the action
 * returned.
 */
static void
test_mp_basic_reply_later(void)
{
	const char *const extra[] = { "later", "1", "4", NULL };
	struct kid *k;
	int i;

	open_primary();
	g_n_later = 0;
	CU_ASSERT_FATAL(rte_mp_action_register("later", p_later) == 0);
	k = kid_spawn("mp_ask", extra);
	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
	CU_ASSERT_EQUAL(g_n_later, 4);
	for (i = 0; i < g_n_later; i++) {
		pthread_join(g_later_threads[i], NULL);
		CU_ASSERT_EQUAL(g_later[i]->ret, 0);
		free(g_later[i]->peer);
		free(g_later[i]);
	}
}

/* A callback may itself make an async request ("allowed everywhere"). */
static int g_chain_ret = -9;

static int
chain_clb(const struct rte_mp_msg *request, const struct rte_mp_reply *reply)
{
	struct timespec ts = ms_ts(5000);
	struct rte_mp_msg msg;

	msg_make(&msg, "echo", "chained", 7);
	g_chain_ret = rte_mp_request_async(&msg, &ts, async_clb);
	return async_clb(request, reply);
}

static void
test_mp_basic_async_from_callback(void)
{
	struct timespec ts = ms_ts(5000);
	struct rte_mp_msg msg;
	struct kid *k;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	async_reset(false);
	g_chain_ret = -9;
	msg_make(&msg, "echo", "first", 5);
	CU_ASSERT_EQUAL_FATAL(rte_mp_request_async(&msg, &ts, chain_clb), 0);
	CU_ASSERT_FATAL(async_wait(2, CHILD_TIMEOUT_S));
	CU_ASSERT_EQUAL(g_chain_ret, 0);
	CU_ASSERT_EQUAL(g_async.nb_received, 1);
	CU_ASSERT(param_is(&g_async.first, "chained", 7));
	kid_expect(k, true, 0);
}

/* Closing the channel drops pending async requests: no callback, ever. */
static void
test_mp_basic_close_drops_async(void)
{
	struct timespec ts = ms_ts(5000);
	struct rte_mp_msg msg;
	struct kid *k;
	int st;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	CU_ASSERT_FATAL(kill(k->pid, SIGSTOP) == 0);
	CU_ASSERT_FATAL(waitpid(k->pid, &st, WUNTRACED) == k->pid);
	async_reset(false);
	msg_make(&msg, "echo", "dropped", 7);
	CU_ASSERT_EQUAL_FATAL(rte_mp_request_async(&msg, &ts, async_clb), 0);
	mp_channel_close();
	CU_ASSERT_EQUAL(async_calls(), 0);
	CU_ASSERT_FATAL(kill(k->pid, SIGCONT) == 0);
	/* The secondary's late reply reaches a new channel on the same path. */
	open_primary();
	expect_echo("echo", "new", 3, 1);
	CU_ASSERT_EQUAL(async_calls(), 0);
	kid_expect(k, true, 0);
}

/* An action that answers nothing but keeps the request and its peer, and
 * says so on g_note_pipe when that is open.
 */
static char *g_held_peer;
static struct rte_mp_msg g_held_msg;

static int
p_hold(const struct rte_mp_msg *msg, const void *peer)
{
	fds_close(msg->fds, msg->num_fds);
	msg_make(&g_held_msg, msg->name, msg->param, msg->len_param);
	free(g_held_peer);
	g_held_peer = strdup(peer);
	return g_note_pipe[1] >= 0 ? mp_write_byte(g_note_pipe[1]) : 0;
}

static void
test_mp_basic_reply_requester_gone(void)
{
	const char *const extra[] = { "hold", "1", "1", "1/0", "", "200", NULL };
	struct rte_mp_msg msg;
	struct kid *k;

	open_primary();
	CU_ASSERT_FATAL(rte_mp_action_register("hold", p_hold) == 0);
	k = kid_spawn("mp_ask", extra);
	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_held_peer);
	msg_make(&msg, "hold", "late", 4);
	EXPECT_RET(rte_mp_reply(&msg, g_held_peer), 0);
	free(g_held_peer);
	g_held_peer = NULL;
}

/* rte_mp_disable(), in processes of their own: it lasts for their lives. */
static void
test_mp_basic_disable(void)
{
	struct kid *pri, *sec;

	pri = kid_start("mp_disable_pri", NULL);
	CU_ASSERT_FATAL(pri != NULL);
	sec = kid_start("mp_disable_sec", NULL);
	CU_ASSERT_FATAL(sec != NULL);
	/* Primary with a live secondary: false. */
	CU_ASSERT_EQUAL(mp_write_byte(pri->go), 0);
	CU_ASSERT_EQUAL(mp_read_byte(pri->ready, CHILD_TIMEOUT_S), 0);
	kid_expect(sec, true, 0);
	/* Secondary gone: true, and IPC is off in that process. */
	kid_expect(pri, true, 0);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
}

static void
test_mp_basic_disable_never_started(void)
{
	struct kid *k = kid_spawn("mp_disable_never", NULL);

	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
}

/* ==== mp_fds ==== */

static void
test_mp_fds_round_trip(void)
{
	int fds[RTE_MP_MAX_FD_NUM], i, n_fds;
	struct rte_mp_reply reply;
	struct timespec ts = ms_ts(5000);
	struct rte_mp_msg msg;
	struct kid *k;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	expect_echo("echo", "warm up the reply socket", 24, 1);
	n_fds = test_count_fds();
	CU_ASSERT_FATAL(memfds_make(fds, RTE_MP_MAX_FD_NUM, "fd%d") == 0);
	msg_make(&msg, "fds", NULL, 0);
	msg.num_fds = RTE_MP_MAX_FD_NUM;
	memcpy(msg.fds, fds, sizeof(fds));
	CU_ASSERT_EQUAL_FATAL(rte_mp_request_sync(&msg, &reply, &ts), 0);
	CU_ASSERT_EQUAL(reply.nb_received, 1);
	if (reply.nb_received == 1) {
		CU_ASSERT_EQUAL(reply.msgs[0].len_param, 1);
		CU_ASSERT_EQUAL(reply.msgs[0].param[0], 1);
		CU_ASSERT_EQUAL(reply.msgs[0].num_fds, RTE_MP_MAX_FD_NUM);
		for (i = 0; i < reply.msgs[0].num_fds; i++)
			CU_ASSERT(memfd_is(reply.msgs[0].fds[i], "back%d", i));
	}
	reply_free(&reply);
	/* The sender's descriptors stay its own. */
	CU_ASSERT(fds_valid(fds, RTE_MP_MAX_FD_NUM));
	fds_close(fds, RTE_MP_MAX_FD_NUM);
	CU_ASSERT_EQUAL(test_count_fds(), n_fds);
	expect_echo("count", NULL, 0, 1);
	kid_expect(k, true, 0);
}

/* Descriptors sent to a receiver with no action for them are closed. */
static void
test_mp_fds_no_action(void)
{
	int fds[RTE_MP_MAX_FD_NUM], n_fds;
	struct timespec ts = ms_ts(5000);
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;
	struct kid *k;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	expect_echo("echo", "warm up the reply socket", 24, 1);
	n_fds = test_count_fds();
	CU_ASSERT_FATAL(memfds_make(fds, RTE_MP_MAX_FD_NUM, "fd%d") == 0);
	msg_make(&msg, "nobody", "n", 1);
	msg.num_fds = RTE_MP_MAX_FD_NUM;
	memcpy(msg.fds, fds, sizeof(fds));
	EXPECT_RET(rte_mp_sendmsg(&msg), 0);
	CU_ASSERT_EQUAL(rte_mp_request_sync(&msg, &reply, &ts), 0);
	CU_ASSERT_EQUAL(reply.nb_sent, 0);
	CU_ASSERT_EQUAL(reply.nb_received, 0);
	reply_free(&reply);
	/* A message to an action (which closes its copies): still ours. */
	msg_make(&msg, "note", "n", 1);
	msg.num_fds = 3;
	memcpy(msg.fds, fds, 3 * sizeof(int));
	EXPECT_RET(rte_mp_sendmsg(&msg), 0);
	CU_ASSERT_EQUAL(mp_read_byte(k->sig, CHILD_TIMEOUT_S), 0);
	CU_ASSERT(fds_valid(fds, RTE_MP_MAX_FD_NUM));
	fds_close(fds, RTE_MP_MAX_FD_NUM);
	CU_ASSERT_EQUAL(test_count_fds(), n_fds);
	/* The child's "count" says whether it holds what it held at start. */
	expect_echo("count", NULL, 0, 1);
	kid_expect(k, true, 0);
}

/* A secondary sends descriptors the primary has no action for, and to
 * its echo action (which closes them): the primary keeps none.
 */
static void
test_mp_fds_no_action_primary(void)
{
	struct kid *k;
	int n_fds;

	open_primary();
	CU_ASSERT_FATAL(rte_mp_action_register("echo", p_echo) == 0);
	expect_echo("warm up the reply socket", NULL, 0, 0);
	n_fds = test_count_fds();
	k = kid_spawn("mp_send_fds", NULL);
	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
	CU_ASSERT_EQUAL(test_count_fds(), n_fds);
}

static void
test_mp_fds_too_many(void)
{
	int fds[RTE_MP_MAX_FD_NUM + 1], n_fds;
	struct timespec ts = ms_ts(1000);
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;

	open_primary();
	n_fds = test_count_fds();
	CU_ASSERT_FATAL(memfds_make(fds, RTE_MP_MAX_FD_NUM + 1, "fd%d") == 0);
	msg_make(&msg, "fds", NULL, 0);
	msg.num_fds = RTE_MP_MAX_FD_NUM + 1;
	memcpy(msg.fds, fds, sizeof(msg.fds));
	EXPECT_ERR(rte_mp_sendmsg(&msg), E2BIG);
	EXPECT_ERR(rte_mp_request_sync(&msg, &reply, &ts), E2BIG);
	EXPECT_ERR(rte_mp_request_async(&msg, &ts, async_clb), E2BIG);
	EXPECT_ERR(rte_mp_reply(&msg, "peer#1"), E2BIG);
	CU_ASSERT(fds_valid(fds, RTE_MP_MAX_FD_NUM + 1));
	fds_close(fds, RTE_MP_MAX_FD_NUM + 1);
	CU_ASSERT_EQUAL(test_count_fds(), n_fds);
}

/* Descriptors in async replies belong to the callback (which closes them). */
static void
test_mp_fds_async_reply(void)
{
	int fds[RTE_MP_MAX_FD_NUM], n_fds;
	struct timespec ts = ms_ts(5000);
	struct rte_mp_msg msg;
	struct kid *k;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	n_fds = test_count_fds();
	CU_ASSERT_FATAL(memfds_make(fds, RTE_MP_MAX_FD_NUM, "fd%d") == 0);
	async_reset(false);
	msg_make(&msg, "fds", NULL, 0);
	msg.num_fds = RTE_MP_MAX_FD_NUM;
	memcpy(msg.fds, fds, sizeof(fds));
	CU_ASSERT_EQUAL_FATAL(rte_mp_request_async(&msg, &ts, async_clb), 0);
	CU_ASSERT_FATAL(async_wait(1, CHILD_TIMEOUT_S));
	CU_ASSERT_EQUAL(g_async.nb_received, 1);
	CU_ASSERT_EQUAL(g_async.first.num_fds, RTE_MP_MAX_FD_NUM);
	CU_ASSERT_EQUAL(g_async.first.param[0], 1);
	fds_close(fds, RTE_MP_MAX_FD_NUM);
	CU_ASSERT_EQUAL(test_count_fds(), n_fds);
	kid_expect(k, true, 0);
}

/* ==== mp_peers ==== */

/* A stopped secondary costs the timeout; once resumed, its late reply to
 * the old request is not mistaken for the reply to the new one.
 */
static void
test_mp_peers_stopped(void)
{
	struct rte_mp_reply reply;
	const int old = 1111, new = 2222;
	struct kid *k;
	double t;
	int st;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	CU_ASSERT_FATAL(kill(k->pid, SIGSTOP) == 0);
	CU_ASSERT_FATAL(waitpid(k->pid, &st, WUNTRACED) == k->pid);
	CU_ASSERT_FATAL(WIFSTOPPED(st));
	t = now_s();
	CU_ASSERT_EQUAL_FATAL(request("echo", &old, sizeof(old), 500, &reply), 0);
	t = now_s() - t;
	CU_ASSERT(t >= 0.4);
	CU_ASSERT(t < 3.0);
	CU_ASSERT_EQUAL(reply.nb_sent, 1);
	CU_ASSERT_EQUAL(reply.nb_received, 0);
	CU_ASSERT_PTR_NULL(reply.msgs);
	reply_free(&reply);
	CU_ASSERT_FATAL(kill(k->pid, SIGCONT) == 0);
	expect_echo("echo", &new, sizeof(new), 1);
	expect_echo("echo", &old, sizeof(old), 1);
	CU_ASSERT_EQUAL(n_secondary_files(), 1);
	kid_expect(k, true, 0);
}

struct killer {
	struct kid *k;
	double killed_at;
	int ret;
};

/* When the child says its action started, SIGKILL it. */
static void *
killer_thread(void *arg)
{
	struct killer *kl = arg;

	kl->ret = mp_read_byte(kl->k->sig, CHILD_TIMEOUT_S);
	kl->killed_at = now_s();
	kill(kl->k->pid, SIGKILL);
	return NULL;
}

/* A secondary killed while it handles the request ends the wait early. */
static void
test_mp_peers_killed_during_request(void)
{
	const char *const hang[] = { "hang", NULL };
	struct killer kl = { .ret = -9 };
	struct rte_mp_reply reply;
	struct kid *k[2];
	pthread_t thr;
	double t0, t1;

	open_primary();
	k[0] = kid_start("mp_server", hang);
	CU_ASSERT_FATAL(k[0] != NULL);
	k[1] = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k[1] != NULL);
	CU_ASSERT_EQUAL(n_secondary_files(), 2);
	kl.k = k[0];
	CU_ASSERT_FATAL(pthread_create(&thr, NULL, killer_thread, &kl) == 0);
	t0 = now_s();
	CU_ASSERT_EQUAL(request("hang", "h", 1, 5000, &reply), 0);
	t1 = now_s();
	pthread_join(thr, NULL);
	CU_ASSERT_EQUAL(kl.ret, 0);
	/* Dead peers are probed every 100 ms, well before the 5 s timeout. */
	CU_ASSERT(t1 - kl.killed_at < 2.0);
	CU_ASSERT(t1 - t0 < (test_under_memcheck() ? 4.5 : 2.0));
	CU_ASSERT_EQUAL(reply.nb_sent, 2);
	CU_ASSERT_EQUAL(reply.nb_received, 1);
	CU_ASSERT(reply.nb_received < reply.nb_sent);
	reply_free(&reply);
	kid_expect(k[0], false, -1);
	CU_ASSERT_EQUAL(n_secondary_files(), 1);
	expect_echo("echo", "e", 1, 1);
	kid_expect(k[1], true, 0);
}

/* A secondary dead before the request is not counted, and its file goes. */
static void
test_mp_peers_dead_before_request(void)
{
	struct kid *k[2];
	double t;

	open_primary();
	k[0] = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k[0] != NULL);
	k[1] = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k[1] != NULL);
	kid_kill(k[0]);
	CU_ASSERT_EQUAL(n_secondary_files(), 2);
	t = now_s();
	expect_echo("echo", "alive", 5, 1);
	CU_ASSERT(now_s() - t < 2.0);
	CU_ASSERT_EQUAL(n_secondary_files(), 1);
	kid_expect(k[1], true, 0);
	CU_ASSERT_EQUAL(n_secondary_files(), 0);
}

/* Broadcasts skip dead secondaries as well, and still succeed. */
static void
test_mp_peers_dead_before_sendmsg(void)
{
	struct rte_mp_msg msg;
	struct kid *k[2];

	open_primary();
	k[0] = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k[0] != NULL);
	k[1] = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k[1] != NULL);
	kid_kill(k[0]);
	msg_make(&msg, "note", "n", 1);
	EXPECT_RET(rte_mp_sendmsg(&msg), 0);
	CU_ASSERT_EQUAL(mp_read_byte(k[1]->sig, CHILD_TIMEOUT_S), 0);
	CU_ASSERT_EQUAL(n_secondary_files(), 1);
	kid_expect(k[1], true, 0);
}

/* A stopped secondary's queue fills: EAGAIN after about 100 ms each time,
 * and the other secondary got every message.
 */
static void
test_mp_peers_sendmsg_full_queue(void)
{
	int i, st, n_calls = 0, n_eagain = 0;
	struct rte_mp_msg msg;
	struct kid *k[2];
	double t;

	open_primary();
	k[0] = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k[0] != NULL);
	k[1] = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k[1] != NULL);
	CU_ASSERT_FATAL(kill(k[0]->pid, SIGSTOP) == 0);
	CU_ASSERT_FATAL(waitpid(k[0]->pid, &st, WUNTRACED) == k[0]->pid);
	msg_make(&msg, "note", "q", 1);
	for (i = 0; i < 200 && n_eagain < 2; i++, n_calls++) {
		t = now_s();
		rte_errno = 0;
		if (rte_mp_sendmsg(&msg) == 0)
			continue;
		t = now_s() - t;
		n_eagain++;
		CU_ASSERT_EQUAL(rte_errno, EAGAIN);
		CU_ASSERT(t >= 0.09);
		CU_ASSERT(t < 2.0);
	}
	CU_ASSERT_EQUAL(n_eagain, 2);
	for (i = 0; i < n_calls; i++)
		CU_ASSERT_EQUAL_FATAL(mp_read_byte(k[1]->sig, CHILD_TIMEOUT_S), 0);
	/* A full queue is not a dead peer: once resumed, it is still there. */
	CU_ASSERT_FATAL(kill(k[0]->pid, SIGCONT) == 0);
	expect_echo("echo", "both", 4, 2);
	CU_ASSERT_EQUAL(n_secondary_files(), 2);
	kid_expect(k[0], true, 0);
	kid_expect(k[1], true, 0);
}

/* An async request to a stopped secondary: the callback at the deadline. */
static void
test_mp_peers_async_timeout(void)
{
	struct timespec ts = ms_ts(300);
	struct rte_mp_msg msg;
	struct kid *k;
	double t;
	int st;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	CU_ASSERT_FATAL(kill(k->pid, SIGSTOP) == 0);
	CU_ASSERT_FATAL(waitpid(k->pid, &st, WUNTRACED) == k->pid);
	async_reset(false);
	msg_make(&msg, "echo", "slow", 4);
	t = now_s();
	CU_ASSERT_EQUAL_FATAL(rte_mp_request_async(&msg, &ts, async_clb), 0);
	CU_ASSERT_FATAL(async_wait(1, CHILD_TIMEOUT_S));
	t = now_s() - t;
	CU_ASSERT(t >= 0.25);
	CU_ASSERT(t < 3.0);
	CU_ASSERT_EQUAL(g_async.nb_sent, 1);
	CU_ASSERT_EQUAL(g_async.nb_received, 0);
	CU_ASSERT_FATAL(kill(k->pid, SIGCONT) == 0);
	/* Its late reply runs no second callback. */
	expect_echo("echo", "on", 2, 1);
	CU_ASSERT_EQUAL(async_calls(), 1);
	kid_expect(k, true, 0);
}

/* Another group in the same directory, named with ours as a prefix, is not
 * one of our secondaries.
 */
static void
test_mp_peers_groups_apart(void)
{
	const char *const other[] = { GROUP "_x", NULL };
	struct rte_mp_msg msg;
	struct kid *k;

	k = kid_start("mp_other_primary", other);
	CU_ASSERT_FATAL(k != NULL);
	open_primary();
	expect_echo("echo", "mine", 4, 0);
	msg_make(&msg, "note", "n", 1);
	EXPECT_RET(rte_mp_sendmsg(&msg), 0);
	kid_expect(k, true, 0);
}

/* Replies to a stopped requester fill its queue: EAGAIN after ~100 ms;
 * once resumed, it takes the first and drops the duplicates.
 */
static void
test_mp_peers_reply_full_queue(void)
{
	const char *const extra[] = { "hold", "1", "1", "1/1", "", "20000", NULL };
	int i, st, n_eagain = 0;
	struct kid *k;
	double t;

	open_primary();
	CU_ASSERT_FATAL(pipe2(g_note_pipe, O_CLOEXEC) == 0);
	CU_ASSERT_FATAL(rte_mp_action_register("hold", p_hold) == 0);
	k = kid_spawn("mp_ask", extra);
	CU_ASSERT_FATAL(k != NULL);
	CU_ASSERT_EQUAL_FATAL(mp_read_byte(g_note_pipe[0], CHILD_TIMEOUT_S), 0);
	CU_ASSERT_FATAL(kill(k->pid, SIGSTOP) == 0);
	CU_ASSERT_FATAL(waitpid(k->pid, &st, WUNTRACED) == k->pid);
	for (i = 0; i < 200 && n_eagain == 0; i++) {
		t = now_s();
		rte_errno = 0;
		if (rte_mp_reply(&g_held_msg, g_held_peer) == 0)
			continue;
		t = now_s() - t;
		n_eagain++;
		CU_ASSERT_EQUAL(rte_errno, EAGAIN);
		CU_ASSERT(t >= 0.09);
		CU_ASSERT(t < 2.0);
	}
	CU_ASSERT_EQUAL(n_eagain, 1);
	CU_ASSERT_FATAL(kill(k->pid, SIGCONT) == 0);
	kid_expect(k, false, 0);
	close(g_note_pipe[0]);
	close(g_note_pipe[1]);
	g_note_pipe[0] = g_note_pipe[1] = -1;
	free(g_held_peer);
	g_held_peer = NULL;
}

/* In-process: a secondary with no primary at all. */
static void
test_mp_peers_no_primary(void)
{
	struct timespec ts = ms_ts(1000);
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;

	CU_ASSERT_FATAL(mp_channel_open(g_dir, GROUP, MP_ROLE_SECONDARY) == 0);
	msg_make(&msg, "echo", "p", 1);
	EXPECT_ERR(rte_mp_request_sync(&msg, &reply, &ts), ECONNREFUSED);
	EXPECT_ERR(rte_mp_sendmsg(&msg), ECONNREFUSED);
	EXPECT_ERR(rte_mp_request_async(&msg, &ts, async_clb), ECONNREFUSED);
	mp_channel_close();
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
}

/* A secondary whose primary has gone: ECONNREFUSED. */
static void
test_mp_peers_primary_gone(void)
{
	struct kid *k;

	open_primary();
	k = kid_start("mp_orphan", NULL);
	CU_ASSERT_FATAL(k != NULL);
	mp_channel_close();
	kid_expect(k, true, 0);
}

/* ==== mp_concurrency ==== */

struct hammer {
	int idx;
	unsigned long n;
	unsigned long bad;
};

/* n requests, each with its own param, checked in its reply. */
static unsigned long
hammer_requests(int idx, unsigned long n)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (idx + 1), p[4];
	struct rte_mp_reply reply;
	unsigned long i, bad = 0;
	int len;

	/* Stop early when things go wrong: a stuck peer costs 5 s a request. */
	for (i = 0; i < n && bad < 10; i++) {
		p[0] = idx;
		p[1] = i;
		p[2] = test_rnd(&seed);
		p[3] = test_rnd(&seed);
		len = 16 + (int)(p[2] % 17);
		if (request("echo", p, len, 5000, &reply) != 0 ||
				reply.nb_sent != 1 || reply.nb_received != 1 ||
				!param_is(&reply.msgs[0], p, len))
			bad++;
		reply_free(&reply);
	}
	return bad;
}

static void *
hammer_thread(void *arg)
{
	struct hammer *h = arg;

	h->bad = hammer_requests(h->idx, h->n);
	return NULL;
}

static void
test_mp_concurrency_primary_threads(void)
{
	struct hammer h[2];
	pthread_t thr[2];
	int i, n_rs;
	struct kid *k;
	double t;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	n_rs = test_dir_count(g_dir, GROUP ".r");
	t = now_s();
	for (i = 0; i < 2; i++) {
		h[i] = (struct hammer){ .idx = i, .n = test_scale(10000, 500) };
		CU_ASSERT_FATAL(pthread_create(&thr[i], NULL, hammer_thread,
				&h[i]) == 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(thr[i], NULL);
		CU_ASSERT_EQUAL(h[i].bad, 0);
	}
	printf("(%lu requests in %.2f s) ", 2 * h[0].n, now_s() - t);
	/* The threads' reply sockets went with them. */
	CU_ASSERT_EQUAL(test_dir_count(g_dir, GROUP ".r"), n_rs);
	kid_expect(k, true, 0);
}

static void
test_mp_concurrency_secondary_threads(void)
{
	char n[24];
	const char *const extra[] = { "echo", "2", n, NULL };
	struct kid *k;

	snprintf(n, sizeof(n), "%lu", test_scale(5000, 200));
	open_primary();
	CU_ASSERT_FATAL(rte_mp_action_register("echo", p_echo) == 0);
	k = kid_spawn("mp_ask", extra);
	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
}

/* Both directions at once: the primary's threads and a secondary's. */
static void
test_mp_concurrency_both_ways(void)
{
	char n[24];
	const char *const extra[] = { "echo", "2", n, "1/1", "wait", NULL };
	struct hammer h = { .idx = 7, .n = test_scale(3000, 100) };
	struct kid *srv, *ask;
	pthread_t thr;

	snprintf(n, sizeof(n), "%lu", test_scale(3000, 100));
	open_primary();
	CU_ASSERT_FATAL(rte_mp_action_register("echo", p_echo) == 0);
	srv = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(srv != NULL);
	ask = kid_spawn("mp_ask", extra);
	CU_ASSERT_FATAL(ask != NULL);
	CU_ASSERT_FATAL(pthread_create(&thr, NULL, hammer_thread, &h) == 0);
	/* The asker is a secondary with no "echo" action: only srv replies. */
	pthread_join(thr, NULL);
	CU_ASSERT_EQUAL(h.bad, 0);
	kid_expect(ask, true, 0);
	kid_expect(srv, true, 0);
}

/* ==== mp_fuzz ==== */

static void
test_mp_fuzz_primary(void)
{
	char n[24], seed[24];
	const char *const extra[] = { n, seed, NULL };
	const char *const ask[] = { "echo", "1", "2", NULL };
	uint32_t level = rte_log_get_global_level();
	int n_fds, n_files;
	struct kid *k;
	double t;

	snprintf(n, sizeof(n), "%lu", test_scale(100000, 5000));
	snprintf(seed, sizeof(seed), "%llu",
			(unsigned long long)time(NULL) * 2654435761u + 1);
	open_primary();
	CU_ASSERT_FATAL(rte_mp_action_register("echo", p_echo) == 0);
	n_fds = test_count_fds();
	n_files = test_dir_count(g_dir, "");
	rte_log_set_global_level(RTE_LOG_ERR);
	t = now_s();
	k = kid_spawn("mp_fuzz", extra);
	CU_ASSERT(k != NULL);
	if (k != NULL)
		kid_expect(k, false, 0);
	rte_log_set_global_level(level);
	printf("(%s datagrams, seed %s, %.2f s) ", n, seed, now_s() - t);
	/* Still answers a real secondary, and holds nothing it was sent. */
	k = kid_spawn("mp_ask", ask);
	CU_ASSERT_FATAL(k != NULL);
	kid_expect(k, false, 0);
	CU_ASSERT_EQUAL(test_count_fds(), n_fds);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), n_files);
}

/* ==== mp_fault ==== */

/* Fail each socket()/bind() that open makes in turn: -errno, no file left,
 * no descriptor leaked; the open that finally succeeds works.
 */
static void
fault_open(enum fault_call which, enum mp_role role, int err)
{
	unsigned int nth, fired;
	int ret, n_fds = test_count_fds();
	char ctx[96];

	for (nth = 1; nth < 20; nth++) {
		fault_fail_nth(which, nth, err);
		ret = mp_channel_open(g_dir, GROUP, role);
		fired = fault_fired();
		fault_reset();
		if (!fired) {
			CU_ASSERT_EQUAL(ret, 0);
			break;
		}
		snprintf(ctx, sizeof(ctx), "%s #%u failing with %d, role %d: returned %d",
				fault_call_name(which), nth, err, (int)role, ret);
		CU_assertImplementation(ret == -err, __LINE__, ctx, __FILE__,
				"", CU_FALSE);
		if (ret == 0)
			mp_channel_close();
		CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
		CU_ASSERT_EQUAL(test_count_fds(), n_fds);
	}
	CU_ASSERT(nth > 1);
	mp_channel_close();
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
	CU_ASSERT_EQUAL(test_count_fds(), n_fds);
}

static void
test_mp_fault_open_socket_primary(void)
{
	fault_open(FAULT_SOCKET, MP_ROLE_PRIMARY, EMFILE);
}

static void
test_mp_fault_open_bind_primary(void)
{
	fault_open(FAULT_BIND, MP_ROLE_PRIMARY, EADDRINUSE);
}

static void
test_mp_fault_open_socket_secondary(void)
{
	fault_open(FAULT_SOCKET, MP_ROLE_SECONDARY, ENFILE);
}

static void
test_mp_fault_open_bind_secondary(void)
{
	fault_open(FAULT_BIND, MP_ROLE_SECONDARY, EACCES);
}

/* The request's sendmsg fails: nothing was sent, nothing leaked. */
static void
test_mp_fault_request_sendmsg(void)
{
	struct timespec ts = ms_ts(1000);
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;
	struct kid *k;
	int n_fds, ret, err;

	open_primary();
	k = kid_start("mp_server", NULL);
	CU_ASSERT_FATAL(k != NULL);
	expect_echo("echo", "before", 6, 1);
	n_fds = test_count_fds();
	msg_make(&msg, "echo", "f", 1);
	fault_fail_nth(FAULT_SENDMSG, 1, ENOBUFS);
	rte_errno = 0;
	ret = rte_mp_request_sync(&msg, &reply, &ts);
	err = rte_errno;
	CU_ASSERT_EQUAL(fault_fired(), 1);
	fault_reset();
	if (ret == 0) {
		CU_ASSERT_EQUAL(reply.nb_sent, 0);
		CU_ASSERT_EQUAL(reply.nb_received, 0);
		reply_free(&reply);
	} else {
		CU_ASSERT_EQUAL(ret, -1);
		CU_ASSERT_EQUAL(err, ENOBUFS);
	}
	CU_ASSERT_EQUAL(test_count_fds(), n_fds);
	expect_echo("echo", "after", 5, 1);
	kid_expect(k, true, 0);
}

/* The thread's reply socket cannot be made: the request fails cleanly. */
static void
test_mp_fault_reply_socket(void)
{
	static const enum fault_call calls[] = { FAULT_SOCKET, FAULT_BIND };
	struct timespec ts = ms_ts(1000);
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;
	unsigned int i;
	int n_fds, ret, err;

	open_primary();
	n_fds = test_count_fds();
	msg_make(&msg, "echo", "f", 1);
	for (i = 0; i < RTE_DIM(calls); i++) {
		fault_fail_nth(calls[i], 1, EMFILE);
		rte_errno = 0;
		ret = rte_mp_request_sync(&msg, &reply, &ts);
		err = rte_errno;
		CU_ASSERT_EQUAL(fault_fired(), 1);
		fault_reset();
		CU_ASSERT_EQUAL(ret, -1);
		CU_ASSERT_EQUAL(err, EMFILE);
		CU_ASSERT_EQUAL(test_count_fds(), n_fds);
		CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 1);
	}
	expect_echo("echo", "after", 5, 0);
}

/* ==== roles (children) ==== */

/* A child's fixed args: dir ready go sig, then the role's own. */
struct kid_args {
	const char *dir;
	int ready, go, sig;
	char **extra;
	int n_extra;
};

static int
kid_args(int argc, char **argv, struct kid_args *ka)
{
	if (argc < 5)
		return -1;
	ka->dir = argv[1];
	ka->ready = arg_int(argv[2]);
	ka->go = arg_int(argv[3]);
	ka->sig = arg_int(argv[4]);
	ka->extra = argv + 5;
	ka->n_extra = argc - 5;
	return 0;
}

/* The server's state, shared with its actions. */
static struct {
	int sig;
	bool hang;
	int base_fds;
	int status; /* first failed check in an action */
} srv;

static void
srv_fail(int code)
{
	if (srv.status == 0)
		srv.status = code;
	fprintf(stderr, "child server (pid %d): check %d failed\n",
			(int)getpid(), code);
}

static int
reply_bytes(const struct rte_mp_msg *req, const void *peer, const void *p,
		int len)
{
	struct rte_mp_msg rep;

	msg_make(&rep, req->name, p, len);
	return rte_mp_reply(&rep, peer);
}

static int
s_echo(const struct rte_mp_msg *msg, const void *peer)
{
	return echo_reply(msg, peer);
}

static int
s_pid(const struct rte_mp_msg *msg, const void *peer)
{
	int pid = getpid();

	return reply_bytes(msg, peer, &pid, sizeof(pid));
}

/* Check the 8 descriptors, close them, answer with 8 of its own. */
static int
s_fds(const struct rte_mp_msg *msg, const void *peer)
{
	struct rte_mp_msg rep;
	int i, ret;

	msg_make(&rep, msg->name, "\1", 1);
	if (msg->num_fds != RTE_MP_MAX_FD_NUM)
		srv_fail(100);
	for (i = 0; i < msg->num_fds; i++) {
		if (!memfd_is(msg->fds[i], "fd%d", i))
			srv_fail(101);
	}
	fds_close(msg->fds, msg->num_fds);
	if (memfds_make(rep.fds, RTE_MP_MAX_FD_NUM, "back%d") == 0)
		rep.num_fds = RTE_MP_MAX_FD_NUM;
	else
		srv_fail(102);
	ret = rte_mp_reply(&rep, peer);
	if (ret != 0)
		srv_fail(103);
	if (!fds_valid(rep.fds, rep.num_fds))
		srv_fail(104);
	fds_close(rep.fds, rep.num_fds);
	return ret;
}

static int
s_unreg(const struct rte_mp_msg *msg, const void *peer)
{
	rte_mp_action_unregister("echo");
	rte_mp_action_unregister("pid");
	return echo_reply(msg, peer);
}

/* Signal the parent, then (as "hang") stay busy until killed. */
static int
s_hang(const struct rte_mp_msg *msg, const void *peer)
{
	if (srv.hang) {
		mp_write_byte(srv.sig);
		poll(NULL, 0, CHILD_TIMEOUT_S * 1000);
	}
	return echo_reply(msg, peer);
}

static int
s_count(const struct rte_mp_msg *msg, const void *peer)
{
	int n = test_count_fds();

	if (n != srv.base_fds) {
		fprintf(stderr, "child server: %d descriptors, %d at start\n",
				n, srv.base_fds);
		srv_fail(110);
	}
	fds_close(msg->fds, msg->num_fds);
	return reply_bytes(msg, peer, NULL, 0);
}

/* A message: one byte to the parent. */
static int
s_note(const struct rte_mp_msg *msg, const void *peer)
{
	RTE_SET_USED(peer);
	fds_close(msg->fds, msg->num_fds);
	return mp_write_byte(srv.sig);
}

static int
srv_register(void)
{
	static const struct {
		const char *name;
		rte_mp_t fn;
	} acts[] = {
		{ "echo", s_echo }, { "pid", s_pid }, { "fds", s_fds },
		{ "unreg", s_unreg }, { "hang", s_hang }, { "count", s_count },
		{ "note", s_note },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(acts); i++) {
		if (rte_mp_action_register(acts[i].name, acts[i].fn) != 0)
			return -1;
	}
	return 0;
}

/*
 * A request nobody answers but the primary's IPC thread ("ignored"): once
 * it is back, the primary has handled the hello sent before it.
 */
static int
hello_handled(void)
{
	struct rte_mp_reply reply;
	int ret = request("mp_test:sync", NULL, 0, 5000, &reply);

	ret = ret == 0 && reply.nb_sent == 0 ? 0 : -1;
	reply_free(&reply);
	return ret;
}

/*
 * extra: ["hang"|"nosync"]. A secondary with the actions above, until go.
 * Unless nosync, it makes sure that the primary knows it before it says it
 * is ready (test_mp_basic_open_then_request checks that without).
 */
static int
role_server(int argc, char **argv)
{
	struct kid_args ka;
	bool sync;

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0, 2);
	srv.sig = ka.sig;
	srv.hang = ka.n_extra > 0 && strcmp(ka.extra[0], "hang") == 0;
	sync = ka.n_extra == 0 || strcmp(ka.extra[0], "nosync") != 0;
	CHILD_CHECK(mp_channel_open(ka.dir, GROUP, MP_ROLE_SECONDARY) == 0, 3);
	CHILD_CHECK(srv_register() == 0, 4);
	CHILD_CHECK(!sync || hello_handled() == 0, 7);
	srv.base_fds = test_count_fds();
	CHILD_CHECK(mp_write_byte(ka.ready) == 0, 5);
	CHILD_CHECK(mp_read_byte(ka.go, CHILD_TIMEOUT_S) == 0, 6);
	mp_channel_close();
	return srv.status;
}

struct ask {
	const char *name;
	int idx;
	unsigned long n;
	int expect_sent, expect_received;
	long timeout_ms;
	int code;
};

static void *
ask_thread(void *arg)
{
	uint64_t seed = 12345 + ((struct ask *)arg)->idx, p[3];
	struct ask *a = arg;
	struct rte_mp_reply reply;
	unsigned long i;
	int len;

	for (i = 0; i < a->n && a->code == 0; i++) {
		p[0] = a->idx;
		p[1] = i;
		p[2] = test_rnd(&seed);
		len = 16 + (int)(p[2] % 9);
		if (request(a->name, p, len, a->timeout_ms, &reply) != 0)
			a->code = 10;
		else if (reply.nb_sent != a->expect_sent)
			a->code = 11;
		else if (reply.nb_received != a->expect_received)
			a->code = 12;
		else if (reply.nb_received == 1 &&
				!param_is(&reply.msgs[0], p, len))
			a->code = 13;
		else if (reply.nb_received == 0 && reply.msgs != NULL)
			a->code = 14;
		if (a->code != 0)
			fprintf(stderr, "child ask '%s' #%lu: code %d, rte_errno %d, nb_sent %d nb_received %d\n",
					a->name, i, a->code, rte_errno,
					reply.nb_sent, reply.nb_received);
		reply_free(&reply);
	}
	return NULL;
}

/*
 * extra: name n_threads n_requests [sent/received [wait [timeout_ms]]].
 * Requests from a secondary, each expecting nb_sent and nb_received (both
 * 1 by default) and its param echoed; with wait non-empty, the channel
 * stays open until go.
 */
static int
role_ask(int argc, char **argv)
{
	struct ask a[4];
	pthread_t thr[4];
	struct kid_args ka;
	int i, n_thr;

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0 && ka.n_extra >= 3, 2);
	n_thr = arg_int(ka.extra[1]);
	CHILD_CHECK(n_thr >= 1 && n_thr <= 4, 3);
	CHILD_CHECK(mp_channel_open(ka.dir, GROUP, MP_ROLE_SECONDARY) == 0, 4);
	for (i = 0; i < n_thr; i++) {
		a[i] = (struct ask){ .name = ka.extra[0], .idx = i,
			.n = strtoul(ka.extra[2], NULL, 0),
			.expect_sent = 1, .expect_received = 1,
			.timeout_ms = ka.n_extra > 5 ? arg_int(ka.extra[5]) : 5000 };
		if (ka.n_extra > 3)
			CHILD_CHECK(sscanf(ka.extra[3], "%d/%d", &a[i].expect_sent,
					&a[i].expect_received) == 2, 7);
		CHILD_CHECK(pthread_create(&thr[i], NULL, ask_thread, &a[i]) == 0,
				5);
	}
	for (i = 0; i < n_thr; i++)
		pthread_join(thr[i], NULL);
	if (ka.n_extra > 4 && ka.extra[4][0] != '\0')
		CHILD_CHECK(mp_read_byte(ka.go, CHILD_TIMEOUT_S) == 0, 6);
	mp_channel_close();
	for (i = 0; i < n_thr; i++)
		CHILD_CHECK(a[i].code == 0, 20 + a[i].code);
	return 0;
}

/* extra: primary|secondary expected_ret. One open, its result checked. */
static int
role_open(int argc, char **argv)
{
	struct kid_args ka;
	enum mp_role role;
	int ret;

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0 && ka.n_extra == 2, 2);
	role = strcmp(ka.extra[0], "primary") == 0 ? MP_ROLE_PRIMARY :
		MP_ROLE_SECONDARY;
	ret = mp_channel_open(ka.dir, GROUP, role);
	CHILD_CHECK(ret == arg_int(ka.extra[1]), 10);
	mp_channel_close();
	return 0;
}

/* Two "note" messages to the primary. */
static int
role_sendmsg(int argc, char **argv)
{
	struct rte_mp_msg msg;
	struct kid_args ka;

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0, 2);
	CHILD_CHECK(mp_channel_open(ka.dir, GROUP, MP_ROLE_SECONDARY) == 0, 3);
	msg_make(&msg, "note", "s", 1);
	CHILD_CHECK(rte_mp_sendmsg(&msg) == 0, 10);
	CHILD_CHECK(rte_mp_sendmsg(&msg) == 0, 11);
	mp_channel_close();
	return 0;
}

/* Open, wait until the primary is gone, then everything is refused. */
static int
role_orphan(int argc, char **argv)
{
	struct timespec ts = ms_ts(1000);
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;
	struct kid_args ka;

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0, 2);
	CHILD_CHECK(mp_channel_open(ka.dir, GROUP, MP_ROLE_SECONDARY) == 0, 3);
	CHILD_CHECK(mp_write_byte(ka.ready) == 0, 4);
	CHILD_CHECK(mp_read_byte(ka.go, CHILD_TIMEOUT_S) == 0, 5);
	msg_make(&msg, "echo", "o", 1);
	rte_errno = 0;
	CHILD_CHECK(rte_mp_request_sync(&msg, &reply, &ts) == -1, 10);
	CHILD_CHECK(rte_errno == ECONNREFUSED, 11);
	rte_errno = 0;
	CHILD_CHECK(rte_mp_sendmsg(&msg) == -1, 12);
	CHILD_CHECK(rte_errno == ECONNREFUSED, 13);
	rte_errno = 0;
	CHILD_CHECK(rte_mp_request_async(&msg, &ts, async_clb) == -1, 14);
	CHILD_CHECK(rte_errno == ECONNREFUSED, 15);
	mp_channel_close();
	return 0;
}

/* Send descriptors to the primary: no action, echo (closes them). */
static int
role_send_fds(int argc, char **argv)
{
	struct timespec ts = ms_ts(5000);
	int fds[RTE_MP_MAX_FD_NUM], n_fds;
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;
	struct kid_args ka;

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0, 2);
	CHILD_CHECK(mp_channel_open(ka.dir, GROUP, MP_ROLE_SECONDARY) == 0, 3);
	CHILD_CHECK(request("echo", NULL, 0, 5000, &reply) == 0, 4);
	reply_free(&reply);
	n_fds = test_count_fds();
	CHILD_CHECK(memfds_make(fds, RTE_MP_MAX_FD_NUM, "fd%d") == 0, 5);
	msg_make(&msg, "nobody", "n", 1);
	msg.num_fds = RTE_MP_MAX_FD_NUM;
	memcpy(msg.fds, fds, sizeof(fds));
	CHILD_CHECK(rte_mp_sendmsg(&msg) == 0, 10);
	CHILD_CHECK(rte_mp_request_sync(&msg, &reply, &ts) == 0, 11);
	CHILD_CHECK(reply.nb_sent == 0 && reply.nb_received == 0, 12);
	reply_free(&reply);
	memcpy(msg.name, "echo", 5);
	CHILD_CHECK(rte_mp_sendmsg(&msg) == 0, 13);
	CHILD_CHECK(rte_mp_request_sync(&msg, &reply, &ts) == 0, 14);
	CHILD_CHECK(reply.nb_sent == 1 && reply.nb_received == 1, 15);
	CHILD_CHECK(reply.msgs[0].num_fds == 0, 16);
	reply_free(&reply);
	CHILD_CHECK(fds_valid(fds, RTE_MP_MAX_FD_NUM), 17);
	fds_close(fds, RTE_MP_MAX_FD_NUM);
	CHILD_CHECK(test_count_fds() == n_fds, 18);
	mp_channel_close();
	return 0;
}

/* extra: group. The primary of another group in the same directory. */
static int
role_other_primary(int argc, char **argv)
{
	struct kid_args ka;

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0 && ka.n_extra == 1, 2);
	CHILD_CHECK(mp_channel_open(ka.dir, ka.extra[0], MP_ROLE_PRIMARY) == 0,
			3);
	CHILD_CHECK(rte_mp_action_register("echo", s_echo) == 0, 4);
	CHILD_CHECK(rte_mp_action_register("note", s_echo) == 0, 5);
	CHILD_CHECK(mp_write_byte(ka.ready) == 0, 6);
	CHILD_CHECK(mp_read_byte(ka.go, CHILD_TIMEOUT_S) == 0, 7);
	mp_channel_close();
	return 0;
}

/* A primary: disable refused with a live secondary, then granted. */
static int
role_disable_pri(int argc, char **argv)
{
	struct timespec ts = ms_ts(100);
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;
	struct kid_args ka;
	char peer[PATH_MAX + 32];

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0, 2);
	snprintf(peer, sizeof(peer), "%s/%s_1_0#1", ka.dir, GROUP);
	CHILD_CHECK(mp_channel_open(ka.dir, GROUP, MP_ROLE_PRIMARY) == 0, 3);
	CHILD_CHECK(rte_mp_action_register("echo", s_echo) == 0, 4);
	CHILD_CHECK(mp_write_byte(ka.ready) == 0, 5);
	/* The secondary has made a request to us: it is live and known. */
	CHILD_CHECK(mp_read_byte(ka.go, CHILD_TIMEOUT_S) == 0, 6);
	CHILD_CHECK(rte_mp_disable() == false, 10);
	msg_make(&msg, "echo", "d", 1);
	CHILD_CHECK(rte_mp_sendmsg(&msg) == 0, 11);
	CHILD_CHECK(mp_write_byte(ka.ready) == 0, 12);
	/* The secondary has gone. */
	CHILD_CHECK(mp_read_byte(ka.go, CHILD_TIMEOUT_S) == 0, 13);
	CHILD_CHECK(rte_mp_disable() == true, 20);
	CHILD_CHECK(rte_mp_disable() == true, 21);
	rte_errno = 0;
	CHILD_CHECK(rte_mp_action_register("other", s_echo) == -1, 22);
	CHILD_CHECK(rte_errno == ENOTSUP, 23);
	rte_errno = 0;
	CHILD_CHECK(rte_mp_sendmsg(&msg) == -1 && rte_errno == ENOTSUP, 24);
	rte_errno = 0;
	CHILD_CHECK(rte_mp_request_sync(&msg, &reply, &ts) == -1, 25);
	CHILD_CHECK(rte_errno == ENOTSUP, 26);
	rte_errno = 0;
	CHILD_CHECK(rte_mp_request_async(&msg, &ts, async_clb) == -1, 27);
	CHILD_CHECK(rte_errno == ENOTSUP, 28);
	rte_errno = 0;
	CHILD_CHECK(rte_mp_reply(&msg, peer) == -1 && rte_errno == ENOTSUP, 29);
	CHILD_CHECK(mp_channel_open(ka.dir, GROUP, MP_ROLE_PRIMARY) == -ENOTSUP,
			30);
	CHILD_CHECK(mp_channel_open(ka.dir, GROUP, MP_ROLE_SECONDARY) ==
			-ENOTSUP, 31);
	CHILD_CHECK(test_dir_count(ka.dir, "") == 0, 32);
	return 0;
}

/* A secondary: rte_mp_disable() is false and IPC goes on working. */
static int
role_disable_sec(int argc, char **argv)
{
	struct rte_mp_reply reply;
	struct kid_args ka;

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0, 2);
	CHILD_CHECK(mp_channel_open(ka.dir, GROUP, MP_ROLE_SECONDARY) == 0, 3);
	CHILD_CHECK(request("echo", "s", 1, 5000, &reply) == 0, 5);
	CHILD_CHECK(reply.nb_received == 1, 6);
	reply_free(&reply);
	CHILD_CHECK(rte_mp_disable() == false, 10);
	CHILD_CHECK(request("echo", "t", 1, 5000, &reply) == 0, 11);
	CHILD_CHECK(reply.nb_received == 1, 12);
	reply_free(&reply);
	CHILD_CHECK(mp_write_byte(ka.ready) == 0, 13);
	CHILD_CHECK(mp_read_byte(ka.go, CHILD_TIMEOUT_S) == 0, 14);
	mp_channel_close();
	return 0;
}

/* IPC never started: rte_mp_disable() is true, and lasts. */
static int
role_disable_never(int argc, char **argv)
{
	struct kid_args ka;

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0, 2);
	CHILD_CHECK(rte_mp_disable() == true, 10);
	rte_errno = 0;
	CHILD_CHECK(rte_mp_action_register("echo", s_echo) == -1, 11);
	CHILD_CHECK(rte_errno == ENOTSUP, 12);
	CHILD_CHECK(mp_channel_open(ka.dir, GROUP, MP_ROLE_PRIMARY) == -ENOTSUP,
			13);
	return 0;
}

/* ---- the fuzzer: a raw socket in the directory ---- */

#define FUZZ_MAX_FDS 20

struct fuzz {
	int sock;
	struct sockaddr_un me, dst;
	uint64_t seed;
	int fds[FUZZ_MAX_FDS];
	uint8_t buf[1024] __attribute__((aligned(8)));
};

/* One datagram with n_fds of fz->fds attached; blocking, bounded. */
static int
fuzz_send(struct fuzz *fz, const void *data, size_t len, int n_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FUZZ_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr mh = { .msg_name = &fz->dst,
		.msg_namelen = sizeof(fz->dst), .msg_iov = &iov,
		.msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (n_fds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cm), fz->fds, sizeof(int) * n_fds);
	}
	for (;;) {
		if (sendmsg(fz->sock, &mh, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* Receive one datagram (closing its descriptors): its size, or -1. */
static ssize_t
fuzz_recv(struct fuzz *fz, struct mp_wire *w, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FUZZ_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = w, .iov_len = sizeof(*w) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	ssize_t len;
	size_t k;
	int fd;

	len = recvmsg(fz->sock, &mh, flags | MSG_CMSG_CLOEXEC);
	if (len < 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		for (k = 0; cm->cmsg_type == SCM_RIGHTS &&
				CMSG_LEN((k + 1) * sizeof(int)) <= cm->cmsg_len; k++) {
			memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			close(fd);
		}
	}
	return len;
}

/* Whatever the primary answered so far. */
static void
fuzz_drain(struct fuzz *fz)
{
	struct mp_wire w;

	while (fuzz_recv(fz, &w, MSG_DONTWAIT) >= 0)
		;
}

static void
wire_good(struct mp_wire *w, uint32_t type, const char *name, uint64_t id)
{
	memset(w, 0, sizeof(*w));
	w->magic = MP_WIRE_MAGIC;
	w->type = type;
	w->id = id;
	snprintf(w->msg.name, sizeof(w->msg.name), "%s", name);
	w->msg.len_param = 3;
	memcpy(w->msg.param, "fzz", 3);
}

/* Case c of the malformed (or odd but valid) datagrams. */
static int
fuzz_case(struct fuzz *fz, unsigned int c, struct mp_wire *w, size_t *len)
{
	int n_fds = 0;

	*len = sizeof(*w);
	wire_good(w, MP_REQ, "echo", test_rnd(&fz->seed));
	switch (c) {
	case 0: w->magic ^= 1u << (test_rnd(&fz->seed) % 32); break;
	case 1: w->type = 0; break;
	case 2: w->type = 5; break;
	case 3: w->type = 0x80000000u | (uint32_t)test_rnd(&fz->seed); break;
	case 4: name_64(w->msg.name); break;
	case 5: w->msg.name[0] = '\0'; break;
	case 6: w->msg.len_param = -1; break;
	case 7: w->msg.len_param = 257; break;
	case 8: w->msg.num_fds = -1; break;
	case 9: w->msg.num_fds = 9; break;
	case 10: w->msg.num_fds = 9; n_fds = 9; break;
	case 11: w->msg.num_fds = 2; break;
	case 12: w->msg.num_fds = 2; n_fds = 3; break;
	case 13: n_fds = 2; break;
	case 14: w->type = MP_REP; break;
	case 15: w->type = MP_REP; w->msg.num_fds = 2; n_fds = 2; break;
	case 16: w->type = MP_IGN; w->msg.num_fds = 1; n_fds = 1; break;
	case 17: *len = sizeof(*w) - 1; break;
	case 18: *len = sizeof(*w) + 1; break;
	case 19: w->msg.num_fds = 8; n_fds = FUZZ_MAX_FDS; break;
	case 20: w->type = MP_MSG; w->msg.num_fds = 1; n_fds = 1; break;
	case 21: wire_good(w, MP_REQ, "nobody", 7); w->msg.num_fds = 3; n_fds = 3; break;
	case 22: wire_good(w, MP_MSG, "nobody", 0); w->msg.num_fds = 8; n_fds = 8; break;
	case 23: wire_good(w, MP_MSG, MP_BYE, 0); break;
	case 24: w->type = MP_REQ; w->msg.len_param = INT_MIN; break;
	case 25: w->msg.num_fds = 1; w->msg.len_param = 0; break;
	default: *len = 0; break;
	}
	return n_fds;
}
#define FUZZ_CASES 27

/* Random bytes, sometimes behind a valid magic and type. */
static int
fuzz_random(struct fuzz *fz, size_t *len)
{
	uint64_t r = test_rnd(&fz->seed);
	uint32_t hdr[2] = { MP_WIRE_MAGIC, 1 + (uint32_t)(r >> 40) % 4 };
	size_t i;

	*len = r % 1001;
	if ((r >> 20) % 8 == 0)
		*len = sizeof(struct mp_wire);
	for (i = 0; i < *len; i += 8) {
		r = test_rnd(&fz->seed);
		memcpy(fz->buf + i, &r, 8);
	}
	if (*len >= sizeof(hdr) && (r & 3) != 0)
		memcpy(fz->buf, hdr, sizeof(hdr));
	return (r >> 8) % 8 == 0 ? (int)((r >> 16) % 4) : 0;
}

static int
fuzz_open(struct fuzz *fz, const char *dir)
{
	struct timeval tv = { .tv_sec = 10 };
	int i;

	fz->me.sun_family = fz->dst.sun_family = AF_UNIX;
	snprintf(fz->me.sun_path, sizeof(fz->me.sun_path), "%s/fuzz_%d", dir,
			(int)getpid());
	snprintf(fz->dst.sun_path, sizeof(fz->dst.sun_path), "%s/%s", dir,
			GROUP);
	fz->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fz->sock < 0 || bind(fz->sock, (struct sockaddr *)&fz->me,
			sizeof(fz->me)) != 0)
		return -1;
	if (setsockopt(fz->sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
			setsockopt(fz->sock, SOL_SOCKET, SO_RCVTIMEO, &tv,
					sizeof(tv)))
		return -1;
	for (i = 0; i < FUZZ_MAX_FDS; i++) {
		fz->fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fz->fds[i] < 0)
			return -1;
	}
	return 0;
}

/* A real request from the raw socket still gets its reply. */
static int
fuzz_final(struct fuzz *fz)
{
	struct mp_wire w;
	uint64_t id = 0xf1a1;
	ssize_t len;
	int i;

	wire_good(&w, MP_REQ, "echo", id);
	if (fuzz_send(fz, &w, sizeof(w), 0) != 0)
		return -1;
	for (i = 0; i < 1000; i++) {
		len = fuzz_recv(fz, &w, 0);
		if (len < 0)
			return -1;
		if (len == sizeof(w) && w.type == MP_REP && w.id == id)
			return memcmp(w.msg.param, "fzz", 3) == 0 ? 0 : -1;
	}
	return -1;
}

/* extra: n seed. */
static int
role_fuzz(int argc, char **argv)
{
	struct fuzz fz = { .sock = -1 };
	struct kid_args ka;
	unsigned long i, n;
	size_t len;
	int n_fds;

	CHILD_CHECK(kid_args(argc, argv, &ka) == 0 && ka.n_extra == 2, 2);
	n = strtoul(ka.extra[0], NULL, 0);
	fz.seed = strtoull(ka.extra[1], NULL, 0) | 1;
	CHILD_CHECK(fuzz_open(&fz, ka.dir) == 0, 3);
	for (i = 0; i < n; i++) {
		if (i % 2 == 0) {
			n_fds = fuzz_random(&fz, &len);
			CHILD_CHECK(fuzz_send(&fz, fz.buf, len, n_fds) == 0, 10);
		} else {
			n_fds = fuzz_case(&fz, (i / 2) % FUZZ_CASES,
					(struct mp_wire *)fz.buf, &len);
			CHILD_CHECK(fuzz_send(&fz, fz.buf, len, n_fds) == 0, 11);
		}
		fuzz_drain(&fz);
	}
	CHILD_CHECK(fuzz_final(&fz) == 0, 12);
	unlink(fz.me.sun_path);
	return 0;
}

/* ==== registration ==== */

const struct test_role test_roles[] = {
	{ "mp_server", role_server },
	{ "mp_ask", role_ask },
	{ "mp_open", role_open },
	{ "mp_sendmsg", role_sendmsg },
	{ "mp_orphan", role_orphan },
	{ "mp_send_fds", role_send_fds },
	{ "mp_disable_pri", role_disable_pri },
	{ "mp_disable_sec", role_disable_sec },
	{ "mp_disable_never", role_disable_never },
	{ "mp_fuzz", role_fuzz },
	{ "mp_other_primary", role_other_primary },
	{ NULL, NULL },
};


#define T(fn) TEST_DEF(fn)

static const struct test_def invalid_tests[] = {
	T(test_mp_invalid_register), T(test_mp_invalid_unregister),
	T(test_mp_invalid_msg), T(test_mp_invalid_msg_limits),
	T(test_mp_invalid_request_sync), T(test_mp_invalid_request_async),
	T(test_mp_invalid_reply), T(test_mp_invalid_not_running),
	T(test_mp_invalid_open_twice), T(test_mp_invalid_second_primary),
	T(test_mp_invalid_group), T(test_mp_invalid_dir_too_long),
	T(test_mp_invalid_deadlock_action),
	T(test_mp_invalid_deadlock_callback),
	{ NULL, NULL },
};

static const struct test_def basic_tests[] = {
	T(test_mp_basic_primary_to_secondary),
	T(test_mp_basic_secondary_to_primary),
	T(test_mp_basic_open_then_request),
	T(test_mp_basic_four_secondaries), T(test_mp_basic_no_action),
	T(test_mp_basic_async), T(test_mp_basic_async_no_peer),
	T(test_mp_basic_async_no_action), T(test_mp_basic_broadcast),
	T(test_mp_basic_secondary_sendmsg), T(test_mp_basic_unregister),
	T(test_mp_basic_unregister_primary), T(test_mp_basic_reply_later),
	T(test_mp_basic_async_from_callback), T(test_mp_basic_close_drops_async),
	T(test_mp_basic_reply_requester_gone),
	T(test_mp_basic_disable), T(test_mp_basic_disable_never_started),
	{ NULL, NULL },
};

static const struct test_def fds_tests[] = {
	T(test_mp_fds_round_trip), T(test_mp_fds_no_action),
	T(test_mp_fds_no_action_primary), T(test_mp_fds_too_many),
	T(test_mp_fds_async_reply),
	{ NULL, NULL },
};

static const struct test_def peers_tests[] = {
	T(test_mp_peers_stopped), T(test_mp_peers_killed_during_request),
	T(test_mp_peers_dead_before_request),
	T(test_mp_peers_dead_before_sendmsg), T(test_mp_peers_sendmsg_full_queue),
	T(test_mp_peers_async_timeout), T(test_mp_peers_groups_apart),
	T(test_mp_peers_reply_full_queue),
	T(test_mp_peers_no_primary),
	T(test_mp_peers_primary_gone),
	{ NULL, NULL },
};

static const struct test_def concurrency_tests[] = {
	T(test_mp_concurrency_primary_threads),
	T(test_mp_concurrency_secondary_threads),
	T(test_mp_concurrency_both_ways),
	{ NULL, NULL },
};

static const struct test_def fuzz_tests[] = {
	T(test_mp_fuzz_primary),
	{ NULL, NULL },
};

static const struct test_def fault_tests[] = {
	T(test_mp_fault_open_socket_primary), T(test_mp_fault_open_bind_primary),
	T(test_mp_fault_open_socket_secondary),
	T(test_mp_fault_open_bind_secondary),
	T(test_mp_fault_request_sendmsg), T(test_mp_fault_reply_socket),
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
	/* A child that exited early must not kill us when we write to it. */
	signal(SIGPIPE, SIG_IGN);
	add_suite("mp_invalid", invalid_tests);
	add_suite("mp_basic", basic_tests);
	add_suite("mp_fds", fds_tests);
	add_suite("mp_peers", peers_tests);
	add_suite("mp_concurrency", concurrency_tests);
	add_suite("mp_fuzz", fuzz_tests);
	add_suite("mp_fault", fault_tests);
}
