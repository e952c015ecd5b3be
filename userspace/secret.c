// SPDX-License-Identifier: GPL-2.0
/*
 * Secrets in userspace (see secret.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cpnsctl.h"
#include "secret.h"
#include "util.h"

int secret_alloc(struct cpns_secret *s, size_t cap)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size;
	void *p;

	if (page <= 0)
		page = 4096;
	size = (cap + (size_t)page - 1) / (size_t)page * (size_t)page;
	if (!size)
		size = (size_t)page;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	/* Best effort: neither swapped nor dumped. */
	(void)mlock(p, size);
	(void)madvise(p, size, MADV_DONTDUMP);
	s->buf = p;
	s->cap = size;
	s->len = 0;
	return 0;
}

void secret_free(struct cpns_secret *s)
{
	if (!s->buf)
		return;
	explicit_bzero(s->buf, s->cap);
	munlock(s->buf, s->cap);
	munmap(s->buf, s->cap);
	s->buf = NULL;
	s->cap = 0;
	s->len = 0;
}

/* Read all of @fd: -EMSGSIZE beyond @max bytes (s->cap > @max). */
static int read_all(int fd, struct cpns_secret *s, size_t max)
{
	ssize_t n;

	while (s->len <= max) {
		n = read(fd, s->buf + s->len, max + 1 - s->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		s->len += (size_t)n;
	}
	return -EMSGSIZE;
}

static int read_tty(struct cpns_secret *s, const char *prompt, size_t max)
{
	struct termios old, raw;
	int fd, err = 0;
	char c;
	ssize_t n;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -ENXIO;
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		return -ENXIO;
	}
	raw = old;
	/* No echo; Ctrl-C is read as a byte so the terminal is always restored. */
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL | ISIG);
	raw.c_lflag |= ICANON;
	if (prompt && write(fd, prompt, strlen(prompt)) < 0) {
		/* Nothing to do: the prompt is a courtesy. */
	}
	if (tcsetattr(fd, TCSAFLUSH, &raw) < 0) {
		close(fd);
		return -ENXIO;
	}
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0 || c == '\n' || c == '\r')
			break;
		if (c == 0x03) {	/* Ctrl-C */
			err = -ECANCELED;
			break;
		}
		if (s->len >= max) {
			err = -EMSGSIZE;
			break;
		}
		s->buf[s->len++] = (uint8_t)c;
	}
	c = 0;
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* The newline the user typed was not echoed; cosmetic only. */
	}
	close(fd);
	return err;
}

int secret_read(struct cpns_secret *s, const char *path, const char *prompt,
		size_t max, unsigned int flags)
{
	/* Room for a trailing "\r\n" to strip, and one byte to tell "too long". */
	size_t limit = max + ((flags & SECRET_TEXT) ? 2 : 0);
	struct stat st;
	int fd = -1, err;

	s->buf = NULL;
	err = secret_alloc(s, limit + 1);
	if (err)
		return err;

	if (!path) {
		/* Piped in, it would be ignored for the terminal's: refused. */
		err = isatty(STDIN_FILENO) ? read_tty(s, prompt, max) : -ENOTTY;
	} else if (!strcmp(path, "-")) {
		err = read_all(STDIN_FILENO, s, limit);
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			err = -errno;
			goto out;
		}
		if (!fstat(fd, &st) && S_ISREG(st.st_mode) &&
		    (st.st_mode & (S_IRWXG | S_IRWXO)))
			fprintf(stderr, "cpnsctl: warning: `%s' is accessible by group or others\n",
				path);
		err = read_all(fd, s, limit);
		close(fd);
	}
	if (err)
		goto out;

	if (flags & SECRET_TEXT) {
		if (s->len && s->buf[s->len - 1] == '\n')
			s->buf[--s->len] = 0;
		if (s->len && s->buf[s->len - 1] == '\r')
			s->buf[--s->len] = 0;
	}
	if (s->len > max) {
		err = -EMSGSIZE;
		goto out;
	}
	if (!s->len)
		err = -ENODATA;
out:
	if (err)
		secret_free(s);
	return err;
}

int secret_read_told(struct cpns_secret *s, const char *path,
		     const char *prompt, size_t max, unsigned int flags,
		     const char *what, const char *opt)
{
	int err = secret_read(s, path, prompt, max, flags);

	if (!err)
		return 0;
	if (path)
		warn("%s `%s': %s", what, path, strerror(-err));
	else if (err == -ENOTTY)
		warn("%s: standard input is not a terminal: to read the %s from it (a pipe), give %s -",
		     what, what, opt);
	else
		warn("%s: %s", what, strerror(-err));
	return err == -EMSGSIZE || err == -ENODATA || err == -ENOTTY ?
	       CPNSCTL_EXIT_USAGE : CPNSCTL_EXIT_IO;
}
