/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Secondaries attach reliably with address randomisation on (issue 7,
 * item 3). The test process is the primary, at a known base address
 * (--base-virtaddr); secondaries are this binary run again:
 *
 *   - many plain launches in a row: every one attaches;
 *   - a secondary that finds its own mapping at the primary's base the
 *     first time it runs: it runs itself again without randomisation and
 *     attaches then (the mapping is made only in the first run);
 *   - a secondary that always puts a mapping there: it runs itself again
 *     once, then fails with EADDRNOTAVAIL and a log that names what is in
 *     the way and what to do. Never a crash.
 * Under valgrind there is no second run (valgrind lays programs out
 * itself): the first case is skipped, the second fails at once.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <valgrind/valgrind.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include "test/lib/test_main.h"
#include "test/lib/test_util.h"
#include "test/mp/harness.h"

#define PREFIX "attachtest"
#define BASE 0x300000000000ULL   /* the primary's base: config there */
#define BASE_ARG "0x300000000000"
#define ZONE "attach_zone"
#define REEXEC_ENV "MEMPLANE_NO_ASLR_REEXEC"
#define N_LAUNCHES 1000

static struct {
	char base[PATH_MAX];
	char log[PATH_MAX + 16];
} fx;

/* ---- the secondaries ---- */

static int
init_secondary(void)
{
	char *argv[] = { "test_attach", "--proc-type=secondary", "--no-huge",
		"--file-prefix", PREFIX, NULL };

	return rte_eal_init(5, argv);
}

/* A secondary that attaches, finds the primary's zone and leaves. */
static int
attach_and_check(void)
{
	const struct rte_memzone *mz;

	if (init_secondary() < 0)
		return 20;
	mz = rte_memzone_lookup(ZONE);
	if (mz == NULL || strcmp(mz->addr, "primary") != 0)
		return 21;
	return rte_eal_cleanup() == 0 ? 0 : 22;
}

/* argv: base dir. */
static int
role_plain(int argc, char **argv)
{
	if (argc < 2 || setenv("RUNTIME_DIRECTORY", argv[1], 1) < 0)
		return 1;
	return attach_and_check();
}

/* Something of this program at the primary's base address. */
static int
block_base(void)
{
	void *p = mmap((void *)(uintptr_t)BASE, 4096, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	return p == (void *)(uintptr_t)BASE ? 0 : -1;
}

/* argv: base dir, log file (stderr goes there, in both runs). */
static int
hostile_start(int argc, char **argv, bool *again)
{
	int fd;

	if (argc < 3 || setenv("RUNTIME_DIRECTORY", argv[1], 1) < 0)
		return -1;
	fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
		return -1;
	close(fd);
	*again = getenv(REEXEC_ENV) != NULL;
	return 0;
}

/* In the way only the first time: the second run attaches. */
static int
role_hostile_once(int argc, char **argv)
{
	bool again;

	if (hostile_start(argc, argv, &again) < 0)
		return 1;
	if (!again && block_base() < 0)
		return 2;
	if (!again) {
		/* Reached only if the runtime did not run us again. */
		init_secondary();
		return 3;
	}
	return attach_and_check();
}

/* Always in the way: one more run, then a clean failure. */
static int
role_hostile_always(int argc, char **argv)
{
	bool again;

	if (hostile_start(argc, argv, &again) < 0 || block_base() < 0)
		return 1;
	if (init_secondary() == 0)
		return 2;
	if (rte_errno != EADDRNOTAVAIL)
		return 3;
	return again || RUNNING_ON_VALGRIND ? 0 : 4;
}

const struct test_role test_roles[] = {
	{ "plain", role_plain },
	{ "hostile_once", role_hostile_once },
	{ "hostile_always", role_hostile_always },
	{ NULL, NULL },
};

/* ---- the suite ---- */

static int
init_primary(void)
{
	char *argv[] = { "test_attach", "--proc-type=primary", "--no-huge",
		"--file-prefix", PREFIX, "--base-virtaddr", BASE_ARG, NULL };
	const struct rte_memzone *mz;

	if (test_dir_create(fx.base, sizeof(fx.base)) < 0 ||
			setenv("RUNTIME_DIRECTORY", fx.base, 1) < 0 ||
			rte_eal_init(7, argv) < 0)
		return -1;
	snprintf(fx.log, sizeof(fx.log), "%s/log", fx.base);
	mz = rte_memzone_reserve(ZONE, 64, SOCKET_ID_ANY, 0);
	if (mz == NULL)
		return -1;
	strcpy(mz->addr, "primary");
	return 0;
}

static int
clean_primary(void)
{
	rte_eal_cleanup();
	unsetenv("RUNTIME_DIRECTORY");
	return test_dir_remove(fx.base);
}

static int
run_role(const char *role, bool with_log)
{
	const char *args[] = { fx.base, with_log ? fx.log : NULL, NULL };
	pid_t pid;

	unlink(fx.log);
	if (mp_spawn(role, args, &pid) != 0)
		return -1;
	return mp_wait(pid, 60);
}

/* Whether the log holds text. */
static bool
log_says(const char *text)
{
	static char buf[65536];
	ssize_t n = -1;
	int fd = open(fx.log, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

static void
test_launches_all_attach(void)
{
	unsigned int i, n = (unsigned int)test_scale(N_LAUNCHES, 3);
	int ret = 0;

	for (i = 0; i < n && ret == 0; i++)
		ret = run_role("plain", false);
	if (ret != 0)
		printf("\n    launch %u of %u: exit %d ", i, n, ret);
	CU_ASSERT_EQUAL(ret, 0);
}

static void
test_in_the_way_once_recovers(void)
{
	if (test_under_memcheck()) {
		printf("\n    skipped under memcheck: valgrind cannot run a program without randomisation ");
		return;
	}
	CU_ASSERT_EQUAL(run_role("hostile_once", true), 0);
	CU_ASSERT(log_says("running it again without address randomisation"));
}

static void
test_in_the_way_always_fails_plainly(void)
{
	CU_ASSERT_EQUAL(run_role("hostile_always", true), 0);
	if (!test_under_memcheck())
		CU_ASSERT(log_says("running it again without address randomisation"));
	CU_ASSERT(log_says("which has there:\n"));
	CU_ASSERT(log_says("  0x300000000000-0x300000001000 (anonymous"));
	CU_ASSERT(log_says("--base-virtaddr"));
	/* The group did not notice. */
	CU_ASSERT_STRING_EQUAL(rte_memzone_lookup(ZONE)->addr, "primary");
}

static const struct test_def tests[] = {
	TEST_DEF(test_launches_all_attach),
	TEST_DEF(test_in_the_way_once_recovers),
	TEST_DEF(test_in_the_way_always_fails_plainly),
	{ NULL, NULL },
};

void
test_register(void)
{
	const struct test_hooks hooks = { init_primary, clean_primary, NULL,
		NULL };

	test_add_suite("attach", tests, &hooks);
}
