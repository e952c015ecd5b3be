// SPDX-License-Identifier: GPL-2.0
/*
 * The frames of the cpns wire protocol, version 1
 * (Documentation/protocol.rst): encoding and decoding, pure functions of
 * their buffers (no I/O; the sockets and deadlines are wire_io.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int cpns_wire_refuse(int werr, const char *fmt, ...)
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

void cpns_wire_clear_error(void)
{
	last_error[0] = '\0';
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
		return cpns_wire_refuse(CPNS_WERR_MALFORMED_FRAME, "not a cpns frame (no magic CPNS)");
	if (hdr[4] != CPNS_WIRE_VERSION)
		return cpns_wire_refuse(CPNS_WERR_UNSUPPORTED_VERSION,
			      "a frame of version %u, not 1", hdr[4]);
	if (hdr[6] || hdr[7])
		return cpns_wire_refuse(CPNS_WERR_MALFORMED_FRAME, "a frame whose reserved bytes are not 0");
	l = (uint32_t)hdr[8] << 24 | (uint32_t)hdr[9] << 16 |
	    (uint32_t)hdr[10] << 8 | hdr[11];
	if (l > CPNS_WIRE_BODY_MAX)
		return cpns_wire_refuse(CPNS_WERR_FRAME_TOO_LARGE,
			      "a frame of %u body bytes, more than %u", l, CPNS_WIRE_BODY_MAX);
	if (!cpns_wire_type_name(hdr[5]))
		return cpns_wire_refuse(CPNS_WERR_UNEXPECTED_TYPE, "a frame of unknown type %u", hdr[5]);
	*type = hdr[5];
	*len = l;
	return 0;
}

/* MALFORMED_FRAME for a body of type that does not parse, said precisely. */
static int body_refused(uint8_t type, const uint8_t *body, size_t len)
{
	unsigned int reason = len >= 3 ? (unsigned int)body[1] << 8 | body[2] : 0;

	if (type == CPNS_WIRE_ERROR && reason > CPNS_WIRE_REASON_MAX)
		return cpns_wire_refuse(CPNS_WERR_MALFORMED_FRAME,
			      "an ERROR whose reason is %u bytes, more than %u",
			      reason, CPNS_WIRE_REASON_MAX);
	if (type == CPNS_WIRE_ACK)
		return cpns_wire_refuse(CPNS_WERR_MALFORMED_FRAME,
			      "an ACK body of %zu bytes, not 1 (33 with ACCEPTED)", len);
	return cpns_wire_refuse(CPNS_WERR_MALFORMED_FRAME, "a %s body of %zu bytes not as specified",
		      cpns_wire_type_name(type), len);
}

int cpns_wire_decode_body(uint8_t type, const uint8_t *body, size_t len,
			  struct cpns_wire_msg *m)
{
	struct rbuf r = { .p = body, .len = len };

	if (!body && len)
		return cpns_wire_refuse(CPNS_WERR_MALFORMED_FRAME, "a body missing");
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
		return cpns_wire_refuse(CPNS_WERR_UNEXPECTED_TYPE, "a frame of unknown type %u", type);
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
		return cpns_wire_refuse(CPNS_WERR_MALFORMED_FRAME,
			      "%zu bytes, shorter than a frame's header", len);
	werr = cpns_wire_check_header(buf, &type, &blen);
	if (werr)
		return werr;
	if (len - CPNS_WIRE_HDR_LEN != blen)
		return cpns_wire_refuse(CPNS_WERR_MALFORMED_FRAME,
			      "a frame of %zu body bytes whose header says %u",
			      len - CPNS_WIRE_HDR_LEN, blen);
	return cpns_wire_decode_body(type, buf + CPNS_WIRE_HDR_LEN, blen, m);
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
