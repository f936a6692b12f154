/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Memory event callbacks and allocation validators: process-local lists.
 * Callbacks fire with the memory layer's locks held, in registration order;
 * a validator is asked only when growth would pass its limit.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>
#include <bsd/sys/queue.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "runtime/mem/mem_internal.h"

struct callback {
	TAILQ_ENTRY(callback) next;
	char name[RTE_MEM_EVENT_CALLBACK_NAME_LEN];
	rte_mem_event_callback_t clb;
	void *arg;
};

struct validator {
	TAILQ_ENTRY(validator) next;
	char name[RTE_MEM_ALLOC_VALIDATOR_NAME_LEN];
	rte_mem_alloc_validator_t clb;
	int socket;
	size_t limit;
};

static TAILQ_HEAD(, callback) callbacks = TAILQ_HEAD_INITIALIZER(callbacks);
static TAILQ_HEAD(, validator) validators = TAILQ_HEAD_INITIALIZER(validators);
/* Recursive: a callback may register or unregister callbacks. */
static pthread_mutex_t event_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static int
check_name(const char *name, size_t max)
{
	if (name == NULL)
		return -EINVAL;
	return strnlen(name, max) == max ? -ENAMETOOLONG : 0;
}

static bool
legacy(void)
{
	struct eal_memcfg *cfg = mem_cfg();

	return cfg != NULL && (cfg->mem_flags & EAL_MEMF_LEGACY);
}

static struct callback *
find_callback(const char *name, void *arg)
{
	struct callback *c;

	TAILQ_FOREACH(c, &callbacks, next) {
		if (strcmp(c->name, name) == 0 && c->arg == arg)
			return c;
	}
	return NULL;
}

static int
add_callback(const char *name, rte_mem_event_callback_t clb, void *arg)
{
	struct callback *c;
	int ret = 0;

	pthread_mutex_lock(&event_lock);
	if (find_callback(name, arg) != NULL)
		ret = -EEXIST;
	else if ((c = calloc(1, sizeof(*c))) == NULL)
		ret = -ENOMEM;
	if (ret == 0) {
		strlcpy(c->name, name, sizeof(c->name));
		c->clb = clb;
		c->arg = arg;
		TAILQ_INSERT_TAIL(&callbacks, c, next);
	}
	pthread_mutex_unlock(&event_lock);
	return ret;
}

int
rte_mem_event_callback_register(const char *name,
		rte_mem_event_callback_t clb, void *arg)
{
	int ret = check_name(name, RTE_MEM_EVENT_CALLBACK_NAME_LEN);

	if (ret == 0 && clb == NULL)
		ret = -EINVAL;
	if (ret == 0 && legacy())
		ret = -ENOTSUP;
	if (ret == 0)
		ret = add_callback(name, clb, arg);
	if (ret == 0)
		return 0;
	rte_errno = -ret;
	return -1;
}

int
rte_mem_event_callback_unregister(const char *name, void *arg)
{
	struct callback *c = NULL;
	int ret = check_name(name, RTE_MEM_EVENT_CALLBACK_NAME_LEN);

	if (ret == 0 && legacy())
		ret = -ENOTSUP;
	if (ret == 0) {
		pthread_mutex_lock(&event_lock);
		c = find_callback(name, arg);
		if (c != NULL)
			TAILQ_REMOVE(&callbacks, c, next);
		pthread_mutex_unlock(&event_lock);
		ret = c != NULL ? 0 : -ENOENT;
	}
	free(c);
	if (ret == 0)
		return 0;
	rte_errno = -ret;
	return -1;
}

void
mem_events_fire(enum rte_mem_event ev, const void *addr, size_t len)
{
	struct callback *c;

	pthread_mutex_lock(&event_lock);
	TAILQ_FOREACH(c, &callbacks, next)
		c->clb(ev, addr, len, c->arg);
	pthread_mutex_unlock(&event_lock);
}

static struct validator *
find_validator(const char *name, int socket)
{
	struct validator *v;

	TAILQ_FOREACH(v, &validators, next) {
		if (strcmp(v->name, name) == 0 && v->socket == socket)
			return v;
	}
	return NULL;
}

static int
add_validator(const char *name, rte_mem_alloc_validator_t clb, int socket,
		size_t limit)
{
	struct validator *v;
	int ret = 0;

	pthread_mutex_lock(&event_lock);
	if (find_validator(name, socket) != NULL)
		ret = -EEXIST;
	else if ((v = calloc(1, sizeof(*v))) == NULL)
		ret = -ENOMEM;
	if (ret == 0) {
		strlcpy(v->name, name, sizeof(v->name));
		v->clb = clb;
		v->socket = socket;
		v->limit = limit;
		TAILQ_INSERT_TAIL(&validators, v, next);
	}
	pthread_mutex_unlock(&event_lock);
	return ret;
}

int
rte_mem_alloc_validator_register(const char *name,
		rte_mem_alloc_validator_t clb, int socket_id, size_t limit)
{
	int ret = check_name(name, RTE_MEM_ALLOC_VALIDATOR_NAME_LEN);

	if (ret == 0 && (clb == NULL || socket_id < 0))
		ret = -EINVAL;
	if (ret == 0 && legacy())
		ret = -ENOTSUP;
	if (ret == 0)
		ret = add_validator(name, clb, socket_id, limit);
	if (ret == 0)
		return 0;
	rte_errno = -ret;
	return -1;
}

int
rte_mem_alloc_validator_unregister(const char *name, int socket_id)
{
	struct validator *v = NULL;
	int ret = check_name(name, RTE_MEM_ALLOC_VALIDATOR_NAME_LEN);

	if (ret == 0 && socket_id < 0)
		ret = -EINVAL;
	if (ret == 0 && legacy())
		ret = -ENOTSUP;
	if (ret == 0) {
		pthread_mutex_lock(&event_lock);
		v = find_validator(name, socket_id);
		if (v != NULL)
			TAILQ_REMOVE(&validators, v, next);
		pthread_mutex_unlock(&event_lock);
		ret = v != NULL ? 0 : -ENOENT;
	}
	free(v);
	if (ret == 0)
		return 0;
	rte_errno = -ret;
	return -1;
}

/* Bytes of memory in use on socket, over every list of the group. */
static size_t
socket_usage(int socket)
{
	struct eal_memcfg *cfg = mem_cfg();
	size_t total = 0;
	int i;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		struct rte_memseg_list *msl = &cfg->memsegs[i];

		if (msl->base_va != NULL && !msl->external &&
				msl->socket_id == socket)
			total += (size_t)msl->memseg_arr.count * msl->page_sz;
	}
	return total;
}

int
mem_validators_check(int socket, size_t len)
{
	size_t want = socket_usage(socket) + len;
	struct validator *v;
	int ret = 0;

	pthread_mutex_lock(&event_lock);
	TAILQ_FOREACH(v, &validators, next) {
		if (v->socket != socket || want <= v->limit)
			continue;
		if (v->clb(socket, v->limit, want) < 0) {
			RTE_LOG(DEBUG, EAL, "validator '%s' refused %zu bytes on socket %d\n",
				v->name, want, socket);
			ret = -EPERM;
			break;
		}
	}
	pthread_mutex_unlock(&event_lock);
	return ret;
}

void
mem_events_clear(void)
{
	struct callback *c;
	struct validator *v;

	pthread_mutex_lock(&event_lock);
	while ((c = TAILQ_FIRST(&callbacks)) != NULL) {
		TAILQ_REMOVE(&callbacks, c, next);
		free(c);
	}
	while ((v = TAILQ_FIRST(&validators)) != NULL) {
		TAILQ_REMOVE(&validators, v, next);
		free(v);
	}
	pthread_mutex_unlock(&event_lock);
}
