/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * What the rest of memplane (and the tests) may ask of fbarray beyond the
 * public API: where shared arrays keep their files, and where they map.
 */

#ifndef MEMPLANE_FBARRAY_PRIVATE_H
#define MEMPLANE_FBARRAY_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <rte_fbarray.h>

/*
 * Make arrays created or attached from now on live in dir (the group's
 * runtime directory), or be anonymous and process-local when dir is NULL,
 * which is the state before start-up. Arrays already mapped keep the mode
 * they were made in.
 * Returns 0, or -ENAMETOOLONG when dir leaves no room for a file name.
 * pre: no other thread of this process is creating or attaching an array.
 */
int fbarray_set_dir(const char *dir);

/* The directory set above, or NULL for process-local arrays. */
const char *fbarray_get_dir(void);

/* Bytes an array of len elements of elt_sz bytes maps (page-aligned), or
 * 0 when such an array is refused.
 */
size_t fbarray_map_len(unsigned int len, unsigned int elt_sz);

/*
 * As rte_fbarray_init(), but mapped at addr exactly (the runtime lays out
 * its page tables where every process can map them), or anywhere when
 * addr is NULL. Returns 0, or -1 with rte_errno as rte_fbarray_init(),
 * plus EADDRNOTAVAIL when something occupies addr.
 */
int fbarray_init_at(struct rte_fbarray *arr, const char *name,
		unsigned int len, unsigned int elt_sz, void *addr);

/*
 * Keep [addr, addr + len) for arrays placed at run time: the caller has
 * reserved it (PROT_NONE). An array made or attached at an address inside
 * it maps over the reservation, and its detach or destroy puts the
 * reservation back, so that nothing else of this process lands there in
 * between. (NULL, 0) forgets the window.
 */
void fbarray_set_window(void *addr, size_t len);

/* Mark every element used, in one pass (a table born full). 0 or
 * -EINVAL. */
int fbarray_set_all_used(struct rte_fbarray *arr);

/*
 * Make this process the only one mapping arr, and keep it so until
 * rte_fbarray_destroy() (another process's attach waits meanwhile). 0, or
 * -EBUSY when another process has it attached, -ENOENT when this process
 * does not map it. Process-local arrays always succeed.
 */
int fbarray_claim(const struct rte_fbarray *arr);
/* Share arr again after fbarray_claim(). */
void fbarray_unclaim(const struct rte_fbarray *arr);

/*
 * The array's used bitmap (bit i of word i / 64 = element i), for callers
 * that test bits on a hot path: the words stay where they are for the
 * array's life. Read them with atomic loads.
 */
const uint64_t *fbarray_used_words(const struct rte_fbarray *arr);

#endif /* MEMPLANE_FBARRAY_PRIVATE_H */
