/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * A tiny page table kept in an rte_fbarray: 1024 entries describing 2 MiB
 * pages, plus the used-bitmap that says which entries are live. This is how
 * memplane (and DPDK) keep their memseg lists. The program allocates runs of
 * pages, frees some to make holes, searches the holes, maps an element
 * pointer back to its index, shows how failures are reported, and dumps a
 * small array. It checks every result and exits non-zero if one is wrong.
 *
 * Run it:  make demo          (or build/examples/fbarray once built)
 * Build your own program the same way, against an installed memplane:
 *          cc prog.c $(pkg-config --cflags --libs memplane)
 *
 * Until rte_eal_init() exists the arrays are private to this process; the
 * same calls work unchanged on arrays shared by a group of processes.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fbarray.h>

#define N_PAGES 1024
#define PAGE_SZ (2ULL << 20)   /* 2 MiB */
#define BASE_VA 0x100000000ULL /* made up: nothing is mapped here */

struct page {
	uint64_t va;
	uint64_t iova;
	int socket;
};

/* Stop with a message when a result is not what the comment says. */
#define EXPECT(got, want) do { \
	long long g_ = (got), w_ = (want); \
	if (g_ != w_) { \
		fprintf(stderr, "fbarray example: %s:%d: %s is %lld, expected %lld (rte_errno: %s)\n", \
			__FILE__, __LINE__, #got, g_, w_, rte_strerror(rte_errno)); \
		exit(1); \
	} \
} while (0)

/* Take the first run of n free entries and fill them in: "allocate" n pages. */
static int
alloc_pages(struct rte_fbarray *pt, unsigned int n)
{
	int first = rte_fbarray_find_next_n_free(pt, 0, n);
	unsigned int i;

	if (first < 0)
		return -1;
	for (i = first; i < first + n; i++) {
		struct page *p = rte_fbarray_get(pt, i);

		p->va = BASE_VA + i * PAGE_SZ;
		p->iova = p->va; /* IOVA-as-VA, as with --iova-mode=va */
		p->socket = 0;
		EXPECT(rte_fbarray_set_used(pt, i), 0);
	}
	return first;
}

static void
free_pages(struct rte_fbarray *pt, unsigned int first, unsigned int n)
{
	unsigned int i;

	for (i = first; i < first + n; i++) {
		EXPECT(rte_fbarray_set_free(pt, i), 0);
		memset(rte_fbarray_get(pt, i), 0, sizeof(struct page));
	}
}

static void
dump_small_array(void)
{
	struct rte_fbarray small;

	EXPECT(rte_fbarray_init(&small, "small", 100, sizeof(uint64_t)), 0);
	EXPECT(rte_fbarray_set_used(&small, 0), 0);
	EXPECT(rte_fbarray_set_used(&small, 1), 0);
	EXPECT(rte_fbarray_set_used(&small, 64), 0);
	printf("a 100-entry array with entries 0, 1 and 64 used dumps as:\n");
	rte_fbarray_dump_metadata(&small, stdout);
	EXPECT(rte_fbarray_destroy(&small), 0);
}

int
main(void)
{
	struct rte_fbarray pt;
	struct page *p;
	int idx;

	EXPECT(rte_fbarray_init(&pt, "pagetable", N_PAGES, sizeof(struct page)), 0);
	printf("created '%s': %u entries of %u bytes, %u used\n",
		pt.name, pt.len, pt.elt_sz, pt.count);

	/* Four allocations, first fit: 0-99, 100-299, 300-349, 350-649. */
	EXPECT(alloc_pages(&pt, 100), 0);
	EXPECT(alloc_pages(&pt, 200), 100);
	EXPECT(alloc_pages(&pt, 50), 300);
	EXPECT(alloc_pages(&pt, 300), 350);
	EXPECT(pt.count, 650);
	printf("allocated runs of 100, 200, 50 and 300 pages: %u entries used\n", pt.count);

	/* Holes: 100-299 (200 pages), 400-403 (4), and the tail 650-1023 (374). */
	free_pages(&pt, 100, 200);
	free_pages(&pt, 400, 4);
	EXPECT(pt.count, 446);
	printf("freed pages 100-299 and 400-403: %u entries used\n", pt.count);

	idx = rte_fbarray_find_biggest_free(&pt, 0);
	EXPECT(idx, 650);
	EXPECT(rte_fbarray_find_contig_free(&pt, idx), 374);
	printf("biggest free run starts at %d, %d pages long\n", idx,
		rte_fbarray_find_contig_free(&pt, idx));

	EXPECT(rte_fbarray_find_next_n_free(&pt, 0, 4), 100);
	EXPECT(rte_fbarray_find_prev_n_free(&pt, 399, 4), 296);
	EXPECT(rte_fbarray_find_prev_n_free(&pt, N_PAGES - 1, 4), 1020);
	printf("4 free pages: first fit from the bottom at 100, searching down from 399 at 296, from the top at 1020\n");

	EXPECT(rte_fbarray_find_contig_used(&pt, 0), 100);
	EXPECT(rte_fbarray_find_rev_contig_free(&pt, 299), 200);
	EXPECT(rte_fbarray_find_contig_used(&pt, 300), 100);
	printf("contiguous counts: 100 used from 0, 200 free down from 299, 100 used from 300\n");

	/* Map a pointer into an element (here to its iova field) back to its index. */
	p = rte_fbarray_get(&pt, 360);
	EXPECT(rte_fbarray_find_idx(&pt, &p->iova), 360);
	EXPECT(p->va, (long long)(BASE_VA + 360 * PAGE_SZ));
	printf("the entry holding va 0x%" PRIx64 " is index %d\n", p->va,
		rte_fbarray_find_idx(&pt, p));

	/* Failures return -1 and say why in rte_errno: a bad argument... */
	EXPECT(rte_fbarray_find_next_free(&pt, N_PAGES), -1);
	EXPECT(rte_errno, EINVAL);
	printf("find_next_free at start == len fails: %s\n", rte_strerror(rte_errno));
	/* ...or nothing found: ENOSPC for free searches, ENOENT for used ones. */
	EXPECT(rte_fbarray_find_next_n_free(&pt, 0, 400), -1);
	EXPECT(rte_errno, ENOSPC);
	printf("no run of 400 free pages: %s\n", rte_strerror(rte_errno));

	dump_small_array();

	EXPECT(rte_fbarray_destroy(&pt), 0);
	printf("destroyed the page table; all checks passed\n");
	return 0;
}
