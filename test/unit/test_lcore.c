/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Tests of the lcores (rte_lcore.h, rte_launch.h) through the private
 * interface rte_eal_init() uses, eal_lcores_start()/eal_lcores_stop():
 * - lcore_none: every call before start and after stop;
 * - lcore_run: the default set (every CPU of our affinity): ids, CPUs,
 *   pinning, names, launches, busy and idle workers, invalid ids, the
 *   iterators, and many launch/wait cycles;
 * - lcore_parse: -l and --lcores forms, accepted (the resulting set and
 *   CPU sets) and refused (-EINVAL, a log line, nothing left running);
 * - lcore_life: start twice, stop and start again, failing thread calls.
 * Each test starts and stops its own lcores. The machine may have a single
 * CPU: then there is no worker and the multi-worker checks say so.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "runtime/eal/eal_lcore.h"
#include "test/lib/test_main.h"

/* rte_errno before calls that must leave it alone. */
#define ERRNO_SENTINEL 0x5a5a

/* A call that must return exp and leave rte_errno alone. */
#define EXPECT_RET(call, exp) do { \
	rte_errno = ERRNO_SENTINEL; \
	CU_ASSERT_EQUAL((call), (exp)); \
	CU_ASSERT_EQUAL(rte_errno, ERRNO_SENTINEL); \
} while (0)

#define NO_SOCKET ((unsigned int)-1)

static cpu_set_t g_allowed;      /* our affinity before any test */
static unsigned int g_n_cpus;    /* CPUs of g_allowed below RTE_MAX_LCORE */
static int g_cpu[2];             /* the first two of them (-1 if none) */
static unsigned int g_base_threads; /* ours with no lcores started */

static bool
skip_without_worker(const char *what)
{
	if (rte_lcore_count() >= 2)
		return false;
	printf("\n  %s: skipped, only one CPU so no worker lcore\n", what);
	return true;
}

static unsigned int
n_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	unsigned int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * The thread count once it is expected: a joined thread can stay listed in
 * /proc/self/task for a moment, until the kernel has reaped it, and no call
 * waits for that, so poll for up to a second.
 */
static unsigned int
n_threads_is(unsigned int expected)
{
	const struct timespec ms = { 0, 1000000 };
	unsigned int i, n = n_threads();

	for (i = 0; i < 1000 && n != expected; i++) {
		nanosleep(&ms, NULL);
		n = n_threads();
	}
	return n;
}

static unsigned int
node_of(int cpu)
{
	int node;

	if (numa_available() < 0)
		return 0;
	node = numa_node_of_cpu(cpu);
	return node < 0 ? 0 : (unsigned int)node;
}

static int
suite_init(void)
{
	unsigned int cpu, n = 0;

	if (sched_getaffinity(0, sizeof(g_allowed), &g_allowed) != 0)
		return -1;
	g_cpu[0] = g_cpu[1] = -1;
	for (cpu = 0; cpu < RTE_MAX_LCORE; cpu++) {
		if (!CPU_ISSET(cpu, &g_allowed))
			continue;
		if (n < 2)
			g_cpu[n] = (int)cpu;
		n++;
	}
	g_n_cpus = n;
	g_base_threads = n_threads();
	return n == 0 ? -1 : 0;
}

static void
start_default(void)
{
	CU_ASSERT_EQUAL(eal_lcores_start("", false), 0);
}

static void
stop(void)
{
	eal_lcores_stop();
}

/* ---- functions run on lcores ---- */

struct record {
	unsigned int lcore_id;
	int cpu;
	unsigned int socket;
	char name[16];
	cpu_set_t cpus;
	int calls;
};

static struct record g_rec[RTE_MAX_LCORE];

static int
record_self(void *arg)
{
	unsigned int id = rte_lcore_id();
	struct record *r;

	RTE_SET_USED(arg);
	if (id >= RTE_MAX_LCORE)
		return -1000;
	r = &g_rec[id];
	r->lcore_id = id;
	r->cpu = sched_getcpu();
	r->socket = rte_socket_id();
	pthread_getname_np(pthread_self(), r->name, sizeof(r->name));
	pthread_getaffinity_np(pthread_self(), sizeof(r->cpus), &r->cpus);
	__atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
	return 100 + (int)id;
}

static int
return_arg(void *arg)
{
	return (int)(intptr_t)arg;
}

static int
wait_on_sem(void *arg)
{
	while (sem_wait(arg) != 0 && errno == EINTR)
		;
	return 42;
}

static int
wait_on_self(void *arg)
{
	RTE_SET_USED(arg);
	return rte_eal_wait_lcore(rte_lcore_id());
}

static int
count_call(void *arg)
{
	__atomic_add_fetch((unsigned long *)arg, 1, __ATOMIC_RELAXED);
	return (int)rte_lcore_id();
}

/* The CPU set lcore id runs on, asked from the lcore itself. */
static void
lcore_cpus(unsigned int id, cpu_set_t *cpus)
{
	memset(&g_rec[id], 0, sizeof(g_rec[id]));
	if (id == rte_get_main_lcore()) {
		CU_ASSERT_EQUAL(record_self(NULL), 100 + (int)id);
	} else {
		CU_ASSERT_EQUAL(rte_eal_remote_launch(record_self, NULL, id), 0);
		CU_ASSERT_EQUAL(rte_eal_wait_lcore(id), 100 + (int)id);
	}
	*cpus = g_rec[id].cpus;
}

/* ---- lcore_none ---- */

static void
check_no_lcores(void)
{
	unsigned int i, n = 0;

	EXPECT_RET(rte_lcore_count(), 0);
	EXPECT_RET(rte_lcore_id(), LCORE_ID_ANY);
	EXPECT_RET(rte_get_main_lcore(), LCORE_ID_ANY);
	EXPECT_RET(rte_lcore_is_enabled(0), 0);
	EXPECT_RET(rte_lcore_index(0), -1);
	EXPECT_RET(rte_lcore_index(-1), -1);
	EXPECT_RET(rte_lcore_to_socket_id(0), NO_SOCKET);
	EXPECT_RET(rte_eal_remote_launch(return_arg, NULL, 0), -EINVAL);
	EXPECT_RET(rte_eal_mp_remote_launch(return_arg, NULL, CALL_MAIN), -EINVAL);
	EXPECT_RET(rte_eal_mp_remote_launch(return_arg, NULL, SKIP_MAIN), -EINVAL);
	EXPECT_RET(rte_eal_wait_lcore(0), -EINVAL);
	EXPECT_RET(rte_eal_get_lcore_state(0), WAIT);
	EXPECT_RET(rte_get_next_lcore(-1, 0, 0), RTE_MAX_LCORE);
	EXPECT_RET(rte_get_next_lcore(5, 0, 1), RTE_MAX_LCORE);
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH(i)
		n++;
	RTE_LCORE_FOREACH_WORKER(i)
		n++;
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT(rte_socket_id() < 1024);
}

static void
test_lcore_none_before_start(void)
{
	check_no_lcores();
	eal_lcores_stop();
	check_no_lcores();
}

static void
test_lcore_none_after_stop(void)
{
	start_default();
	eal_lcores_stop();
	check_no_lcores();
	eal_lcores_stop();
	check_no_lcores();
}

/* ---- lcore_run ---- */

static void
test_lcore_run_default_set(void)
{
	unsigned int cpu;
	int index = 0;

	EXPECT_RET(rte_lcore_count(), g_n_cpus);
	EXPECT_RET(rte_get_main_lcore(), (unsigned int)g_cpu[0]);
	EXPECT_RET(rte_lcore_id(), (unsigned int)g_cpu[0]);
	EXPECT_RET(rte_lcore_index(-1), 0);
	for (cpu = 0; cpu < RTE_MAX_LCORE; cpu++) {
		CU_ASSERT_EQUAL(rte_lcore_is_enabled(cpu),
				CPU_ISSET(cpu, &g_allowed) ? 1 : 0);
		if (!CPU_ISSET(cpu, &g_allowed))
			continue;
		CU_ASSERT_EQUAL(rte_lcore_index((int)cpu), index++);
		CU_ASSERT_EQUAL(rte_lcore_to_socket_id(cpu), node_of((int)cpu));
		CU_ASSERT_EQUAL(rte_eal_get_lcore_state(cpu), WAIT);
	}
	CU_ASSERT_EQUAL(sched_getcpu(), g_cpu[0]);
	CU_ASSERT_EQUAL(rte_socket_id(), node_of(g_cpu[0]));
}

static void
test_lcore_run_workers(void)
{
	char name[32];
	unsigned int id;

	memset(g_rec, 0, sizeof(g_rec));
	RTE_LCORE_FOREACH_WORKER(id)
		CU_ASSERT_EQUAL(rte_eal_remote_launch(record_self, NULL, id), 0);
	RTE_LCORE_FOREACH_WORKER(id) {
		CU_ASSERT_EQUAL(rte_eal_wait_lcore(id), 100 + (int)id);
		CU_ASSERT_EQUAL(rte_eal_get_lcore_state(id), WAIT);
		CU_ASSERT_EQUAL(g_rec[id].calls, 1);
		CU_ASSERT_EQUAL(g_rec[id].lcore_id, id);
		CU_ASSERT_EQUAL(g_rec[id].cpu, (int)id);
		CU_ASSERT_EQUAL(g_rec[id].socket, rte_lcore_to_socket_id(id));
		CU_ASSERT_EQUAL(CPU_COUNT(&g_rec[id].cpus), 1);
		CU_ASSERT(CPU_ISSET(id, &g_rec[id].cpus));
		snprintf(name, sizeof(name), "lcore-worker-%u", id);
		name[15] = '\0';
		CU_ASSERT_STRING_EQUAL(g_rec[id].name, name);
	}
	skip_without_worker("workers");
}

static void
test_lcore_run_mp_launch(void)
{
	unsigned int id, main_id = rte_get_main_lcore();

	memset(g_rec, 0, sizeof(g_rec));
	EXPECT_RET(rte_eal_mp_remote_launch(record_self, NULL, CALL_MAIN), 0);
	CU_ASSERT_EQUAL(g_rec[main_id].calls, 1);  /* ran before returning */
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH(id) {
		CU_ASSERT_EQUAL(g_rec[id].calls, 1);
		CU_ASSERT_EQUAL(g_rec[id].cpu, (int)id);
		CU_ASSERT_EQUAL(rte_eal_wait_lcore(id), 100 + (int)id);
	}
	EXPECT_RET(rte_eal_mp_remote_launch(record_self, NULL, SKIP_MAIN), 0);
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH_WORKER(id)
		CU_ASSERT_EQUAL(g_rec[id].calls, 2);
	CU_ASSERT_EQUAL(g_rec[main_id].calls, 1);
	EXPECT_RET(rte_eal_mp_remote_launch(NULL, NULL, SKIP_MAIN), -EINVAL);
}

static void
test_lcore_run_busy(void)
{
	unsigned int id, worker = rte_get_next_lcore(-1, 1, 0);
	unsigned long calls = 0;
	sem_t sem;

	if (skip_without_worker("busy worker"))
		return;
	CU_ASSERT_FATAL(sem_init(&sem, 0, 0) == 0);
	EXPECT_RET(rte_eal_remote_launch(wait_on_sem, &sem, worker), 0);
	EXPECT_RET(rte_eal_get_lcore_state(worker), RUNNING);
	EXPECT_RET(rte_eal_remote_launch(return_arg, NULL, worker), -EBUSY);
	EXPECT_RET(rte_eal_mp_remote_launch(count_call, &calls, CALL_MAIN),
			-EBUSY);
	RTE_LCORE_FOREACH_WORKER(id)  /* all or nothing: nobody started it */
		if (id != worker)
			CU_ASSERT_EQUAL(rte_eal_wait_lcore(id), 0);
	CU_ASSERT_EQUAL(calls, 0);
	sem_post(&sem);
	EXPECT_RET(rte_eal_wait_lcore(worker), 42);
	EXPECT_RET(rte_eal_get_lcore_state(worker), WAIT);
	sem_destroy(&sem);
}

static void
test_lcore_run_wait_idle(void)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);

	EXPECT_RET(rte_eal_wait_lcore(rte_get_main_lcore()), 0);
	if (skip_without_worker("idle worker"))
		return;
	EXPECT_RET(rte_eal_wait_lcore(worker), 0);   /* never launched */
	EXPECT_RET(rte_eal_remote_launch(return_arg, (void *)7, worker), 0);
	EXPECT_RET(rte_eal_wait_lcore(worker), 7);
	EXPECT_RET(rte_eal_wait_lcore(worker), 7);   /* DPDK 22.11: kept */
	EXPECT_RET(rte_eal_remote_launch(return_arg, (void *)-3, worker), 0);
	EXPECT_RET(rte_eal_wait_lcore(worker), -3);
}

/* An id below RTE_MAX_LCORE that is not an lcore, or RTE_MAX_LCORE. */
static unsigned int
disabled_id(void)
{
	unsigned int id;

	for (id = RTE_MAX_LCORE; id-- > 0;)
		if (!rte_lcore_is_enabled(id))
			return id;
	return RTE_MAX_LCORE;
}

static void
test_lcore_run_invalid(void)
{
	const unsigned int bad[] = { RTE_MAX_LCORE, 9999, LCORE_ID_ANY,
			disabled_id() };
	unsigned int i, main_id = rte_get_main_lcore();

	for (i = 0; i < RTE_DIM(bad); i++) {
		EXPECT_RET(rte_eal_remote_launch(return_arg, NULL, bad[i]), -EINVAL);
		EXPECT_RET(rte_eal_wait_lcore(bad[i]), -EINVAL);
		EXPECT_RET(rte_eal_get_lcore_state(bad[i]), WAIT);
		EXPECT_RET(rte_lcore_is_enabled(bad[i]), 0);
		EXPECT_RET(rte_lcore_to_socket_id(bad[i]), NO_SOCKET);
		EXPECT_RET(rte_lcore_index((int)bad[i]), bad[i] == LCORE_ID_ANY ? 0 : -1);
	}
	EXPECT_RET(rte_lcore_index(INT_MIN), 0);  /* negative: the caller */
	EXPECT_RET(rte_eal_remote_launch(return_arg, NULL, main_id), -EINVAL);
	EXPECT_RET(rte_eal_remote_launch(NULL, NULL, main_id), -EINVAL);
	if (skip_without_worker("NULL function, waiting on oneself"))
		return;
	i = rte_get_next_lcore(-1, 1, 0);
	EXPECT_RET(rte_eal_remote_launch(NULL, NULL, i), -EINVAL);
	EXPECT_RET(rte_eal_remote_launch(wait_on_self, NULL, i), 0);
	EXPECT_RET(rte_eal_wait_lcore(i), -EDEADLK);
}

static void
test_lcore_run_foreach(void)
{
	unsigned int u, n = 0, n_workers = 0, prev = 0;
	int i;

	RTE_LCORE_FOREACH(u) {
		CU_ASSERT(rte_lcore_is_enabled(u));
		CU_ASSERT(n == 0 || u > prev);
		prev = u;
		n++;
	}
	CU_ASSERT_EQUAL(n, rte_lcore_count());
	RTE_LCORE_FOREACH_WORKER(i) {   /* DPDK programs also use int */
		CU_ASSERT(rte_lcore_is_enabled((unsigned int)i));
		CU_ASSERT_NOT_EQUAL((unsigned int)i, rte_get_main_lcore());
		n_workers++;
	}
	CU_ASSERT_EQUAL(n_workers, rte_lcore_count() - 1);
}

static void
test_lcore_run_cycles(void)
{
	unsigned long counts[RTE_MAX_LCORE] = { 0 };
	unsigned long n = test_scale(1000, 100), c;
	unsigned int id;

	for (c = 0; c < n; c++) {
		RTE_LCORE_FOREACH_WORKER(id)
			CU_ASSERT_EQUAL(rte_eal_remote_launch(count_call,
					&counts[id], id), 0);
		RTE_LCORE_FOREACH_WORKER(id)
			CU_ASSERT_EQUAL(rte_eal_wait_lcore(id), (int)id);
	}
	RTE_LCORE_FOREACH_WORKER(id)
		CU_ASSERT_EQUAL(counts[id], n);
	skip_without_worker("launch/wait cycles");
}

/* ---- lcore_parse ---- */

/* The lcore ids of the current set, "1,3,7" in increasing order. */
static void
set_text(char *buf, size_t sz)
{
	unsigned int id;
	size_t len = 0;

	buf[0] = '\0';
	RTE_LCORE_FOREACH(id)
		len += (size_t)snprintf(buf + len, sz - len, "%s%u",
				len ? "," : "", id);
}

/* Start with text, check the set of lcore ids, that every lcore runs on
 * cpus (NULL: its own CPU) and the main lcore; then stop. */
static void
check_start(const char *text, bool is_map, const char *ids,
		const cpu_set_t *cpus, unsigned int main_id)
{
	cpu_set_t got, own;
	char buf[512];
	unsigned int id;

	CU_ASSERT_EQUAL_FATAL(eal_lcores_start(text, is_map), 0);
	set_text(buf, sizeof(buf));
	if (strcmp(buf, ids) != 0)
		printf("\n  %s %s: lcores %s, expected %s\n",
				is_map ? "--lcores" : "-l", text, buf, ids);
	CU_ASSERT_STRING_EQUAL(buf, ids);
	CU_ASSERT_EQUAL(rte_get_main_lcore(), main_id);
	CU_ASSERT_EQUAL(rte_lcore_id(), main_id);
	RTE_LCORE_FOREACH(id) {
		CPU_ZERO(&own);
		CPU_SET(id, &own);
		lcore_cpus(id, &got);
		CU_ASSERT(CPU_EQUAL(&got, cpus != NULL ? cpus : &own));
	}
	eal_lcores_stop();
}

static void
test_lcore_parse_list(void)
{
	char text[64], ids[64];
	cpu_set_t none;

	CPU_ZERO(&none);
	snprintf(text, sizeof(text), "%d", g_cpu[0]);
	check_start(text, false, text, NULL, (unsigned int)g_cpu[0]);
	snprintf(text, sizeof(text), "%d,%d", g_cpu[0], g_cpu[0]);
	snprintf(ids, sizeof(ids), "%d", g_cpu[0]);
	check_start(text, false, ids, NULL, (unsigned int)g_cpu[0]);
	snprintf(text, sizeof(text), "%d-%d", g_cpu[0], g_cpu[0]);
	check_start(text, false, ids, NULL, (unsigned int)g_cpu[0]);
	if (g_cpu[1] < 0) {
		printf("\n  two-CPU lists: skipped, only one CPU\n");
		return;
	}
	snprintf(text, sizeof(text), "%d,%d", g_cpu[1], g_cpu[0]);
	snprintf(ids, sizeof(ids), "%d,%d", g_cpu[0], g_cpu[1]);
	CU_ASSERT_EQUAL_FATAL(eal_lcores_start(text, false), 0);
	CU_ASSERT_EQUAL(rte_lcore_index(g_cpu[1]), 0);  /* command-line order */
	CU_ASSERT_EQUAL(rte_lcore_index(g_cpu[0]), 1);
	CU_ASSERT_EQUAL(rte_get_main_lcore(), (unsigned int)g_cpu[0]);
	eal_lcores_stop();
	check_start(text, false, ids, NULL, (unsigned int)g_cpu[0]);
}

static void
test_lcore_parse_map(void)
{
	cpu_set_t c0, both;
	char text[64], ids[64];
	int c1 = g_cpu[1] >= 0 ? g_cpu[1] : g_cpu[0];

	CPU_ZERO(&c0);
	CPU_SET(g_cpu[0], &c0);
	both = c0;
	CPU_SET(c1, &both);
	snprintf(text, sizeof(text), "%d", g_cpu[0]);
	check_start(text, true, text, NULL, (unsigned int)g_cpu[0]);
	snprintf(text, sizeof(text), "100@%d", g_cpu[0]);
	check_start(text, true, "100", &c0, 100);
	snprintf(text, sizeof(text), "(0,1)@(%d,%d)", g_cpu[0], c1);
	check_start(text, true, "0,1", &both, 0);
	snprintf(text, sizeof(text), "(5-6,9)@(%d-%d)", g_cpu[0], g_cpu[0]);
	check_start(text, true, "5,6,9", &c0, 5);
	snprintf(text, sizeof(text), "0-2@%d", g_cpu[0]);
	check_start(text, true, "0,1,2", &c0, 0);
	snprintf(text, sizeof(text), "7@%d,3@(%d)", g_cpu[0], g_cpu[0]);
	check_start(text, true, "3,7", &c0, 3);
	snprintf(text, sizeof(text), "(%d)", g_cpu[0]);
	snprintf(ids, sizeof(ids), "%d", g_cpu[0]);
	check_start(text, true, ids, &c0, (unsigned int)g_cpu[0]);
	if (g_cpu[1] < 0 || g_cpu[1] != g_cpu[0] + 1) {
		printf("\n  --lcores plain range and group: skipped, needs CPUs n and n+1\n");
		return;
	}
	snprintf(text, sizeof(text), "%d-%d", g_cpu[0], g_cpu[1]);
	snprintf(ids, sizeof(ids), "%d,%d", g_cpu[0], g_cpu[1]);
	check_start(text, true, ids, NULL, (unsigned int)g_cpu[0]);
	snprintf(text, sizeof(text), "(%d-%d)", g_cpu[0], g_cpu[1]);
	check_start(text, true, ids, &both, (unsigned int)g_cpu[0]);
}

/* A CPU below RTE_MAX_LCORE outside our affinity, or -1. */
static int
outside_cpu(void)
{
	int cpu;

	for (cpu = RTE_MAX_LCORE - 1; cpu >= 0; cpu--)
		if (!CPU_ISSET(cpu, &g_allowed))
			return cpu;
	return -1;
}

/* eal_lcores_start(text) fails with -EINVAL, logs a line naming what
 * (when not NULL), and leaves nothing behind. */
static void
check_refused(const char *text, bool is_map, const char *what)
{
	unsigned int n_before = g_base_threads;
	char *log = NULL;
	size_t log_sz = 0;
	FILE *f = open_memstream(&log, &log_sz);

	CU_ASSERT_FATAL(f != NULL);
	rte_openlog_stream(f);
	CU_ASSERT_EQUAL(eal_lcores_start(text, is_map), -EINVAL);
	rte_openlog_stream(NULL);
	fclose(f);
	CU_ASSERT(strstr(log, "ERR") != NULL || strstr(log, "EAL") != NULL);
	if (what != NULL && strstr(log, what) == NULL)
		printf("\n  %s '%s': log does not name '%s': %s",
				is_map ? "--lcores" : "-l", text, what, log);
	CU_ASSERT(what == NULL || strstr(log, what) != NULL);
	free(log);
	check_no_lcores();
	CU_ASSERT_EQUAL(n_threads_is(n_before), n_before);
}

static const char *const bad_both[] = {
	"-1", "0-", "5-3", "a", "0,,1", "999", "128", "0,", ",0", "0 ", " 0",
	"0-1-2", "+1", "0x1", "99999999999999999999",
};

static const char *const bad_map[] = {
	"(0", "(0,1", "()", "0@", "0@(", "0@()", "(0,1)@(", "0@1@2",
	"0@5000", "0,0", "(0,1),1", "0-1,1", "1@(0)x", "0@-1",
};

static void
test_lcore_parse_refused(void)
{
	char text[64], cpu[16];
	unsigned int i;
	int out = outside_cpu();

	for (i = 0; i < RTE_DIM(bad_both); i++) {
		check_refused(bad_both[i], false, NULL);
		check_refused(bad_both[i], true, NULL);
	}
	for (i = 0; i < RTE_DIM(bad_map); i++)
		check_refused(bad_map[i], true, NULL);
	check_refused("999", false, "999");
	check_refused("(0)@(1", true, "')'");
	if (out < 0) {
		printf("\n  CPU outside the affinity: skipped, every CPU below %d is allowed\n",
				RTE_MAX_LCORE);
		return;
	}
	snprintf(cpu, sizeof(cpu), "CPU %d", out);
	snprintf(text, sizeof(text), "%d", out);
	check_refused(text, false, cpu);
	check_refused(text, true, cpu);
	snprintf(text, sizeof(text), "%d,%d", g_cpu[0], out);
	check_refused(text, false, cpu);
	snprintf(text, sizeof(text), "1@(%d,%d)", g_cpu[0], out);
	check_refused(text, true, cpu);
}

/* ---- lcore_life ---- */

static void
test_lcore_life_start_twice(void)
{
	unsigned int n = g_base_threads + g_n_cpus - 1;

	start_default();
	EXPECT_RET(eal_lcores_start("", false), -EALREADY);
	EXPECT_RET(eal_lcores_start("0-", false), -EALREADY);
	CU_ASSERT_EQUAL(rte_lcore_count(), g_n_cpus);
	CU_ASSERT_EQUAL(n_threads_is(n), n);
	eal_lcores_stop();
}

static void
test_lcore_life_restart(void)
{
	unsigned int n_before = g_base_threads, round, id;
	cpu_set_t now;

	for (round = 0; round < 3; round++) {
		start_default();
		CU_ASSERT_EQUAL(rte_lcore_count(), g_n_cpus);
		CU_ASSERT_EQUAL(n_threads_is(n_before + g_n_cpus - 1), n_before + g_n_cpus - 1);
		RTE_LCORE_FOREACH_WORKER(id) {
			CU_ASSERT_EQUAL(rte_eal_remote_launch(record_self,
					NULL, id), 0);
			CU_ASSERT_EQUAL(rte_eal_wait_lcore(id), 100 + (int)id);
		}
		eal_lcores_stop();
		CU_ASSERT_EQUAL(n_threads_is(n_before), n_before);
		CU_ASSERT_FATAL(sched_getaffinity(0, sizeof(now), &now) == 0);
		CU_ASSERT(CPU_EQUAL(&now, &g_allowed));  /* affinity given back */
	}
}

/* A worker still running its function when stop is called finishes it. */
static int
slow_call(void *arg)
{
	sem_t *sem = arg;

	while (sem_wait(&sem[0]) != 0 && errno == EINTR)
		;
	sem_post(&sem[1]);
	return 0;
}

static void *
release_later(void *arg)
{
	sem_post(arg);
	return NULL;
}

static void
test_lcore_life_stop_running(void)
{
	unsigned int worker;
	pthread_t tid;
	sem_t sem[2];

	start_default();
	worker = rte_get_next_lcore(-1, 1, 0);
	if (skip_without_worker("stop with a running worker")) {
		eal_lcores_stop();
		return;
	}
	CU_ASSERT_FATAL(sem_init(&sem[0], 0, 0) == 0);
	CU_ASSERT_FATAL(sem_init(&sem[1], 0, 0) == 0);
	CU_ASSERT_EQUAL(rte_eal_remote_launch(slow_call, sem, worker), 0);
	CU_ASSERT_FATAL(pthread_create(&tid, NULL, release_later, &sem[0]) == 0);
	eal_lcores_stop();   /* joins the worker after slow_call returns */
	CU_ASSERT_EQUAL(sem_trywait(&sem[1]), 0);
	pthread_join(tid, NULL);
	sem_destroy(&sem[0]);
	sem_destroy(&sem[1]);
	check_no_lcores();
}

static unsigned int g_fail_at;   /* fail the Nth call of any entry, 0 = none */
static unsigned int g_calls;

static bool
should_fail(void)
{
	return ++g_calls == g_fail_at;
}

static int
fake_create(pthread_t *tid, const pthread_attr_t *attr, void *(*fn)(void *),
		void *arg)
{
	return should_fail() ? EAGAIN :
			lcore_prim_default.create(tid, attr, fn, arg);
}

static int
fake_setaffinity(pthread_t tid, size_t sz, const cpu_set_t *cpus)
{
	return should_fail() ? EINVAL :
			lcore_prim_default.setaffinity(tid, sz, cpus);
}

static void
test_lcore_life_fault(void)
{
	/* One create and one setaffinity per worker, then the main's pin. */
	unsigned int n_calls = 2 * (g_n_cpus - 1) + 1;
	unsigned int n_before = g_base_threads;
	cpu_set_t now;

	if (g_n_cpus == 1)
		printf("\n  failing thread creation: skipped, only one CPU; failing the main's pin only\n");
	lcore_prim.create = fake_create;
	lcore_prim.setaffinity = fake_setaffinity;
	for (g_fail_at = 1; g_fail_at <= n_calls; g_fail_at++) {
		g_calls = 0;
		rte_openlog_stream(fopen("/dev/null", "w"));
		CU_ASSERT_EQUAL(eal_lcores_start("", false),
				g_fail_at % 2 == 1 && g_fail_at != n_calls ?
				-EAGAIN : -EINVAL);
		fclose(rte_log_get_stream());
		rte_openlog_stream(NULL);
		check_no_lcores();
		CU_ASSERT_EQUAL(n_threads_is(n_before), n_before);
		CU_ASSERT_FATAL(sched_getaffinity(0, sizeof(now), &now) == 0);
		CU_ASSERT(CPU_EQUAL(&now, &g_allowed));
	}
	lcore_prim = lcore_prim_default;
	g_fail_at = 0;
	start_default();
	CU_ASSERT_EQUAL(rte_lcore_count(), g_n_cpus);
	eal_lcores_stop();
}

/* ---- registration ---- */


#define T(f) { #f, f }

static const struct test_def none_tests[] = {
	T(test_lcore_none_before_start), T(test_lcore_none_after_stop),
	{ NULL, NULL },
};

static const struct test_def run_tests[] = {
	T(test_lcore_run_default_set), T(test_lcore_run_workers),
	T(test_lcore_run_mp_launch), T(test_lcore_run_busy),
	T(test_lcore_run_wait_idle), T(test_lcore_run_invalid),
	T(test_lcore_run_foreach), T(test_lcore_run_cycles),
	{ NULL, NULL },
};

static const struct test_def parse_tests[] = {
	T(test_lcore_parse_list), T(test_lcore_parse_map),
	T(test_lcore_parse_refused),
	{ NULL, NULL },
};

static const struct test_def life_tests[] = {
	T(test_lcore_life_start_twice), T(test_lcore_life_restart),
	T(test_lcore_life_stop_running), T(test_lcore_life_fault),
	{ NULL, NULL },
};

#undef T

static void
add_suite(const char *name, const struct test_def *tests,
		CU_SetUpFunc setup, CU_TearDownFunc teardown)
{
	test_add_suite(name, tests,
			&(struct test_hooks){ suite_init, NULL, setup, teardown });
}

const struct test_role test_roles[] = {
	{ NULL, NULL },
};

void
test_register(void)
{
	add_suite("lcore_none", none_tests, NULL, NULL);
	add_suite("lcore_run", run_tests, start_default, stop);
	add_suite("lcore_parse", parse_tests, NULL, stop);
	add_suite("lcore_life", life_tests, NULL, stop);
}
