/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Searches of the used-bitmap, written once for both directions and both
 * states. Every public search reduces to two scans:
 *
 *   first_run(start, n)  where the first run of n elements of a state, met
 *                        going one way from start, begins;
 *   longest(start)       how long the longest such run is.
 *
 * next/prev are runs of one element; contig is the distance to the first
 * element of the other state; biggest is the first run of the longest
 * length. A scan reads the word holding start bit by bit, the rest of its
 * group word by word from the word summaries, and after that whole groups,
 * stepping into a group only when the run it looks for ends inside.
 *
 * All scans run under the array's lock, which also lets them refresh dirty
 * group summaries in place.
 */

#include <errno.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "fbarray/fbarray_layout.h"

#define WORD_BITS 64U

/* Runs of one state in a stretch of bits, in the scan's direction. */
struct stretch {
	unsigned int lead;  /* run at the end the scan enters by */
	unsigned int trail; /* run at the end the scan leaves by */
	unsigned int max;
	unsigned int nbits;
};

struct scan {
	const struct fba_view *v;
	int dir;            /* +1 up, -1 down */
	int state;          /* FBA_FREE or FBA_USED */
	unsigned int n;     /* run length sought; 0 for longest() */
	unsigned int carry; /* length of the run in progress */
	unsigned int best;  /* longest run completed or in progress */
};

static unsigned int
run_lo(uint64_t x)
{
	return ~x != 0 ? rte_ctz64(~x) : WORD_BITS;
}

static unsigned int
run_hi(uint64_t x)
{
	return ~x != 0 ? rte_clz64(~x) : WORD_BITS;
}

static unsigned int
run_max(uint64_t x)
{
	unsigned int len = 0;

	if (x == UINT64_MAX)
		return WORD_BITS;
	for (; x != 0; len++)
		x &= x >> 1;
	return len;
}

/* Bit i is set iff bits i..i+n-1 of x all are. pre: 1 <= n <= 64. */
static uint64_t
runs_of(uint64_t x, unsigned int n)
{
	unsigned int have = 1;

	while (have < n) {
		unsigned int shift = RTE_MIN(have, n - have);

		x &= x >> shift;
		have += shift;
	}
	return x;
}

static uint64_t
valid_bits(const struct fba_view *v, unsigned int k)
{
	unsigned int tail = v->len % WORD_BITS;

	if (k == v->n_words - 1 && tail != 0)
		return (1ULL << tail) - 1;
	return UINT64_MAX;
}

/* Word k with a bit set for each element in the given state. */
static uint64_t
state_bits(const struct fba_view *v, unsigned int k, int state)
{
	uint64_t w = __atomic_load_n(&v->words[k], __ATOMIC_RELAXED);

	return (state == FBA_USED ? w : ~w) & valid_bits(v, k);
}

void
fba_word_changed_locked(const struct fba_view *v, unsigned int k)
{
	struct fba_word_sum *ws = &v->wsum[k];
	int state;

	for (state = FBA_FREE; state <= FBA_USED; state++) {
		uint64_t x = state_bits(v, k, state);

		ws->lo[state] = run_lo(x);
		ws->hi[state] = run_hi(x);
		ws->max[state] = run_max(x);
	}
	v->gsum[k / FBA_GROUP_WORDS].dirty = 1;
}

void
fba_repair_locked(const struct fba_view *v)
{
	unsigned int k, count = 0;

	for (k = 0; k < v->n_words; k++) {
		count += rte_popcount64(state_bits(v, k, FBA_USED));
		fba_word_changed_locked(v, k);
	}
	v->hdr->count = count;
}

/* Append a stretch summarised by (lo, hi, max, nbits) above acc. */
static void
append_up(struct stretch *acc, unsigned int lo, unsigned int hi,
		unsigned int max, unsigned int nbits)
{
	acc->max = RTE_MAX(RTE_MAX(acc->max, max), acc->trail + lo);
	if (acc->lead == acc->nbits)
		acc->lead += lo;
	acc->trail = hi == nbits ? acc->trail + nbits : hi;
	acc->nbits += nbits;
}

static void
group_refresh(const struct fba_view *v, unsigned int g)
{
	struct fba_group_sum *gs = &v->gsum[g];
	unsigned int first = g * FBA_GROUP_WORDS;
	unsigned int end = RTE_MIN(first + FBA_GROUP_WORDS, v->n_words);
	int state;

	for (state = FBA_FREE; state <= FBA_USED; state++) {
		struct stretch acc = { 0, 0, 0, 0 };
		unsigned int k;

		for (k = first; k < end; k++)
			append_up(&acc, v->wsum[k].lo[state],
					v->wsum[k].hi[state],
					v->wsum[k].max[state], WORD_BITS);
		gs->lo[state] = acc.lead;
		gs->hi[state] = acc.trail;
		gs->max[state] = acc.max;
	}
	gs->dirty = 0;
}

static void
orient(const struct scan *s, unsigned int lo, unsigned int hi,
		unsigned int max, unsigned int nbits, struct stretch *st)
{
	st->lead = s->dir > 0 ? lo : hi;
	st->trail = s->dir > 0 ? hi : lo;
	st->max = max;
	st->nbits = nbits;
}

static void
bits_stretch(const struct scan *s, uint64_t x, struct stretch *st)
{
	orient(s, run_lo(x), run_hi(x), run_max(x), WORD_BITS, st);
}

static void
word_stretch(const struct scan *s, unsigned int k, struct stretch *st)
{
	const struct fba_word_sum *ws = &s->v->wsum[k];

	orient(s, ws->lo[s->state], ws->hi[s->state], ws->max[s->state],
			WORD_BITS, st);
}

static void
group_stretch(const struct scan *s, unsigned int g, struct stretch *st)
{
	const struct fba_group_sum *gs = &s->v->gsum[g];
	unsigned int first = g * FBA_GROUP_WORDS;
	unsigned int words = RTE_MIN(FBA_GROUP_WORDS, s->v->n_words - first);

	if (gs->dirty)
		group_refresh(s->v, g);
	orient(s, gs->lo[s->state], gs->hi[s->state], gs->max[s->state],
			words * WORD_BITS, st);
}

/* Take in the next stretch. Returns true, leaving the scan as it was, when
 * the run sought ends inside it.
 */
static bool
feed(struct scan *s, const struct stretch *st)
{
	if (s->n != 0 && (s->carry + st->lead >= s->n || st->max >= s->n))
		return true;
	s->best = RTE_MAX(s->best, RTE_MAX(st->max, s->carry + st->lead));
	s->carry = st->lead == st->nbits ? s->carry + st->nbits : st->trail;
	return false;
}

/* Where the run sought begins, given that it ends in word k (state bits x).
 * Returns the run's lowest index.
 */
static int
resolve(const struct scan *s, unsigned int k, uint64_t x)
{
	long first = (long)k * WORD_BITS + (s->dir > 0 ? 0 : WORD_BITS - 1);
	unsigned int lead = s->dir > 0 ? run_lo(x) : run_hi(x);
	uint64_t starts;
	long end;

	if (s->carry + lead >= s->n) {
		end = first + s->dir * (long)(s->n - s->carry - 1);
		return (int)(s->dir > 0 ? end - s->n + 1 : end);
	}
	starts = runs_of(x, s->n);
	return (int)(k * WORD_BITS + (s->dir > 0 ? rte_ctz64(starts) :
			WORD_BITS - 1 - rte_clz64(starts)));
}

/* State bits of the word holding start, keeping only start and beyond. */
static uint64_t
first_word_bits(const struct scan *s, unsigned int start)
{
	unsigned int b = start % WORD_BITS;
	uint64_t x = state_bits(s->v, start / WORD_BITS, s->state);

	if (s->dir > 0)
		return x & (UINT64_MAX << b);
	return b == WORD_BITS - 1 ? x : x & ((2ULL << b) - 1);
}

static bool
is_group_head(const struct scan *s, unsigned int k)
{
	unsigned int pos = k % FBA_GROUP_WORDS;

	if (s->dir > 0)
		return pos == 0;
	return pos == FBA_GROUP_WORDS - 1 || k == s->v->n_words - 1;
}

static unsigned int
group_last_word(const struct scan *s, unsigned int g)
{
	if (s->dir < 0)
		return g * FBA_GROUP_WORDS;
	return RTE_MIN(g * FBA_GROUP_WORDS + FBA_GROUP_WORDS, s->v->n_words) - 1;
}

static bool
next_word(const struct scan *s, unsigned int *k)
{
	if (s->dir > 0 ? *k + 1 >= s->v->n_words : *k == 0)
		return false;
	*k += s->dir;
	return true;
}

/* Does start sit at the edge of its word where the scan enters it? Bits
 * past len are never in any state, so the last element counts as an edge.
 */
static bool
at_word_entry(const struct scan *s, unsigned int start)
{
	if (s->dir > 0)
		return start % WORD_BITS == 0;
	return start % WORD_BITS == WORD_BITS - 1 || start == s->v->len - 1;
}

/*
 * The scan is at word k, inside group g but not at its head. When even the
 * group's longest run cannot complete the run sought, skip the words left
 * in the group: every run among them is at most the group's longest.
 * Returns true when it skipped; k is then the group's last word.
 */
static bool
skip_rest_of_group(struct scan *s, unsigned int *k)
{
	unsigned int g = *k / FBA_GROUP_WORDS, last = group_last_word(s, g);
	unsigned int rest = (s->dir > 0 ? last - *k : *k - last) + 1;
	struct stretch st;

	group_stretch(s, g, &st);
	if (s->n == 0 || s->carry + st.max >= s->n)
		return false;
	/* The group's trailing run reaches back over all the rest, or not. */
	s->carry = st.trail >= rest * WORD_BITS ?
		s->carry + rest * WORD_BITS : st.trail;
	*k = last;
	return true;
}

/* Step through the words from k on; see walk(). */
static int
walk_words(struct scan *s, unsigned int k)
{
	struct stretch st;

	if (!is_group_head(s, k) && skip_rest_of_group(s, &k) &&
			!next_word(s, &k))
		return -1;
	do {
		if (is_group_head(s, k)) {
			group_stretch(s, k / FBA_GROUP_WORDS, &st);
			if (!feed(s, &st)) {
				k = group_last_word(s, k / FBA_GROUP_WORDS);
				continue;
			}
		}
		word_stretch(s, k, &st);
		if (feed(s, &st))
			return resolve(s, k, state_bits(s->v, k, s->state));
	} while (next_word(s, &k));
	return -1;
}

/* Walk from start; returns where the run sought begins, or -1 when it is
 * not there (always -1 for longest(), which only fills s->best).
 */
static int
walk(struct scan *s, unsigned int start)
{
	unsigned int k = start / WORD_BITS;
	uint64_t x;
	struct stretch st;

	if (at_word_entry(s, start))
		return walk_words(s, k);
	x = first_word_bits(s, start);
	bits_stretch(s, x, &st);
	if (feed(s, &st))
		return resolve(s, k, x);
	return next_word(s, &k) ? walk_words(s, k) : -1;
}

static int
first_run(const struct fba_view *v, unsigned int start, unsigned int n,
		int dir, int state)
{
	struct scan s = { .v = v, .dir = dir, .state = state, .n = n };

	return walk(&s, start);
}

static unsigned int
longest(const struct fba_view *v, unsigned int start, int dir, int state)
{
	struct scan s = { .v = v, .dir = dir, .state = state, .n = 0 };

	walk(&s, start);
	return s.best;
}

static int
contig(const struct fba_view *v, unsigned int start, int dir, int state)
{
	int other = first_run(v, start, 1, dir, !state);

	if (other < 0)
		return dir > 0 ? (int)(v->len - start) : (int)start + 1;
	return dir > 0 ? other - (int)start : (int)start - other;
}

static int
biggest(const struct fba_view *v, unsigned int start, int dir, int state)
{
	unsigned int len = longest(v, start, dir, state);

	return len == 0 ? -1 : first_run(v, start, len, dir, state);
}

enum find_kind { FIND_RUN, FIND_CONTIG, FIND_BIGGEST };

static int
find_locked(const struct fba_view *v, enum find_kind kind, unsigned int start,
		unsigned int n, int dir, int state)
{
	switch (kind) {
	case FIND_RUN:
		return first_run(v, start, n, dir, state);
	case FIND_CONTIG:
		return contig(v, start, dir, state);
	default:
		return biggest(v, start, dir, state);
	}
}

static int
find(struct rte_fbarray *arr, enum find_kind kind, unsigned int start,
		unsigned int n, int dir, int state)
{
	struct fba_view v;
	int ret;

	if (arr == NULL || arr->data == NULL || start >= arr->len ||
			(kind == FIND_RUN && (n == 0 || n > arr->len))) {
		rte_errno = EINVAL;
		return -1;
	}
	fba_view_of(arr, &v);
	fba_lock(&v);
	ret = find_locked(&v, kind, start, n, dir, state);
	fba_unlock(&v);
	if (ret < 0)
		rte_errno = state == FBA_USED ? ENOENT : ENOSPC;
	return ret;
}

int
rte_fbarray_find_next_free(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_RUN, start, 1, 1, FBA_FREE);
}

int
rte_fbarray_find_next_used(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_RUN, start, 1, 1, FBA_USED);
}

int
rte_fbarray_find_prev_free(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_RUN, start, 1, -1, FBA_FREE);
}

int
rte_fbarray_find_prev_used(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_RUN, start, 1, -1, FBA_USED);
}

int
rte_fbarray_find_next_n_free(struct rte_fbarray *arr, unsigned int start,
		unsigned int n)
{
	return find(arr, FIND_RUN, start, n, 1, FBA_FREE);
}

int
rte_fbarray_find_next_n_used(struct rte_fbarray *arr, unsigned int start,
		unsigned int n)
{
	return find(arr, FIND_RUN, start, n, 1, FBA_USED);
}

int
rte_fbarray_find_prev_n_free(struct rte_fbarray *arr, unsigned int start,
		unsigned int n)
{
	return find(arr, FIND_RUN, start, n, -1, FBA_FREE);
}

int
rte_fbarray_find_prev_n_used(struct rte_fbarray *arr, unsigned int start,
		unsigned int n)
{
	return find(arr, FIND_RUN, start, n, -1, FBA_USED);
}

int
rte_fbarray_find_contig_free(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_CONTIG, start, 0, 1, FBA_FREE);
}

int
rte_fbarray_find_contig_used(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_CONTIG, start, 0, 1, FBA_USED);
}

int
rte_fbarray_find_rev_contig_free(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_CONTIG, start, 0, -1, FBA_FREE);
}

int
rte_fbarray_find_rev_contig_used(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_CONTIG, start, 0, -1, FBA_USED);
}

int
rte_fbarray_find_biggest_free(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_BIGGEST, start, 0, 1, FBA_FREE);
}

int
rte_fbarray_find_biggest_used(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_BIGGEST, start, 0, 1, FBA_USED);
}

int
rte_fbarray_find_rev_biggest_free(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_BIGGEST, start, 0, -1, FBA_FREE);
}

int
rte_fbarray_find_rev_biggest_used(struct rte_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_BIGGEST, start, 0, -1, FBA_USED);
}
