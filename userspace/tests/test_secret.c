// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of secret.c: files, stdin, limits, wiping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cpnsctl.h"
#include "secret.h"
#include "ktap.h"

static char dir[] = "/tmp/cpns-secret-XXXXXX";

static const char *file(const char *name, const void *data, size_t len, mode_t mode)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	fchmod(fd, mode);
	close(fd);
	return path;
}

/* secret_read(s, "-", ...) with @data on stdin. */
static int from_stdin(struct cpns_secret *s, const char *data, size_t len,
		      size_t max, unsigned int flags)
{
	int p[2], saved, err;

	if (pipe(p) || write(p[1], data, len) != (ssize_t)len)
		abort();
	close(p[1]);
	saved = dup(STDIN_FILENO);
	dup2(p[0], STDIN_FILENO);
	close(p[0]);
	err = secret_read(s, "-", NULL, max, flags);
	dup2(saved, STDIN_FILENO);
	close(saved);
	return err;
}

/*
 * secret_read_told(s, NULL, ...) (the terminal) with "pw\n" piped on
 * stdin: its exit code, its stderr into @err, and what is left unread in
 * the pipe into @left.
 */
static int piped_without_dash(struct cpns_secret *s, char *err, size_t errlen,
			      char *left, size_t leftlen)
{
	int p[2], saved_in, saved_err, fd, ret;
	ssize_t n;

	fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	if (fd < 0 || pipe(p) || write(p[1], "pw\n", 3) != 3)
		abort();
	close(p[1]);
	saved_in = dup(STDIN_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(p[0], STDIN_FILENO);
	dup2(fd, STDERR_FILENO);
	ret = secret_read_told(s, NULL, "Password: ", 64, SECRET_TEXT,
			       "password", "--password-file");
	fflush(stderr);
	dup2(saved_in, STDIN_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_in);
	close(saved_err);
	n = pread(fd, err, errlen - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(fd);
	n = read(p[0], left, leftlen - 1);
	left[n > 0 ? n : 0] = '\0';
	close(p[0]);
	return ret;
}

int main(void)
{
	struct cpns_secret s = { 0 };
	unsigned char bin[32];
	char big[40];
	int err, i;

	char msg[256], left[16];

	KTAP_BEGIN(13);
	if (!mkdtemp(dir))
		abort();

	err = secret_read(&s, file("pw", "hunter2\n", 8, 0600), NULL, 64, SECRET_TEXT);
	KTAP_CHECK(!err && s.len == 7 && !memcmp(s.buf, "hunter2", 7),
		   "text file, trailing newline stripped");
	secret_free(&s);
	KTAP_CHECK(!s.buf && !s.len && !s.cap, "secret_free empties the secret");
	secret_free(&s);

	err = secret_read(&s, file("pw", "abc\r\n", 5, 0600), NULL, 3, SECRET_TEXT);
	KTAP_CHECK(!err && s.len == 3, "CRLF stripped; exactly max bytes fits");
	secret_free(&s);

	for (i = 0; i < 32; i++)
		bin[i] = (unsigned char)(i == 5 ? '\n' : i);
	bin[31] = '\n';
	err = secret_read(&s, file("psk", bin, 32, 0600), NULL, 32, 0);
	KTAP_CHECK(!err && s.len == 32 && !memcmp(s.buf, bin, 32),
		   "binary file read whole, newlines kept");
	secret_free(&s);

	err = secret_read(&s, file("psk", bin, 32, 0600), NULL, 31, 0);
	KTAP_CHECK(err == -EMSGSIZE && !s.buf, "too long: -EMSGSIZE, nothing kept");

	memset(big, 'x', sizeof(big));
	err = secret_read(&s, file("pw", big, 6, 0600), NULL, 4, SECRET_TEXT);
	KTAP_CHECK(err == -EMSGSIZE, "text too long even without a newline");

	err = secret_read(&s, file("pw", "\n", 1, 0600), NULL, 64, SECRET_TEXT);
	KTAP_CHECK(err == -ENODATA, "empty secret: -ENODATA");

	err = secret_read(&s, "/nonexistent/cpns-secret", NULL, 64, 0);
	KTAP_CHECK(err == -ENOENT, "missing file: -ENOENT");

	err = from_stdin(&s, "from stdin\n", 11, 64, SECRET_TEXT);
	KTAP_CHECK(!err && s.len == 10 && !memcmp(s.buf, "from stdin", 10),
		   "\"-\" reads stdin");
	secret_free(&s);

	err = from_stdin(&s, big, sizeof(big), 16, 0);
	KTAP_CHECK(err == -EMSGSIZE, "stdin too long");

	err = secret_read(&s, file("loose", "pw\n", 3, 0644), NULL, 64, SECRET_TEXT);
	KTAP_CHECK(!err && s.len == 2, "group/world-readable file still read (with a warning)");
	secret_free(&s);

	err = piped_without_dash(&s, msg, sizeof(msg), left, sizeof(left));
	KTAP_CHECK(err == CPNSCTL_EXIT_USAGE && !s.buf &&
		   !strcmp(msg, "cpnsctl: password: standard input is not a terminal: "
			   "to read the password from it (a pipe), give --password-file -\n") &&
		   !strcmp(left, "pw\n"),
		   "a secret piped without \"-\": refused (exit %d), saying to give \"-\", the pipe unread",
		   err);

	err = secret_alloc(&s, 100);
	KTAP_CHECK(!err && s.cap >= 100 && s.cap % 4096 == 0 && !s.len,
		   "secret_alloc rounds to pages");
	secret_free(&s);

	unlink(file("pw", "", 0, 0600));
	unlink(file("psk", "", 0, 0600));
	unlink(file("loose", "", 0, 0600));
	rmdir(dir);
	return KTAP_END();
}
