/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The runtime directory: where a group keeps its config, page tables and
 * sockets. One per --file-prefix, mode 0700 so that no other user can
 * attach to the group or talk to it. A new primary removes the page
 * tables of a dead group that no live process still holds.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>

#include "runtime/eal/eal_private.h"

static const char *
base_dir(char *buf, size_t size)
{
	const char *env = getenv("RUNTIME_DIRECTORY");

	if (env != NULL && env[0] != '\0')
		return env;
	if (geteuid() == 0)
		return "/var/run/memplane";
	env = getenv("XDG_RUNTIME_DIR");
	snprintf(buf, size, "%s/memplane", env != NULL && env[0] != '\0' ?
			env : "/tmp");
	return buf;
}

int
eal_rundir_path(const char *prefix, char *buf, size_t size)
{
	char tmp[PATH_MAX];

	if ((size_t)snprintf(buf, size, "%s/%s", base_dir(tmp, sizeof(tmp)),
			prefix) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* mkdir -p, each new level 0700. */
static int
make_dirs(char *path)
{
	char *slash;

	for (slash = strchr(path + 1, '/'); slash != NULL;
			slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*slash = '/';
			return -errno;
		}
		*slash = '/';
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

int
eal_rundir_create(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;
	int ret;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	ret = make_dirs(buf);
	if (ret < 0)
		return ret;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* An existing directory may have been made with a looser mode. */
	return chmod(path, 0700) < 0 ? -errno : 0;
}

void
eal_rundir_clear(const char *path)
{
	char file[PATH_MAX];
	struct dirent *ent;
	DIR *d = opendir(path);

	while (d != NULL && (ent = readdir(d)) != NULL) {
		if (ent->d_name[0] != '.' &&
				snprintf(file, sizeof(file), "%s/%s", path,
					ent->d_name) < (int)sizeof(file))
			unlink(file);
	}
	if (d != NULL)
		closedir(d);
}

void
eal_rundir_remove(const char *path)
{
	rmdir(path);
}

/* Is anyone holding a lock on the file at path? */
static bool
file_in_use(const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	bool used;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	used = fcntl(fd, F_OFD_GETLK, &fl) < 0 || fl.l_type != F_UNLCK;
	close(fd);
	return used;
}

void
eal_rundir_sweep(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *ent;
	int n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((ent = readdir(d)) != NULL) {
		if (strncmp(ent->d_name, "fbarray_", 8) != 0 ||
				snprintf(path, sizeof(path), "%s/%s", dir,
					ent->d_name) >= (int)sizeof(path))
			continue;
		if (!file_in_use(path))
			n += unlink(path) == 0;
	}
	closedir(d);
	if (n > 0)
		RTE_LOG(NOTICE, EAL, "removed %d page tables a previous group left in %s\n",
			n, dir);
}
