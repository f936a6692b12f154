/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Lcores: the -l/--lcores parser, the worker threads and rte_launch.h.
 *
 * eal_lcores_start() fills lc_cfg[] (which lcores exist, their index,
 * CPU set and socket) and then never changes it until eal_lcores_stop(),
 * so the rte_lcore_*() queries read it without a lock. What changes while
 * running (each lcore's state, function, argument and return value) lives
 * in lc_thr[] under lc_lock. Invariants, under lc_lock:
 * - a worker is RUNNING from the moment a launch hands it f until f has
 *   returned and its value is stored; t->f != NULL means "not started yet";
 * - the main lcore is always WAIT (as in DPDK: CALL_MAIN runs f in the
 *   caller and only stores the value);
 * - lc_done is broadcast whenever a worker goes back to WAIT, and each
 *   worker sleeps on its own t->wake: nothing ever spins.
 * Everything here is per process; nothing is shared with other processes.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "runtime/eal/eal_lcore.h"

#define THREAD_NAME_LEN 16 /* Linux's limit, NUL included */

struct lcore_cfg {
	bool enabled;
	int index;            /* order on the command line */
	unsigned int socket;
	cpu_set_t cpus;
};

struct lcore_thread {
	bool has_thread;      /* a worker thread exists (never the main) */
	pthread_t tid;
	pthread_cond_t wake;  /* the worker sleeps here for f or quit */
	enum rte_lcore_state_t state;
	lcore_function_t *f;  /* handed over, not yet picked up */
	void *arg;
	int ret;              /* value of the last function */
	bool quit;
};

__thread unsigned int per_lcore__lcore_id = LCORE_ID_ANY;

struct lcore_prim lcore_prim = {
	.create = pthread_create,
	.setaffinity = pthread_setaffinity_np,
};
const struct lcore_prim lcore_prim_default = {
	.create = pthread_create,
	.setaffinity = pthread_setaffinity_np,
};

static struct lcore_cfg lc_cfg[RTE_MAX_LCORE];
static unsigned int lc_count;
static unsigned int lc_main = LCORE_ID_ANY;
static bool lc_started;
static cpu_set_t lc_saved_cpus;  /* the main thread's affinity before start */

static pthread_mutex_t lc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lc_done = PTHREAD_COND_INITIALIZER;
static struct lcore_thread lc_thr[RTE_MAX_LCORE];

/* ---- parsing -l and --lcores ---- */

struct parser {
	const char *opt;  /* "-l" or "--lcores", for messages */
	const char *arg;  /* the whole text */
	const char *p;    /* cursor */
};

static int
parse_error(const struct parser *ps, const char *why)
{
	RTE_LOG(ERR, EAL, "%s '%s': %s at offset %d ('%s')\n", ps->opt,
			ps->arg, why, (int)(ps->p - ps->arg), ps->p);
	return -EINVAL;
}

/* A decimal number no larger than max; what names it in messages. */
static int
parse_num(struct parser *ps, unsigned int max, const char *what,
		unsigned int *out)
{
	size_t n_digits = strspn(ps->p, "0123456789");
	unsigned long v = 0;
	size_t i;

	if (n_digits == 0)
		return parse_error(ps, "expected a number");
	for (i = 0; i < n_digits && v <= max; i++)
		v = v * 10 + (unsigned long)(ps->p[i] - '0');
	if (v > max) {
		RTE_LOG(ERR, EAL, "%s '%s': %s %.*s is out of range (0-%u)\n",
				ps->opt, ps->arg, what, (int)n_digits, ps->p,
				max);
		return -EINVAL;
	}
	ps->p += n_digits;
	*out = (unsigned int)v;
	return 0;
}

/* "n" or "lo-hi" (lo <= hi), each at most max: *lo and *hi. */
static int
parse_range(struct parser *ps, unsigned int max, const char *what,
		unsigned int *lo, unsigned int *hi)
{
	int ret = parse_num(ps, max, what, lo);

	if (ret < 0)
		return ret;
	*hi = *lo;
	if (*ps->p != '-')
		return 0;
	ps->p++;
	ret = parse_num(ps, max, what, hi);
	if (ret == 0 && *hi < *lo)
		return parse_error(ps, "range ends before it starts");
	return ret;
}

/* A range added to set. */
static int
parse_range_into(struct parser *ps, unsigned int max, const char *what,
		cpu_set_t *set)
{
	unsigned int lo, hi, i;
	int ret = parse_range(ps, max, what, &lo, &hi);

	for (i = lo; ret == 0 && i <= hi; i++)
		CPU_SET(i, set);
	return ret;
}

/* DPDK's set: a range, or "(range,range,...)"; *plain_range tells which. */
static int
parse_set(struct parser *ps, unsigned int max, const char *what,
		cpu_set_t *set, bool *plain_range)
{
	int ret;

	CPU_ZERO(set);
	*plain_range = *ps->p != '(';
	if (*plain_range)
		return parse_range_into(ps, max, what, set);
	do {
		ps->p++;
		ret = parse_range_into(ps, max, what, set);
	} while (ret == 0 && *ps->p == ',');
	if (ret < 0)
		return ret;
	if (*ps->p != ')')
		return parse_error(ps, "expected ',' or ')'");
	ps->p++;
	return 0;
}

/* Enable lcore id on cpus; a repeated id is ignored, or refused if !dup_ok. */
static int
add_lcore(const struct parser *ps, unsigned int id, const cpu_set_t *cpus,
		bool dup_ok)
{
	struct lcore_cfg *c = &lc_cfg[id];

	if (c->enabled && dup_ok)
		return 0;
	if (c->enabled) {
		RTE_LOG(ERR, EAL, "%s '%s': lcore %u is given twice\n",
				ps->opt, ps->arg, id);
		return -EINVAL;
	}
	c->enabled = true;
	c->index = (int)lc_count++;
	c->cpus = *cpus;
	return 0;
}

static int
add_lcore_on_own_cpu(const struct parser *ps, unsigned int id, bool dup_ok)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(id, &cpus);
	return add_lcore(ps, id, &cpus, dup_ok);
}

/* After an item: 1 past the ',' when another follows, 0 at the end. */
static int
next_item(struct parser *ps)
{
	if (*ps->p == '\0')
		return 0;
	if (*ps->p != ',')
		return parse_error(ps, "expected ',' or the end");
	ps->p++;
	return 1;
}

/* -l: "ids[,ids...]", each lcore on the CPU of the same number. */
static int
parse_list_item(struct parser *ps)
{
	unsigned int lo, hi, id;
	int ret;

	ret = parse_range(ps, RTE_MAX_LCORE - 1, "lcore", &lo, &hi);
	for (id = lo; ret == 0 && id <= hi; id++)
		ret = add_lcore_on_own_cpu(ps, id, true);
	return ret;
}

/*
 * One --lcores entry: lcores[@cpus]. Without '@', DPDK puts each lcore of
 * a plain range ("0-3") on its own CPU, and every lcore of a single number
 * or a group ("(0,1)") on the whole set.
 */
static int
parse_map_entry(struct parser *ps)
{
	cpu_set_t ids, cpus;
	bool plain_range, unused;
	unsigned int id;
	int ret;

	ret = parse_set(ps, RTE_MAX_LCORE - 1, "lcore", &ids, &plain_range);
	if (ret < 0)
		return ret;
	cpus = ids;
	if (*ps->p == '@') {
		ps->p++;
		plain_range = false;
		ret = parse_set(ps, CPU_SETSIZE - 1, "CPU", &cpus, &unused);
	}
	for (id = 0; ret == 0 && id < RTE_MAX_LCORE; id++) {
		if (!CPU_ISSET(id, &ids))
			continue;
		ret = plain_range ? add_lcore_on_own_cpu(ps, id, false) :
				add_lcore(ps, id, &cpus, false);
	}
	return ret;
}

/* The items of -l (parse_list_item) or --lcores (parse_map_entry). */
static int
parse_items(struct parser *ps, int (*parse_item)(struct parser *ps))
{
	int ret;

	do {
		ret = parse_item(ps);
		if (ret == 0)
			ret = next_item(ps);
	} while (ret == 1);
	return ret;
}

/* "": every allowed CPU below RTE_MAX_LCORE, lcore id = CPU id. */
static int
plan_default(const cpu_set_t *allowed)
{
	struct parser ps = { "-l", "", "" };
	unsigned int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, allowed))
			continue;
		if (cpu < RTE_MAX_LCORE)
			add_lcore_on_own_cpu(&ps, cpu, false);
		else
			RTE_LOG(DEBUG, EAL, "CPU %u skipped: lcore ids stop at %d\n",
					cpu, RTE_MAX_LCORE - 1);
	}
	if (lc_count > 0)
		return 0;
	RTE_LOG(ERR, EAL, "no CPU of this process's affinity can be an lcore\n");
	return -EINVAL;
}

static int
first_cpu(const cpu_set_t *set)
{
	int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set))
			return cpu;
	return -1;
}

/* 0 when every CPU of every lcore is allowed, else -EINVAL (logged). */
static int
check_cpus(const cpu_set_t *allowed)
{
	cpu_set_t outside;
	unsigned int id;

	for (id = 0; id < RTE_MAX_LCORE; id++) {
		if (!lc_cfg[id].enabled)
			continue;
		CPU_XOR(&outside, &lc_cfg[id].cpus, allowed);
		CPU_AND(&outside, &outside, &lc_cfg[id].cpus);
		if (CPU_COUNT(&outside) == 0)
			continue;
		RTE_LOG(ERR, EAL, "lcore %u: CPU %d is not in this process's CPU affinity\n",
				id, first_cpu(&outside));
		return -EINVAL;
	}
	return 0;
}

/* The NUMA node of cpu, or 0 without NUMA support. */
static unsigned int
node_of_cpu(int cpu)
{
	int node;

	if (cpu < 0 || numa_available() < 0)
		return 0;
	node = numa_node_of_cpu(cpu);
	return node < 0 ? 0 : (unsigned int)node;
}

/* Sockets and the main lcore, once the set of lcores is known. */
static void
finish_plan(void)
{
	unsigned int id;

	for (id = RTE_MAX_LCORE; id-- > 0;) {
		if (!lc_cfg[id].enabled)
			continue;
		lc_cfg[id].socket = node_of_cpu(first_cpu(&lc_cfg[id].cpus));
		lc_main = id;
	}
}

/* Fill lc_cfg from the option text; -EINVAL (logged) if it is wrong. */
static int
plan_lcores(const char *text, bool is_map, const cpu_set_t *allowed)
{
	struct parser ps = { is_map ? "--lcores" : "-l", text, text };
	int ret;

	if (*text == '\0')
		ret = plan_default(allowed);
	else
		ret = parse_items(&ps, is_map ? parse_map_entry : parse_list_item);
	if (ret == 0)
		ret = check_cpus(allowed);
	if (ret == 0)
		finish_plan();
	return ret;
}

static void
forget_lcores(void)
{
	memset(lc_cfg, 0, sizeof(lc_cfg));
	memset(lc_thr, 0, sizeof(lc_thr));
	lc_count = 0;
	lc_main = LCORE_ID_ANY;
}

/* ---- worker threads ---- */

/* The next function to run, or NULL when asked to quit. pre: lc_lock held. */
static lcore_function_t *
wait_for_work_locked(struct lcore_thread *t)
{
	while (t->f == NULL && !t->quit)
		pthread_cond_wait(&t->wake, &lc_lock);
	return t->f;
}

static void *
worker_loop(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	struct lcore_thread *t = &lc_thr[id];
	lcore_function_t *f;
	void *f_arg;
	int ret;

	per_lcore__lcore_id = id;
	pthread_mutex_lock(&lc_lock);
	while ((f = wait_for_work_locked(t)) != NULL) {
		f_arg = t->arg;
		pthread_mutex_unlock(&lc_lock);
		ret = f(f_arg);
		pthread_mutex_lock(&lc_lock);
		t->ret = ret;
		t->f = NULL;
		t->state = WAIT;
		pthread_cond_broadcast(&lc_done);
	}
	pthread_mutex_unlock(&lc_lock);
	return NULL;
}

/* Ask every worker to quit once idle, join them. Keeps errno. */
static void
stop_workers(void)
{
	int saved_errno = errno;
	unsigned int id;

	pthread_mutex_lock(&lc_lock);
	for (id = 0; id < RTE_MAX_LCORE; id++) {
		lc_thr[id].quit = true;
		if (lc_thr[id].has_thread)
			pthread_cond_signal(&lc_thr[id].wake);
	}
	pthread_mutex_unlock(&lc_lock);
	for (id = 0; id < RTE_MAX_LCORE; id++) {
		if (!lc_thr[id].has_thread)
			continue;
		pthread_join(lc_thr[id].tid, NULL);
		pthread_cond_destroy(&lc_thr[id].wake);
		lc_thr[id].has_thread = false;
	}
	errno = saved_errno;
}

/* Start the worker of lcore id, pinned and named; 0 or -errno. */
static int
start_worker(unsigned int id)
{
	struct lcore_thread *t = &lc_thr[id];
	char name[32];
	int ret;

	ret = pthread_cond_init(&t->wake, NULL);
	if (ret != 0)
		return -ret;
	ret = lcore_prim.create(&t->tid, NULL, worker_loop,
			(void *)(uintptr_t)id);
	if (ret != 0) {
		pthread_cond_destroy(&t->wake);
		RTE_LOG(ERR, EAL, "lcore %u: cannot create its thread: %s\n",
				id, strerror(ret));
		return -ret;
	}
	t->has_thread = true;
	ret = lcore_prim.setaffinity(t->tid, sizeof(cpu_set_t),
			&lc_cfg[id].cpus);
	if (ret != 0) {
		RTE_LOG(ERR, EAL, "lcore %u: cannot pin its thread: %s\n",
				id, strerror(ret));
		return -ret;
	}
	snprintf(name, sizeof(name), "lcore-worker-%u", id);
	name[THREAD_NAME_LEN - 1] = '\0';  /* as DPDK: lcore-worker-12 for 127 */
	if (pthread_setname_np(t->tid, name) != 0)
		RTE_LOG(DEBUG, EAL, "lcore %u: thread not named\n", id);
	return 0;
}

static int
start_workers(void)
{
	unsigned int id;
	int ret;

	RTE_LCORE_FOREACH_WORKER(id) {
		ret = start_worker(id);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int
eal_lcores_start(const char *lcores, bool is_map)
{
	cpu_set_t *main_cpus;
	int ret;

	if (lc_started)
		return -EALREADY;
	ret = -pthread_getaffinity_np(pthread_self(), sizeof(lc_saved_cpus),
			&lc_saved_cpus);
	if (ret < 0)
		return ret;
	ret = plan_lcores(lcores, is_map, &lc_saved_cpus);
	if (ret < 0)
		goto out_forget;
	ret = start_workers();
	if (ret < 0)
		goto out_stop_workers;
	main_cpus = &lc_cfg[lc_main].cpus;
	ret = -lcore_prim.setaffinity(pthread_self(), sizeof(*main_cpus),
			main_cpus);
	if (ret < 0)
		goto out_stop_workers;
	per_lcore__lcore_id = lc_main;
	lc_started = true;
	return 0;
out_stop_workers:
	stop_workers();
out_forget:
	forget_lcores();
	return ret;
}

void
eal_lcores_stop(void)
{
	int saved_errno = errno;

	if (!lc_started)
		return;
	stop_workers();
	forget_lcores();
	pthread_setaffinity_np(pthread_self(), sizeof(lc_saved_cpus),
			&lc_saved_cpus);
	per_lcore__lcore_id = LCORE_ID_ANY;
	lc_started = false;
	errno = saved_errno;
}

/* ---- rte_lcore.h ---- */

unsigned int
rte_get_main_lcore(void)
{
	return lc_main;
}

unsigned int
rte_lcore_count(void)
{
	return lc_count;
}

int
rte_lcore_is_enabled(unsigned int lcore_id)
{
	return lcore_id < RTE_MAX_LCORE && lc_cfg[lcore_id].enabled;
}

int
rte_lcore_index(int lcore_id)
{
	if (lcore_id < 0)
		lcore_id = (int)rte_lcore_id();
	if (lcore_id < 0 || !rte_lcore_is_enabled((unsigned int)lcore_id))
		return -1;
	return lc_cfg[lcore_id].index;
}

unsigned int
rte_lcore_to_socket_id(unsigned int lcore_id)
{
	if (!rte_lcore_is_enabled(lcore_id))
		return (unsigned int)-1;
	return lc_cfg[lcore_id].socket;
}

unsigned int
rte_socket_id(void)
{
	unsigned int id = rte_lcore_id();

	if (rte_lcore_is_enabled(id))
		return lc_cfg[id].socket;
	return node_of_cpu(sched_getcpu());
}

static bool
is_candidate(unsigned int i, int skip_main)
{
	return rte_lcore_is_enabled(i) && !(skip_main && i == lc_main);
}

unsigned int
rte_get_next_lcore(unsigned int i, int skip_main, int wrap)
{
	unsigned int n;

	if (!wrap) {
		for (i++; i < RTE_MAX_LCORE; i++)
			if (is_candidate(i, skip_main))
				return i;
		return RTE_MAX_LCORE;
	}
	/* RTE_MAX_LCORE steps come back to i itself, and no further. */
	for (n = 0; n < RTE_MAX_LCORE; n++) {
		i = (i + 1) % RTE_MAX_LCORE;
		if (is_candidate(i, skip_main))
			return i;
	}
	return RTE_MAX_LCORE;
}

/* ---- rte_launch.h ---- */

static bool
is_worker(unsigned int id)
{
	return rte_lcore_is_enabled(id) && id != lc_main;
}

/* Give f to an idle worker. pre: lc_lock held, the worker is WAIT. */
static void
hand_over_locked(unsigned int id, lcore_function_t *f, void *arg)
{
	struct lcore_thread *t = &lc_thr[id];

	t->f = f;
	t->arg = arg;
	t->state = RUNNING;
	pthread_cond_signal(&t->wake);
}

int
rte_eal_remote_launch(lcore_function_t *f, void *arg, unsigned worker_id)
{
	int ret = 0;

	if (f == NULL || !is_worker(worker_id))
		return -EINVAL;
	pthread_mutex_lock(&lc_lock);
	if (lc_thr[worker_id].state != WAIT)
		ret = -EBUSY;
	else
		hand_over_locked(worker_id, f, arg);
	pthread_mutex_unlock(&lc_lock);
	return ret;
}

static bool
all_workers_wait_locked(void)
{
	unsigned int id;

	RTE_LCORE_FOREACH_WORKER(id)
		if (lc_thr[id].state != WAIT)
			return false;
	return true;
}

int
rte_eal_mp_remote_launch(lcore_function_t *f, void *arg,
		enum rte_rmt_call_main_t call_main)
{
	unsigned int id;
	int ret;

	if (f == NULL || lc_main == LCORE_ID_ANY)
		return -EINVAL;
	pthread_mutex_lock(&lc_lock);
	if (!all_workers_wait_locked()) {
		pthread_mutex_unlock(&lc_lock);
		return -EBUSY;
	}
	RTE_LCORE_FOREACH_WORKER(id)
		hand_over_locked(id, f, arg);
	pthread_mutex_unlock(&lc_lock);
	if (call_main != CALL_MAIN)
		return 0;
	ret = f(arg);
	pthread_mutex_lock(&lc_lock);
	lc_thr[lc_main].ret = ret;
	pthread_mutex_unlock(&lc_lock);
	return 0;
}

enum rte_lcore_state_t
rte_eal_get_lcore_state(unsigned int worker_id)
{
	enum rte_lcore_state_t state;

	if (!rte_lcore_is_enabled(worker_id))
		return WAIT;
	pthread_mutex_lock(&lc_lock);
	state = lc_thr[worker_id].state;
	pthread_mutex_unlock(&lc_lock);
	return state;
}

int
rte_eal_wait_lcore(unsigned worker_id)
{
	struct lcore_thread *t;
	int ret;

	if (!rte_lcore_is_enabled(worker_id))
		return -EINVAL;
	t = &lc_thr[worker_id];
	pthread_mutex_lock(&lc_lock);
	if (t->state == RUNNING && worker_id == rte_lcore_id()) {
		ret = -EDEADLK;
		goto out_unlock;
	}
	while (t->state != WAIT)
		pthread_cond_wait(&lc_done, &lc_lock);
	ret = t->ret;
out_unlock:
	pthread_mutex_unlock(&lc_lock);
	return ret;
}

void
rte_eal_mp_wait_lcore(void)
{
	unsigned int id;

	RTE_LCORE_FOREACH_WORKER(id)
		rte_eal_wait_lcore(id);
}
