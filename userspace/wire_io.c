// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP side of the cpns wire protocol (Documentation/protocol.rst):
 * addresses, sockets, deadlines, reading and writing whole frames.  The
 * frames themselves are encoded and decoded by wire.c, which does no
 * I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "wire.h"

/* Sockets ---------------------------------------------------------------- */

int cpns_wire_timeout(int opt)
{
	const char *env;
	char *end;
	long v;

	if (opt > 0)
		return opt;
	env = getenv(CPNS_WIRE_TIMEOUT_ENV);
	if (!env || !*env)
		return CPNS_WIRE_TIMEOUT_DEFAULT;
	errno = 0;
	v = strtol(env, &end, 10);
	if (errno || *end || v < 1 || v > CPNS_WIRE_TIMEOUT_MAX)
		return -EINVAL;
	return (int)v;
}

int64_t cpns_wire_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(int64_t deadline_ms)
{
	int64_t left = deadline_ms - cpns_wire_now_ms();

	if (left <= 0)
		return 0;
	return left > 3600000 ? 3600000 : (int)left;
}

int cpns_wire_resolve(const char *addrport, struct sockaddr_storage *ss,
		      socklen_t *sslen, bool passive)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char host[256];
	const char *port, *colon;
	size_t hlen;
	int rc;

	if (!addrport)
		return -EINVAL;
	if (addrport[0] == '[') {
		const char *rb = strchr(addrport, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		hlen = rb - addrport - 1;
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, addrport + 1, hlen);
		port = rb + 2;
	} else {
		colon = strrchr(addrport, ':');
		if (!colon)
			return -EINVAL;
		hlen = colon - addrport;
		if (hlen >= sizeof(host) || memchr(addrport, ':', hlen))
			return -EINVAL;
		memcpy(host, addrport, hlen);
		port = colon + 1;
	}
	host[hlen] = '\0';
	if (!*port || strspn(port, "0123456789") != strlen(port) ||
	    strlen(port) > 5 || atoi(port) > 65535)
		return -EINVAL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	rc = getaddrinfo(hlen ? host : NULL, port, &hints, &res);
	if (rc || !res)
		return rc == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int cpns_wire_connect(const char *addrport, int timeout_s)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	socklen_t sslen, elen;
	int fd, rc, soerr = 0;

	rc = cpns_wire_resolve(addrport, &ss, &sslen, false);
	if (rc)
		return rc;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, sslen) < 0) {
		if (errno != EINPROGRESS) {
			rc = -errno;
			goto err;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do {
			rc = poll(&pfd, 1, timeout_s * 1000);
		} while (rc < 0 && errno == EINTR);
		if (rc < 0) {
			rc = -errno;
			goto err;
		}
		if (rc == 0) {
			rc = -ETIMEDOUT;
			goto err;
		}
		elen = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen) < 0) {
			rc = -errno;
			goto err;
		}
		if (soerr) {
			rc = -soerr;
			goto err;
		}
	}
	return fd;
err:
	close(fd);
	return rc;
}

int cpns_wire_listen(const char *addrport)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, rc, one = 1;

	rc = cpns_wire_resolve(addrport, &ss, &sslen, true);
	if (rc)
		return rc;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, 64) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

void cpns_wire_sockname(int fd, bool peer, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;
	int rc;

	rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &sslen) :
		    getsockname(fd, (struct sockaddr *)&ss, &sslen);
	if (rc == 0 && ss.ss_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		port = ntohs(s->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else if (rc == 0 && ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		port = ntohs(s->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) {
			/* An IPv4 peer of a socket on [::]: as IPv4. */
			inet_ntop(AF_INET, &s->sin6_addr.s6_addr[12], host,
				  sizeof(host));
			snprintf(buf, len, "%s:%u", host, port);
		} else {
			inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
			snprintf(buf, len, "[%s]:%u", host, port);
		}
	} else {
		snprintf(buf, len, "?");
	}
}

static int wait_fd(int fd, short events, int64_t deadline_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	for (;;) {
		int left = remaining_ms(deadline_ms);

		if (left == 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, left);
		if (rc > 0)
			return 0;
		if (rc == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int cpns_wire_read_exact(int fd, void *buf, size_t len, int64_t deadline_ms,
			 size_t *got)
{
	size_t off = 0;
	int rc = 0;

	while (off < len) {
		ssize_t n = recv(fd, (uint8_t *)buf + off, len - off,
				 MSG_DONTWAIT);

		if (n > 0) {
			off += n;
			continue;
		}
		if (n == 0) {
			rc = -ECONNRESET;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			rc = -errno;
			break;
		}
		rc = wait_fd(fd, POLLIN, deadline_ms);
		if (rc)
			break;
	}
	if (got)
		*got = off;
	return rc;
}

int cpns_wire_write_all(int fd, const void *buf, size_t len,
			int64_t deadline_ms)
{
	size_t off = 0;
	int rc;

	while (off < len) {
		ssize_t n = send(fd, (const uint8_t *)buf + off, len - off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n >= 0) {
			off += n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		rc = wait_fd(fd, POLLOUT, deadline_ms);
		if (rc)
			return rc;
	}
	return 0;
}

/* A read's outcome as cpns_wire_recv() reports it. */
static int recv_err(int rc, int *werr)
{
	if (rc == -ECONNRESET) {
		/* The peer closed inside the frame: a truncated frame. */
		*werr = CPNS_WERR_MALFORMED_FRAME;
		return -EPROTO;
	}
	if (rc == -ETIMEDOUT)
		*werr = CPNS_WERR_TIMEOUT;
	return rc;
}

int cpns_wire_recv_rx(int fd, struct cpns_wire_msg *m,
		      const struct cpns_wire_rx *rx, int *werr)
{
	uint8_t buf[CPNS_WIRE_FRAME_MAX];
	int64_t start = cpns_wire_now_ms();
	int64_t deadline = start + (int64_t)rx->timeout_s * 1000;
	int64_t hdr_deadline = deadline;
	uint32_t blen;
	uint8_t type;
	size_t got = 0;
	int rc, w;

	*werr = 0;
	cpns_wire_clear_error();
	if (rx->header_timeout_s > 0 && rx->header_timeout_s < rx->timeout_s)
		hdr_deadline = start + (int64_t)rx->header_timeout_s * 1000;
	rc = cpns_wire_read_exact(fd, buf, CPNS_WIRE_HDR_LEN, hdr_deadline,
				  &got);
	if (rc == -ECONNRESET && got == 0)
		return -ENODATA;
	if (rc == -ECONNRESET) {
		/* A truncated header, or garbage shorter than one. */
		*werr = cpns_wire_refuse(CPNS_WERR_MALFORMED_FRAME,
			       "the connection ended after %zu of the 12 header bytes", got);
		return -EPROTO;
	}
	if (rc)
		return recv_err(rc, werr);
	w = cpns_wire_check_header(buf, &type, &blen);
	if (!w && rx->accept && !(rx->accept & CPNS_WIRE_ACCEPT(type))) {
		/* Known, not taken here: refused before its body. */
		memset(m, 0, sizeof(*m));
		m->type = type;
		w = cpns_wire_refuse(CPNS_WERR_UNEXPECTED_TYPE, "a %s, not taken here",
			   cpns_wire_type_name(type));
	}
	if (w) {
		*werr = w;
		return -EPROTO;
	}
	rc = cpns_wire_read_exact(fd, buf + CPNS_WIRE_HDR_LEN, blen, deadline,
				  &got);
	if (rc == -ECONNRESET) {
		explicit_bzero(buf, sizeof(buf));
		*werr = cpns_wire_refuse(CPNS_WERR_MALFORMED_FRAME,
			       "a %s cut off after %zu of its %u body bytes",
			       cpns_wire_type_name(type), got, blen);
		return -EPROTO;
	}
	if (rc) {
		explicit_bzero(buf, sizeof(buf));
		return recv_err(rc, werr);
	}
	w = cpns_wire_decode_body(type, buf + CPNS_WIRE_HDR_LEN, blen, m);
	explicit_bzero(buf, sizeof(buf));
	if (w) {
		*werr = w;
		return -EPROTO;
	}
	return 0;
}

int cpns_wire_recv(int fd, struct cpns_wire_msg *m, int timeout_s, int *werr)
{
	struct cpns_wire_rx rx = { .timeout_s = timeout_s };

	return cpns_wire_recv_rx(fd, m, &rx, werr);
}

int cpns_wire_send(int fd, const struct cpns_wire_msg *m, int timeout_s)
{
	uint8_t buf[CPNS_WIRE_FRAME_MAX];
	ssize_t len;

	len = cpns_wire_encode(m, buf, sizeof(buf));
	if (len < 0)
		return (int)len;
	return cpns_wire_write_all(fd, buf, len,
				   cpns_wire_now_ms() +
				   (int64_t)timeout_s * 1000);
}

int cpns_wire_send_error(int fd, uint8_t code, const char *reason,
			 int timeout_s)
{
	struct cpns_wire_msg m = { .type = CPNS_WIRE_ERROR };
	size_t len = reason ? strlen(reason) : 0;

	if (len > CPNS_WIRE_REASON_MAX)
		len = CPNS_WIRE_REASON_MAX;
	m.u.err.code = code;
	m.u.err.reason_len = len;
	if (len)
		memcpy(m.u.err.reason, reason, len);
	return cpns_wire_send(fd, &m, timeout_s);
}

void cpns_wire_close(int fd)
{
	int64_t deadline = cpns_wire_now_ms() + 1000;
	uint8_t sink[4096];
	size_t total = 0;

	if (fd < 0)
		return;
	if (shutdown(fd, SHUT_WR) == 0) {
		while (total < 65536) {
			ssize_t n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);

			if (n > 0) {
				total += n;
				continue;
			}
			if (n == 0)
				break;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				break;
			if (wait_fd(fd, POLLIN, deadline))
				break;
		}
	}
	close(fd);
}

