/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state directory: one file per cpns key holding its sealed blob
 * (Documentation/keys.rst, "Sealed blobs"), never a secret in clear.
 *
 * A key file, named by the key's description (e.g. "chain:pne-1"):
 *
 *	# cpns sealed key blob (Documentation/keys.rst); no secret in clear
 *	state E=1 n=8 delivered=2 id=<ChainID>
 *	load 43504e4b01...
 *
 * The "load" line is the add_key payload as it is ("keyctl add cpns DESC
 * "$(grep ^load FILE)" @u"); kind, description and wrapping key are read
 * from the blob's header, which the kernel authenticates on load.  The
 * state line is the key's public metadata (what /proc/keys shows) when the
 * blob was read: informational, never trusted.
 *
 * Written with a temporary file, fsync, rename and fsync of the directory,
 * under a lock on DIR/.lock, so that a reader sees the old file or the new
 * one, and the last writer's blob is the newest (each writer reads the
 * kernel's key while holding the lock).
 */
#ifndef CPNS_STATE_H
#define CPNS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/cpns.h>

#define STATE_DIR_DEFAULT "/var/lib/cpns/keys"
/* "master:" and an identifier */
#define STATE_DESC_MAX (8 + CPNS_ID_MAX_LEN)

enum state_kind {
	STATE_PSK = 1,		/* the blob's kind byte */
	STATE_TK,
	STATE_MASTER,
	STATE_CHAIN,
	STATE_EUK,
};

struct state_key {
	char desc[STATE_DESC_MAX + 1];	/* from the blob's header */
	char wrap[256];			/* the wrapping key, TYPE:DESC */
	char state[256];		/* public metadata, may be "" */
	char text[CPNS_KEY_BLOB_MAX + 1];	/* "load HEX" */
	int kind;			/* enum state_kind */
};

/* $CPNS_STATE_DIR if set and not empty, else STATE_DIR_DEFAULT. */
const char *state_dir(void);

/* "psk", "tk", "master", "chain", "euk"; "?" for another value. */
const char *state_kind_name(int kind);

/*
 * Fill @k's desc, wrap and kind from the blob text "load HEX" (or bare
 * HEX) in @k->text: the header only, nothing is opened.  0 or -EINVAL
 * (not a blob of format 1's header), -EPROTONOSUPPORT (another version).
 */
int state_parse_header(struct state_key *k);

/*
 * Parse a key file's contents.  0, or -EINVAL when it is not a key file
 * (no "load" line, a malformed blob header), -EPROTONOSUPPORT.
 */
int state_parse(const char *buf, size_t len, struct state_key *k);

/* Read the file @path (at most a key file's size) and parse it. */
int state_read_file(const char *path, struct state_key *k);

/*
 * Read the sealed blob of the key @serial (keyctl read) and its public
 * metadata into @k.  -ENOKEY when the wrapping key is not in this
 * process's keyrings (or the key is gone), -EACCES, ...
 */
int state_read_key(int32_t serial, struct state_key *k);

/*
 * Write @k as DIR/<desc>: temp file (0600), fsync, rename, fsync DIR.
 * DIR must exist.  0 or -errno.
 */
int state_write(const char *dir, const struct state_key *k);

/*
 * Create @dir (and its parent) 0700 if missing; refuse one that is not a
 * directory or is open to group or others (-EPERM, told).  0 or -errno.
 */
int state_dir_prepare(const char *dir);

/*
 * The serial of the held key @desc (chain:/euk:) in the store of this
 * network namespace, found through /proc/keys; -ENOKEY if none.
 */
int32_t state_held_serial(const char *desc);

/*
 * The serial and description of the cpns key of a /proc/keys line
 * ("... cpns      chain:pne-1: E=1 ..."); -1 when it is not one.
 */
int state_proc_keys_desc(const char *line, int32_t *serial, char *desc,
			 size_t len);

/* The wrapping key the module seals under now (wrap_key), or "?". */
const char *state_wrap_key(char *buf, size_t len);

/*
 * The hook after a change the tool caused: when the state directory
 * exists, read the fresh blob of the key @prefix@id (@idlen bytes, e.g.
 * "chain:" "pne-1"): @serial, or when @serial <= 0 the held key of that
 * description in this namespace's store) and write it there; under lock.  A failure is told on
 * stderr ("state: ... not saved ...") and returned; the caller's
 * exchange stands either way.  No directory: nothing is done, 0.
 */
int state_save(int32_t serial, const char *prefix, const char *id,
	       size_t idlen);

/*
 * After a key the tool dropped (pne reset): remove its file from the state
 * directory, so that no later load brings it back; under lock.  A failure
 * is told and returned.  No directory or no file: 0.
 */
int state_forget(const char *prefix, const char *id);

#endif /* CPNS_STATE_H */
