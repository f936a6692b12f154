/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * How the runtime (and the tests) start and stop this process's IPC
 * channel. The channel knows nothing of memory: it is a socket directory,
 * a group name and a role.
 */

#ifndef MEMPLANE_MP_PRIVATE_H
#define MEMPLANE_MP_PRIVATE_H

enum mp_role {
	MP_ROLE_PRIMARY,
	MP_ROLE_SECONDARY,
};

/*
 * Bind this process's socket in dir and start its IPC thread. The primary's
 * socket is <dir>/<group>; a secondary's is <dir>/<group>.s<pid>_<n>, and a
 * secondary's open returns once the primary (if one runs) has added it to
 * its peers (waiting at most 1 s for a primary that does not answer).
 * Returns 0, or -errno:
 *   -EALREADY      the channel is open already;
 *   -ENOTSUP       IPC was disabled with rte_mp_disable();
 *   -EINVAL        group is empty, too long or holds a '/' or '.';
 *   -ENAMETOOLONG  dir leaves no room for a socket path;
 *   -EEXIST        (primary) a live primary already serves this group;
 *   or a socket or thread error.
 */
int mp_channel_open(const char *dir, const char *group, enum mp_role role);

/*
 * Stop the IPC thread, close and remove this process's sockets, forget the
 * registered actions and drop pending asynchronous requests (their
 * callbacks do not run). Safe to call when the channel is not open.
 * pre: not called from an action or async callback.
 */
void mp_channel_close(void);

#endif /* MEMPLANE_MP_PRIVATE_H */
