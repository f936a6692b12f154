/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The registry of actions: name -> function, process-local. The IPC thread
 * looks an action up under the lock and calls it after releasing it, so an
 * action may register or unregister actions itself.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>
#include <bsd/sys/queue.h>

#include <rte_errno.h>

#include "ipc/mp_internal.h"

struct action {
	TAILQ_ENTRY(action) next;
	char name[RTE_MP_MAX_NAME_LEN];
	rte_mp_t fn;
};

static TAILQ_HEAD(, action) actions = TAILQ_HEAD_INITIALIZER(actions);
static pthread_mutex_t actions_lock = PTHREAD_MUTEX_INITIALIZER;

/* pre: actions_lock held. */
static struct action *
find_locked(const char *name)
{
	struct action *a;

	TAILQ_FOREACH(a, &actions, next) {
		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

rte_mp_t
mp_action_find(const char *name)
{
	struct action *a;
	rte_mp_t fn;

	pthread_mutex_lock(&actions_lock);
	a = find_locked(name);
	fn = a != NULL ? a->fn : NULL;
	pthread_mutex_unlock(&actions_lock);
	return fn;
}

void
mp_actions_clear(void)
{
	struct action *a;

	pthread_mutex_lock(&actions_lock);
	while ((a = TAILQ_FIRST(&actions)) != NULL) {
		TAILQ_REMOVE(&actions, a, next);
		free(a);
	}
	pthread_mutex_unlock(&actions_lock);
}

static int
add_action(const char *name, rte_mp_t fn)
{
	struct action *a = calloc(1, sizeof(*a));
	int ret = 0;

	if (a == NULL)
		return -ENOMEM;
	strlcpy(a->name, name, sizeof(a->name));
	a->fn = fn;
	pthread_mutex_lock(&actions_lock);
	if (find_locked(name) != NULL)
		ret = -EEXIST;
	else
		TAILQ_INSERT_TAIL(&actions, a, next);
	pthread_mutex_unlock(&actions_lock);
	if (ret < 0)
		free(a);
	return ret;
}

int
rte_mp_action_register(const char *name, rte_mp_t action)
{
	int ret = mp_check_name(name);

	if (ret == 0 && action == NULL)
		ret = -EINVAL;
	if (ret == 0 && mp_disabled())
		ret = -ENOTSUP;
	if (ret == 0)
		ret = add_action(name, action);
	if (ret == 0)
		return 0;
	rte_errno = -ret;
	return -1;
}

void
rte_mp_action_unregister(const char *name)
{
	struct action *a;

	if (mp_check_name(name) < 0)
		return;
	pthread_mutex_lock(&actions_lock);
	a = find_locked(name);
	if (a != NULL)
		TAILQ_REMOVE(&actions, a, next);
	pthread_mutex_unlock(&actions_lock);
	free(a);
}
