/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * One datagram on the wire. Sends never block: a peer whose queue is full
 * (stopped, or stuck) is retried for a bounded time and then given up on.
 * Receives check everything before anything else looks at the datagram:
 * its length and truncation flags, magic, type, name, sizes, and that it
 * carries exactly the descriptors it claims. A datagram that fails any
 * check is dropped, its descriptors closed, and the reason logged (rate
 * limited, so a flood of garbage cannot flood the log).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bsd/string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "common/os_prim.h"
#include "ipc/mp_internal.h"

/* Room for more descriptors than allowed, to tell "too many" apart. */
#define FD_ROOM (2 * RTE_MP_MAX_FD_NUM)

int
mp_set_recv_timeout(int sock, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

int
mp_check_name(const char *name)
{
	size_t len;

	if (name == NULL)
		return -EINVAL;
	len = strnlen(name, RTE_MP_MAX_NAME_LEN);
	if (len == 0)
		return -EINVAL;
	return len == RTE_MP_MAX_NAME_LEN ? -E2BIG : 0;
}

int
mp_check_msg(const struct rte_mp_msg *msg)
{
	int ret;

	if (msg == NULL)
		return -EINVAL;
	ret = mp_check_name(msg->name);
	if (ret < 0)
		return ret;
	if (msg->len_param < 0 || msg->num_fds < 0)
		return -EINVAL;
	if (msg->len_param > RTE_MP_MAX_PARAM_LEN ||
			msg->num_fds > RTE_MP_MAX_FD_NUM)
		return -E2BIG;
	return 0;
}

void
mp_close_fds(const struct rte_mp_msg *msg)
{
	int i;

	for (i = 0; i < msg->num_fds; i++)
		close(msg->fds[i]);
}

void
mp_peer_format(char *peer, const char *path, uint64_t id)
{
	snprintf(peer, MP_PEER_LEN, "%s#%" PRIx64, path, id);
}

int
mp_peer_parse(const char *peer, char *path, uint64_t *id)
{
	const char *hash = strrchr(peer, '#');
	size_t len = hash != NULL ? (size_t)(hash - peer) : strlen(peer);
	char *end;

	if (len == 0 || len >= MP_PATH_LEN)
		return -EINVAL;
	memcpy(path, peer, len);
	path[len] = '\0';
	*id = 0;
	if (hash == NULL)
		return 0;
	*id = strtoull(hash + 1, &end, 16);
	return *end == '\0' && end != hash + 1 ? 0 : -EINVAL;
}

static int
make_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlcpy(sa->sun_path, path, sizeof(sa->sun_path)) >=
			sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static void
pause_briefly(unsigned int attempt)
{
	struct timespec ts = { 0, RTE_MIN(50000L << attempt, 1000000L) };

	nanosleep(&ts, NULL);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
send_patiently(int sock, const struct msghdr *mh, int patience_ms)
{
	uint64_t give_up = now_ms() + patience_ms;
	unsigned int attempt = 0;

	for (;;) {
		if (os_prim.sendmsg(sock, mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || now_ms() >= give_up)
			return -errno;
		pause_briefly(attempt < 5 ? attempt++ : attempt);
	}
}

int
mp_wire_send(int sock, const char *dst, enum mp_type type, uint64_t id,
		const struct rte_mp_msg *msg, int patience_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * RTE_MP_MAX_FD_NUM)];
		struct cmsghdr align;
	} ctl;
	struct mp_wire w = { .magic = MP_WIRE_MAGIC, .type = type, .id = id };
	struct iovec iov = { .iov_base = &w, .iov_len = sizeof(w) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct sockaddr_un sa;
	struct cmsghdr *cm;
	int ret;

	ret = make_addr(dst, &sa);
	if (ret < 0)
		return ret;
	mh.msg_name = &sa;
	mh.msg_namelen = sizeof(sa);
	memcpy(&w.msg, msg, offsetof(struct rte_mp_msg, fds));
	if (msg->num_fds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * msg->num_fds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * msg->num_fds);
		memcpy(CMSG_DATA(cm), msg->fds, sizeof(int) * msg->num_fds);
	}
	return send_patiently(sock, &mh, patience_ms);
}

/* Gather every descriptor the datagram brought; returns how many. */
static int
take_fds(struct msghdr *mh, int *fds)
{
	struct cmsghdr *cm;
	int n = 0;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		size_t k, count;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < count && n < FD_ROOM; k++)
			memcpy(&fds[n++], CMSG_DATA(cm) + k * sizeof(int),
					sizeof(int));
	}
	return n;
}

/* Why a datagram is unacceptable, or NULL when it is fine. */
static const char *
datagram_fault(const struct msghdr *mh, ssize_t len, const struct mp_wire *w,
		int n_fds)
{
	if (mh->msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return "truncated";
	if (len != (ssize_t)sizeof(*w))
		return "wrong size";
	if (mh->msg_namelen <= offsetof(struct sockaddr_un, sun_path))
		return "sender has no address";
	if (w->magic != MP_WIRE_MAGIC)
		return "bad magic";
	if (w->type < MP_MSG || w->type > MP_IGN)
		return "unknown type";
	if (mp_check_msg(&w->msg) < 0)
		return "bad name or sizes";
	if (w->msg.num_fds != n_fds)
		return "descriptor count does not match";
	return NULL;
}

static void
log_drop(const char *why, const char *src)
{
	static uint64_t drops;
	uint64_t n = __atomic_add_fetch(&drops, 1, __ATOMIC_RELAXED);

	/* The first few, then one in 1024: enough to see, never a flood. */
	if (n <= 16 || (n & 1023) == 0)
		RTE_LOG(WARNING, EAL,
			"IPC: dropped a datagram from '%s': %s (%" PRIu64 " dropped so far)\n",
			src[0] != '\0' ? src : "?", why, n);
}

static void
copy_src(const struct sockaddr_un *sa, socklen_t len, char *src)
{
	size_t n = len > offsetof(struct sockaddr_un, sun_path) ?
		len - offsetof(struct sockaddr_un, sun_path) : 0;

	n = RTE_MIN(n, MP_PATH_LEN - 1);
	memcpy(src, sa->sun_path, n);
	src[n] = '\0';
}

int
mp_wire_recv(int sock, struct mp_wire *w, char *src, bool wait)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FD_ROOM)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = w, .iov_len = sizeof(*w) };
	struct sockaddr_un sa;
	struct msghdr mh = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	int fds[FD_ROOM], n_fds, i;
	const char *why;
	ssize_t len;

	len = os_prim.recvmsg(sock, &mh,
			(wait ? 0 : MSG_DONTWAIT) | MSG_CMSG_CLOEXEC);
	if (len < 0)
		return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
	n_fds = take_fds(&mh, fds);
	copy_src(&sa, mh.msg_namelen, src);
	why = datagram_fault(&mh, len, w, n_fds);
	if (why != NULL) {
		for (i = 0; i < n_fds; i++)
			close(fds[i]);
		log_drop(why, src);
		return -EBADMSG;
	}
	memcpy(w->msg.fds, fds, sizeof(int) * n_fds);
	return 0;
}
