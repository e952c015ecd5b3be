// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the TCP wire codec (userspace/wire.c).
 *
 * The first byte picks what the rest of the input is:
 *   0  one whole frame for cpns_wire_decode(); a frame it accepts must
 *      re-encode to the very same bytes, and the header check must agree
 *   1  a type byte and a body for cpns_wire_decode_body(); a body it
 *      accepts re-encodes to the same body behind a valid header
 *   2  a byte stream sent over a socketpair (in pieces whose sizes come
 *      from the input) and read back frame by frame with cpns_wire_recv(),
 *      the stream side of the decoder: every frame it returns must be the
 *      one cpns_wire_decode() makes of the same bytes, and every refusal
 *      must carry the ERROR code the buffer decoder gives
 *   4  a message's fields as raw bytes for cpns_wire_encode(): what it
 *      encodes, the decoder accepts and gives back field for field
 *      (decode(encode(x)) == x); what it refuses (-EINVAL) has a field out
 *      of the document's range
 * Any other first byte: all of 0 and 1 over the same bytes.
 *
 * The deadlines of cpns_wire_recv() run on CLOCK_MONOTONIC, not on bytes:
 * the writer always closes its end, so a short stream ends in a refusal
 * (MALFORMED_FRAME) or ENODATA, never in a wait.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "wire.h"

#define FRAME_BUF (CPNS_WIRE_FRAME_MAX + 64)

static void check_reencode(const struct cpns_wire_msg *m, const uint8_t *frame,
			   size_t len)
{
	static uint8_t out[FRAME_BUF];
	struct cpns_wire_msg back;
	ssize_t n;

	n = cpns_wire_encode(m, out, sizeof(out));
	if (n < 0 || (size_t)n != len || memcmp(out, frame, len)) {
		fprintf(stderr, "re-encode differs: %zd bytes, want %zu\n",
			n, len);
		abort();
	}
	/* decode(encode(x)) == x, field by field (the union is zeroed first). */
	if (cpns_wire_decode(out, n, &back) ||
	    memcmp(&back, m, sizeof(back)))
		abort();
	/* An encoder that is short of room says so, never writes past it. */
	if (n > 0 && cpns_wire_encode(m, out, n - 1) != -EMSGSIZE)
		abort();
}

static void one_frame(const uint8_t *p, size_t len)
{
	struct cpns_wire_msg m;
	uint32_t blen = 0;
	uint8_t type = 0;
	int rc, hrc = -1;

	rc = cpns_wire_decode(p, len, &m);
	if (len >= CPNS_WIRE_HDR_LEN)
		hrc = cpns_wire_check_header(p, &type, &blen);
	/* wire.h: the last refusal in words, "" after success */
	rc = cpns_wire_decode(p, len, &m);
	assert(rc ? cpns_wire_last_error()[0] : !cpns_wire_last_error()[0]);
	if (rc == 0) {
		assert(hrc == 0 && blen == len - CPNS_WIRE_HDR_LEN);
		assert(m.type == type);
		check_reencode(&m, p, len);
	} else {
		assert(rc > 0 && cpns_wire_error_name(rc));
		if (hrc > 0)
			assert(rc == hrc);
	}
}

static void one_body(const uint8_t *p, size_t len)
{
	static uint8_t frame[FRAME_BUF];
	struct cpns_wire_msg m;
	uint8_t type;
	int rc;

	if (len < 1)
		return;
	type = p[0];
	p++;
	len--;
	rc = cpns_wire_decode_body(type, p, len, &m);
	if (rc)  {
		assert(rc == CPNS_WERR_MALFORMED_FRAME ||
		       rc == CPNS_WERR_UNEXPECTED_TYPE);
		assert(rc != CPNS_WERR_UNEXPECTED_TYPE ||
		       !cpns_wire_type_name(type));
		return;
	}
	assert(len <= CPNS_WIRE_BODY_MAX);
	memcpy(frame, "CPNS\x01", 5);
	frame[5] = type;
	frame[6] = frame[7] = 0;
	frame[8] = len >> 24;
	frame[9] = len >> 16;
	frame[10] = len >> 8;
	frame[11] = len;
	memcpy(frame + CPNS_WIRE_HDR_LEN, p, len);
	check_reencode(&m, frame, len + CPNS_WIRE_HDR_LEN);
}

/* What the buffer decoder says of the stream at @p (@len bytes left). */
static int buffer_verdict(const uint8_t *p, size_t len, size_t *used,
			  struct cpns_wire_msg *m)
{
	uint32_t blen;
	uint8_t type;
	int w;

	*used = 0;
	if (len < CPNS_WIRE_HDR_LEN)
		return CPNS_WERR_MALFORMED_FRAME;
	w = cpns_wire_check_header(p, &type, &blen);
	if (w)
		return w;
	if (len - CPNS_WIRE_HDR_LEN < blen)
		return CPNS_WERR_MALFORMED_FRAME;
	*used = CPNS_WIRE_HDR_LEN + blen;
	return cpns_wire_decode(p, *used, m);
}

static void stream(const uint8_t *p, size_t len)
{
	static struct cpns_wire_msg got, want;
	size_t off = 0, cut, used;
	int sv[2], werr, rc, v;
	const uint8_t *chunk;
	size_t chunks;

	if (len < 1)
		return;
	/* First byte: how many pieces the writer cuts the stream into. */
	chunks = 1 + p[0] % 8;
	p++;
	len--;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	for (chunk = p; off < len; chunks--) {
		cut = chunks > 1 ? (len - off) / chunks + 1 : len - off;
		if (write(sv[1], chunk + off, cut) != (ssize_t)cut)
			abort();
		off += cut;
	}
	close(sv[1]);

	for (off = 0;;) {
		rc = cpns_wire_recv(sv[0], &got, 5, &werr);
		if (off == len) {
			assert(rc == -ENODATA && werr == 0);
			break;
		}
		v = buffer_verdict(p + off, len - off, &used, &want);
		if (v == 0) {
			assert(rc == 0 && werr == 0);
			assert(!memcmp(&got, &want, sizeof(got)));
			off += used;
			continue;
		}
		/* A refusal: the same code, and the connection is done. */
		assert(rc == -EPROTO && werr == v);
		break;
	}
	close(sv[0]);
}

static bool in_range(uint16_t len, uint16_t min, uint16_t max)
{
	return len >= min && len <= max;
}

static void from_fields(const uint8_t *p, size_t len)
{
	static uint8_t out[FRAME_BUF];
	struct cpns_wire_msg m, back;
	bool valid;
	ssize_t n;

	if (len < 1)
		return;
	memset(&m, 0, sizeof(m));
	memcpy(&m.u, p + 1, len - 1 < sizeof(m.u) ? len - 1 : sizeof(m.u));
	m.type = p[0] % 7;
	switch (m.type) {
	case CPNS_WIRE_REQUEST:
		valid = in_range(m.u.req.gw_id_len, 1, CPNS_ID_MAX_LEN) &&
			in_range(m.u.req.sealed_len, CPNS_WIRE_SEALED_MIN,
				 CPNS_WIRE_SEALED_MAX);
		break;
	case CPNS_WIRE_RESPONSE:
		valid = !m.u.resp.sealed_len ||
			in_range(m.u.resp.sealed_len, CPNS_WIRE_SEALED_MIN,
				 CPNS_WIRE_SEALED_MAX);
		break;
	case CPNS_WIRE_DELIVERY:
		valid = in_range(m.u.del.entity_id_len, 1, CPNS_ID_MAX_LEN) &&
			in_range(m.u.del.sealed_len, CPNS_WIRE_SEALED_MIN,
				 CPNS_WIRE_SEALED_MAX);
		break;
	case CPNS_WIRE_ACK:
		valid = true;
		break;
	case CPNS_WIRE_ERROR:
		valid = m.u.err.reason_len <= CPNS_WIRE_REASON_MAX;
		assert(strlen(cpns_wire_error_reason(m.u.err.code)) <=
		       CPNS_WIRE_REASON_MAX);
		break;
	default:
		valid = false;
	}
	n = cpns_wire_encode(&m, out, sizeof(out));
	if (!valid) {
		assert(n == -EINVAL);
		return;
	}
	assert(n >= CPNS_WIRE_HDR_LEN && n <= CPNS_WIRE_FRAME_MAX);
	assert(cpns_wire_decode(out, n, &back) == 0 && back.type == m.type);
	switch (m.type) {
	case CPNS_WIRE_REQUEST:
		assert(back.u.req.gw_id_len == m.u.req.gw_id_len &&
		       !memcmp(back.u.req.gw_id, m.u.req.gw_id, m.u.req.gw_id_len) &&
		       !memcmp(back.u.req.rand, m.u.req.rand, CPNS_RAND_LEN) &&
		       back.u.req.t == m.u.req.t &&
		       back.u.req.sealed_len == m.u.req.sealed_len &&
		       !memcmp(back.u.req.sealed, m.u.req.sealed, m.u.req.sealed_len));
		break;
	case CPNS_WIRE_RESPONSE:
		assert(back.u.resp.status == m.u.resp.status &&
		       back.u.resp.sealed_len == m.u.resp.sealed_len &&
		       !memcmp(back.u.resp.sealed, m.u.resp.sealed,
			       m.u.resp.sealed_len));
		break;
	case CPNS_WIRE_DELIVERY:
		assert(back.u.del.entity_id_len == m.u.del.entity_id_len &&
		       !memcmp(back.u.del.entity_id, m.u.del.entity_id,
			       m.u.del.entity_id_len) &&
		       back.u.del.epoch == m.u.del.epoch &&
		       back.u.del.index == m.u.del.index &&
		       back.u.del.n == m.u.del.n &&
		       !memcmp(back.u.del.challenge, m.u.del.challenge,
			       CPNS_CHALLENGE_LEN) &&
		       back.u.del.sealed_len == m.u.del.sealed_len &&
		       !memcmp(back.u.del.sealed, m.u.del.sealed, m.u.del.sealed_len));
		break;
	case CPNS_WIRE_ACK:
		assert(back.u.ack.code == m.u.ack.code);
		if (m.u.ack.code == CPNS_ACCEPTED)
			assert(!memcmp(back.u.ack.confirm, m.u.ack.confirm,
				       CPNS_HASH_LEN));
		break;
	case CPNS_WIRE_ERROR:
		assert(back.u.err.code == m.u.err.code &&
		       back.u.err.reason_len == m.u.err.reason_len &&
		       !memcmp(back.u.err.reason, m.u.err.reason,
			       m.u.err.reason_len) &&
		       back.u.err.reason[back.u.err.reason_len] == '\0');
		break;
	}
	/* Short of room by one byte: -EMSGSIZE, never a write past it. */
	assert(cpns_wire_encode(&m, out, n - 1) == -EMSGSIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0]) {
	case 0:
		one_frame(data + 1, size - 1);
		break;
	case 1:
		one_body(data + 1, size - 1);
		break;
	case 2:
		if (size - 1 <= 3 * FRAME_BUF)
			stream(data + 1, size - 1);
		break;
	case 4:
		from_fields(data + 1, size - 1);
		break;
	default:
		one_frame(data + 1, size - 1);
		one_body(data + 1, size - 1);
		break;
	}
	return 0;
}
