/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Shared between the files of ipc/ only.
 *
 *   mp_wire.c     one datagram: layout, checks, send and receive with fds
 *   mp_channel.c  the socket, the IPC thread, the peer list, dispatch
 *   mp_action.c   the registry of actions
 *   mp_request.c  sync and async requests, replies
 *
 * Every datagram is one struct mp_wire, whatever its type; descriptors
 * travel beside it as SCM_RIGHTS. A reply carries the id of its request.
 */

#ifndef MEMPLANE_MP_INTERNAL_H
#define MEMPLANE_MP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include <rte_eal.h>

#define MP_WIRE_MAGIC 0x3157504dU /* "MPW1" */
#define MP_PATH_LEN sizeof(((struct sockaddr_un *)0)->sun_path)
/* A peer as actions see it: "<socket path>#<request id in hex>". */
#define MP_PEER_LEN (MP_PATH_LEN + 24)
/* How long a send waits for a full peer queue before giving up on it. */
#define MP_SEND_PATIENCE_MS 100
/* Internal messages between channels; not visible to actions. */
#define MP_HELLO "mp:hello"
#define MP_BYE "mp:bye"
#define MP_WAKE "mp:wake"

enum mp_type {
	MP_MSG = 1, /* one-way message */
	MP_REQ,     /* request: expects MP_REP or MP_IGN with its id */
	MP_REP,     /* reply from an action */
	MP_IGN,     /* no action for that request at the receiver */
};

struct mp_wire {
	uint32_t magic;
	uint32_t type;
	uint64_t id;
	struct rte_mp_msg msg; /* msg.fds is not used on the wire */
};

/* mp_wire.c */

/* 0, or -EINVAL / -E2BIG as rte_mp_sendmsg() documents. */
int mp_check_msg(const struct rte_mp_msg *msg);
int mp_check_name(const char *name);

/*
 * Send one datagram to the socket at dst, with msg's descriptors.
 * Returns 0, or -errno: -ECONNREFUSED/-ENOENT when nobody is there,
 * -EAGAIN when its queue stayed full for patience_ms.
 */
int mp_wire_send(int sock, const char *dst, enum mp_type type, uint64_t id,
		const struct rte_mp_msg *msg, int patience_ms);

/*
 * Receive one datagram into w, and the sender's path into src
 * (MP_PATH_LEN bytes); with wait, block up to the socket's receive
 * timeout. Returns 0 for a well-formed datagram (its descriptors, now the
 * caller's, in w->msg.fds), -EAGAIN when there is none (or a signal came),
 * -EBADMSG when one was dropped (logged, descriptors closed).
 */
int mp_wire_recv(int sock, struct mp_wire *w, char *src, bool wait);

/* How long a waiting receive may block: ms > 0, or 0 for ever. 0 or -errno. */
int mp_set_recv_timeout(int sock, int ms);

void mp_close_fds(const struct rte_mp_msg *msg);

/* Format and parse the peer string given to actions. parse: 0 or -EINVAL. */
void mp_peer_format(char *peer, const char *path, uint64_t id);
int mp_peer_parse(const char *peer, char *path, uint64_t *id);

/* mp_channel.c */

bool mp_running(void);
bool mp_is_primary(void);
bool mp_disabled(void);
bool mp_in_ipc_thread(void);
int mp_main_socket(void);
const char *mp_socket_dir(void);
const char *mp_group(void);

/*
 * The sockets a message from this process goes to: every live secondary
 * for a primary, the primary for a secondary. *paths is malloc'ed (free
 * it); returns how many, or -ENOMEM.
 */
int mp_peers_snapshot(char (**paths)[MP_PATH_LEN]);

/* A peer was found gone: forget it (and remove its socket file). */
void mp_peer_gone(const char *path);

/* Is anyone reading the socket at path? 1 yes, 0 no, -errno unknown. */
int mp_peer_probe(const char *path);
/* As mp_peer_probe(), with "unknown" taken as alive. */
bool mp_peer_alive(const char *path);

/* Make the IPC thread recompute its timeout. */
void mp_wake_ipc_thread(void);

/* mp_action.c */

rte_mp_t mp_action_find(const char *name);
void mp_actions_clear(void);

/* mp_request.c */

/* An MP_REP or MP_IGN arrived on the main socket. */
void mp_async_on_reply(struct mp_wire *w);
/* Milliseconds until the next async deadline, -1 when none. */
int mp_async_timeout_ms(void);
/* Run the callbacks of async requests that are complete or expired. */
void mp_async_run_due(void);
/* Drop all async requests and close every reply socket. */
void mp_requests_close(void);

#endif /* MEMPLANE_MP_INTERNAL_H */
