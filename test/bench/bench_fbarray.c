/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * bench_fbarray: the fbarray searches (SPEC §10) against a naive baseline
 * run in the same invocation on the same contents: a plain bool array, one
 * byte per element, scanned one element at a time with the same semantics.
 *
 * Fixture: 65536 elements of 8 bytes, process-local (no runtime directory,
 * so nothing touches disk), exactly 32768 distinct elements used, picked by
 * a fixed-seed shuffle. Each case is a pair of callbacks (memplane, naive)
 * over a fixed set of starts: 1024 pseudo-random ones, or a single start
 * (0, or len - 1 going down) for whole-array searches. Before timing, both
 * callbacks must agree on every start, or the bench exits 1: a fast wrong
 * answer is not a result. set_used+set_free is timed as one pair on free
 * elements so the contents do not change; a final check proves it.
 */

#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_fbarray.h>

#include "fbarray/fbarray_private.h"
#include "bench.h"

#define ARR_LEN 65536u
#define ELT_SZ 8u
#define N_USED (ARR_LEN / 2)
#define N_STARTS 1024u /* a power of two: call i uses starts[i & mask] */
#define RUN_N 16u
#define SEED 0x6d656d706c616e65ull

struct fixture {
	struct rte_fbarray arr;
	bool used[ARR_LEN];             /* the naive copy of the bitmap */
	unsigned int n_used;            /* the naive copy of arr.count */
	unsigned int rand_start[N_STARTS];
	unsigned int free_idx[N_STARTS]; /* free elements, for set pairs */
	unsigned int low[1];
	unsigned int high[1];
};

enum start_kind { START_RANDOM, START_FREE, START_LOW, START_HIGH };

/* What one callback sees: the fixture and the starts of its case. */
struct run {
	struct fixture *fx;
	const unsigned int *starts;
	unsigned int mask;
};

struct bench_case {
	const char *name;
	enum start_kind start;
	bench_op_fn ours;
	bench_op_fn naive;
	double ref_ns;
	double max_ns;
};

static struct fixture fixture;

static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int start_of(const struct run *r, unsigned int i)
{
	return r->starts[i & r->mask];
}

/*
 * Naive searches. They count the current free run without a branch: on
 * random contents a branch per element mispredicts half the time, and the
 * baseline would be 2-4 times slower than a plain scan needs to be.
 *
 * Walk from start by step (+1 or -1) and return the lowest index of the
 * first n free elements in a row, or -1.
 */
static long naive_n_free(const bool *used, long start, long step,
		unsigned int n)
{
	unsigned int run = 0;

	for (long j = start; j >= 0 && j < ARR_LEN; j += step) {
		run = (run + 1) * !used[j];
		if (run == n)
			return step > 0 ? j - (long)n + 1 : j;
	}
	return -1;
}

/* Lowest index of the longest free run met walking from start by step. */
static long naive_biggest_free(const bool *used, long start, long step)
{
	long best = -1, best_len = 0, run = 0;

	for (long j = start; j >= 0 && j < ARR_LEN; j += step) {
		run = (run + 1) * !used[j];
		if (run > best_len) {
			best_len = run;
			best = step > 0 ? j - run + 1 : j;
		}
	}
	return best;
}

/* Keeps arr.count's twin up to date, as set_used/set_free do. */
static __rte_noinline void naive_set(struct fixture *fx, unsigned int idx,
		bool used)
{
	if (fx->used[idx] == used)
		return;
	fx->used[idx] = used;
	fx->n_used += used ? 1 : -1u;
}

static long naive_next_free(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return naive_n_free(r->fx->used, start_of(r, i), 1, 1);
}

static long naive_next_n(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return naive_n_free(r->fx->used, start_of(r, i), 1, RUN_N);
}

static long naive_prev_n(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return naive_n_free(r->fx->used, start_of(r, i), -1, RUN_N);
}

static long naive_contig(void *ctx, unsigned int i)
{
	struct run *r = ctx;
	unsigned int j = start_of(r, i);

	while (j < ARR_LEN && !r->fx->used[j])
		j++;
	return j - start_of(r, i);
}

static long naive_biggest(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return naive_biggest_free(r->fx->used, start_of(r, i), 1);
}

static long naive_rev_biggest(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return naive_biggest_free(r->fx->used, start_of(r, i), -1);
}

static long naive_set_pair(void *ctx, unsigned int i)
{
	struct run *r = ctx;
	unsigned int idx = start_of(r, i);

	naive_set(r->fx, idx, true);
	naive_set(r->fx, idx, false);
	return idx;
}

/* memplane: the same operations through the API. */
static long ours_next_free(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return rte_fbarray_find_next_free(&r->fx->arr, start_of(r, i));
}

static long ours_next_n(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return rte_fbarray_find_next_n_free(&r->fx->arr, start_of(r, i), RUN_N);
}

static long ours_prev_n(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return rte_fbarray_find_prev_n_free(&r->fx->arr, start_of(r, i), RUN_N);
}

static long ours_contig(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return rte_fbarray_find_contig_free(&r->fx->arr, start_of(r, i));
}

static long ours_biggest(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return rte_fbarray_find_biggest_free(&r->fx->arr, start_of(r, i));
}

static long ours_rev_biggest(void *ctx, unsigned int i)
{
	struct run *r = ctx;

	return rte_fbarray_find_rev_biggest_free(&r->fx->arr, start_of(r, i));
}

static long ours_set_pair(void *ctx, unsigned int i)
{
	struct run *r = ctx;
	unsigned int idx = start_of(r, i);

	if (rte_fbarray_set_used(&r->fx->arr, idx) < 0)
		return -1;
	if (rte_fbarray_set_free(&r->fx->arr, idx) < 0)
		return -1;
	return idx;
}

static const struct bench_case cases[] = {
	{ "find_next_free", START_RANDOM, ours_next_free, naive_next_free,
		0, 0 },
	{ "find_next_n_free(16)", START_LOW, ours_next_n, naive_next_n,
		7800, 500 },
	{ "find_next_n_free(16)", START_RANDOM, ours_next_n, naive_next_n,
		0, 0 },
	{ "find_prev_n_free(16)", START_HIGH, ours_prev_n, naive_prev_n,
		0, 0 },
	{ "find_prev_n_free(16)", START_RANDOM, ours_prev_n, naive_prev_n,
		0, 0 },
	{ "find_contig_free", START_RANDOM, ours_contig, naive_contig, 0, 0 },
	{ "find_biggest_free", START_LOW, ours_biggest, naive_biggest,
		389000, 5000 },
	{ "find_rev_biggest_free", START_HIGH, ours_rev_biggest,
		naive_rev_biggest, 0, 0 },
	{ "set_used+set_free (ns per pair)", START_FREE, ours_set_pair,
		naive_set_pair, 0, 0 },
};

static void die(const char *what)
{
	fprintf(stderr, "bench_fbarray: %s\n", what);
	exit(1);
}

/* Mark exactly N_USED distinct elements used, in both copies. */
static void fill_random(struct fixture *fx, uint64_t *rng)
{
	static unsigned int perm[ARR_LEN];

	for (unsigned int k = 0; k < ARR_LEN; k++)
		perm[k] = k;
	for (unsigned int k = 0; k < N_USED; k++) {
		unsigned int j = k + rng_next(rng) % (ARR_LEN - k);
		unsigned int idx = perm[j];

		perm[j] = perm[k];
		if (rte_fbarray_set_used(&fx->arr, idx) < 0)
			die("set_used failed while filling");
		naive_set(fx, idx, true);
	}
}

static void fixture_init(struct fixture *fx)
{
	uint64_t rng = SEED;

	if (fbarray_set_dir(NULL) < 0 ||
			rte_fbarray_init(&fx->arr, "bench_fbarray", ARR_LEN,
				ELT_SZ) < 0)
		die("cannot create the array");
	fill_random(fx, &rng);
	for (unsigned int k = 0; k < N_STARTS; k++) {
		unsigned int s = rng_next(&rng) % ARR_LEN;

		fx->rand_start[k] = s;
		while (fx->used[s])
			s = (s + 1) % ARR_LEN;
		fx->free_idx[k] = s;
	}
	fx->low[0] = 0;
	fx->high[0] = ARR_LEN - 1;
}

static struct run run_of(struct fixture *fx, enum start_kind kind)
{
	switch (kind) {
	case START_RANDOM:
		return (struct run){ fx, fx->rand_start, N_STARTS - 1 };
	case START_FREE:
		return (struct run){ fx, fx->free_idx, N_STARTS - 1 };
	case START_LOW:
		return (struct run){ fx, fx->low, 0 };
	default:
		return (struct run){ fx, fx->high, 0 };
	}
}

/* Exit 1 unless memplane and naive agree on every start of the case. */
static void check_case(const struct bench_case *c)
{
	struct run run = run_of(&fixture, c->start), *r = &run;

	for (unsigned int k = 0; k <= r->mask; k++) {
		long ours = c->ours(r, k), naive = c->naive(r, k);

		if (ours == naive)
			continue;
		fprintf(stderr, "bench_fbarray: %s, start %u: memplane %ld "
				"(rte_errno %d), naive %ld\n", c->name,
				start_of(r, k), ours, rte_errno, naive);
		exit(1);
	}
}

/* Exit 1 unless the bitmap and the count still match the naive copy. */
static void check_contents(struct fixture *fx)
{
	for (unsigned int k = 0; k < ARR_LEN; k++)
		if (rte_fbarray_is_used(&fx->arr, k) != fx->used[k])
			die("bitmap differs from the naive copy");
	if (fx->arr.count != N_USED || fx->n_used != N_USED)
		die("used count is not 32768");
}

static void describe_start(const struct bench_case *c, struct run *r,
		char *buf, size_t len)
{
	static const char *const kinds[] = { "random", "random free", "0",
		"65535" };

	if (r->mask)
		snprintf(buf, len, "%s", kinds[c->start]);
	else
		snprintf(buf, len, "%s -> %ld", kinds[c->start], c->naive(r, 0));
}

static void run_case(const struct bench_case *c)
{
	struct run r = run_of(&fixture, c->start);
	char variant[32];
	struct bench_row row = {
		.name = c->name, .variant = variant,
		.ref_ns = c->ref_ns, .max_ns = c->max_ns,
	};

	describe_start(c, &r, variant, sizeof(variant));
	row.ours_ns = bench_ns_per_call(c->ours, &r);
	row.base_ns = bench_ns_per_call(c->naive, &r);
	bench_print_row(&row);
}

int main(void)
{
	uint64_t t0 = bench_now_ns();

	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_print_machine("bench_fbarray");
	printf("fbarray of %u x %u B, %u used at random (seed %#llx), "
			"process-local; naive = bool[] scanned one element at "
			"a time\n", ARR_LEN, ELT_SZ, N_USED,
			(unsigned long long)SEED);
	fixture_init(&fixture);
	check_contents(&fixture);
	for (unsigned int k = 0; k < RTE_DIM(cases); k++)
		check_case(&cases[k]);
	bench_print_header("naive ns");
	for (unsigned int k = 0; k < RTE_DIM(cases); k++)
		run_case(&cases[k]);
	check_contents(&fixture);
	if (rte_fbarray_destroy(&fixture.arr) < 0)
		die("cannot destroy the array");
	printf("start -> x: the result from that start; total %.1f s\n",
			(double)(bench_now_ns() - t0) / 1e9);
	return 0;
}
