/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * File-backed arrays: a fixed number of fixed-size elements plus a bitmap of
 * which elements are used, kept in one shared mapping so that every process
 * of a group sees the same array. memplane keeps its page tables in them.
 *
 * Sharing model. The array lives in the file <dir>/fbarray_<name>, where dir
 * is the group's runtime directory. rte_fbarray_init() creates it and holds
 * a shared lock on it for as long as the array is mapped; any other process
 * maps the same file with rte_fbarray_attach() at the same address
 * (arr->data), which is why struct rte_fbarray itself is normally kept in
 * memory shared by the group. Without a runtime directory (memory-only and
 * no-shared-config modes, and before start-up) arrays are anonymous and
 * private to the process.
 *
 * Every call that reads or changes the bitmap takes the array's lock, which
 * lives in the shared mapping and survives the death of its holder. All
 * processes see set_used/set_free at once; arr->count is exact in the struct
 * of the process that made the last change, and in every process when the
 * struct is shared.
 *
 * Errors follow DPDK: -1 (or NULL) and rte_errno. Searches fail with EINVAL
 * on bad arguments, and when nothing matches with ENOENT (looking for used
 * elements) or ENOSPC (looking for free ones).
 */

#ifndef _RTE_FBARRAY_H_
#define _RTE_FBARRAY_H_

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest name, including its NUL terminator. */
#define RTE_FBARRAY_NAME_LEN 64

/** A file-backed array. Read the fields; change them only through the API. */
struct rte_fbarray {
	char name[RTE_FBARRAY_NAME_LEN]; /**< Name, also the file's name. */
	unsigned int count;              /**< Number of used elements. */
	unsigned int len;                /**< Number of elements. */
	unsigned int elt_sz;             /**< Size of one element in bytes. */
	void *data;                      /**< Element 0, same address in every process. */
};

/**
 * Create an array of len zeroed, free elements and map it in this process.
 *
 * A file left behind by a process that no longer exists is reused.
 *
 * @param arr
 *   Where to store the description; its data pointer is set here.
 * @param name
 *   Name of the array, unique within the group; no '/'.
 * @param len
 *   Number of elements, 1..INT_MAX.
 * @param elt_sz
 *   Size of one element, at least 1.
 * @return
 *   0 on success, -1 with rte_errno set:
 *   - EINVAL: arr or name is NULL, len or elt_sz is 0, len > INT_MAX, the
 *     name holds a '/', or len * elt_sz exceeds 64 TiB;
 *   - ENAMETOOLONG: name has RTE_FBARRAY_NAME_LEN characters or more;
 *   - EEXIST: an array of that name is in use (by any process, this one too);
 *   - ENOMEM, ENOSPC, EACCES, ...: the system refused the file or mapping.
 */
int rte_fbarray_init(struct rte_fbarray *arr, const char *name,
		unsigned int len, unsigned int elt_sz);

/**
 * Map in this process an array another process created, at arr->data.
 *
 * @param arr
 *   A description filled in by rte_fbarray_init() in another process.
 * @return
 *   0 on success, -1 with rte_errno set:
 *   - EINVAL: arr is NULL, its fields are invalid (as for init), or they do
 *     not match the array in the file;
 *   - ENAMETOOLONG: arr->name is too long;
 *   - ENOENT: no such array;
 *   - EEXIST: this process already maps an fbarray over that address
 *     range (for example it created or attached this array already);
 *   - EADDRNOTAVAIL: something that is not an fbarray occupies part of
 *     that address range in this process;
 *   - ENOTSUP: arrays are process-local here (no runtime directory).
 */
int rte_fbarray_attach(struct rte_fbarray *arr);

/**
 * Unmap an array from this process without destroying it. Other processes
 * keep using it.
 *
 * @return
 *   0 on success, -1 with rte_errno set:
 *   - EINVAL: arr is NULL;
 *   - ENOENT: this process has not created or attached this array.
 */
int rte_fbarray_detach(struct rte_fbarray *arr);

/**
 * Unmap an array and remove its file. Only possible when no other process
 * has it attached. On success *arr is zeroed.
 *
 * @return
 *   0 on success, -1 with rte_errno set:
 *   - EINVAL: arr is NULL;
 *   - ENOENT: this process has not created or attached this array;
 *   - EBUSY: another process has the array attached.
 */
int rte_fbarray_destroy(struct rte_fbarray *arr);

/**
 * @return
 *   The address of element idx, or NULL with rte_errno = EINVAL when arr
 *   is NULL or idx >= arr->len.
 */
void *rte_fbarray_get(const struct rte_fbarray *arr, unsigned int idx);

/**
 * @return
 *   The index of the element that contains the byte at elt, or -1 with
 *   rte_errno = EINVAL when arr or elt is NULL or elt is outside the
 *   array's elements.
 */
int rte_fbarray_find_idx(const struct rte_fbarray *arr, const void *elt);

/**
 * Mark element idx used (set_used) or free (set_free). Marking an element
 * with the state it already has succeeds and changes nothing.
 *
 * @return
 *   0 on success, -1 with rte_errno = EINVAL when arr is NULL or
 *   idx >= arr->len.
 */
int rte_fbarray_set_used(struct rte_fbarray *arr, unsigned int idx);
/** See rte_fbarray_set_used(). */
int rte_fbarray_set_free(struct rte_fbarray *arr, unsigned int idx);

/**
 * @return
 *   1 if element idx is used, 0 if free, -1 with rte_errno = EINVAL when
 *   arr is NULL or idx >= arr->len.
 */
int rte_fbarray_is_used(struct rte_fbarray *arr, unsigned int idx);

/**
 * Find the first free (used) element at or after start.
 *
 * @return
 *   Its index, or -1 with rte_errno set:
 *   - EINVAL: arr is NULL or start >= arr->len;
 *   - ENOSPC (free) / ENOENT (used): there is none.
 */
int rte_fbarray_find_next_free(struct rte_fbarray *arr, unsigned int start);
/** See rte_fbarray_find_next_free(). */
int rte_fbarray_find_next_used(struct rte_fbarray *arr, unsigned int start);

/**
 * Find the last free (used) element at or before start.
 *
 * @return
 *   Its index, or -1 with rte_errno set as for rte_fbarray_find_next_free().
 */
int rte_fbarray_find_prev_free(struct rte_fbarray *arr, unsigned int start);
/** See rte_fbarray_find_prev_free(). */
int rte_fbarray_find_prev_used(struct rte_fbarray *arr, unsigned int start);

/**
 * Find the first run of n consecutive free (used) elements that lies
 * entirely at or after start.
 *
 * @return
 *   The index of the run's first element, or -1 with rte_errno set:
 *   - EINVAL: arr is NULL, start >= arr->len, n == 0 or n > arr->len;
 *   - ENOSPC (free) / ENOENT (used): there is no such run.
 */
int rte_fbarray_find_next_n_free(struct rte_fbarray *arr, unsigned int start,
		unsigned int n);
/** See rte_fbarray_find_next_n_free(). */
int rte_fbarray_find_next_n_used(struct rte_fbarray *arr, unsigned int start,
		unsigned int n);

/**
 * Going down from start, find the first run of n consecutive free (used)
 * elements that lies entirely at or before start.
 *
 * @return
 *   The index of the run's lowest element, or -1 with rte_errno set as for
 *   rte_fbarray_find_next_n_free().
 */
int rte_fbarray_find_prev_n_free(struct rte_fbarray *arr, unsigned int start,
		unsigned int n);
/** See rte_fbarray_find_prev_n_free(). */
int rte_fbarray_find_prev_n_used(struct rte_fbarray *arr, unsigned int start,
		unsigned int n);

/**
 * Count the free (used) elements in a row starting at start and going up.
 *
 * @return
 *   The count (0 when element start is not free (used)), or -1 with
 *   rte_errno = EINVAL when arr is NULL or start >= arr->len.
 */
int rte_fbarray_find_contig_free(struct rte_fbarray *arr, unsigned int start);
/** See rte_fbarray_find_contig_free(). */
int rte_fbarray_find_contig_used(struct rte_fbarray *arr, unsigned int start);

/**
 * Count the free (used) elements in a row ending at start and going down.
 *
 * @return
 *   As rte_fbarray_find_contig_free().
 */
int rte_fbarray_find_rev_contig_free(struct rte_fbarray *arr,
		unsigned int start);
/** See rte_fbarray_find_rev_contig_free(). */
int rte_fbarray_find_rev_contig_used(struct rte_fbarray *arr,
		unsigned int start);

/**
 * Find the longest run of free (used) elements at or after start. Runs are
 * cut at start. Of several runs of the same length, the lowest wins.
 *
 * @return
 *   The index of the run's first element, or -1 with rte_errno set:
 *   - EINVAL: arr is NULL or start >= arr->len;
 *   - ENOSPC (free) / ENOENT (used): there is no free (used) element.
 */
int rte_fbarray_find_biggest_free(struct rte_fbarray *arr, unsigned int start);
/** See rte_fbarray_find_biggest_free(). */
int rte_fbarray_find_biggest_used(struct rte_fbarray *arr, unsigned int start);

/**
 * Find the longest run of free (used) elements at or before start. Runs are
 * cut at start. Of several runs of the same length, the highest wins.
 *
 * @return
 *   The index of the run's lowest element, or -1 with rte_errno set as for
 *   rte_fbarray_find_biggest_free().
 */
int rte_fbarray_find_rev_biggest_free(struct rte_fbarray *arr,
		unsigned int start);
/** See rte_fbarray_find_rev_biggest_free(). */
int rte_fbarray_find_rev_biggest_used(struct rte_fbarray *arr,
		unsigned int start);

/**
 * Print the array's name, sizes, count and bitmap to f. When arr or f is
 * NULL nothing is printed and rte_errno is set to EINVAL; an arr with
 * invalid fields prints one line saying so.
 */
void rte_fbarray_dump_metadata(struct rte_fbarray *arr, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_FBARRAY_H_ */
