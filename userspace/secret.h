/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Secrets in userspace: passwords, PSK1, TKs on their way to the kernel.
 * Read only from a file, stdin or the terminal, never from argv; kept in
 * a locked (mlock, MADV_DONTDUMP) buffer; wiped with explicit_bzero()
 * when freed.
 *
 *	struct cpns_secret pw = { 0 };
 *
 *	err = secret_read(&pw, path, "Password: ", CPNS_PASSWORD_MAX_LEN,
 *			  SECRET_TEXT);
 *	if (err) ...	// cpnsctl: password `path': <strerror>
 *	in.password = pw.buf;	// a client.h input, wiped in the request
 *	in.password_len = pw.len;
 *	err = cpns_srv_seal_user(nl, &in, &rec);
 *	secret_free(&pw);
 */
#ifndef CPNS_SECRET_H
#define CPNS_SECRET_H

#include <stddef.h>
#include <stdint.h>

struct cpns_secret {
	uint8_t *buf;		/* locked, page-aligned */
	size_t len;		/* bytes of the secret */
	size_t cap;		/* bytes of buf */
};

enum secret_flags {
	SECRET_TEXT = 1 << 0,	/* strip one trailing "\n" or "\r\n" */
};

/*
 * An empty locked buffer of at least @cap bytes (for a secret derived
 * from another one, e.g. decoded from hex).  0 or -ENOMEM.  mlock()
 * failing (RLIMIT_MEMLOCK) is not an error: the buffer is still
 * excluded from core dumps and wiped.
 */
int secret_alloc(struct cpns_secret *s, size_t cap);

/*
 * Read a secret of 1..@max bytes into @s:
 *   @path a file name: the whole file (a warning is printed when the
 *         file is readable by group or others);
 *   @path "-": the whole of stdin;
 *   @path NULL: a line typed on the controlling terminal after @prompt,
 *         with echo off (Ctrl-C cancels); -ENOTTY when standard input
 *         is not a terminal (a secret piped in is not read unless @path
 *         is "-", and would otherwise be ignored for the terminal's).
 * Returns 0, or -errno: -ENOENT, -EACCES, ... from the file; -EMSGSIZE
 * longer than @max; -ENODATA empty; -ENOTTY see above; -ENXIO no
 * terminal; -ECANCELED cancelled at the prompt.  On error nothing is left
 * in memory.
 */
int secret_read(struct cpns_secret *s, const char *path, const char *prompt,
		size_t max, unsigned int flags);

/*
 * secret_read() with its failure told on stderr, naming @what ("password")
 * and, for -ENOTTY, the option @opt ("--password-file") that reads it
 * from standard input.  0, or the exit code: CPNSCTL_EXIT_USAGE for a
 * secret too long, empty or piped without "@opt -", else CPNSCTL_EXIT_IO.
 */
int secret_read_told(struct cpns_secret *s, const char *path,
		     const char *prompt, size_t max, unsigned int flags,
		     const char *what, const char *opt);

/* Wipe and free; @s is then empty and may be freed again. */
void secret_free(struct cpns_secret *s);

#endif /* CPNS_SECRET_H */
