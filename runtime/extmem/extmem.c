/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * External memory: the public edge of memory users bring themselves.
 *
 *   rte_malloc_heap_memory_add/remove/attach/detach  memory of a named heap
 *   rte_extmem_register/unregister/attach/detach     memory for the page
 *                                                    tables alone
 *
 * Both kinds become an external memseg list (runtime/mem/mem_ext.c); heap
 * memory also becomes one region of its heap. Every call runs under the
 * group's memory lock and checks everything before it changes anything,
 * so that a failed call leaves the group as it was.
 *
 * Which process sees what: the process that adds or registers memory is
 * attached to it; others attach explicitly, after mapping the same memory
 * at the same address, and detach before the memory can go (remove and
 * unregister answer EBUSY while another process is attached, or while a
 * block of a heap's memory is allocated). Memory events fire, for heap
 * memory, in the process whose view changes: the adder on add and remove,
 * an attaching process on attach and detach. Registered memory fires none
 * (as in DPDK): devices learn of it through rte_dev_dma_map().
 */

#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "runtime/eal/eal_private.h"
#include "runtime/heap/heap_private.h"
#include "runtime/mem/mem_private.h"

/* An area as the caller describes it. */
struct area {
	void *va;
	size_t len;
	rte_iova_t *iova;
	unsigned int n_pages;
	size_t page_sz;
};

static int
check_area(const struct area *a)
{
	if (a->va == NULL || a->len == 0 || a->page_sz < RTE_PGSIZE_4K ||
			!rte_is_power_of_2(a->page_sz) ||
			a->len % a->page_sz != 0 ||
			!rte_is_aligned(a->va, a->page_sz) ||
			a->len / a->page_sz > INT32_MAX ||
			(a->iova != NULL && a->n_pages != a->len / a->page_sz))
		return -EINVAL;
	return 0;
}

/* Whether every 4 KiB page of [va, va + len) is mapped: mincore fails
 * with ENOMEM on a hole (and, unlike msync, valgrind accepts it). */
static bool
all_mapped(const void *va, size_t len)
{
	unsigned char vec[4096];
	uintptr_t a = RTE_ALIGN_FLOOR((uintptr_t)va, RTE_PGSIZE_4K);
	uintptr_t end = (uintptr_t)va + len;
	size_t chunk;

	for (; a < end; a += chunk) {
		chunk = RTE_MIN(end - a, sizeof(vec) * RTE_PGSIZE_4K);
		if (mincore((void *)a, chunk, vec) < 0)
			return false;
	}
	return true;
}

/* The caller must have the memory mapped: the heap writes into it, and a
 * mistake is better told now than as a crash later. */
static int
check_mapped(const void *va, size_t len)
{
	if (all_mapped(va, len))
		return 0;
	RTE_LOG(ERR, EAL, "external memory %p-%p is not mapped in this process: map it (at the same address in every process) before adding or attaching it\n",
		va, RTE_PTR_ADD(va, len));
	return -EINVAL;
}

static int
mem_lock(void)
{
	struct eal_memcfg *cfg = eal_mcfg();

	if (cfg == NULL)
		return -ENOTSUP;
	eal_shared_mutex_lock(&cfg->mem_lock);
	return 0;
}

static void
mem_unlock(void)
{
	pthread_mutex_unlock(&eal_mcfg()->mem_lock);
}

/* Set rte_errno from ret (0 or -errno): the API's int result. */
static int
api_result(int ret)
{
	if (ret == 0)
		return 0;
	rte_errno = -ret;
	return -1;
}

/* The external list of exactly [va, va + len), of heap socket (or of no
 * heap when socket is -1); NULL if there is none. */
static struct rte_memseg_list *
find_list_locked(const void *va, size_t len, int socket)
{
	struct rte_memseg_list *msl = mem_ext_list_find_locked(va, len);

	if (msl == NULL || !!msl->heap != (socket >= 0) ||
			(socket >= 0 && msl->socket_id != socket))
		return NULL;
	return msl;
}

/* ---- named heaps ---- */

static int
add_locked(const char *name, const struct area *a)
{
	struct mem_ext_area ea = { a->va, a->len, a->page_sz, a->iova, 0, true };
	struct rte_memseg_list *msl;
	int idx, ret;

	idx = heap_named_idx_locked(name);
	if (idx == -EPERM)
		RTE_LOG(ERR, EAL, "cannot add memory to %s: it is a socket heap; create a named heap with rte_malloc_heap_create()\n",
			name);
	if (idx < 0)
		return idx;
	ea.socket = heap_socket_of((unsigned int)idx);
	ret = mem_ext_list_create_locked(&ea, &msl);
	if (ret < 0)
		return ret;
	ret = heap_ext_add_locked((unsigned int)idx, msl);
	if (ret < 0) {
		mem_ext_list_destroy_locked(msl);
		if (ret == -EPERM)
			RTE_LOG(ERR, EAL, "cannot add memory to heap %s: it has memory this process is not attached to; attach it first\n",
				name);
		return ret;
	}
	mem_ext_notify(RTE_MEM_EVENT_ALLOC, msl);
	return 0;
}

int
rte_malloc_heap_memory_add(const char *heap_name, void *va_addr, size_t len,
		rte_iova_t iova_addrs[], unsigned int n_pages, size_t page_sz)
{
	struct area a = { va_addr, len, iova_addrs, n_pages, page_sz };
	int ret = check_area(&a);

	if (ret == 0)
		ret = check_mapped(va_addr, len);
	if (ret == 0)
		ret = mem_lock();
	if (ret < 0)
		return api_result(ret);
	ret = add_locked(heap_name, &a);
	mem_unlock();
	return api_result(ret);
}

/* The list of heap name at [va, va + len): its heap index in *idx. */
static int
heap_list_locked(const char *name, const void *va, size_t len,
		struct rte_memseg_list **out, unsigned int *idx)
{
	int i = heap_named_idx_locked(name);

	if (i < 0)
		return i;
	*out = find_list_locked(va, len, heap_socket_of((unsigned int)i));
	*idx = (unsigned int)i;
	return *out != NULL ? 0 : -ENOENT;
}

/* Attach here for the time of a remove; *did says whether this call
 * attached. */
static int
attach_for_remove(struct rte_memseg_list *msl, unsigned int idx, bool *did)
{
	int ret;

	*did = !mem_list_attached(msl);
	if (!*did)
		return 0;
	ret = mem_ext_list_attach_locked(msl);
	if (ret == 0)
		heap_ext_here(idx, 1);
	return ret;
}

static int
remove_locked(const char *name, void *va, size_t len)
{
	struct rte_memseg_list *msl;
	unsigned int idx;
	bool attached;
	int ret;

	ret = heap_list_locked(name, va, len, &msl, &idx);
	if (ret == 0)
		ret = attach_for_remove(msl, idx, &attached);
	if (ret < 0)
		return ret;
	ret = mem_ext_list_claim_locked(msl);
	if (ret == 0) {
		ret = heap_ext_remove_locked(idx, msl);
		if (ret < 0)
			mem_ext_list_unclaim_locked(msl);
	}
	if (ret < 0) {
		if (attached) {
			heap_ext_here(idx, -1);
			mem_ext_list_detach_locked(msl);
		}
		return ret;
	}
	/* Events follow what this process saw: ALLOC came with its add or
	 * attach, or never. */
	if (!attached)
		mem_ext_notify(RTE_MEM_EVENT_FREE, msl);
	mem_ext_list_destroy_locked(msl);
	return 0;
}

/* The edge of remove, attach and detach: check, lock, run, report. */
static int
run_locked(const char *name, void *va, size_t len,
		int (*op_locked)(const char *, void *, size_t))
{
	int ret = va == NULL || len == 0 ? -EINVAL : mem_lock();

	if (ret < 0)
		return api_result(ret);
	ret = op_locked(name, va, len);
	mem_unlock();
	return api_result(ret);
}

int
rte_malloc_heap_memory_remove(const char *heap_name, void *va_addr,
		size_t len)
{
	return run_locked(heap_name, va_addr, len, remove_locked);
}

static int
attach_locked(const char *name, void *va, size_t len)
{
	struct rte_memseg_list *msl;
	unsigned int idx;
	int ret;

	ret = heap_list_locked(name, va, len, &msl, &idx);
	if (ret == 0)
		ret = check_mapped(va, len);
	if (ret == 0)
		ret = mem_ext_list_attach_locked(msl);
	if (ret < 0)
		return ret;
	heap_ext_here(idx, 1);
	mem_ext_notify(RTE_MEM_EVENT_ALLOC, msl);
	return 0;
}

int
rte_malloc_heap_memory_attach(const char *heap_name, void *va_addr,
		size_t len)
{
	return run_locked(heap_name, va_addr, len, attach_locked);
}

static int
detach_locked(const char *name, void *va, size_t len)
{
	struct rte_memseg_list *msl;
	unsigned int idx;
	int ret;

	ret = heap_list_locked(name, va, len, &msl, &idx);
	if (ret == 0 && !mem_list_attached(msl))
		ret = -ENOENT;
	if (ret < 0)
		return ret;
	mem_ext_notify(RTE_MEM_EVENT_FREE, msl);
	heap_ext_here(idx, -1);
	return mem_ext_list_detach_locked(msl);
}

int
rte_malloc_heap_memory_detach(const char *heap_name, void *va_addr,
		size_t len)
{
	return run_locked(heap_name, va_addr, len, detach_locked);
}

/* ---- memory without a heap ---- */

static int
register_locked(const struct area *a)
{
	struct mem_ext_area ea = { a->va, a->len, a->page_sz, a->iova, 0,
		false };
	struct rte_memseg_list *msl;
	int ret;

	ea.socket = heap_socket_id_locked(false);
	ret = mem_ext_list_create_locked(&ea, &msl);
	if (ret == 0)
		heap_socket_id_locked(true);
	return ret;
}

int
rte_extmem_register(void *va_addr, size_t len, rte_iova_t iova_addrs[],
		unsigned int n_pages, size_t page_sz)
{
	struct area a = { va_addr, len, iova_addrs, n_pages, page_sz };
	int ret = check_area(&a);

	if (ret == 0)
		ret = check_mapped(va_addr, len);
	if (ret == 0)
		ret = mem_lock();
	if (ret < 0)
		return api_result(ret);
	ret = register_locked(&a);
	mem_unlock();
	return api_result(ret);
}

static int
unregister_locked(const char *unused, void *va, size_t len)
{
	struct rte_memseg_list *msl = find_list_locked(va, len, -1);
	bool did_attach;
	int ret;

	(void)unused;
	if (msl == NULL)
		return -ENOENT;
	did_attach = !mem_list_attached(msl);
	if (did_attach) {
		ret = mem_ext_list_attach_locked(msl);
		if (ret < 0)
			return ret;
	}
	ret = mem_ext_list_claim_locked(msl);
	if (ret < 0) {
		if (did_attach)
			mem_ext_list_detach_locked(msl);
		return ret;
	}
	mem_ext_list_destroy_locked(msl);
	return 0;
}

int
rte_extmem_unregister(void *va_addr, size_t len)
{
	return run_locked(NULL, va_addr, len, unregister_locked);
}

static int
extmem_attach_locked(const char *unused, void *va, size_t len)
{
	struct rte_memseg_list *msl = find_list_locked(va, len, -1);
	int ret;

	(void)unused;
	if (msl == NULL)
		return -ENOENT;
	ret = check_mapped(va, len);
	return ret < 0 ? ret : mem_ext_list_attach_locked(msl);
}

int
rte_extmem_attach(void *va_addr, size_t len)
{
	return run_locked(NULL, va_addr, len, extmem_attach_locked);
}

static int
extmem_detach_locked(const char *unused, void *va, size_t len)
{
	struct rte_memseg_list *msl = find_list_locked(va, len, -1);

	(void)unused;
	return msl == NULL ? -ENOENT : mem_ext_list_detach_locked(msl);
}

int
rte_extmem_detach(void *va_addr, size_t len)
{
	return run_locked(NULL, va_addr, len, extmem_detach_locked);
}
