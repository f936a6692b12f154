/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Per-thread caches of small blocks, so that the common rte_malloc/rte_free
 * of up to 4 KiB takes no heap-wide lock.
 *
 * A thread claims one slot of the shared slot table per heap it uses. A
 * slot holds, per size class (element sizes 128..4160 bytes, 64 apart), a
 * chain of CACHED elements. Its owner pops and pushes under the slot's own
 * lock word, which nobody else touches on the fast path, so the lock costs
 * one uncontended atomic exchange. Because the slot is in shared memory,
 * any process can empty it: this is how cached blocks are never lost or
 * in the way:
 *   - a class holding CACHE_CAP blocks gives half of them back on the
 *     next free, and a slot holding CACHE_BYTES half of every class (so
 *     the cache stays small);
 *   - an allocation that finds no fit empties every cache of the heap
 *     before the heap grows;
 *   - when a free leaves nothing of the heap in use (the slots' and the
 *     heap's counts of blocks handed out sum to 0; checked when the
 *     freeing thread's count and the heap's cancel out) and the heap grew
 *     since it was last in that state, the caches are emptied and the
 *     heap gives back every free page;
 *   - a thread's exit, rte_eal_cleanup() and the death of the owner
 *     (noticed when its slot is drained) give the slot back.
 * Cached blocks count as free in the statistics.
 *
 * Owner and thieves. An atomic read-modify-write on every call would cost
 * as much as the rest of the fast path, so the owner uses none: it raises
 * its slot's busy flag with a plain store, checks that no thief has raised
 * steal, does its work and lowers busy. A thief takes the slot's lock
 * (against other thieves), raises steal, then makes every CPU of every
 * process of the group pass a full memory barrier (membarrier, global
 * expedited): after that, either the owner saw steal and backs off, or the
 * thief sees busy and waits for it to drop. Thieves are rare (a drain, a
 * trim, an exit), so their system call is cheap overall. Where the kernel
 * has no such barrier, owners take the lock word like thieves do.
 */

#include <errno.h>
#include <pthread.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_log.h>

#include "runtime/heap/heap_internal.h"

#define CACHE_CAP 32    /* blocks per class and slot */
#define CACHE_BYTES (256 * 1024)  /* and bytes per slot */
#define REFILL 8        /* blocks a refill takes from the heap at once */
#define MAX_RELEASE 8   /* page runs one give-back may release */

static __thread struct malloc_cache_slot *tl_slot[RTE_MAX_HEAPS] TLS_FAST;
static __thread uint32_t tl_gen TLS_FAST;
/* Bumped when this process lets go of its slots, making threads forget
 * theirs (rte_eal_cleanup, then maybe a new rte_eal_init). */
static uint32_t proc_gen = 1;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static int32_t my_pid;
static bool proc_fast;  /* this process's owners use busy/steal */

static unsigned int
class_of(uint64_t elem_sz)
{
	return (unsigned int)((elem_sz - ELEM_MIN) / ELEM_HDR);
}

static bool
slot_trylock(struct malloc_cache_slot *s)
{
	uint32_t free_word = 0;

	return __atomic_compare_exchange_n(&s->lock, &free_word,
			(uint32_t)my_pid, false, __ATOMIC_ACQUIRE,
			__ATOMIC_RELAXED);
}

static bool
pid_dead(int32_t pid)
{
	return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

/* Spin for the lock word; a holder that died is replaced. */
static void
slot_lock(struct malloc_cache_slot *s)
{
	unsigned int spins = 0;
	uint32_t holder;

	while (!slot_trylock(s)) {
		if (++spins % 256 != 0)
			continue;
		holder = __atomic_load_n(&s->lock, __ATOMIC_RELAXED);
		if (holder != 0 && pid_dead((int32_t)holder) &&
				__atomic_compare_exchange_n(&s->lock, &holder,
					(uint32_t)my_pid, false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		sched_yield();
	}
}

static __rte_always_inline bool
owner_enter(struct malloc_cache_slot *s)
{
	if (!s->fast)
		return slot_trylock(s);
	__atomic_store_n(&s->busy, 1, __ATOMIC_RELAXED);
	/* The thief's membarrier orders this store before the load below. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&s->steal, __ATOMIC_ACQUIRE) == 0)
		return true;
	__atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
	return false;
}

static __rte_always_inline void
owner_leave(struct malloc_cache_slot *s)
{
	if (s->fast)
		__atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
}

static bool
barrier_everywhere(void)
{
	return syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0,
			0) == 0;
}

/* Wait for a fast owner to leave (or to be found dead). */
static void
wait_owner_out(struct malloc_cache_slot *s)
{
	unsigned int spins = 0;

	while (__atomic_load_n(&s->busy, __ATOMIC_ACQUIRE) != 0) {
		if (++spins % 256 == 0) {
			if (pid_dead(s->owner))
				return;
			sched_yield();
		}
	}
}

/* Get s to oneself against its owner and other thieves. false when the
 * owner cannot be kept out (no barrier): s is then left alone. */
static bool
thief_enter(struct malloc_cache_slot *s)
{
	slot_lock(s);
	if (!s->fast)
		return true;
	__atomic_store_n(&s->steal, 1, __ATOMIC_RELAXED);
	if (!barrier_everywhere()) {
		__atomic_store_n(&s->steal, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
		return false;
	}
	wait_owner_out(s);
	return true;
}

static void
thief_leave(struct malloc_cache_slot *s)
{
	__atomic_store_n(&s->steal, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
}

static void
add_live(int64_t *live, int64_t d)
{
	__atomic_store_n(live, __atomic_load_n(live, __ATOMIC_RELAXED) + d,
			__ATOMIC_RELAXED);
}

static __rte_always_inline void
push(struct malloc_cache_slot *s, unsigned int c, struct malloc_elem *e)
{
	e->state = ELEM_CACHED;
	e->flags = 0;
	e->next_free = s->bin[c];
	s->bin[c] = e;
	s->count[c]++;
	s->n_cached++;
	s->cached_sz += e->size;
}

static __rte_always_inline struct malloc_elem *
pop(struct malloc_cache_slot *s, unsigned int c)
{
	struct malloc_elem *e = s->bin[c];

	if (e == NULL)
		return NULL;
	s->bin[c] = e->next_free;
	s->count[c]--;
	s->n_cached--;
	s->cached_sz -= e->size;
	e->state = ELEM_BUSY;
	e->flags = ELEM_F_SLOT;
	return e;
}

/* Unhook up to n blocks of class c as one chain. */
static __rte_noinline struct malloc_elem *
take(struct malloc_cache_slot *s, unsigned int c, uint32_t n)
{
	struct malloc_elem *chain = NULL, *e;

	while (n-- > 0 && (e = pop(s, c)) != NULL) {
		e->state = ELEM_CACHED;
		e->flags = 0;
		e->next_free = chain;
		chain = e;
		__atomic_add_fetch(&heap_at(s->heap_idx)->n_transit, 1,
				__ATOMIC_RELAXED);
	}
	return chain;
}

/* Unhook every block (all) or half of each class, as one chain. */
static __rte_noinline struct malloc_elem *
take_share(struct malloc_cache_slot *s, bool all)
{
	struct malloc_elem *chain = NULL, *part, *tail;
	unsigned int c;

	for (c = 0; c < HEAP_CACHE_CLASSES; c++) {
		part = take(s, c, all ? UINT32_MAX : (s->count[c] + 1) / 2);
		for (tail = part; tail != NULL && tail->next_free != NULL;)
			tail = tail->next_free;
		if (tail != NULL) {
			tail->next_free = chain;
			chain = part;
		}
	}
	return chain;
}

static struct malloc_elem *
take_all(struct malloc_cache_slot *s)
{
	return take_share(s, true);
}

static struct malloc_elem *
take_half(struct malloc_cache_slot *s)
{
	return take_share(s, false);
}

/* Free a chain of CACHED (taken from a slot) or BUSY elements into h and,
 * with shrink, give back the pages that became free, MAX_RELEASE runs per
 * hold of the heap lock. */
static __rte_noinline void
give_back(struct malloc_heap *h, struct malloc_elem *chain, bool shrink)
{
	struct heap_pages pages[MAX_RELEASE];
	struct malloc_elem *m;
	unsigned int n, i;

	while (chain != NULL) {
		n = 0;
		heap_lock(h);
		while (chain != NULL && n < MAX_RELEASE) {
			m = chain;
			chain = chain->next_free;
			if (m->state == ELEM_CACHED)
				__atomic_sub_fetch(&h->n_transit, 1,
						__ATOMIC_RELAXED);
			m = heap_free_locked(h, m);
			if (shrink && heap_take_pages_locked(h, m, HEAP_GROW_MIN, &pages[n]))
				n++;
		}
		heap_unlock(h);
		for (i = 0; i < n; i++)
			heap_release_pages(h, &pages[i]);
	}
}

static bool trim_if_idle(struct malloc_heap *h);

/* Let go of s: its blocks go back to its heap, its count to the heap's. */
static void
retire(struct malloc_cache_slot *s, bool shrink)
{
	struct malloc_heap *h = heap_at(s->heap_idx);
	struct malloc_elem *chain = take_all(s);
	int64_t live = __atomic_load_n(&s->live, __ATOMIC_RELAXED);

	__atomic_store_n(&s->live, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
	thief_leave(s);
	give_back(h, chain, shrink);
	heap_count_live(h, live);
	if (shrink && __atomic_load_n(&h->grows, __ATOMIC_RELAXED) != 0)
		trim_if_idle(h);
}

static void
on_thread_exit(void *arg)
{
	unsigned int i;

	(void)arg;
	if (tl_gen != __atomic_load_n(&proc_gen, __ATOMIC_ACQUIRE) ||
			eal_mcfg() == NULL)
		return;
	for (i = 0; i < RTE_MAX_HEAPS; i++) {
		if (tl_slot[i] != NULL) {
			/* Its owner is this thread: only thieves to keep out. */
			slot_lock(tl_slot[i]);
			retire(tl_slot[i], true);
			tl_slot[i] = NULL;
		}
	}
}

static void
make_exit_key(void)
{
	pthread_key_create(&exit_key, on_thread_exit);
}

static __rte_noinline struct malloc_cache_slot *
claim(unsigned int h)
{
	struct malloc_cache_slot *s;
	unsigned int i;
	int32_t none;

	for (i = 0; i < HEAP_CACHE_SLOTS; i++) {
		s = &heap_shared()->slots[i];
		none = 0;
		if (!__atomic_compare_exchange_n(&s->owner, &none, my_pid,
				false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			continue;
		slot_lock(s);
		s->heap_idx = h;
		s->fast = proc_fast;
		__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
		pthread_once(&exit_once, make_exit_key);
		pthread_setspecific(exit_key, s);
		return s;
	}
	return NULL;
}

static __rte_always_inline struct malloc_cache_slot *
my_slot(struct malloc_heap *h)
{
	unsigned int idx = heap_idx(h);

	if (unlikely(tl_gen != __atomic_load_n(&proc_gen, __ATOMIC_ACQUIRE))) {
		memset(tl_slot, 0, sizeof(tl_slot));
		tl_gen = proc_gen;
	}
	if (unlikely(tl_slot[idx] == NULL))
		tl_slot[idx] = claim(idx);
	return tl_slot[idx];
}

/* Take up to REFILL blocks of class c from h: one for the caller, the
 * rest parked in s (each by its own size: a block may have kept a small
 * tail; one too big to cache goes back). */
static __rte_noinline struct malloc_elem *
refill(struct malloc_heap *h, struct malloc_cache_slot *s, unsigned int c)
{
	struct heap_req r = { .size = ELEM_MIN + c * ELEM_HDR - ELEM_HDR,
		.align = ELEM_HDR };
	struct malloc_elem *got[REFILL], *back = NULL;
	unsigned int n = 0, i;
	bool entered;

	heap_lock(h);
	while (n < REFILL && (got[n] = heap_alloc_locked(h, &r)) != NULL)
		n++;
	heap_unlock(h);
	if (n == 0)
		return NULL;
	entered = owner_enter(s);
	for (i = 1; i < n; i++) {
		if (entered && got[i]->size <= HEAP_CACHE_MAX_ELEM) {
			push(s, class_of(got[i]->size), got[i]);
		} else {
			/* Still BUSY: only a slot's owner or thief may make
			 * an element CACHED (the checker relies on it). */
			got[i]->next_free = back;
			back = got[i];
		}
	}
	if (entered) {
		got[0]->flags = ELEM_F_SLOT;
		add_live(&s->live, 1);
		owner_leave(s);
	} else {
		heap_count_live(h, 1);
	}
	give_back(h, back, false);
	return got[0];
}

void *
heap_cache_alloc(struct malloc_heap *h, size_t size)
{
	unsigned int c = class_of(heap_elem_size(size));
	struct malloc_cache_slot *s = my_slot(h);
	struct malloc_elem *e;

	if (s == NULL || !owner_enter(s))
		return NULL;
	e = pop(s, c);
	if (e != NULL)
		add_live(&s->live, 1);
	owner_leave(s);
	if (e == NULL)
		e = refill(h, s, c);
	return e != NULL ? elem_data(e) : NULL;
}

bool
heap_cache_free(struct malloc_heap *h, struct malloc_elem *e)
{
	bool slot_counted = (e->flags & ELEM_F_SLOT) != 0;
	struct malloc_cache_slot *s;
	struct malloc_elem *chain = NULL;
	unsigned int c;

	/* A named heap's memory may leave a process (detach): none of its
	 * blocks waits in a cache. */
	if (e->size > HEAP_CACHE_MAX_ELEM || (e->flags & ELEM_F_MEMZONE) ||
			heap_is_named(h))
		return false;
	s = my_slot(h);
	if (s == NULL || !owner_enter(s))
		return false;
	c = class_of(e->size);
	if (s->cached_sz >= CACHE_BYTES)
		chain = take_half(s);
	else if (s->count[c] >= CACHE_CAP)
		chain = take(s, c, CACHE_CAP / 2);
	push(s, c, e);
	if (slot_counted)
		add_live(&s->live, -1);
	owner_leave(s);
	if (!slot_counted)
		heap_count_live(h, -1);
	if (chain != NULL)
		give_back(h, chain, true);
	/* heap_try_trim's first test, without the call. */
	if (s->live == 0)
		heap_maybe_trim(h);
	return true;
}

void
heap_cache_uncount(struct malloc_heap *h, const struct malloc_elem *e)
{
	struct malloc_cache_slot *s = (e->flags & ELEM_F_SLOT) ?
		my_slot(h) : NULL;

	/* Only the owner writes a slot's count: no entering needed. */
	if (s != NULL)
		add_live(&s->live, -1);
	else
		heap_count_live(h, -1);
}

/* Lock s if it is in use for heap idx; false (unlocked) otherwise. */
static bool
lock_if_of(struct malloc_cache_slot *s, unsigned int idx)
{
	if (__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) == 0 ||
			!thief_enter(s))
		return false;
	if (s->owner != 0 && s->heap_idx == idx)
		return true;
	thief_leave(s);
	return false;
}

void
heap_cache_drain(struct malloc_heap *h, bool shrink)
{
	struct malloc_cache_slot *s;
	struct malloc_elem *chain;
	unsigned int i;

	for (i = 0; i < HEAP_CACHE_SLOTS; i++) {
		s = &heap_shared()->slots[i];
		if (!lock_if_of(s, heap_idx(h)))
			continue;
		if (pid_dead(s->owner)) {
			retire(s, shrink);
			continue;
		}
		chain = take_all(s);
		thief_leave(s);
		give_back(h, chain, shrink);
	}
}

void
heap_cache_init_process(void)
{
	my_pid = getpid();
	proc_fast = syscall(__NR_membarrier,
			MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
	__atomic_add_fetch(&proc_gen, 1, __ATOMIC_ACQ_REL);
}

/* Whether an idle heap gives its pages back now: only when it grew since
 * it was last idle (else every page it could give is gone already). */
static bool
trim_due_locked(struct malloc_heap *h)
{
	bool due = h->grows != 0;

	h->grows = 0;
	return due;
}

/* This thread's slot's count of h. */
static int64_t
my_live(struct malloc_heap *h)
{
	struct malloc_cache_slot *s = tl_slot[heap_idx(h)];

	return s != NULL && tl_gen == proc_gen ?
		__atomic_load_n(&s->live, __ATOMIC_RELAXED) : 0;
}

/* Trim h if nothing of it is in use anywhere (every slot summed). */
static bool
trim_if_idle(struct malloc_heap *h)
{
	bool due;

	if (__atomic_load_n(&h->live, __ATOMIC_RELAXED) +
			heap_cache_live(h) != 0)
		return false;
	heap_lock(h);
	due = trim_due_locked(h);
	heap_unlock(h);
	if (due) {
		heap_cache_drain(h, true);
		heap_trim(h);
	}
	return true;
}

/*
 * Summing every slot reads lines other threads write all the time, so it
 * is done only when this thread's count and the heap's are both back to
 * zero, and less and less often while the sums keep finding the heap in
 * use (another thread or process holds blocks: its exit will trim).
 */
void
heap_try_trim(struct malloc_heap *h)
{
	static __thread uint32_t skip TLS_FAST, backoff TLS_FAST;

	if (my_live(h) != 0 || __atomic_load_n(&h->live, __ATOMIC_RELAXED) != 0)
		return;
	if (skip > 0) {
		skip--;
		return;
	}
	if (trim_if_idle(h)) {
		backoff = 0;
		return;
	}
	backoff = RTE_MIN(2 * backoff + 1, 1023U);
	skip = backoff;
}

void
heap_cache_release_process(void)
{
	struct malloc_cache_slot *s;
	unsigned int i;

	my_pid = getpid();
	for (i = 0; i < HEAP_CACHE_SLOTS; i++) {
		s = &heap_shared()->slots[i];
		if (__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) != my_pid ||
				!thief_enter(s))
			continue;
		retire(s, true);
	}
	__atomic_add_fetch(&proc_gen, 1, __ATOMIC_ACQ_REL);
}

void
heap_cache_figures(struct malloc_heap *h, unsigned int *n, uint64_t *bytes,
		uint64_t *largest)
{
	struct malloc_cache_slot *s;
	unsigned int i, c;

	*n = 0;
	*bytes = 0;
	*largest = 0;
	for (i = 0; i < HEAP_CACHE_SLOTS; i++) {
		s = &heap_shared()->slots[i];
		if (!lock_if_of(s, heap_idx(h)))
			continue;
		*n += s->n_cached;
		*bytes += s->cached_sz;
		for (c = 0; c < HEAP_CACHE_CLASSES; c++) {
			if (s->count[c] != 0)
				*largest = RTE_MAX(*largest,
					(uint64_t)ELEM_MIN + c * ELEM_HDR);
		}
		thief_leave(s);
	}
}

int64_t
heap_cache_live(struct malloc_heap *h)
{
	struct malloc_cache_slot *s;
	int64_t live = 0;
	unsigned int i;

	for (i = 0; i < HEAP_CACHE_SLOTS; i++) {
		s = &heap_shared()->slots[i];
		if (__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) != 0 &&
				s->heap_idx == heap_idx(h))
			live += __atomic_load_n(&s->live, __ATOMIC_RELAXED);
	}
	return live;
}

/* Check the chain of class c of s; count its elements into *n. */
static int
check_bin(struct malloc_cache_slot *s, unsigned int c, unsigned int idx,
		unsigned int *n)
{
	struct malloc_elem *e;
	uint32_t k = 0;

	for (e = s->bin[c]; e != NULL; e = e->next_free, k++) {
		if (!elem_stamped(e) || e->state != ELEM_CACHED ||
				e->heap_idx != idx || e->size > HEAP_CACHE_MAX_ELEM ||
				k > s->count[c]) {
			RTE_LOG(ERR, EAL, "heap check: cache slot %td class %u holds a bad element %p\n",
				s - heap_shared()->slots, c, (void *)e);
			return -EFAULT;
		}
	}
	*n += k;
	return k == s->count[c] ? 0 : -EFAULT;
}

unsigned int
heap_cache_hold(struct malloc_heap *h, struct malloc_cache_slot **held)
{
	unsigned int i, n = 0;

	for (i = 0; i < HEAP_CACHE_SLOTS; i++) {
		if (lock_if_of(&heap_shared()->slots[i], heap_idx(h)))
			held[n++] = &heap_shared()->slots[i];
	}
	return n;
}

void
heap_cache_unhold(struct malloc_cache_slot **held, unsigned int n)
{
	while (n-- > 0)
		thief_leave(held[n]);
}

int
heap_cache_check_held(struct malloc_heap *h, struct malloc_cache_slot **held,
		unsigned int n_held, unsigned int *n)
{
	unsigned int i, c;
	int ret = 0;

	*n = 0;
	for (i = 0; i < n_held && ret == 0; i++) {
		for (c = 0; c < HEAP_CACHE_CLASSES && ret == 0; c++)
			ret = check_bin(held[i], c, heap_idx(h), n);
	}
	return ret;
}
