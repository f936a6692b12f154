/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * This process's end of the group's IPC: one datagram socket in the socket
 * directory and one thread that reads it and dispatches what arrives.
 *
 * Who talks to whom. A secondary knows the primary's socket by name. The
 * primary keeps the list of its secondaries in memory: at start it takes
 * every live secondary socket it finds in the directory (removing those
 * of dead processes), and a secondary that starts later says hello. Both
 * sides bind before they look, so no secondary is missed. A peer found
 * dead on a send is dropped from the list and its socket file removed.
 *
 * The IPC thread sleeps in a blocking receive on the socket, with a timeout
 * set to the next async deadline: one system call per message, as cheap as
 * a raw echo loop. To wake it (to stop, or to recompute its deadline) a
 * process sends an "mp:wake" datagram to its own socket. Only this file
 * starts and stops the thread; actions and async callbacks run on it.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bsd/string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "common/os_prim.h"
#include "ipc/mp_internal.h"
#include "ipc/mp_private.h"

static struct {
	pthread_mutex_t lock; /* open/close and the peer list */
	int sock;
	int recv_timeout_ms;   /* as last set on sock, -1 before */
	bool running;
	bool stopping;
	bool disabled;
	bool primary;
	char dir[PATH_MAX];
	char group[RTE_MP_MAX_NAME_LEN];
	char path[MP_PATH_LEN];         /* this process's socket */
	char primary_path[MP_PATH_LEN];
	char (*peers)[MP_PATH_LEN];     /* primary: live secondaries */
	int n_peers;
	int cap_peers;
	pthread_t thread;
} chan = { .lock = PTHREAD_MUTEX_INITIALIZER, .sock = -1 };

static __thread bool on_ipc_thread;

bool
mp_running(void)
{
	return __atomic_load_n(&chan.running, __ATOMIC_ACQUIRE);
}

bool
mp_is_primary(void)
{
	return chan.primary;
}

bool
mp_disabled(void)
{
	return __atomic_load_n(&chan.disabled, __ATOMIC_ACQUIRE);
}

bool
mp_in_ipc_thread(void)
{
	return on_ipc_thread;
}

int
mp_main_socket(void)
{
	return chan.sock;
}

const char *
mp_socket_dir(void)
{
	return chan.dir;
}

const char *
mp_group(void)
{
	return chan.group;
}

static void
say(const char *name, const char *dst)
{
	struct rte_mp_msg msg = { .len_param = 0 };

	strlcpy(msg.name, name, sizeof(msg.name));
	mp_wire_send(chan.sock, dst, MP_MSG, 0, &msg, MP_SEND_PATIENCE_MS);
}

void
mp_wake_ipc_thread(void)
{
	/* A full queue means the thread has work and will come round. */
	say(MP_WAKE, chan.path);
}

int
mp_peer_probe(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	fd = os_prim.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (os_prim.connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		ret = 1;
	else
		ret = errno == ECONNREFUSED || errno == ENOENT ? 0 : -errno;
	close(fd);
	return ret;
}

bool
mp_peer_alive(const char *path)
{
	/* When it cannot tell, it does not declare anyone dead. */
	return mp_peer_probe(path) != 0;
}

/* pre: chan.lock held. */
static int
peer_index_locked(const char *path)
{
	int i;

	for (i = 0; i < chan.n_peers; i++) {
		if (strcmp(chan.peers[i], path) == 0)
			return i;
	}
	return -1;
}

/* pre: chan.lock held. */
static void
add_peer_locked(const char *path)
{
	void *grown;
	int cap;

	if (peer_index_locked(path) >= 0)
		return;
	if (chan.n_peers == chan.cap_peers) {
		cap = chan.cap_peers ? 2 * chan.cap_peers : 8;
		grown = realloc(chan.peers, cap * sizeof(*chan.peers));
		if (grown == NULL) {
			RTE_LOG(ERR, EAL, "IPC: no memory to track peer %s\n",
				path);
			return;
		}
		chan.peers = grown;
		chan.cap_peers = cap;
	}
	strlcpy(chan.peers[chan.n_peers++], path, MP_PATH_LEN);
}

static void
remove_peer(const char *path)
{
	int i;

	pthread_mutex_lock(&chan.lock);
	i = peer_index_locked(path);
	if (i >= 0)
		memcpy(chan.peers[i], chan.peers[--chan.n_peers], MP_PATH_LEN);
	pthread_mutex_unlock(&chan.lock);
}

/* Only the primary cleans the directory, and never its own socket. */
static bool
may_remove(const char *path)
{
	size_t dir_len = strlen(chan.dir);

	return chan.primary && strcmp(path, chan.path) != 0 &&
		strncmp(path, chan.dir, dir_len) == 0 && path[dir_len] == '/';
}

void
mp_peer_gone(const char *path)
{
	RTE_LOG(INFO, EAL, "IPC: peer %s is gone\n", path);
	remove_peer(path);
	if (may_remove(path))
		unlink(path);
}

int
mp_peers_snapshot(char (**paths)[MP_PATH_LEN])
{
	int n;

	pthread_mutex_lock(&chan.lock);
	n = chan.primary ? chan.n_peers : 1;
	*paths = malloc(RTE_MAX(n, 1) * MP_PATH_LEN);
	if (*paths == NULL)
		n = -ENOMEM;
	else if (chan.primary)
		memcpy(*paths, chan.peers, n * MP_PATH_LEN);
	else
		strlcpy((*paths)[0], chan.primary_path, MP_PATH_LEN);
	pthread_mutex_unlock(&chan.lock);
	return n;
}

/*
 * Take in every live secondary already in the directory, and remove the
 * sockets (secondaries' and reply sockets) of processes that died.
 */
static void
scan_secondaries_locked(void)
{
	char pattern[RTE_MP_MAX_NAME_LEN + 8], path[PATH_MAX];
	struct dirent *ent;
	bool secondary;
	DIR *d = opendir(chan.dir);

	if (d == NULL)
		return;
	snprintf(pattern, sizeof(pattern), "%s.[sr]*", chan.group);
	while ((ent = readdir(d)) != NULL) {
		if (fnmatch(pattern, ent->d_name, 0) != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", chan.dir,
				ent->d_name) >= (int)MP_PATH_LEN)
			continue;
		secondary = ent->d_name[strlen(chan.group) + 1] == 's';
		if (!mp_peer_alive(path))
			unlink(path);
		else if (secondary)
			add_peer_locked(path);
	}
	closedir(d);
}

static int
set_paths(const char *dir, const char *group, enum mp_role role)
{
	static unsigned int seq;
	int len;

	/* '.' separates a group's name from its sockets' suffixes, so that no
	 * group's sockets can look like another group's.
	 */
	if (mp_check_name(group) < 0 || strpbrk(group, "/.") != NULL ||
			strlen(group) + 3 > RTE_MP_MAX_NAME_LEN)
		return -EINVAL;
	if (strlcpy(chan.dir, dir, sizeof(chan.dir)) >= sizeof(chan.dir))
		return -ENAMETOOLONG;
	strlcpy(chan.group, group, sizeof(chan.group));
	chan.primary = role == MP_ROLE_PRIMARY;
	len = snprintf(chan.primary_path, MP_PATH_LEN, "%s/%s", dir, group);
	if (len >= (int)MP_PATH_LEN)
		return -ENAMETOOLONG;
	if (chan.primary)
		len = snprintf(chan.path, MP_PATH_LEN, "%s", chan.primary_path);
	else
		len = snprintf(chan.path, MP_PATH_LEN, "%s.s%d_%u",
				chan.primary_path, getpid(), seq++);
	/* Reply sockets add ".r<pid>_<n>" to the primary's path. */
	return len + 24 >= (int)MP_PATH_LEN ? -ENAMETOOLONG : 0;
}

static int
bind_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (chan.primary) {
		ret = mp_peer_probe(chan.path);
		if (ret != 0)
			return ret > 0 ? -EEXIST : ret;
	}
	/* A primary's or a reused secondary name's leftover from a crash. */
	unlink(chan.path);
	strlcpy(sa.sun_path, chan.path, sizeof(sa.sun_path));
	fd = os_prim.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (os_prim.bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	chmod(chan.path, 0600);
	chan.sock = fd;
	return 0;
}

/* A secondary's socket path, as it must be named in our directory. */
static bool
is_secondary_path(const char *path)
{
	size_t len = strlen(chan.primary_path);

	return strncmp(path, chan.primary_path, len) == 0 &&
		strncmp(path + len, ".s", 2) == 0 && strchr(path + len, '/') == NULL;
}

/* A secondary says hello with a request that carries its socket's path;
 * the reply tells it the primary knows it.
 */
static void
take_hello(const struct mp_wire *w, const char *src)
{
	struct rte_mp_msg ack = { .len_param = 0 };
	char path[MP_PATH_LEN];

	if (!chan.primary || w->msg.len_param >= (int)MP_PATH_LEN)
		return;
	memcpy(path, w->msg.param, w->msg.len_param);
	path[w->msg.len_param] = '\0';
	if (!is_secondary_path(path))
		return;
	pthread_mutex_lock(&chan.lock);
	add_peer_locked(path);
	pthread_mutex_unlock(&chan.lock);
	strlcpy(ack.name, MP_HELLO, sizeof(ack.name));
	mp_wire_send(chan.sock, src, MP_REP, w->id, &ack, MP_SEND_PATIENCE_MS);
}

static bool
handle_internal(struct mp_wire *w, const char *src)
{
	if (strncmp(w->msg.name, "mp:", 3) != 0 ||
			(w->type != MP_MSG && w->type != MP_REQ))
		return false;
	if (strcmp(w->msg.name, MP_HELLO) == 0 && w->type == MP_REQ)
		take_hello(w, src);
	else if (strcmp(w->msg.name, MP_BYE) == 0 && chan.primary)
		remove_peer(src);
	mp_close_fds(&w->msg);
	return true;
}

static void
run_action(struct mp_wire *w, const char *src)
{
	rte_mp_t action = mp_action_find(w->msg.name);
	char peer[MP_PEER_LEN];
	struct rte_mp_msg ign;

	if (action == NULL) {
		if (w->type == MP_REQ) {
			memset(&ign, 0, sizeof(ign));
			strlcpy(ign.name, w->msg.name, sizeof(ign.name));
			mp_wire_send(chan.sock, src, MP_IGN, w->id, &ign,
					MP_SEND_PATIENCE_MS);
		}
		RTE_LOG(DEBUG, EAL, "IPC: no action for '%s' from %s\n",
			w->msg.name, src);
		mp_close_fds(&w->msg);
		return;
	}
	mp_peer_format(peer, src, w->type == MP_REQ ? w->id : 0);
	if (action(&w->msg, peer) < 0)
		RTE_LOG(DEBUG, EAL, "IPC: action '%s' reported a failure\n",
			w->msg.name);
}

static void
dispatch(struct mp_wire *w, const char *src)
{
	if (handle_internal(w, src))
		return;
	if (w->type == MP_MSG || w->type == MP_REQ)
		run_action(w, src);
	else
		mp_async_on_reply(w);
}

/* Block in receive for at most ms (-1: no limit; 0: do not block). */
static int
receive(struct mp_wire *w, char *src, int ms)
{
	int want = ms < 0 ? 0 : ms;

	if (ms == 0)
		return mp_wire_recv(chan.sock, w, src, false);
	if (want != chan.recv_timeout_ms &&
			mp_set_recv_timeout(chan.sock, want) == 0)
		chan.recv_timeout_ms = want;
	return mp_wire_recv(chan.sock, w, src, true);
}

static void *
ipc_thread(void *arg)
{
	char src[MP_PATH_LEN];
	struct mp_wire w;
	int ret;

	RTE_SET_USED(arg);
	on_ipc_thread = true;
	while (!__atomic_load_n(&chan.stopping, __ATOMIC_ACQUIRE)) {
		ret = receive(&w, src, mp_async_timeout_ms());
		if (ret == 0)
			dispatch(&w, src);
		else if (ret != -EAGAIN && ret != -EBADMSG)
			RTE_LOG(ERR, EAL, "IPC: cannot receive: %s\n",
				strerror(-ret));
		mp_async_run_due();
	}
	return NULL;
}

static int
start_locked(void)
{
	int ret;

	ret = bind_socket();
	if (ret < 0)
		return ret;
	chan.recv_timeout_ms = -1;
	if (chan.primary)
		scan_secondaries_locked();
	chan.stopping = false;
	ret = -pthread_create(&chan.thread, NULL, ipc_thread, NULL);
	if (ret < 0) {
		close(chan.sock);
		chan.sock = -1;
		unlink(chan.path);
		return ret;
	}
	pthread_setname_np(chan.thread, "mp-ipc");
	__atomic_store_n(&chan.running, true, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Make sure the primary, if one runs, knows this secondary before open
 * returns, so that its very next broadcast reaches it. Returns 0 (also
 * when no primary runs: it will find this socket when it starts), or
 * -errno when the hello could not be sent.
 */
static int
say_hello(void)
{
	struct timespec ts = { .tv_sec = 1 };
	struct rte_mp_msg hello = { .len_param = 0 };
	struct rte_mp_reply reply;

	strlcpy(hello.name, MP_HELLO, sizeof(hello.name));
	hello.len_param = strlcpy((char *)hello.param, chan.path,
			sizeof(hello.param));
	if (rte_mp_request_sync(&hello, &reply, &ts) < 0)
		return rte_errno == ECONNREFUSED ? 0 : -rte_errno;
	if (reply.nb_received == 0)
		RTE_LOG(WARNING, EAL, "IPC: the primary did not answer this secondary's hello within 1 s\n");
	free(reply.msgs);
	return 0;
}

int
mp_channel_open(const char *dir, const char *group, enum mp_role role)
{
	int ret;

	pthread_mutex_lock(&chan.lock);
	if (chan.running)
		ret = -EALREADY;
	else if (chan.disabled)
		ret = -ENOTSUP;
	else
		ret = set_paths(dir, group, role);
	if (ret == 0)
		ret = start_locked();
	pthread_mutex_unlock(&chan.lock);
	if (ret == 0 && role == MP_ROLE_SECONDARY)
		ret = say_hello();
	if (ret < 0 && ret != -EALREADY && ret != -ENOTSUP)
		mp_channel_close();
	return ret;
}

void
mp_channel_close(void)
{
	pthread_mutex_lock(&chan.lock);
	if (!chan.running) {
		pthread_mutex_unlock(&chan.lock);
		return;
	}
	__atomic_store_n(&chan.running, false, __ATOMIC_RELEASE);
	__atomic_store_n(&chan.stopping, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&chan.lock);
	mp_wake_ipc_thread();
	pthread_join(chan.thread, NULL);
	if (!chan.primary)
		say(MP_BYE, chan.primary_path);
	mp_requests_close();
	mp_actions_clear();
	pthread_mutex_lock(&chan.lock);
	close(chan.sock);
	chan.sock = -1;
	unlink(chan.path);
	/* Secondaries killed before they said goodbye left their sockets;
	 * the primary takes them along, or the directory could not go. */
	if (chan.primary)
		scan_secondaries_locked();
	free(chan.peers);
	chan.peers = NULL;
	chan.n_peers = chan.cap_peers = 0;
	pthread_mutex_unlock(&chan.lock);
}

/* Send msg to every peer; returns 0 or the last failure as -errno. */
static int
send_to_peers(const struct rte_mp_msg *msg)
{
	char (*paths)[MP_PATH_LEN];
	int i, n, ret, failure = 0;

	n = mp_peers_snapshot(&paths);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		ret = mp_wire_send(chan.sock, paths[i], MP_MSG, 0, msg,
				MP_SEND_PATIENCE_MS);
		if (ret == -ECONNREFUSED || ret == -ENOENT) {
			mp_peer_gone(paths[i]);
			if (!mp_is_primary())
				failure = -ECONNREFUSED;
		} else if (ret < 0) {
			RTE_LOG(WARNING, EAL, "IPC: cannot send '%s' to %s: %s\n",
				msg->name, paths[i], strerror(-ret));
			failure = ret;
		}
	}
	free(paths);
	return failure;
}

int
rte_mp_sendmsg(struct rte_mp_msg *msg)
{
	int ret = mp_check_msg(msg);

	if (ret == 0 && !mp_running())
		ret = -ENOTSUP;
	if (ret == 0)
		ret = send_to_peers(msg);
	if (ret == 0)
		return 0;
	rte_errno = -ret;
	return -1;
}

/* Is any secondary still alive? Forgets the dead ones on the way. */
static bool
has_live_secondaries(void)
{
	char (*paths)[MP_PATH_LEN];
	bool live = false;
	int i, n;

	n = mp_peers_snapshot(&paths);
	if (n < 0)
		return true;
	for (i = 0; i < n; i++) {
		if (mp_peer_alive(paths[i]))
			live = true;
		else
			mp_peer_gone(paths[i]);
	}
	free(paths);
	return live;
}

bool
rte_mp_disable(void)
{
	if (mp_in_ipc_thread())
		return false;
	if (mp_running() && (!chan.primary || has_live_secondaries()))
		return false;
	__atomic_store_n(&chan.disabled, true, __ATOMIC_RELEASE);
	mp_channel_close();
	return true;
}
