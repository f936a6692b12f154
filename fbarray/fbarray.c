/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Life of an fbarray: create, attach, detach, destroy, and the element and
 * bit accessors. The layout of the shared mapping is in fbarray_layout.h,
 * the searches in fbarray_find.c.
 *
 * Ownership across processes rests on open-file-description locks on the
 * array's file (they convert atomically, unlike flock, and belong to the
 * descriptor, unlike classic fcntl locks):
 *   - init takes an exclusive lock, so it fails with EEXIST while anyone
 *     maps the array, formats the file, then turns it into a shared lock;
 *   - attach holds a shared lock for as long as it maps the array;
 *   - destroy turns its shared lock into an exclusive one, which fails
 *     with EBUSY while any other process is attached.
 * A process that dies drops its lock with its descriptors, so a stale file
 * is simply reused by the next init.
 *
 * Each process also keeps a list of the arrays it maps, which is how
 * detach/destroy recognise their argument and attach refuses to map over
 * an array it already has.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bsd/string.h>
#include <bsd/sys/queue.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "common/os_prim.h"
#include "fbarray/fbarray_layout.h"
#include "fbarray/fbarray_private.h"

/* No array may map more than this; larger requests are surely mistakes. */
#define FBA_MAX_MAP (1ULL << 46)

struct fba_area {
	TAILQ_ENTRY(fba_area) next;
	void *addr;
	size_t len;
	int fd;            /* -1 for process-local arrays */
	char *path;        /* NULL for process-local arrays */
};

static TAILQ_HEAD(, fba_area) areas = TAILQ_HEAD_INITIALIZER(areas);
static pthread_mutex_t areas_lock = PTHREAD_MUTEX_INITIALIZER;
static char fba_dir[PATH_MAX];
/* Address space the runtime keeps reserved for arrays made at run time
 * (fbarray_set_window): an array maps over it and leaves it reserved. */
static uintptr_t win_start, win_end;

int
fbarray_set_dir(const char *dir)
{
	if (dir == NULL) {
		fba_dir[0] = '\0';
		return 0;
	}
	/* Leave room for "/fbarray_" and the longest name. */
	if (strlen(dir) + 9 + RTE_FBARRAY_NAME_LEN >= sizeof(fba_dir))
		return -ENAMETOOLONG;
	strlcpy(fba_dir, dir, sizeof(fba_dir));
	return 0;
}

const char *
fbarray_get_dir(void)
{
	return fba_dir[0] != '\0' ? fba_dir : NULL;
}

static size_t
page_size(void)
{
	static size_t size;

	if (size == 0)
		size = (size_t)sysconf(_SC_PAGESIZE);
	return size;
}

int
fba_layout_calc(unsigned int len, unsigned int elt_sz, struct fba_layout *l)
{
	size_t data_sz = (size_t)len * elt_sz;
	size_t end;

	l->n_words = (len + 63) / 64;
	l->n_groups = (l->n_words + FBA_GROUP_WORDS - 1) / FBA_GROUP_WORDS;
	l->hdr_off = RTE_ALIGN_CEIL(data_sz, RTE_CACHE_LINE_SIZE);
	l->words_off = l->hdr_off +
		RTE_ALIGN_CEIL(sizeof(struct fba_hdr), RTE_CACHE_LINE_SIZE);
	l->wsum_off = l->words_off + (size_t)l->n_words * sizeof(uint64_t);
	l->gsum_off = RTE_ALIGN_CEIL(l->wsum_off + (size_t)l->n_words *
			sizeof(struct fba_word_sum), sizeof(uint64_t));
	end = l->gsum_off + (size_t)l->n_groups * sizeof(struct fba_group_sum);
	l->map_len = RTE_ALIGN_CEIL(end, page_size());
	return data_sz > FBA_MAX_MAP ? -EINVAL : 0;
}

void
fba_view_of(const struct rte_fbarray *arr, struct fba_view *v)
{
	struct fba_layout l;

	fba_layout_calc(arr->len, arr->elt_sz, &l);
	v->hdr = RTE_PTR_ADD(arr->data, l.hdr_off);
	v->words = RTE_PTR_ADD(arr->data, l.words_off);
	v->wsum = RTE_PTR_ADD(arr->data, l.wsum_off);
	v->gsum = RTE_PTR_ADD(arr->data, l.gsum_off);
	v->len = arr->len;
	v->n_words = l.n_words;
	v->n_groups = l.n_groups;
}

const uint64_t *
fbarray_used_words(const struct rte_fbarray *arr)
{
	struct fba_view v;

	fba_view_of(arr, &v);
	return v.words;
}

void
fba_lock(const struct fba_view *v)
{
	if (pthread_mutex_lock(&v->hdr->lock) != EOWNERDEAD)
		return;
	RTE_LOG(WARNING, EAL,
		"fbarray: a process died holding an array's lock; rebuilding the array's count and summaries\n");
	fba_repair_locked(v);
	pthread_mutex_consistent(&v->hdr->lock);
}

void
fba_unlock(const struct fba_view *v)
{
	pthread_mutex_unlock(&v->hdr->lock);
}

/* Returns 0, or -EINVAL / -ENAMETOOLONG as the API documents. */
static int
check_fields(const char *name, unsigned int len, unsigned int elt_sz)
{
	if (name == NULL || len == 0 || elt_sz == 0 || len > INT_MAX)
		return -EINVAL;
	if (strnlen(name, RTE_FBARRAY_NAME_LEN) == RTE_FBARRAY_NAME_LEN)
		return -ENAMETOOLONG;
	return strchr(name, '/') != NULL ? -EINVAL : 0;
}

static int
lock_file(int fd, short type, int cmd)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	while (os_prim.lock(fd, cmd, &fl) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static char *
array_path(const char *name)
{
	char *path;

	if (asprintf(&path, "%s/fbarray_%s", fba_dir, name) < 0)
		return NULL;
	return path;
}

/* Open path, creating it if needed; *created says whether this call did. */
static int
open_or_create(const char *path, bool *created)
{
	int fd;

	for (;;) {
		fd = os_prim.open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		*created = fd >= 0;
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
		fd = os_prim.open(path, O_RDWR, 0);
		if (fd >= 0 || errno != ENOENT)
			return fd >= 0 ? fd : -errno;
		/* Removed between the two opens: try again. */
	}
}

/* A zeroed file of len bytes at path, exclusively locked. */
static int
create_file(const char *path, size_t len)
{
	bool created;
	int fd, ret;

	fd = open_or_create(path, &created);
	if (fd < 0)
		return fd;
	ret = lock_file(fd, F_WRLCK, F_OFD_SETLK);
	if (ret == -EAGAIN || ret == -EACCES)
		ret = -EEXIST;
	if (ret < 0)
		goto out_close;
	/* Truncating to 0 first zeroes whatever a dead owner left behind. */
	if (os_prim.ftruncate(fd, 0) < 0 || os_prim.ftruncate(fd, len) < 0) {
		ret = -errno;
		goto out_unlink;
	}
	return fd;
out_close:
	/* A file this call made and could not lock is nobody's. */
	if (!created || ret == -EEXIST)
		goto out_keep_file;
out_unlink:
	os_prim.unlink(path);
out_keep_file:
	os_prim.close(fd);
	return ret;
}

static int
init_lock(pthread_mutex_t *lock)
{
	pthread_mutexattr_t attr;
	int ret;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	ret = pthread_mutex_init(lock, &attr);
	pthread_mutexattr_destroy(&attr);
	return -ret;
}

/* Set up the header and summaries of a zeroed mapping: all free. */
static int
format(struct rte_fbarray *arr)
{
	struct fba_view v;
	unsigned int k;

	fba_view_of(arr, &v);
	v.hdr->len = arr->len;
	v.hdr->elt_sz = arr->elt_sz;
	v.hdr->count = 0;
	for (k = 0; k < v.n_words; k++)
		fba_word_changed_locked(&v, k);
	v.hdr->magic = FBA_MAGIC;
	return init_lock(&v.hdr->lock);
}

void
fbarray_set_window(void *addr, size_t len)
{
	pthread_mutex_lock(&areas_lock);
	win_start = (uintptr_t)addr;
	win_end = win_start + len;
	pthread_mutex_unlock(&areas_lock);
}

static bool
in_window(const void *addr, size_t len)
{
	return (uintptr_t)addr >= win_start &&
		(uintptr_t)addr + len <= win_end && win_end != 0;
}

/* Inside the window an array replaces the reservation; elsewhere it must
 * find the address free. */
static int
fixed_flag(const void *addr, size_t len)
{
	return in_window(addr, len) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
}

/* Map a new array at addr (anywhere when NULL): backed by a fresh file, or
 * anonymous without a dir.
 */
static int
map_new(struct fba_area *a, size_t len, void *addr)
{
	int flags = a->path != NULL ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS;
	int ret;

	if (addr != NULL)
		flags |= fixed_flag(addr, len);

	if (a->path != NULL) {
		a->fd = create_file(a->path, len);
		if (a->fd < 0)
			return a->fd;
	}
	a->addr = os_prim.mmap(addr, len, PROT_READ | PROT_WRITE, flags,
			a->fd, 0);
	if (a->addr != MAP_FAILED && addr != NULL && a->addr != addr) {
		os_prim.munmap(a->addr, len);
		a->addr = MAP_FAILED;
		errno = EEXIST;
	}
	if (a->addr == MAP_FAILED) {
		ret = errno == EEXIST ? -EADDRNOTAVAIL : -errno;
		if (a->path != NULL) {
			os_prim.unlink(a->path);
			os_prim.close(a->fd);
		}
		return ret;
	}
	a->len = len;
	return 0;
}

/* Unmap a's array; inside the window the reservation comes back, so no
 * other mapping of this process can take the place meanwhile. */
static void
unmap_area(struct fba_area *a, bool remove_file)
{
	if (!in_window(a->addr, a->len) ||
			os_prim.mmap(a->addr, a->len, PROT_NONE, MAP_PRIVATE |
				MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
				0) == MAP_FAILED)
		os_prim.munmap(a->addr, a->len);
	if (remove_file && a->path != NULL)
		os_prim.unlink(a->path);
	if (a->fd >= 0)
		os_prim.close(a->fd);
}

static struct fba_area *
new_area(const char *name)
{
	struct fba_area *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->fd = -1;
	if (fba_dir[0] != '\0' && (a->path = array_path(name)) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

static void
free_area(struct fba_area *a)
{
	free(a->path);
	free(a);
}

static int
init_area(struct rte_fbarray *arr, struct fba_area *a, const char *name,
		unsigned int len, unsigned int elt_sz, void *addr)
{
	struct fba_layout l;
	int ret;

	ret = fba_layout_calc(len, elt_sz, &l);
	if (ret < 0)
		return ret;
	ret = map_new(a, l.map_len, addr);
	if (ret < 0)
		return ret;
	strlcpy(arr->name, name, sizeof(arr->name));
	arr->len = len;
	arr->elt_sz = elt_sz;
	arr->count = 0;
	arr->data = a->addr;
	ret = format(arr);
	if (ret == 0 && a->fd >= 0)
		ret = lock_file(a->fd, F_RDLCK, F_OFD_SETLK);
	if (ret < 0) {
		unmap_area(a, true);
		arr->data = NULL;
	}
	return ret;
}

size_t
fbarray_map_len(unsigned int len, unsigned int elt_sz)
{
	struct fba_layout l;

	if (len == 0 || elt_sz == 0 || len > INT_MAX ||
			fba_layout_calc(len, elt_sz, &l) < 0)
		return 0;
	return l.map_len;
}

int
rte_fbarray_init(struct rte_fbarray *arr, const char *name, unsigned int len,
		unsigned int elt_sz)
{
	return fbarray_init_at(arr, name, len, elt_sz, NULL);
}

int
fbarray_init_at(struct rte_fbarray *arr, const char *name, unsigned int len,
		unsigned int elt_sz, void *addr)
{
	struct fba_area *a;
	int ret;

	ret = arr == NULL ? -EINVAL : check_fields(name, len, elt_sz);
	if (ret < 0)
		goto out;
	a = new_area(name);
	if (a == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&areas_lock);
	ret = init_area(arr, a, name, len, elt_sz, addr);
	if (ret == 0)
		TAILQ_INSERT_TAIL(&areas, a, next);
	pthread_mutex_unlock(&areas_lock);
	if (ret == 0)
		return 0;
	free_area(a);
out:
	RTE_LOG(DEBUG, EAL, "fbarray: cannot create '%s': %s\n",
		name != NULL ? name : "(null)", strerror(-ret));
	rte_errno = -ret;
	return -1;
}

/* The area this process maps at addr, or NULL. pre: areas_lock held. */
static struct fba_area *
find_area(const void *addr, size_t len)
{
	struct fba_area *a;

	TAILQ_FOREACH(a, &areas, next) {
		if (a->addr == addr && a->len == len)
			return a;
	}
	return NULL;
}

static bool
overlaps_area(const void *addr, size_t len)
{
	uintptr_t start = (uintptr_t)addr, end = start + len;
	struct fba_area *a;

	TAILQ_FOREACH(a, &areas, next) {
		uintptr_t a_start = (uintptr_t)a->addr;

		if (start < a_start + a->len && a_start < end)
			return true;
	}
	return false;
}

/* The mapping must be the array the caller describes, not a stranger. */
static int
check_header(const struct rte_fbarray *arr)
{
	struct fba_view v;

	fba_view_of(arr, &v);
	if (v.hdr->magic != FBA_MAGIC || v.hdr->len != arr->len ||
			v.hdr->elt_sz != arr->elt_sz)
		return -EINVAL;
	return 0;
}

/* Open, lock and check the file of an existing array. */
static int
open_existing(const char *path, size_t len)
{
	struct stat st;
	int fd, ret;

	fd = os_prim.open(path, O_RDWR, 0);
	if (fd < 0)
		return -errno;
	/* Waits only while a creator formats or a destroyer unlinks. */
	ret = lock_file(fd, F_RDLCK, F_OFD_SETLKW);
	if (ret == 0 && os_prim.fstat(fd, &st) < 0)
		ret = -errno;
	if (ret == 0 && st.st_nlink == 0)
		ret = -ENOENT;
	else if (ret == 0 && (size_t)st.st_size != len)
		ret = -EINVAL;
	if (ret < 0) {
		os_prim.close(fd);
		return ret;
	}
	return fd;
}

static int
map_existing(struct rte_fbarray *arr, struct fba_area *a, size_t len)
{
	void *addr;
	int ret;

	a->fd = open_existing(a->path, len);
	if (a->fd < 0)
		return a->fd;
	addr = os_prim.mmap(arr->data, len, PROT_READ | PROT_WRITE,
			MAP_SHARED | fixed_flag(arr->data, len), a->fd, 0);
	if (addr == MAP_FAILED || addr != arr->data) {
		ret = addr == MAP_FAILED && errno != EEXIST ? -errno :
			-EADDRNOTAVAIL;
		if (addr != MAP_FAILED)
			os_prim.munmap(addr, len);
		os_prim.close(a->fd);
		return ret;
	}
	a->addr = addr;
	a->len = len;
	ret = check_header(arr);
	if (ret < 0)
		unmap_area(a, false);
	return ret;
}

static int
attach_area(struct rte_fbarray *arr, struct fba_area *a)
{
	struct fba_layout l;
	int ret;

	ret = fba_layout_calc(arr->len, arr->elt_sz, &l);
	if (ret < 0)
		return ret;
	if (arr->data == NULL ||
			!rte_is_aligned(arr->data, (unsigned int)page_size()))
		return -EINVAL;
	if (overlaps_area(arr->data, l.map_len))
		return -EEXIST;
	return map_existing(arr, a, l.map_len);
}

int
rte_fbarray_attach(struct rte_fbarray *arr)
{
	struct fba_area *a;
	int ret;

	ret = arr == NULL ? -EINVAL :
		check_fields(arr->name, arr->len, arr->elt_sz);
	if (ret == 0 && fba_dir[0] == '\0')
		ret = -ENOTSUP;
	if (ret < 0)
		goto out;
	a = new_area(arr->name);
	if (a == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&areas_lock);
	ret = attach_area(arr, a);
	if (ret == 0)
		TAILQ_INSERT_TAIL(&areas, a, next);
	pthread_mutex_unlock(&areas_lock);
	if (ret == 0)
		return 0;
	free_area(a);
out:
	if (ret == -EADDRNOTAVAIL)
		RTE_LOG(ERR, EAL,
			"fbarray: cannot attach '%s': address %p is already in use in this process\n",
			arr->name, arr->data);
	rte_errno = -ret;
	return -1;
}

/* Take arr's area off this process's list: 0, or -EINVAL / -ENOENT when
 * arr is NULL or this process does not map it.
 */
static int
take_area(const struct rte_fbarray *arr, struct fba_area **out)
{
	struct fba_layout l;

	if (arr == NULL)
		return -EINVAL;
	fba_layout_calc(arr->len, arr->elt_sz, &l);
	pthread_mutex_lock(&areas_lock);
	*out = find_area(arr->data, l.map_len);
	if (*out != NULL)
		TAILQ_REMOVE(&areas, *out, next);
	pthread_mutex_unlock(&areas_lock);
	return *out != NULL ? 0 : -ENOENT;
}

int
rte_fbarray_detach(struct rte_fbarray *arr)
{
	struct fba_area *a;
	int ret;

	ret = take_area(arr, &a);
	if (ret < 0) {
		rte_errno = -ret;
		return -1;
	}
	unmap_area(a, false);
	free_area(a);
	return 0;
}

/* Become the only user of the file, or put the area back. */
static int
claim_for_destroy(const struct rte_fbarray *arr, struct fba_area *a)
{
	int ret;

	if (a->fd < 0)
		return 0;
	ret = lock_file(a->fd, F_WRLCK, F_OFD_SETLK);
	if (ret == 0)
		return 0;
	RTE_LOG(DEBUG, EAL,
		"fbarray: cannot destroy '%s': another process has it attached\n",
		arr->name);
	pthread_mutex_lock(&areas_lock);
	TAILQ_INSERT_TAIL(&areas, a, next);
	pthread_mutex_unlock(&areas_lock);
	return ret == -EAGAIN || ret == -EACCES ? -EBUSY : ret;
}

/* Set this process's lock on arr's file to type. */
static int
relock(const struct rte_fbarray *arr, short type)
{
	struct fba_layout l;
	struct fba_area *a;
	int ret;

	if (arr == NULL)
		return -EINVAL;
	fba_layout_calc(arr->len, arr->elt_sz, &l);
	pthread_mutex_lock(&areas_lock);
	a = find_area(arr->data, l.map_len);
	ret = a == NULL ? -ENOENT : a->fd < 0 ? 0 :
		lock_file(a->fd, type, F_OFD_SETLK);
	pthread_mutex_unlock(&areas_lock);
	return ret == -EAGAIN || ret == -EACCES ? -EBUSY : ret;
}

int
fbarray_claim(const struct rte_fbarray *arr)
{
	return relock(arr, F_WRLCK);
}

void
fbarray_unclaim(const struct rte_fbarray *arr)
{
	relock(arr, F_RDLCK);
}

int
rte_fbarray_destroy(struct rte_fbarray *arr)
{
	struct fba_area *a;
	int ret;

	ret = take_area(arr, &a);
	if (ret == 0)
		ret = claim_for_destroy(arr, a);
	if (ret < 0) {
		rte_errno = -ret;
		return -1;
	}
	unmap_area(a, true);
	free_area(a);
	memset(arr, 0, sizeof(*arr));
	return 0;
}

void *
rte_fbarray_get(const struct rte_fbarray *arr, unsigned int idx)
{
	if (arr == NULL || arr->data == NULL || idx >= arr->len) {
		rte_errno = EINVAL;
		return NULL;
	}
	return RTE_PTR_ADD(arr->data, (size_t)idx * arr->elt_sz);
}

int
rte_fbarray_find_idx(const struct rte_fbarray *arr, const void *elt)
{
	uintptr_t start, end;

	if (arr == NULL || arr->data == NULL || elt == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	start = (uintptr_t)arr->data;
	end = start + (size_t)arr->len * arr->elt_sz;
	if ((uintptr_t)elt < start || (uintptr_t)elt >= end) {
		rte_errno = EINVAL;
		return -1;
	}
	return (int)(((uintptr_t)elt - start) / arr->elt_sz);
}

static int
set_state(struct rte_fbarray *arr, unsigned int idx, int state)
{
	uint64_t bit = 1ULL << (idx % 64);
	struct fba_view v;
	unsigned int k = idx / 64;

	if (arr == NULL || arr->data == NULL || idx >= arr->len) {
		rte_errno = EINVAL;
		return -1;
	}
	fba_view_of(arr, &v);
	fba_lock(&v);
	if (((v.words[k] & bit) != 0) != (state == FBA_USED)) {
		__atomic_store_n(&v.words[k], v.words[k] ^ bit,
				__ATOMIC_RELAXED);
		v.hdr->count += state == FBA_USED ? 1 : -1;
		fba_word_changed_locked(&v, k);
	}
	arr->count = v.hdr->count;
	fba_unlock(&v);
	return 0;
}

int
fbarray_set_all_used(struct rte_fbarray *arr)
{
	struct fba_view v;
	unsigned int k;

	if (arr == NULL || arr->data == NULL)
		return -EINVAL;
	fba_view_of(arr, &v);
	fba_lock(&v);
	for (k = 0; k < v.n_words; k++)
		__atomic_store_n(&v.words[k], ~0ULL, __ATOMIC_RELAXED);
	/* The bits past the end are masked off by every reader. */
	fba_repair_locked(&v);
	arr->count = v.hdr->count;
	fba_unlock(&v);
	return 0;
}

int
rte_fbarray_set_used(struct rte_fbarray *arr, unsigned int idx)
{
	return set_state(arr, idx, FBA_USED);
}

int
rte_fbarray_set_free(struct rte_fbarray *arr, unsigned int idx)
{
	return set_state(arr, idx, FBA_FREE);
}

int
rte_fbarray_is_used(struct rte_fbarray *arr, unsigned int idx)
{
	struct fba_view v;

	if (arr == NULL || arr->data == NULL || idx >= arr->len) {
		rte_errno = EINVAL;
		return -1;
	}
	fba_view_of(arr, &v);
	/* One word read is atomic; no lock needed for a single bit. */
	return (__atomic_load_n(&v.words[idx / 64], __ATOMIC_RELAXED) >>
			(idx % 64)) & 1;
}

void
rte_fbarray_dump_metadata(struct rte_fbarray *arr, FILE *f)
{
	struct fba_view v;
	unsigned int k;

	if (arr == NULL || f == NULL) {
		rte_errno = EINVAL;
		return;
	}
	if (arr->data == NULL ||
			check_fields(arr->name, arr->len, arr->elt_sz) < 0) {
		fprintf(f, "Invalid file-backed array\n");
		return;
	}
	fba_view_of(arr, &v);
	fba_lock(&v);
	fprintf(f, "File-backed array: %s\n", arr->name);
	fprintf(f, "size: %u occupied: %u elt_sz: %u\n", arr->len,
			v.hdr->count, arr->elt_sz);
	for (k = 0; k < v.n_words; k++)
		fprintf(f, "msk idx %u: 0x%016" PRIx64 "\n", k, v.words[k]);
	fba_unlock(&v);
}
