// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP wire protocol of cpns, version 1 (Documentation/protocol.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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

static const char *const type_names[] = {
	[CPNS_WIRE_REQUEST] = "REQUEST",
	[CPNS_WIRE_RESPONSE] = "RESPONSE",
	[CPNS_WIRE_DELIVERY] = "DELIVERY",
	[CPNS_WIRE_ACK] = "ACK",
	[CPNS_WIRE_ERROR] = "ERROR",
};

static const char *const error_names[] = {
	[CPNS_WERR_MALFORMED_FRAME] = "MALFORMED_FRAME",
	[CPNS_WERR_UNSUPPORTED_VERSION] = "UNSUPPORTED_VERSION",
	[CPNS_WERR_FRAME_TOO_LARGE] = "FRAME_TOO_LARGE",
	[CPNS_WERR_UNEXPECTED_TYPE] = "UNEXPECTED_TYPE",
	[CPNS_WERR_TIMEOUT] = "TIMEOUT",
	[CPNS_WERR_INTERNAL] = "INTERNAL",
	[CPNS_WERR_BUSY] = "BUSY",
};

const char *cpns_wire_type_name(unsigned int type)
{
	if (type >= sizeof(type_names) / sizeof(type_names[0]))
		return NULL;
	return type_names[type];
}

const char *cpns_wire_error_name(unsigned int code)
{
	if (code >= sizeof(error_names) / sizeof(error_names[0]))
		return NULL;
	return error_names[code];
}

const char *cpns_wire_error_reason(unsigned int code)
{
	switch (code) {
	case CPNS_WERR_MALFORMED_FRAME:
		return "malformed frame: not a cpns frame, truncated, or its body is not as specified";
	case CPNS_WERR_UNSUPPORTED_VERSION:
		return "unsupported version: this side speaks version 1";
	case CPNS_WERR_FRAME_TOO_LARGE:
		return "frame too large: at most 4096 bytes";
	case CPNS_WERR_UNEXPECTED_TYPE:
		return "unexpected frame type";
	case CPNS_WERR_TIMEOUT:
		return "no complete frame in time";
	case CPNS_WERR_BUSY:
		return "too many connections, retry later";
	default:
		return "internal error";
	}
}

static char last_error[128];

static int refuse(int werr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* werr, with why in last_error. */
static int refuse(int werr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return werr;
}

const char *cpns_wire_last_error(void)
{
	return last_error;
}

/* Encoding ---------------------------------------------------------------- */

struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool overflow;
};

static void put(struct wbuf *w, const void *p, size_t len)
{
	if (w->overflow || len > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	if (len)
		memcpy(w->p + w->len, p, len);
	w->len += len;
}

static void put_u8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v };

	put(w, b, 2);
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	put(w, b, 4);
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	put_u32(w, v >> 32);
	put_u32(w, (uint32_t)v);
}

static void put_lp(struct wbuf *w, const void *p, uint16_t len)
{
	put_u16(w, len);
	put(w, p, len);
}

static bool sealed_ok(uint16_t len)
{
	return len >= CPNS_WIRE_SEALED_MIN && len <= CPNS_WIRE_SEALED_MAX;
}

ssize_t cpns_wire_encode(const struct cpns_wire_msg *m, uint8_t *buf,
			 size_t cap)
{
	struct wbuf w = { .p = buf, .cap = cap };
	size_t body;

	if (!m || !buf)
		return -EINVAL;
	put(&w, CPNS_WIRE_MAGIC, 4);
	put_u8(&w, CPNS_WIRE_VERSION);
	put_u8(&w, m->type);
	put_u16(&w, 0);
	put_u32(&w, 0);			/* length, filled in below */

	switch (m->type) {
	case CPNS_WIRE_REQUEST: {
		const struct cpns_wire_request *r = &m->u.req;

		if (r->gw_id_len < 1 || r->gw_id_len > CPNS_ID_MAX_LEN ||
		    !sealed_ok(r->sealed_len))
			return -EINVAL;
		put_lp(&w, r->gw_id, r->gw_id_len);
		put(&w, r->rand, sizeof(r->rand));
		put_u64(&w, r->t);
		put_lp(&w, r->sealed, r->sealed_len);
		break;
	}
	case CPNS_WIRE_RESPONSE: {
		const struct cpns_wire_response *r = &m->u.resp;

		if (r->sealed_len && !sealed_ok(r->sealed_len))
			return -EINVAL;
		put_u8(&w, r->status);
		put_lp(&w, r->sealed, r->sealed_len);
		break;
	}
	case CPNS_WIRE_DELIVERY: {
		const struct cpns_wire_delivery *d = &m->u.del;

		if (d->entity_id_len < 1 ||
		    d->entity_id_len > CPNS_ID_MAX_LEN ||
		    !sealed_ok(d->sealed_len))
			return -EINVAL;
		put_lp(&w, d->entity_id, d->entity_id_len);
		put_u32(&w, d->epoch);
		put_u16(&w, d->index);
		put_u16(&w, d->n);
		put(&w, d->challenge, sizeof(d->challenge));
		put_lp(&w, d->sealed, d->sealed_len);
		break;
	}
	case CPNS_WIRE_ACK:
		put_u8(&w, m->u.ack.code);
		if (m->u.ack.code == CPNS_ACCEPTED)
			put(&w, m->u.ack.confirm, sizeof(m->u.ack.confirm));
		break;
	case CPNS_WIRE_ERROR:
		if (m->u.err.reason_len > CPNS_WIRE_REASON_MAX)
			return -EINVAL;
		put_u8(&w, m->u.err.code);
		put_lp(&w, m->u.err.reason, m->u.err.reason_len);
		break;
	default:
		return -EINVAL;
	}
	if (w.overflow)
		return -EMSGSIZE;
	body = w.len - CPNS_WIRE_HDR_LEN;
	if (body > CPNS_WIRE_BODY_MAX)
		return -EINVAL;
	buf[8] = body >> 24;
	buf[9] = body >> 16;
	buf[10] = body >> 8;
	buf[11] = body;
	return w.len;
}

/* Decoding ---------------------------------------------------------------- */

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

static const uint8_t *take(struct rbuf *r, size_t len)
{
	const uint8_t *p;

	if (r->bad || len > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += len;
	return p;
}

static void get(struct rbuf *r, void *dst, size_t len)
{
	const uint8_t *p = take(r, len);

	if (p)
		memcpy(dst, p, len);
	else
		memset(dst, 0, len);
}

static uint8_t get_u8(struct rbuf *r)
{
	const uint8_t *p = take(r, 1);

	return p ? p[0] : 0;
}

static uint16_t get_u16(struct rbuf *r)
{
	const uint8_t *p = take(r, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static uint32_t get_u32(struct rbuf *r)
{
	const uint8_t *p = take(r, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		   (uint32_t)p[2] << 8 | p[3] : 0;
}

static uint64_t get_u64(struct rbuf *r)
{
	uint64_t hi = get_u32(r);

	return hi << 32 | get_u32(r);
}

/* lp(x) with min <= len(x) <= max, copied into dst (room for max bytes). */
static uint16_t get_lp(struct rbuf *r, void *dst, uint16_t min, uint16_t max)
{
	uint16_t len = get_u16(r);

	if (r->bad || len < min || len > max) {
		r->bad = true;
		return 0;
	}
	get(r, dst, len);
	return r->bad ? 0 : len;
}

int cpns_wire_check_header(const uint8_t *hdr, uint8_t *type, uint32_t *len)
{
	uint32_t l;

	last_error[0] = '\0';
	if (memcmp(hdr, CPNS_WIRE_MAGIC, 4))
		return refuse(CPNS_WERR_MALFORMED_FRAME, "not a cpns frame (no magic CPNS)");
	if (hdr[4] != CPNS_WIRE_VERSION)
		return refuse(CPNS_WERR_UNSUPPORTED_VERSION,
			      "a frame of version %u, not 1", hdr[4]);
	if (hdr[6] || hdr[7])
		return refuse(CPNS_WERR_MALFORMED_FRAME, "a frame whose reserved bytes are not 0");
	l = (uint32_t)hdr[8] << 24 | (uint32_t)hdr[9] << 16 |
	    (uint32_t)hdr[10] << 8 | hdr[11];
	if (l > CPNS_WIRE_BODY_MAX)
		return refuse(CPNS_WERR_FRAME_TOO_LARGE,
			      "a frame of %u body bytes, more than %u", l, CPNS_WIRE_BODY_MAX);
	if (!cpns_wire_type_name(hdr[5]))
		return refuse(CPNS_WERR_UNEXPECTED_TYPE, "a frame of unknown type %u", hdr[5]);
	*type = hdr[5];
	*len = l;
	return 0;
}

/* MALFORMED_FRAME for a body of type that does not parse, said precisely. */
static int body_refused(uint8_t type, const uint8_t *body, size_t len)
{
	unsigned int reason = len >= 3 ? (unsigned int)body[1] << 8 | body[2] : 0;

	if (type == CPNS_WIRE_ERROR && reason > CPNS_WIRE_REASON_MAX)
		return refuse(CPNS_WERR_MALFORMED_FRAME,
			      "an ERROR whose reason is %u bytes, more than %u",
			      reason, CPNS_WIRE_REASON_MAX);
	if (type == CPNS_WIRE_ACK)
		return refuse(CPNS_WERR_MALFORMED_FRAME,
			      "an ACK body of %zu bytes, not 1 (33 with ACCEPTED)", len);
	return refuse(CPNS_WERR_MALFORMED_FRAME, "a %s body of %zu bytes not as specified",
		      cpns_wire_type_name(type), len);
}

int cpns_wire_decode_body(uint8_t type, const uint8_t *body, size_t len,
			  struct cpns_wire_msg *m)
{
	struct rbuf r = { .p = body, .len = len };

	if (!body && len)
		return refuse(CPNS_WERR_MALFORMED_FRAME, "a body missing");
	memset(m, 0, sizeof(*m));
	m->type = type;
	switch (type) {
	case CPNS_WIRE_REQUEST: {
		struct cpns_wire_request *q = &m->u.req;

		q->gw_id_len = get_lp(&r, q->gw_id, 1, CPNS_ID_MAX_LEN);
		get(&r, q->rand, sizeof(q->rand));
		q->t = get_u64(&r);
		q->sealed_len = get_lp(&r, q->sealed, CPNS_WIRE_SEALED_MIN,
				       CPNS_WIRE_SEALED_MAX);
		break;
	}
	case CPNS_WIRE_RESPONSE: {
		struct cpns_wire_response *s = &m->u.resp;

		s->status = get_u8(&r);
		s->sealed_len = get_lp(&r, s->sealed, 0, CPNS_WIRE_SEALED_MAX);
		if (s->sealed_len && s->sealed_len < CPNS_WIRE_SEALED_MIN)
			r.bad = true;
		break;
	}
	case CPNS_WIRE_DELIVERY: {
		struct cpns_wire_delivery *d = &m->u.del;

		d->entity_id_len = get_lp(&r, d->entity_id, 1,
					  CPNS_ID_MAX_LEN);
		d->epoch = get_u32(&r);
		d->index = get_u16(&r);
		d->n = get_u16(&r);
		get(&r, d->challenge, sizeof(d->challenge));
		d->sealed_len = get_lp(&r, d->sealed, CPNS_WIRE_SEALED_MIN,
				       CPNS_WIRE_SEALED_MAX);
		break;
	}
	case CPNS_WIRE_ACK:
		m->u.ack.code = get_u8(&r);
		if (m->u.ack.code == CPNS_ACCEPTED)
			get(&r, m->u.ack.confirm, sizeof(m->u.ack.confirm));
		break;
	case CPNS_WIRE_ERROR:
		m->u.err.code = get_u8(&r);
		m->u.err.reason_len = get_lp(&r, m->u.err.reason, 0,
					     CPNS_WIRE_REASON_MAX);
		break;
	default:
		return refuse(CPNS_WERR_UNEXPECTED_TYPE, "a frame of unknown type %u", type);
	}
	if (r.bad || r.off != r.len) {
		memset(m, 0, sizeof(*m));
		return body_refused(type, body, len);
	}
	last_error[0] = '\0';
	return 0;
}

int cpns_wire_decode(const uint8_t *buf, size_t len, struct cpns_wire_msg *m)
{
	uint32_t blen;
	uint8_t type;
	int werr;

	if (!buf || len < CPNS_WIRE_HDR_LEN)
		return refuse(CPNS_WERR_MALFORMED_FRAME,
			      "%zu bytes, shorter than a frame's header", len);
	werr = cpns_wire_check_header(buf, &type, &blen);
	if (werr)
		return werr;
	if (len - CPNS_WIRE_HDR_LEN != blen)
		return refuse(CPNS_WERR_MALFORMED_FRAME,
			      "a frame of %zu body bytes whose header says %u",
			      len - CPNS_WIRE_HDR_LEN, blen);
	return cpns_wire_decode_body(type, buf + CPNS_WIRE_HDR_LEN, blen, m);
}

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
	last_error[0] = '\0';
	if (rx->header_timeout_s > 0 && rx->header_timeout_s < rx->timeout_s)
		hdr_deadline = start + (int64_t)rx->header_timeout_s * 1000;
	rc = cpns_wire_read_exact(fd, buf, CPNS_WIRE_HDR_LEN, hdr_deadline,
				  &got);
	if (rc == -ECONNRESET && got == 0)
		return -ENODATA;
	if (rc == -ECONNRESET) {
		/* A truncated header, or garbage shorter than one. */
		*werr = refuse(CPNS_WERR_MALFORMED_FRAME,
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
		w = refuse(CPNS_WERR_UNEXPECTED_TYPE, "a %s, not taken here",
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
		*werr = refuse(CPNS_WERR_MALFORMED_FRAME,
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

void cpns_wire_print_escaped(FILE *out, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
}
