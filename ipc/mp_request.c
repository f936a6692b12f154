/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Requests and replies.
 *
 * A synchronous request is sent from a socket that belongs to the calling
 * thread (<primary socket>.r<pid>_<n>, made on first use, removed when the
 * thread exits or the channel closes). Replies go to the socket a request
 * came from, so they reach the waiting thread directly, with no hand-off
 * through the IPC thread: a round trip costs what a raw ping-pong costs.
 * Replies are matched by request id and by the replier's address; strays
 * (late replies to a request that timed out) are dropped and their
 * descriptors closed. While it waits, the thread checks every 100 ms that
 * the peers it waits for still exist, so a dead peer ends the wait early.
 *
 * An asynchronous request is sent from the main socket; the IPC thread
 * collects its replies and runs its callback once, when all have come or
 * at the deadline.
 *
 * A reply is sent from the main socket to the address in the peer string
 * the action was given, with the request's id.
 *
 * A waiting thread blocks in one receive per reply (the probe interval is
 * the socket's receive timeout), so its path has no extra system call.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bsd/string.h>
#include <bsd/sys/queue.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "common/os_prim.h"
#include "ipc/mp_internal.h"

#define PROBE_MS 100

struct reply_sock {
	TAILQ_ENTRY(reply_sock) next;
	int fd;
	int timeout_ms;  /* receive timeout as last set on fd */
	char path[MP_PATH_LEN];
};

struct async_req {
	TAILQ_ENTRY(async_req) next;
	uint64_t id;
	uint64_t deadline;        /* CLOCK_MONOTONIC, ns */
	int n_sent;               /* -1 while still sending */
	int n_answered;
	int n_ignored;
	struct rte_mp_msg req;
	struct rte_mp_reply reply;
	rte_mp_async_reply_t clb;
};

static TAILQ_HEAD(, reply_sock) reply_socks =
	TAILQ_HEAD_INITIALIZER(reply_socks);
static TAILQ_HEAD(, async_req) async_reqs = TAILQ_HEAD_INITIALIZER(async_reqs);
static pthread_mutex_t req_lock = PTHREAD_MUTEX_INITIALIZER;
/* Bumped when the channel closes: reply sockets of older epochs are gone. */
static unsigned int epoch;
static pthread_key_t rs_key;
static pthread_once_t rs_key_once = PTHREAD_ONCE_INIT;
static __thread struct reply_sock *my_rs;
static __thread unsigned int my_epoch;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t
next_id(void)
{
	static uint64_t last_id;

	return __atomic_add_fetch(&last_id, 1, __ATOMIC_RELAXED);
}

static int
check_ts(const struct timespec *ts)
{
	if (ts == NULL || ts->tv_sec < 0 || ts->tv_nsec < 0 ||
			ts->tv_nsec >= 1000000000)
		return -EINVAL;
	return 0;
}

static uint64_t
deadline_of(const struct timespec *ts)
{
	return now_ns() + (uint64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* Append msg to reply->msgs; on no memory the reply is dropped. */
static void
keep_reply(struct rte_mp_reply *reply, const struct rte_mp_msg *msg)
{
	struct rte_mp_msg *grown;

	grown = realloc(reply->msgs, (reply->nb_received + 1) * sizeof(*msg));
	if (grown == NULL) {
		RTE_LOG(ERR, EAL, "IPC: no memory for a reply to '%s'\n",
			msg->name);
		mp_close_fds(msg);
		return;
	}
	reply->msgs = grown;
	reply->msgs[reply->nb_received++] = *msg;
}

static void
drop_replies(struct rte_mp_reply *reply)
{
	int i;

	for (i = 0; i < reply->nb_received; i++)
		mp_close_fds(&reply->msgs[i]);
	free(reply->msgs);
	reply->msgs = NULL;
	reply->nb_received = 0;
}

/* --- reply sockets ------------------------------------------------------ */

/* pre: req_lock held. */
static void
free_reply_sock_locked(struct reply_sock *rs)
{
	TAILQ_REMOVE(&reply_socks, rs, next);
	close(rs->fd);
	unlink(rs->path);
	free(rs);
}

static void
thread_exit(void *arg)
{
	RTE_SET_USED(arg);
	pthread_mutex_lock(&req_lock);
	if (my_rs != NULL && my_epoch == epoch)
		free_reply_sock_locked(my_rs);
	my_rs = NULL;
	pthread_mutex_unlock(&req_lock);
}

static void
make_key(void)
{
	pthread_key_create(&rs_key, thread_exit);
}

static int
bind_reply_sock(struct reply_sock *rs)
{
	static unsigned int seq;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(rs->path, sizeof(rs->path), "%s/%s.r%d_%u", mp_socket_dir(),
		mp_group(), getpid(), __atomic_fetch_add(&seq, 1,
			__ATOMIC_RELAXED));
	strlcpy(sa.sun_path, rs->path, sizeof(sa.sun_path));
	rs->fd = os_prim.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rs->fd < 0)
		return -errno;
	unlink(rs->path);
	if (os_prim.bind(rs->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(rs->fd);
		return -errno;
	}
	chmod(rs->path, 0600);
	return 0;
}

/* This thread's reply socket, made on first use. */
static int
my_reply_sock(struct reply_sock **out)
{
	struct reply_sock *rs;
	int ret;

	if (my_rs != NULL && my_epoch == __atomic_load_n(&epoch,
			__ATOMIC_ACQUIRE)) {
		*out = my_rs;
		return 0;
	}
	pthread_once(&rs_key_once, make_key);
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return -ENOMEM;
	rs->timeout_ms = -1;
	ret = bind_reply_sock(rs);
	if (ret < 0) {
		free(rs);
		return ret;
	}
	pthread_mutex_lock(&req_lock);
	TAILQ_INSERT_TAIL(&reply_socks, rs, next);
	my_epoch = epoch;
	pthread_mutex_unlock(&req_lock);
	my_rs = rs;
	/* Any non-NULL value makes the destructor run at thread exit. */
	pthread_setspecific(rs_key, rs);
	*out = rs;
	return 0;
}

/* --- synchronous requests ----------------------------------------------- */

enum { DEST_WAITING = 1, DEST_DONE };

struct sync_wait {
	struct reply_sock *rs;
	uint64_t id;
	uint64_t deadline;
	char (*dests)[MP_PATH_LEN];
	uint8_t *state;
	int n_dests;
	int n_waiting;
	struct rte_mp_reply *reply;
};

static int
dest_index(const struct sync_wait *sw, const char *path)
{
	int i;

	for (i = 0; i < sw->n_dests; i++) {
		if (sw->state[i] == DEST_WAITING &&
				strcmp(sw->dests[i], path) == 0)
			return i;
	}
	return -1;
}

static void
dest_done(struct sync_wait *sw, int i)
{
	sw->state[i] = DEST_DONE;
	sw->n_waiting--;
}

static int
patience_ms(uint64_t deadline)
{
	uint64_t now = now_ns();

	if (now >= deadline)
		return 0;
	return (int)RTE_MIN((deadline - now) / 1000000,
			(uint64_t)MP_SEND_PATIENCE_MS);
}

/* Send to each destination. A primary skips those it cannot reach and
 * returns 0; a secondary returns why it could not reach the primary.
 */
static int
send_request(struct sync_wait *sw, const struct rte_mp_msg *req)
{
	int i, ret, failure = 0;

	for (i = 0; i < sw->n_dests; i++) {
		ret = mp_wire_send(sw->rs->fd, sw->dests[i], MP_REQ, sw->id, req,
				patience_ms(sw->deadline));
		if (ret == 0) {
			sw->state[i] = DEST_WAITING;
			sw->n_waiting++;
			sw->reply->nb_sent++;
			continue;
		}
		sw->state[i] = DEST_DONE;
		if (ret == -ECONNREFUSED || ret == -ENOENT) {
			mp_peer_gone(sw->dests[i]);
			ret = -ECONNREFUSED;
		} else {
			RTE_LOG(WARNING, EAL, "IPC: cannot send request '%s' to %s: %s\n",
				req->name, sw->dests[i], strerror(-ret));
		}
		/* A secondary's one peer is the primary: not reaching it fails. */
		if (!mp_is_primary())
			failure = ret;
	}
	return failure;
}

static void
take_sync_reply(struct sync_wait *sw, struct mp_wire *w, const char *src)
{
	int i = w->id == sw->id ? dest_index(sw, src) : -1;

	if (i < 0) {
		RTE_LOG(DEBUG, EAL, "IPC: dropped a stray reply '%s' from %s\n",
			w->msg.name, src);
		mp_close_fds(&w->msg);
		return;
	}
	dest_done(sw, i);
	if (w->type == MP_IGN)
		sw->reply->nb_sent--;
	else if (w->type == MP_REP)
		keep_reply(sw->reply, &w->msg);
	else
		mp_close_fds(&w->msg);
}

static void
probe_dests(struct sync_wait *sw)
{
	int i;

	for (i = 0; i < sw->n_dests; i++) {
		if (sw->state[i] != DEST_WAITING || mp_peer_alive(sw->dests[i]))
			continue;
		mp_peer_gone(sw->dests[i]);
		dest_done(sw, i);
	}
}

/* Block for the next reply, at most until the next probe or the deadline. */
static int
receive_reply(struct sync_wait *sw, struct mp_wire *w, char *src,
		uint64_t now)
{
	int ms = (int)RTE_MIN((sw->deadline - now + 999999) / 1000000,
			(uint64_t)PROBE_MS);

	if (ms != sw->rs->timeout_ms &&
			mp_set_recv_timeout(sw->rs->fd, ms) == 0)
		sw->rs->timeout_ms = ms;
	return mp_wire_recv(sw->rs->fd, w, src, true);
}

static void
wait_replies(struct sync_wait *sw)
{
	char src[MP_PATH_LEN];
	struct mp_wire w;
	uint64_t now;
	int ret;

	while (sw->n_waiting > 0 && (now = now_ns()) < sw->deadline) {
		ret = receive_reply(sw, &w, src, now);
		if (ret == 0)
			take_sync_reply(sw, &w, src);
		else if (ret == -EAGAIN)
			probe_dests(sw);
		else if (ret != -EBADMSG)
			break;
	}
}

static int
request_sync(struct rte_mp_msg *req, struct rte_mp_reply *reply,
		const struct timespec *ts)
{
	struct sync_wait sw = { .id = next_id(), .deadline = deadline_of(ts),
		.reply = reply };
	struct reply_sock *rs;
	int ret;

	ret = my_reply_sock(&rs);
	if (ret < 0)
		return ret;
	sw.rs = rs;
	sw.n_dests = mp_peers_snapshot(&sw.dests);
	if (sw.n_dests < 0)
		return sw.n_dests;
	sw.state = calloc(RTE_MAX(sw.n_dests, 1), 1);
	if (sw.state == NULL) {
		free(sw.dests);
		return -ENOMEM;
	}
	ret = send_request(&sw, req);
	wait_replies(&sw);
	free(sw.state);
	free(sw.dests);
	return ret;
}

int
rte_mp_request_sync(struct rte_mp_msg *req, struct rte_mp_reply *reply,
		const struct timespec *ts)
{
	int ret;

	if (reply != NULL)
		memset(reply, 0, sizeof(*reply));
	ret = mp_check_msg(req);
	if (ret == 0 && reply == NULL)
		ret = -EINVAL;
	if (ret == 0)
		ret = check_ts(ts);
	if (ret == 0 && !mp_running())
		ret = -ENOTSUP;
	if (ret == 0 && mp_in_ipc_thread()) {
		RTE_LOG(ERR, EAL,
			"IPC: rte_mp_request_sync('%s') called on the IPC thread would wait for itself; use rte_mp_request_async()\n",
			req->name);
		ret = -EDEADLK;
	}
	if (ret == 0)
		ret = request_sync(req, reply, ts);
	if (ret == 0)
		return 0;
	drop_replies(reply != NULL ? reply : &(struct rte_mp_reply){ 0 });
	rte_errno = -ret;
	return -1;
}

/* --- asynchronous requests ---------------------------------------------- */

static bool
async_complete(const struct async_req *ar)
{
	return ar->n_sent >= 0 && ar->n_answered >= ar->n_sent;
}

/* Returns how many peers the request reached, or (secondary) why it could
 * not reach the primary.
 */
static int
send_async(struct async_req *ar)
{
	char (*paths)[MP_PATH_LEN];
	int i, n, ret, sent = 0, failure = 0;

	n = mp_peers_snapshot(&paths);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		ret = mp_wire_send(mp_main_socket(), paths[i], MP_REQ, ar->id,
				&ar->req, patience_ms(ar->deadline));
		if (ret == 0) {
			sent++;
			continue;
		}
		if (ret == -ECONNREFUSED || ret == -ENOENT) {
			mp_peer_gone(paths[i]);
			ret = -ECONNREFUSED;
		} else {
			RTE_LOG(WARNING, EAL, "IPC: cannot send request '%s' to %s: %s\n",
				ar->req.name, paths[i], strerror(-ret));
		}
		if (!mp_is_primary())
			failure = ret;
	}
	free(paths);
	return failure < 0 ? failure : sent;
}

static int
request_async(struct rte_mp_msg *req, const struct timespec *ts,
		rte_mp_async_reply_t clb)
{
	struct async_req *ar = calloc(1, sizeof(*ar));
	int sent;

	if (ar == NULL)
		return -ENOMEM;
	ar->id = next_id();
	ar->deadline = deadline_of(ts);
	ar->n_sent = -1;
	ar->req = *req;
	ar->clb = clb;
	pthread_mutex_lock(&req_lock);
	TAILQ_INSERT_TAIL(&async_reqs, ar, next);
	pthread_mutex_unlock(&req_lock);
	sent = send_async(ar);
	pthread_mutex_lock(&req_lock);
	if (sent >= 0)
		ar->n_sent = sent;
	else
		TAILQ_REMOVE(&async_reqs, ar, next);
	pthread_mutex_unlock(&req_lock);
	if (sent < 0) {
		drop_replies(&ar->reply);
		free(ar);
		return sent;
	}
	mp_wake_ipc_thread();
	return 0;
}

int
rte_mp_request_async(struct rte_mp_msg *req, const struct timespec *ts,
		rte_mp_async_reply_t clb)
{
	int ret = mp_check_msg(req);

	if (ret == 0 && clb == NULL)
		ret = -EINVAL;
	if (ret == 0)
		ret = check_ts(ts);
	if (ret == 0 && !mp_running())
		ret = -ENOTSUP;
	if (ret == 0)
		ret = request_async(req, ts, clb);
	if (ret == 0)
		return 0;
	rte_errno = -ret;
	return -1;
}

void
mp_async_on_reply(struct mp_wire *w)
{
	struct async_req *ar;

	pthread_mutex_lock(&req_lock);
	TAILQ_FOREACH(ar, &async_reqs, next) {
		if (ar->id == w->id)
			break;
	}
	if (ar != NULL && w->type == MP_REP)
		keep_reply(&ar->reply, &w->msg);
	if (ar != NULL) {
		ar->n_answered++;
		ar->n_ignored += w->type == MP_IGN;
	}
	pthread_mutex_unlock(&req_lock);
	if (ar == NULL || w->type != MP_REP) {
		if (ar == NULL)
			RTE_LOG(DEBUG, EAL, "IPC: dropped a reply '%s' to no pending request\n",
				w->msg.name);
		mp_close_fds(&w->msg);
	}
}

int
mp_async_timeout_ms(void)
{
	uint64_t now = now_ns(), first = UINT64_MAX;
	struct async_req *ar;

	pthread_mutex_lock(&req_lock);
	TAILQ_FOREACH(ar, &async_reqs, next)
		first = RTE_MIN(first, async_complete(ar) ? now : ar->deadline);
	pthread_mutex_unlock(&req_lock);
	if (first == UINT64_MAX)
		return -1;
	return first <= now ? 0 : (int)((first - now + 999999) / 1000000);
}

/* Take out one request that is complete or past its deadline. */
static struct async_req *
take_due(void)
{
	uint64_t now = now_ns();
	struct async_req *ar;

	pthread_mutex_lock(&req_lock);
	TAILQ_FOREACH(ar, &async_reqs, next) {
		if (async_complete(ar) ||
				(ar->n_sent >= 0 && ar->deadline <= now))
			break;
	}
	if (ar != NULL)
		TAILQ_REMOVE(&async_reqs, ar, next);
	pthread_mutex_unlock(&req_lock);
	return ar;
}

void
mp_async_run_due(void)
{
	struct async_req *ar;

	while ((ar = take_due()) != NULL) {
		ar->reply.nb_sent = ar->n_sent - ar->n_ignored;
		if (ar->clb(&ar->req, &ar->reply) < 0)
			RTE_LOG(DEBUG, EAL, "IPC: async callback for '%s' reported a failure\n",
				ar->req.name);
		free(ar->reply.msgs);
		free(ar);
	}
}

void
mp_requests_close(void)
{
	struct reply_sock *rs;
	struct async_req *ar;

	pthread_mutex_lock(&req_lock);
	while ((ar = TAILQ_FIRST(&async_reqs)) != NULL) {
		TAILQ_REMOVE(&async_reqs, ar, next);
		drop_replies(&ar->reply);
		free(ar);
	}
	while ((rs = TAILQ_FIRST(&reply_socks)) != NULL)
		free_reply_sock_locked(rs);
	__atomic_add_fetch(&epoch, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&req_lock);
}

/* --- replies ------------------------------------------------------------ */

int
rte_mp_reply(struct rte_mp_msg *msg, const char *peer)
{
	char path[MP_PATH_LEN];
	uint64_t id = 0;
	int ret = mp_check_msg(msg);

	if (ret == 0 && peer == NULL)
		ret = -EINVAL;
	if (ret == 0 && !mp_running())
		ret = -ENOTSUP;
	if (ret == 0)
		ret = mp_peer_parse(peer, path, &id);
	if (ret == 0)
		ret = mp_wire_send(mp_main_socket(), path, MP_REP, id, msg,
				MP_SEND_PATIENCE_MS);
	if (ret == -ECONNREFUSED || ret == -ENOENT) {
		mp_peer_gone(path);
		ret = 0;
	}
	if (ret == 0)
		return 0;
	rte_errno = -ret;
	return -1;
}
