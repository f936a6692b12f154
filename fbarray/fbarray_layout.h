/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The shared mapping of one fbarray, as every process sees it:
 *
 *   data        len * elt_sz bytes of elements (arr->data points here)
 *   header      magic, sizes, count, and the array's robust lock
 *   words       the used-bitmap, one bit per element, 64 to a word
 *   word sums   per word and per state (free, used): the run at its low
 *               end, the run at its high end, its longest run
 *   group sums  the same for groups of FBA_GROUP_WORDS words, recomputed
 *               lazily: set_used/set_free only mark the group dirty
 *
 * The summaries let searches skip 4096 elements at a time, so a search
 * costs a few dozen operations where a word-by-word scan costs a thousand.
 * Bits past len are neither free nor used, so no run ever crosses them.
 *
 * Everything here is read and written under the header's lock, which is a
 * robust process-shared mutex: when its holder dies, the next taker
 * rebuilds count and summaries from the bitmap (fba_repair_locked).
 */

#ifndef MEMPLANE_FBARRAY_LAYOUT_H
#define MEMPLANE_FBARRAY_LAYOUT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_fbarray.h>

#define FBA_MAGIC 0x6d70666261727231ULL /* "mpfbarr1" */
#define FBA_GROUP_WORDS 64U
#define FBA_FREE 0
#define FBA_USED 1

/* Runs of one state in a stretch of bits: at its low end, at its high end,
 * and the longest anywhere in it.
 */
struct fba_word_sum {
	uint8_t lo[2];
	uint8_t hi[2];
	uint8_t max[2];
};

struct fba_group_sum {
	uint32_t lo[2];
	uint32_t hi[2];
	uint32_t max[2];
	uint32_t dirty;
};

struct fba_hdr {
	uint64_t magic;
	uint32_t len;
	uint32_t elt_sz;
	uint32_t count;
	pthread_mutex_t lock;
};

/* Where each part sits, derived from (len, elt_sz) alone so that every
 * process computes the same layout.
 */
struct fba_layout {
	size_t hdr_off;
	size_t words_off;
	size_t wsum_off;
	size_t gsum_off;
	size_t map_len;
	unsigned int n_words;
	unsigned int n_groups;
};

/* This process's pointers into one array's mapping. */
struct fba_view {
	struct fba_hdr *hdr;
	uint64_t *words;
	struct fba_word_sum *wsum;
	struct fba_group_sum *gsum;
	unsigned int len;
	unsigned int n_words;
	unsigned int n_groups;
};

/* Fill l for an array of len elements of elt_sz bytes. Returns 0, or
 * -EINVAL when the mapping would be absurdly large.
 */
int fba_layout_calc(unsigned int len, unsigned int elt_sz,
		struct fba_layout *l);

/* pre: arr was created or attached by this process. */
void fba_view_of(const struct rte_fbarray *arr, struct fba_view *v);

/* Take and release the array's lock; taking it from a dead holder repairs
 * the array first.
 */
void fba_lock(const struct fba_view *v);
void fba_unlock(const struct fba_view *v);

/* Recompute word k's summary after its bits changed; marks its group dirty.
 * pre: lock held.
 */
void fba_word_changed_locked(const struct fba_view *v, unsigned int k);

/* Rebuild count and every summary from the bitmap. pre: lock held. */
void fba_repair_locked(const struct fba_view *v);

#endif /* MEMPLANE_FBARRAY_LAYOUT_H */
