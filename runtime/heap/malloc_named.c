/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Named heaps: heaps that hold only the memory their users bring (issue 6
 * adds that memory). Each gets a socket id above every NUMA node's, handed
 * out in order and never given again, so that an id a program kept can
 * never name a later heap by mistake. rte_malloc_socket() and memzones
 * allocate from a named heap through that id; SOCKET_ID_ANY never picks
 * one, and a named heap never grows by itself.
 *
 * Heaps are created and destroyed under the group's memory lock, by any
 * process; the heap table is in the shared config, so every process sees
 * a heap as soon as its creator's call returns.
 */

#include <errno.h>
#include <string.h>

#include <bsd/string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "runtime/heap/heap_internal.h"
#include "runtime/mem/mem_private.h"

/* 0, or the errno of a bad name or a process without heaps. */
static int
check_name(const char *name)
{
	if (!heap_is_ready())
		return ENOTSUP;
	if (name == NULL || name[0] == '\0' ||
			strnlen(name, RTE_HEAP_NAME_MAX_LEN) == RTE_HEAP_NAME_MAX_LEN)
		return EINVAL;
	return 0;
}

/* The heap named name, or NULL. pre: memory lock held. */
static struct malloc_heap *
heap_named_locked(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_MAX_HEAPS; i++) {
		struct malloc_heap *h = heap_at(i);

		if (h->in_use && strcmp(h->name, name) == 0)
			return h;
	}
	return NULL;
}

static void
mem_lock(void)
{
	eal_shared_mutex_lock(&eal_mcfg()->mem_lock);
}

static void
mem_unlock(void)
{
	pthread_mutex_unlock(&eal_mcfg()->mem_lock);
}

/* Make heap slot i a new named heap. 0 or -errno. pre: memory lock held. */
static int
make_heap_locked(unsigned int i, const char *name)
{
	struct malloc_heap *h = heap_at(i);
	int ret;

	memset(h, 0, sizeof(*h));
	ret = eal_shared_mutex_init(&h->lock, false);
	if (ret < 0)
		return ret;
	strlcpy(h->name, name, sizeof(h->name));
	h->idx = i;
	h->socket_id = heap_shared()->next_ext_socket++;
	__atomic_store_n(&h->in_use, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
create_locked(const char *name)
{
	unsigned int i;

	if (heap_named_locked(name) != NULL)
		return -EEXIST;
	for (i = 0; i < RTE_MAX_HEAPS; i++) {
		if (!heap_at(i)->in_use)
			return make_heap_locked(i, name);
	}
	return -ENOSPC;
}

/* The API edge of create and destroy: check, lock, run, report. */
static int
run_locked(const char *name, int (*op_locked)(const char *))
{
	int err = check_name(name), ret;

	if (err != 0) {
		rte_errno = err;
		return -1;
	}
	mem_lock();
	ret = op_locked(name);
	mem_unlock();
	if (ret < 0) {
		rte_errno = -ret;
		return -1;
	}
	return 0;
}

int
rte_malloc_heap_create(const char *heap_name)
{
	return run_locked(heap_name, create_locked);
}

static int
destroy_locked(const char *name)
{
	struct malloc_heap *h = heap_named_locked(name);

	if (h == NULL)
		return -ENOENT;
	if (h->socket_id < HEAP_EXT_SOCKET_BASE)
		return -EPERM;
	if (h->total_sz != 0 || h->regions != NULL)
		return -EBUSY;
	__atomic_store_n(&h->in_use, 0, __ATOMIC_RELEASE);
	return 0;
}

int
rte_malloc_heap_destroy(const char *heap_name)
{
	return run_locked(heap_name, destroy_locked);
}

int
rte_malloc_heap_get_socket(const char *name)
{
	int err = check_name(name), socket = -1;
	struct malloc_heap *h;

	if (err != 0) {
		rte_errno = err;
		return -1;
	}
	mem_lock();
	h = heap_named_locked(name);
	if (h != NULL)
		socket = h->socket_id;
	mem_unlock();
	if (h == NULL)
		rte_errno = ENOENT;
	return socket;
}

int
rte_malloc_heap_socket_is_external(int socket_id)
{
	struct malloc_heap *h;

	if (!heap_is_ready()) {
		rte_errno = ENOTSUP;
		return -1;
	}
	if (socket_id == SOCKET_ID_ANY)
		return 0;
	h = heap_of_socket(socket_id);
	if (h == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	return h->socket_id >= HEAP_EXT_SOCKET_BASE;
}

/* ---- memory of named heaps (runtime/extmem calls these) ---- */

int
heap_named_idx_locked(const char *name)
{
	int err = check_name(name);
	struct malloc_heap *h;

	if (err != 0)
		return -err;
	h = heap_named_locked(name);
	if (h == NULL)
		return -ENOENT;
	return heap_is_named(h) ? (int)heap_idx(h) : -EPERM;
}

int
heap_socket_of(unsigned int idx)
{
	return heap_at(idx)->socket_id;
}

int
heap_socket_id_locked(bool take)
{
	return take ? heap_shared()->next_ext_socket++ :
		heap_shared()->next_ext_socket;
}

int
heap_ext_add_locked(unsigned int idx, struct rte_memseg_list *msl)
{
	struct malloc_heap *h = heap_at(idx);
	int ret;

	/* Linking a region touches the heap's other memory. */
	if (!heap_lock_here(h))
		return -EPERM;
	ret = heap_add_memory_locked(h, msl->base_va, msl->len, msl);
	if (ret == 0) {
		h->n_ext_lists++;
		heap_ext_here(idx, 1);
	}
	heap_unlock(h);
	return ret;
}

int
heap_ext_remove_locked(unsigned int idx, struct rte_memseg_list *msl)
{
	struct malloc_heap *h = heap_at(idx);
	int ret;

	if (!heap_lock_here(h))
		return -EPERM;
	ret = heap_remove_memory_locked(h, msl);
	if (ret == 0) {
		h->n_ext_lists--;
		heap_ext_here(idx, -1);
	}
	heap_unlock(h);
	return ret;
}
