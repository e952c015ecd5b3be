// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl keys: the state directory by hand (state.h).
 *
 *   keys save [DIR]        every cpns key of this node into DIR, as sealed
 *                          blobs: psk:/tk:/master: found from KEYRING, the
 *                          chain:/euk: keys of this network namespace's store
 *   keys load [DIR]        every key file of DIR back into the kernel
 *   keys list [DIR]        what DIR holds: kind, description, state,
 *                          wrapping key; no secret (there is none in it)
 *   keys new-master NAME   a random master:NAME made in the kernel, saved
 *
 * DIR defaults to $CPNS_STATE_DIR or /var/lib/cpns/keys.  Sealing and
 * opening need the wrapping key (module parameter wrap_key, default
 * logon:cpns:wrap) in this process's keyrings.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "client.h"
#include "cpnsctl.h"
#include "role.h"
#include "state.h"
#include "util.h"

static int usage(FILE *f)
{
	fprintf(f,
"Usage: cpnsctl keys save [DIR] [--keyring KEYRING]\n"
"       cpnsctl keys load [DIR] [--keyring KEYRING]\n"
"       cpnsctl keys list [DIR]\n"
"       cpnsctl keys new-master NAME [DIR] [--keyring KEYRING]\n"
"\n"
"The node's cpns keys as sealed blobs in a state directory, one file per key\n"
"(DIR: default $CPNS_STATE_DIR or " STATE_DIR_DEFAULT ", mode 0700).  A blob\n"
"is sealed under the wrapping key the module's parameter wrap_key names\n"
"(default logon:cpns:wrap), which must be in this process's keyrings to\n"
"save and to load; no secret is ever written in clear.\n"
"\n"
"  save        write the blob of every key: psk:, tk:, master: found from\n"
"              KEYRING (default @u), chain: and euk: of this network\n"
"              namespace's store\n"
"  load        restore every key file of DIR: psk:, tk:, master: into\n"
"              KEYRING, chain: and euk: into the store (CAP_SYS_ADMIN); a\n"
"              held key the store has already is kept\n"
"  list        kind, description, state when saved, wrapping key\n"
"  new-master  make master:NAME, 32 random bytes from the kernel, and save it\n"
"\n"
"Once DIR exists, gw, pne and server write the fresh blob after every change\n"
"they cause (a chain imported, a delivery confirmed or accepted, add-gw).\n"
"\n"
"Exit status: 0 done; 1 a key the kernel refused (the first one's errno is\n"
"told for each); 2 usage or a file that is not a key file; 4 permission;\n"
"5 a file or directory error.\n");
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

static int exit_for(int err)
{
	if (err == -EPERM || err == -EACCES)
		return CPNSCTL_EXIT_PERM;
	if (err == -ENOENT || err == -ENOTDIR || err == -EIO || err == -ENOSPC ||
	    err == -EROFS || err == -EFBIG)
		return CPNSCTL_EXIT_IO;
	return CPNSCTL_EXIT_FAIL;
}

static void tell_key_error(const char *op, const char *what, int err,
			   const char *wrap)
{
	if (err == -ENOKEY)
		warn("keys %s: %s: %s: the wrapping key %s is not in this process's keyrings",
		     op, what, strerror(-err), wrap);
	else
		warn("keys %s: %s: %s", op, what, strerror(-err));
}

static int lock_dir(const char *dir)
{
	char lp[4096];
	int fd;

	snprintf(lp, sizeof(lp), "%s/.lock", dir);
	fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static bool is_held(const char *desc)
{
	return !strncmp(desc, "chain:", 6) || !strncmp(desc, "euk:", 4);
}

static int keys_save(const char *dir, int32_t ring)
{
	struct state_key *k = malloc(sizeof(*k));
	char line[512], desc[STATE_DESC_MAX + 2], wrap[256];
	int lock, err, ret = CPNSCTL_EXIT_OK, count = 0;
	FILE *f;

	if (!k)
		return CPNSCTL_EXIT_FAIL;
	state_wrap_key(wrap, sizeof(wrap));
	err = state_dir_prepare(dir);
	if (err) {
		if (err != -EPERM && err != -ENOTDIR)
			warn("keys save: state directory `%s': %s", dir, strerror(-err));
		free(k);
		return err == -EPERM ? CPNSCTL_EXIT_USAGE : CPNSCTL_EXIT_IO;
	}
	lock = lock_dir(dir);
	f = lock < 0 ? NULL : fopen("/proc/keys", "re");
	if (!f) {
		warn("keys save: %s: %s", lock < 0 ? dir : "/proc/keys",
		     strerror(lock < 0 ? -lock : errno));
		if (lock >= 0)
			close(lock);
		free(k);
		return CPNSCTL_EXIT_IO;
	}
	while (fgets(line, sizeof(line), f)) {
		int32_t serial, found;

		if (state_proc_keys_desc(line, &serial, desc, sizeof(desc)))
			continue;
		if (is_held(desc))
			found = state_held_serial(desc);
		else
			found = syscall(SYS_keyctl, KEYCTL_SEARCH, ring,
					CPNS_KEY_TYPE, desc, 0);
		if (found != serial)
			continue;	/* another node's, or not reachable */
		err = state_read_key(serial, k);
		if (!err)
			err = state_write(dir, k);
		if (err) {
			tell_key_error("save", desc, err, wrap);
			if (ret == CPNSCTL_EXIT_OK)
				ret = exit_for(err);
			continue;
		}
		printf("saved %s: %s (sealed under %s)\n", k->desc,
		       k->state[0] ? k->state : "-", k->wrap);
		count++;
	}
	fclose(f);
	close(lock);
	free(k);
	printf("%d key%s saved in %s\n", count, count == 1 ? "" : "s", dir);
	return ret;
}

static int filter_entry(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Each key file of @dir, sorted: fn(path, name, arg); the first error. */
static int for_each_file(const char *dir, const char *op,
			 int (*fn)(const char *path, const char *name, void *arg),
			 void *arg)
{
	struct dirent **names;
	int n, i, ret = CPNSCTL_EXIT_OK;

	n = scandir(dir, &names, filter_entry, alphasort);
	if (n < 0) {
		warn("keys %s: state directory `%s': %s", op, dir, strerror(errno));
		return CPNSCTL_EXIT_IO;
	}
	for (i = 0; i < n; i++) {
		char path[4096];
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		r = fn(path, names[i]->d_name, arg);
		if (r && ret == CPNSCTL_EXIT_OK)
			ret = r;
		free(names[i]);
	}
	free(names);
	return ret;
}

static int read_key_file(const char *op, const char *path, struct state_key *k)
{
	int err = state_read_file(path, k);

	if (!err)
		return 0;
	if (err == -EINVAL || err == -EPROTONOSUPPORT || err == -EFBIG) {
		warn("keys %s: `%s': not a cpns key file of format 1: %s", op,
		     path, strerror(-err));
		return CPNSCTL_EXIT_USAGE;
	}
	warn("keys %s: `%s': %s", op, path, strerror(-err));
	return CPNSCTL_EXIT_IO;
}

static int list_one(const char *path, const char *name, void *arg)
{
	struct state_key *k = arg;
	int r = read_key_file("list", path, k);

	(void)name;
	if (r)
		return r;
	printf("%-6s  %-28s  %-40s  wrap %s\n", state_kind_name(k->kind),
	       k->desc, k->state[0] ? k->state : "-", k->wrap);
	if (strcmp(name, k->desc)) {
		warn("keys list: `%s': holds the blob of %s: renamed", path, k->desc);
		return CPNSCTL_EXIT_USAGE;
	}
	return 0;
}

static int keys_list(const char *dir)
{
	struct state_key *k = malloc(sizeof(*k));
	int ret;

	if (!k)
		return CPNSCTL_EXIT_FAIL;
	ret = for_each_file(dir, "list", list_one, k);
	free(k);
	return ret;
}

struct load_ctx {
	struct state_key k;
	struct cpns_nl *nl;
	int32_t ring;
	int count;
};

/* CPNS_CMD_KEY_LOAD of c->k: 0 or -errno (the client told it). */
static int load_held(struct load_ctx *c, int32_t *serial)
{
	if (!c->nl && cpns_client_connect(&c->nl)) {
		c->nl = NULL;
		return -ENOENT;
	}
	return cpns_key_load(c->nl, c->ring, c->k.text, strlen(c->k.text),
			     serial);
}

static int load_one(const char *path, const char *name, void *arg)
{
	struct load_ctx *c = arg;
	struct state_key *k = &c->k;
	char meta[256];
	int32_t serial = 0;
	int r, err;

	r = read_key_file("load", path, k);
	if (r)
		return r;
	if (is_held(name) || is_held(k->desc)) {
		/* KEY_LOAD takes the description from the blob itself */
		if (strcmp(name, k->desc)) {
			warn("keys load: `%s': %s: holds the blob of %s (renamed); not loaded",
			     path, strerror(EKEYREJECTED), k->desc);
			return CPNSCTL_EXIT_FAIL;
		}
		err = load_held(c, &serial);
		if (err == -EEXIST) {
			printf("kept %s: the store holds it already\n", name);
			return 0;
		}
	} else {
		/* the file's name is the description: the kernel checks the blob's */
		serial = syscall(SYS_add_key, CPNS_KEY_TYPE, name, k->text,
				 strlen(k->text), c->ring);
		err = serial < 0 ? -errno : 0;
	}
	if (err) {
		if (err == -ENOKEY)
			warn("keys load: %s: %s: the wrapping key %s named by its blob is not in this process's keyrings",
			     name, strerror(-err), k->wrap);
		else
			warn("keys load: %s: %s", name, strerror(-err));
		return err == -ENOENT ? CPNSCTL_EXIT_UNAVAILABLE : exit_for(err);
	}
	meta[0] = '\0';
	{
		char line[512], want[16];
		FILE *f = fopen("/proc/keys", "re");

		snprintf(want, sizeof(want), "%08x ", (uint32_t)serial);
		while (f && fgets(line, sizeof(line), f)) {
			char *d = strstr(line, " cpns ");

			if (strncmp(line, want, strlen(want)) || !d)
				continue;
			d = strstr(d + 6, ": ");
			if (d) {
				d[strcspn(d, "\n")] = '\0';
				snprintf(meta, sizeof(meta), "%s", d + 2);
			}
			break;
		}
		if (f)
			fclose(f);
	}
	printf("loaded %s (key %d): %s\n", name, serial, meta[0] ? meta : "-");
	c->count++;
	return 0;
}

static int keys_load(const char *dir, int32_t ring)
{
	struct load_ctx *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return CPNSCTL_EXIT_FAIL;
	c->ring = ring;
	ret = for_each_file(dir, "load", load_one, c);
	printf("%d key%s loaded from %s\n", c->count, c->count == 1 ? "" : "s", dir);
	cpns_nl_close(c->nl);
	explicit_bzero(c, sizeof(*c));
	free(c);
	return ret;
}

static int keys_new_master(const char *name, const char *dir, int32_t ring)
{
	char desc[STATE_DESC_MAX + 1];
	long serial;
	int err;

	if (!cpns_id_valid(name, strlen(name))) {
		warn("keys new-master: invalid master name: `%s'", name);
		return CPNSCTL_EXIT_USAGE;
	}
	snprintf(desc, sizeof(desc), "master:%s", name);
	serial = syscall(SYS_keyctl, KEYCTL_SEARCH, ring, CPNS_KEY_TYPE, desc, 0);
	if (serial >= 0) {
		/* a new one would make every record sealed under it unreadable */
		warn("keys new-master: %s exists already (key %ld): %s; not replaced",
		     desc, serial, strerror(EEXIST));
		return CPNSCTL_EXIT_FAIL;
	}
	err = state_dir_prepare(dir);
	if (err) {
		if (err != -EPERM && err != -ENOTDIR)
			warn("keys new-master: state directory `%s': %s", dir,
			     strerror(-err));
		return err == -EPERM ? CPNSCTL_EXIT_USAGE : CPNSCTL_EXIT_IO;
	}
	serial = syscall(SYS_add_key, CPNS_KEY_TYPE, desc, "new", 3, ring);
	if (serial < 0) {
		err = errno;
		warn("keys new-master: add_key %s: %s", desc, strerror(err));
		return exit_for(-err);
	}
	printf("%s: key %ld, 32 random bytes made by the kernel\n", desc, serial);
	if (setenv("CPNS_STATE_DIR", dir, 1))
		return CPNSCTL_EXIT_FAIL;
	err = state_save((int32_t)serial, "master:", name, strlen(name));
	if (err)
		return exit_for(err);
	printf("saved %s in %s\n", desc, dir);
	return CPNSCTL_EXIT_OK;
}

int keys_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "keyring", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd, *dir = NULL, *name = NULL;
	int32_t ring = KEY_SPEC_USER_KEYRING;
	int c, i;

	if (argc < 2) {
		usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
		return usage(stdout);
	if (strcmp(cmd, "save") && strcmp(cmd, "load") && strcmp(cmd, "list") &&
	    strcmp(cmd, "new-master")) {
		warn("keys: invalid subcommand: `%s'", cmd);
		usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	opterr = 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (role_parse_keyring(optarg, &ring))
				return CPNSCTL_EXIT_USAGE;
			break;
		case 'h':
			return usage(stdout);
		case ':':
			warn("keys: option `%s' needs a value", argv[optind - 1]);
			return CPNSCTL_EXIT_USAGE;
		default:
			warn("keys: invalid argument: `%s'", argv[optind - 1]);
			return CPNSCTL_EXIT_USAGE;
		}
	}
	for (i = optind; i < argc; i++) {
		if (!strcmp(cmd, "new-master") && !name) {
			name = argv[i];
		} else if (!dir) {
			dir = argv[i];
		} else {
			warn("keys: too many arguments: `%s'", argv[i]);
			return CPNSCTL_EXIT_USAGE;
		}
	}
	if (!dir)
		dir = state_dir();
	if (!strcmp(cmd, "save"))
		return keys_save(dir, ring);
	if (!strcmp(cmd, "load"))
		return keys_load(dir, ring);
	if (!strcmp(cmd, "list"))
		return keys_list(dir);
	if (!name) {
		warn("keys new-master: NAME is required");
		return CPNSCTL_EXIT_USAGE;
	}
	return keys_new_master(name, dir, ring);
}
