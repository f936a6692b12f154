/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 *
 * Keeping every process's mappings in line with the page tables.
 *
 * The primary changes memory (mem_alloc.c) and then sends each secondary
 * "list L, pages [i, i+n), mapped/released, now at version V". A secondary
 * applies it when V follows the version it last applied, always checked
 * against the page table: it maps only pages still used (a late secondary
 * must not map a page the primary has released since: that would
 * allocate a page nobody owns) and unmaps only pages it maps, with events
 * for exactly what changed here. If it missed a change (a stopped
 * secondary whose queue filled up), it remaps the whole list from its
 * page table instead, which is always right. So a secondary that
 * is stopped or slow never blocks the group: the primary waits at most
 * MEM_SYNC_WAIT_MS for the answers, dead secondaries are skipped at once,
 * and a late secondary catches up as soon as its IPC thread runs again.
 * Only a secondary that answers "failed" in time makes the primary undo an
 * allocation everywhere.
 *
 * The handler never takes the group's memory lock: the primary holds it
 * for the whole operation, including this wait.
 *
 * Secondaries never map new pages on their own: they ask the primary
 * ("eal:mem_alloc", "eal:mem_free"), which runs the operation on a worker
 * thread (it sends requests itself, which the IPC thread may not) and
 * answers when every process has the pages. In memfd mode a secondary gets
 * each list's descriptor with "eal:mem_fd".
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "runtime/mem/mem_internal.h"

#define MEM_SYNC_WAIT_MS 100
#define MEM_REQUEST_WAIT_S 10

#define SYNC_ACTION "eal:mem_sync"
#define ALLOC_ACTION "eal:mem_alloc"
#define FREE_ACTION "eal:mem_free"
#define FD_ACTION "eal:mem_fd"

struct sync_msg {
	uint32_t alloc;
	int32_t list;
	uint32_t idx;
	uint32_t n;
	uint32_t version;
};

struct alloc_msg {
	uint64_t page_sz;
	int32_t socket;
	uint32_t n;
	uint32_t iova_contig;
	uint32_t reserved; /* no padding: every byte sent is initialised */
};

struct free_msg {
	int32_t list;
	uint32_t idx;
	uint32_t n;
};

struct answer_msg {
	int32_t status; /* 0 or -errno */
	int32_t list;
	uint32_t idx;
};

/* Set once this secondary's start-up sync is done. */
static bool sync_ready;

static void
make_msg(struct rte_mp_msg *m, const char *name, const void *param,
		size_t len)
{
	memset(m, 0, sizeof(*m));
	strlcpy(m->name, name, sizeof(m->name));
	memcpy(m->param, param, len);
	m->len_param = (int)len;
}

static int
answer_status(const struct rte_mp_reply *reply, int i)
{
	struct answer_msg a;

	if (reply->msgs[i].len_param != sizeof(a))
		return -EPROTO;
	memcpy(&a, reply->msgs[i].param, sizeof(a));
	return a.status;
}

int
mem_sync_secondaries(int list, unsigned int idx, unsigned int n, bool alloc)
{
	struct sync_msg s = { alloc, list, idx, n,
		mem_cfg()->memsegs[list].version };
	struct timespec ts = { 0, MEM_SYNC_WAIT_MS * 1000000L };
	struct rte_mp_reply reply;
	struct rte_mp_msg m;
	int i, ret = 0;

	/* A free is announced before the version moves: it will be next. */
	if (!alloc)
		s.version++;
	make_msg(&m, SYNC_ACTION, &s, sizeof(s));
	if (rte_mp_request_sync(&m, &reply, &ts) < 0) {
		/* On the IPC thread a request would wait for itself: tell the
		 * secondaries without waiting (they apply it all the same).
		 * Otherwise there is nobody to tell (IPC not running).
		 */
		if (rte_errno == EDEADLK)
			rte_mp_sendmsg(&m);
		return 0;
	}
	for (i = 0; i < reply.nb_received && ret == 0; i++)
		ret = answer_status(&reply, i);
	if (reply.nb_received < reply.nb_sent)
		RTE_LOG(INFO, EAL,
			"%d of %d secondaries did not confirm a memory change within %d ms; they catch up when they run\n",
			reply.nb_sent - reply.nb_received, reply.nb_sent,
			MEM_SYNC_WAIT_MS);
	free(reply.msgs);
	return ret;
}

/* --- secondary side ----------------------------------------------------- */

static void *
page_addr(int list, unsigned int idx)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];

	return RTE_PTR_ADD(msl->base_va, (size_t)idx * msl->page_sz);
}

static size_t
pages_len(int list, unsigned int n)
{
	return (size_t)n * mem_cfg()->memsegs[list].page_sz;
}

static bool
page_used(int list, unsigned int idx)
{
	return rte_fbarray_is_used(&mem_cfg()->memsegs[list].memseg_arr,
			idx) == 1;
}

/* Map page idx of list if the page table still says it is used: a page
 * the primary released, or is releasing, meanwhile (a late secondary) is
 * skipped, since mapping it would allocate a page nobody owns. 1 mapped,
 * 0 skipped, -errno. pre: mem_local_lock held.
 */
static int
follow_alloc_locked(int list, unsigned int idx)
{
	int ret;

	if (mem_local[list].mapped[idx] || !page_used(list, idx))
		return 0;
	ret = mem_page_map_locked(list, idx, false);
	/* No file: the primary is releasing the page (it clears the table
	 * only after removing the file) or has released it. */
	if (ret == -ENOENT)
		return 0;
	return ret < 0 ? ret : 1;
}

/* Map every used page and drop every unused one, page by page, with an
 * event for each change; remap, without events, what may be stale.
 * pre: mem_local_lock held.
 */
static int
resync_list_locked(int list, bool remap)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];
	struct mem_list_local *ll = &mem_local[list];
	unsigned int i;
	int ret = 0;

	if (ll->mapped == NULL)
		return 0;
	for (i = 0; i < msl->memseg_arr.len && ret >= 0; i++) {
		if (ll->mapped[i] && !page_used(list, i)) {
			mem_events_fire(RTE_MEM_EVENT_FREE, page_addr(list, i),
					msl->page_sz);
			mem_page_unmap_locked(list, i, false);
		} else if (ll->mapped[i] && remap) {
			ret = mem_page_map_locked(list, i, false);
		} else if ((ret = follow_alloc_locked(list, i)) > 0) {
			mem_events_fire(RTE_MEM_EVENT_ALLOC, page_addr(list, i),
					msl->page_sz);
		}
	}
	if (ret >= 0)
		ll->version = msl->version;
	return ret < 0 ? ret : 0;
}

static unsigned int
count_mapped(int list, unsigned int idx, unsigned int n)
{
	unsigned int i, count = 0;

	for (i = idx; i < idx + n; i++)
		count += mem_local[list].mapped[i];
	return count;
}

/* The primary releases [idx, idx+n): FREE and unmap what is mapped here.
 * One event for the run in the usual case, one per page otherwise.
 */
static void
follow_free_locked(int list, unsigned int idx, unsigned int n)
{
	unsigned int i, mapped = count_mapped(list, idx, n);

	if (mapped == n) {
		mem_events_fire(RTE_MEM_EVENT_FREE, page_addr(list, idx),
				pages_len(list, n));
		mem_pages_unmap_locked(list, idx, n, false);
		return;
	}
	for (i = idx; mapped > 0 && i < idx + n; i++) {
		if (!mem_local[list].mapped[i])
			continue;
		mem_events_fire(RTE_MEM_EVENT_FREE, page_addr(list, i),
				pages_len(list, 1));
		mem_page_unmap_locked(list, i, false);
	}
}

/* The primary mapped [idx, idx+n): map the pages still used. One event
 * for the run in the usual case, one per page otherwise.
 */
static int
follow_run_alloc_locked(int list, unsigned int idx, unsigned int n)
{
	unsigned int i, done = 0;
	int ret = 0;

	for (i = idx; i < idx + n && ret >= 0; i++) {
		ret = follow_alloc_locked(list, i);
		done += ret > 0;
	}
	if (ret < 0)
		return ret;
	if (done == n) {
		mem_events_fire(RTE_MEM_EVENT_ALLOC, page_addr(list, idx),
				pages_len(list, n));
		return 0;
	}
	/* Some pages were released again meanwhile: report what we have. */
	for (i = idx; done > 0 && i < idx + n; i++) {
		if (mem_local[list].mapped[i])
			mem_events_fire(RTE_MEM_EVENT_ALLOC,
					page_addr(list, i), pages_len(list, 1));
	}
	return 0;
}

static int
apply_sync(const struct sync_msg *s)
{
	int ret = 0;

	pthread_mutex_lock(&mem_local_lock);
	if (s->version != mem_local[s->list].version + 1)
		ret = resync_list_locked(s->list, true);
	else if (s->alloc)
		ret = follow_run_alloc_locked(s->list, s->idx, s->n);
	else
		follow_free_locked(s->list, s->idx, s->n);
	if (ret == 0)
		mem_local[s->list].version = s->version;
	pthread_mutex_unlock(&mem_local_lock);
	return ret;
}

static bool
sync_msg_valid(const struct rte_mp_msg *m, struct sync_msg *s)
{
	struct eal_memcfg *cfg = mem_cfg();

	if (m->len_param != sizeof(*s))
		return false;
	memcpy(s, m->param, sizeof(*s));
	return s->list >= 0 && s->list < RTE_MAX_MEMSEG_LISTS &&
		cfg->memsegs[s->list].base_va != NULL && s->n > 0 &&
		s->idx < cfg->memsegs[s->list].memseg_arr.len &&
		s->n <= cfg->memsegs[s->list].memseg_arr.len - s->idx;
}

static int
reply_status(const struct rte_mp_msg *req, const void *peer,
		const struct answer_msg *a)
{
	struct rte_mp_msg m;

	make_msg(&m, req->name, a, sizeof(*a));
	return rte_mp_reply(&m, peer);
}

static int
on_sync(const struct rte_mp_msg *m, const void *peer)
{
	struct answer_msg a = { 0, 0, 0 };
	struct sync_msg s;

	if (!sync_msg_valid(m, &s))
		a.status = -EINVAL;
	else if (__atomic_load_n(&sync_ready, __ATOMIC_ACQUIRE))
		a.status = apply_sync(&s);
	if (a.status < 0)
		RTE_LOG(ERR, EAL, "cannot follow the primary's memory change: %s\n",
			strerror(-a.status));
	return reply_status(m, peer, &a);
}

int
mem_sync_all(void)
{
	struct eal_memcfg *cfg = mem_cfg();
	int i, ret = 0;

	eal_shared_mutex_lock(&cfg->mem_lock);
	pthread_mutex_lock(&mem_local_lock);
	for (i = 0; i < RTE_MAX_MEMSEG_LISTS && ret == 0; i++) {
		if (cfg->memsegs[i].base_va != NULL && !cfg->memsegs[i].external)
			ret = resync_list_locked(i, false);
	}
	pthread_mutex_unlock(&mem_local_lock);
	__atomic_store_n(&sync_ready, ret == 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&cfg->mem_lock);
	return ret;
}

/* Ask the primary; returns its answer's status, or -errno. */
static int
ask_primary(const char *name, const void *param, size_t len,
		struct answer_msg *a)
{
	struct timespec ts = { MEM_REQUEST_WAIT_S, 0 };
	struct rte_mp_reply reply;
	struct rte_mp_msg m;
	int ret = -ETIMEDOUT;

	make_msg(&m, name, param, len);
	if (rte_mp_request_sync(&m, &reply, &ts) < 0)
		return -rte_errno;
	if (reply.nb_received == 1 &&
			reply.msgs[0].len_param == sizeof(*a)) {
		memcpy(a, reply.msgs[0].param, sizeof(*a));
		ret = a->status;
	}
	free(reply.msgs);
	return ret;
}

int
mem_request_alloc(uint64_t page_sz, int socket, unsigned int n,
		bool iova_contig, struct rte_memseg **first)
{
	struct alloc_msg req = { page_sz, socket, n, iova_contig, 0 };
	struct answer_msg a;
	int ret;

	ret = ask_primary(ALLOC_ACTION, &req, sizeof(req), &a);
	if (ret < 0)
		return ret;
	/* The primary waited for us, but we may have answered late. */
	pthread_mutex_lock(&mem_local_lock);
	ret = resync_list_locked(a.list, false);
	pthread_mutex_unlock(&mem_local_lock);
	if (ret == 0)
		*first = rte_fbarray_get(&mem_cfg()->memsegs[a.list].memseg_arr,
				a.idx);
	return ret;
}

int
mem_request_free(struct rte_memseg *first, unsigned int n)
{
	struct rte_memseg_list *msl;
	struct free_msg req;
	struct answer_msg a;
	int i;

	msl = first != NULL ? mem_list_of(first->addr) : NULL;
	i = msl != NULL ? rte_fbarray_find_idx(&msl->memseg_arr, first) : -1;
	if (i < 0)
		return -EINVAL;
	req.list = mem_list_idx(msl);
	req.idx = (uint32_t)i;
	req.n = n;
	return ask_primary(FREE_ACTION, &req, sizeof(req), &a);
}

/* --- primary side of requests ------------------------------------------- */

struct job {
	struct rte_mp_msg req;
	char peer[RTE_MP_MAX_NAME_LEN + 256];
};

static void *
run_job(void *arg)
{
	struct job *j = arg;
	struct answer_msg a = { 0, 0, 0 };
	struct rte_memseg *first = NULL;
	struct alloc_msg am;
	struct free_msg fm;

	if (strcmp(j->req.name, ALLOC_ACTION) == 0) {
		memcpy(&am, j->req.param, sizeof(am));
		a.status = mem_alloc_pages_primary(am.page_sz, am.socket, am.n,
				am.iova_contig, &first);
		if (a.status == 0) {
			struct rte_memseg_list *msl = mem_list_of(first->addr);

			a.list = mem_list_idx(msl);
			a.idx = rte_fbarray_find_idx(&msl->memseg_arr, first);
		}
	} else {
		memcpy(&fm, j->req.param, sizeof(fm));
		first = fm.list >= 0 && fm.list < RTE_MAX_MEMSEG_LISTS ?
			rte_fbarray_get(&mem_cfg()->memsegs[fm.list].memseg_arr,
				fm.idx) : NULL;
		a.status = mem_free_pages_primary(first, fm.n);
	}
	reply_status(&j->req, j->peer, &a);
	free(j);
	return NULL;
}

/* Runs on the IPC thread: hand the work to a thread that may send. */
static int
on_request(const struct rte_mp_msg *m, const void *peer)
{
	struct answer_msg a = { -EINVAL, 0, 0 };
	size_t want = strcmp(m->name, ALLOC_ACTION) == 0 ?
		sizeof(struct alloc_msg) : sizeof(struct free_msg);
	pthread_attr_t attr;
	pthread_t t;
	struct job *j;

	if (m->len_param != (int)want || (j = calloc(1, sizeof(*j))) == NULL)
		return reply_status(m, peer, &a);
	j->req = *m;
	strlcpy(j->peer, peer, sizeof(j->peer));
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, run_job, j) != 0) {
		free(j);
		a.status = -EAGAIN;
		reply_status(m, peer, &a);
	}
	pthread_attr_destroy(&attr);
	return 0;
}

static int
on_fd_request(const struct rte_mp_msg *m, const void *peer)
{
	struct answer_msg a = { -EINVAL, 0, 0 };
	struct rte_mp_msg r;
	int32_t list;

	if (m->len_param == sizeof(list)) {
		memcpy(&list, m->param, sizeof(list));
		if (list >= 0 && list < RTE_MAX_MEMSEG_LISTS &&
				mem_local[list].fd >= 0)
			a.status = 0;
	}
	make_msg(&r, m->name, &a, sizeof(a));
	if (a.status == 0) {
		r.num_fds = 1;
		r.fds[0] = mem_local[list].fd;
	}
	return rte_mp_reply(&r, peer);
}

static void
close_fds(const struct rte_mp_msg *m)
{
	int i;

	for (i = 0; i < m->num_fds; i++)
		close(m->fds[i]);
}

/* Secondary: the descriptor of a memfd list, from the primary. */
int
mem_fetch_list_fd(int list)
{
	struct timespec ts = { MEM_REQUEST_WAIT_S, 0 };
	struct rte_mp_reply reply;
	struct rte_mp_msg m;
	int32_t l = list;
	int ret = -EPROTO;

	make_msg(&m, FD_ACTION, &l, sizeof(l));
	if (rte_mp_request_sync(&m, &reply, &ts) < 0)
		return -rte_errno;
	if (reply.nb_received == 1 && answer_status(&reply, 0) == 0 &&
			reply.msgs[0].num_fds == 1) {
		mem_list_backing_adopt(list, reply.msgs[0].fds[0]);
		ret = 0;
	} else if (reply.nb_received == 1) {
		close_fds(&reply.msgs[0]);
	}
	free(reply.msgs);
	return ret;
}

int
mem_ipc_register(void)
{
	if (eal_is_primary()) {
		if (rte_mp_action_register(ALLOC_ACTION, on_request) < 0 ||
				rte_mp_action_register(FREE_ACTION, on_request) < 0 ||
				rte_mp_action_register(FD_ACTION, on_fd_request) < 0)
			return -rte_errno;
		return 0;
	}
	return rte_mp_action_register(SYNC_ACTION, on_sync) < 0 ?
		-rte_errno : 0;
}
