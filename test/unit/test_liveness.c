/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * A secondary is told when its primary dies (issue 7, item 2): within a
 * second, by a log line and the callbacks the program registered, and it
 * keeps using the memory it has mapped. The primary is this binary run
 * again; the test process is the secondary, and kills the primary with
 * SIGKILL. Then the secondary, the last of the group, leaves nothing
 * behind.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include "test/lib/test_assert.h"
#include "test/lib/test_main.h"
#include "test/lib/test_util.h"
#include "test/mp/harness.h"

#define PREFIX "livetest"
#define ZONE "live_zone"
#define BOUND_MS 1000

static char base[PATH_MAX];

/* ---- the primary ---- */

/* argv: base dir, the fd to say "ready" on. Then it waits to be killed. */
static int
role_primary(int argc, char **argv)
{
	char *eargv[] = { "test_liveness", "--proc-type=primary", "--no-huge",
		"--file-prefix", PREFIX, NULL };
	const struct rte_memzone *mz;

	if (argc < 3 || setenv("RUNTIME_DIRECTORY", argv[1], 1) < 0 ||
			rte_eal_init(5, eargv) < 0)
		return 1;
	mz = rte_memzone_reserve(ZONE, 64, SOCKET_ID_ANY, 0);
	if (mz == NULL)
		return 2;
	strcpy(mz->addr, "from the primary");
	if (mp_write_byte(atoi(argv[2])) < 0)
		return 3;
	for (;;)
		pause();
}

const struct test_role test_roles[] = {
	{ "primary", role_primary },
	{ NULL, NULL },
};

/* ---- the secondary (this process) ---- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int calls[2];
	int64_t at_ms;
} seen = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0 };

static void
on_gone(void *arg)
{
	int which = (int)(intptr_t)arg;

	pthread_mutex_lock(&seen.lock);
	seen.calls[which]++;
	seen.at_ms = test_now_ms();
	pthread_cond_broadcast(&seen.cond);
	pthread_mutex_unlock(&seen.lock);
}

/* Wait until callback 0 ran, at most ms; whether it did. */
static bool
wait_gone(int ms)
{
	struct timespec until;
	bool called;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000 + 1;
	pthread_mutex_lock(&seen.lock);
	while (seen.calls[0] == 0 &&
			pthread_cond_timedwait(&seen.cond, &seen.lock,
				&until) == 0)
		;
	called = seen.calls[0] != 0;
	pthread_mutex_unlock(&seen.lock);
	return called;
}

static pid_t
start_primary(void)
{
	int fds[2];
	char fd_arg[16];
	const char *args[] = { base, fd_arg, NULL };
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	snprintf(fd_arg, sizeof(fd_arg), "%d", fds[1]);
	if (mp_spawn("primary", args, &pid) != 0)
		pid = -1;
	close(fds[1]);
	if (pid > 0 && mp_read_byte(fds[0], 30) != 0) {
		kill(pid, SIGKILL);
		mp_wait(pid, 10);
		pid = -1;
	}
	close(fds[0]);
	return pid;
}

static int
join_group(void)
{
	char *eargv[] = { "test_liveness", "--proc-type=secondary", "--no-huge",
		"--file-prefix", PREFIX, NULL };

	return rte_eal_init(5, eargv);
}

static void
test_callback_invalid(void)
{
	CHECK_ERR(rte_eal_primary_gone_callback_register(NULL, NULL) == -1,
			EINVAL);
	CHECK_ERR(rte_eal_primary_gone_callback_unregister(NULL, NULL) == -1,
			EINVAL);
	CHECK_ERR(rte_eal_primary_gone_callback_unregister(on_gone, NULL) == -1,
			ENOENT);
	CU_ASSERT_EQUAL(rte_eal_primary_gone_callback_register(on_gone, NULL),
			0);
	CHECK_ERR(rte_eal_primary_gone_callback_register(on_gone, NULL) == -1,
			EEXIST);
	CU_ASSERT_EQUAL(rte_eal_primary_gone_callback_unregister(on_gone,
			NULL), 0);
}

/* Told within the bound; an unregistered callback is not called; the
 * memory stays; leaving then removes everything. */
static void
test_primary_death_told(void)
{
	const struct rte_memzone *mz;
	int64_t killed_ms;
	pid_t pid = start_primary();

	CU_ASSERT_FATAL(pid > 0);
	if (join_group() < 0) {
		printf("\n    join: %s ", rte_strerror(rte_errno));
		kill(pid, SIGKILL);
		mp_wait(pid, 10);
		CU_FAIL_FATAL("the secondary could not join");
	}
	CU_ASSERT(rte_eal_primary_gone_callback_register(on_gone,
			(void *)0) == 0);
	CU_ASSERT(rte_eal_primary_gone_callback_register(on_gone,
			(void *)1) == 0);
	CU_ASSERT(rte_eal_primary_gone_callback_unregister(on_gone,
			(void *)1) == 0);
	mz = rte_memzone_lookup(ZONE);
	CU_ASSERT_FATAL(mz != NULL);
	killed_ms = test_now_ms();
	CU_ASSERT_FATAL(kill(pid, SIGKILL) == 0);
	CU_ASSERT(wait_gone(BOUND_MS));
	CU_ASSERT(seen.at_ms - killed_ms <= BOUND_MS);
	printf("\n    told after %lld ms ", (long long)(seen.at_ms - killed_ms));
	CU_ASSERT_EQUAL(seen.calls[0], 1);
	CU_ASSERT_EQUAL(seen.calls[1], 0);
	CU_ASSERT_STRING_EQUAL(mz->addr, "from the primary");
	CU_ASSERT_EQUAL(mp_wait(pid, 10), -1);
	CU_ASSERT_EQUAL(rte_eal_cleanup(), 0);
	CU_ASSERT(!test_file_exists(base, PREFIX));
}

static int
init_suite(void)
{
	return test_dir_create(base, sizeof(base)) < 0 ||
		setenv("RUNTIME_DIRECTORY", base, 1) < 0 ? -1 : 0;
}

static int
clean_suite(void)
{
	unsetenv("RUNTIME_DIRECTORY");
	return test_dir_remove(base);
}

static const struct test_def tests[] = {
	TEST_DEF(test_callback_invalid),
	TEST_DEF(test_primary_death_told),
	{ NULL, NULL },
};

void
test_register(void)
{
	const struct test_hooks hooks = { init_suite, clean_suite, NULL, NULL };

	test_add_suite("liveness", tests, &hooks);
}
