// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the deadline state machine of the wire's stream
 * reader, cpns_wire_recv_rx() and cpns_wire_close() of userspace/wire_io.c,
 * driven from bytes.  This file includes wire_io.c, unchanged, with poll(2)
 * and clock_gettime(2) answered by a schedule the input describes, so
 * that time passes only in the schedule: a peer that sends a frame in
 * pieces, late, interrupted by signals, closes early, or goes silent.
 *
 * Input: u8 limits, then events, each u8 op, u8 delay (x 10 ms)
 * and, for op CHUNK, u8 n and n bytes.  A poll() takes the next event: if
 * its delay reaches the poll's timeout, the time runs out (return 0);
 * else the clock moves by the delay and the event happens: CHUNK writes
 * its bytes to the socket (poll says readable), EINTR interrupts the
 * poll, CLOSE closes the peer's end.  No event left: the peer is silent.
 *
 * The limits byte gives struct cpns_wire_rx: bits 0-1 the frame's timeout
 * (1..4 s), bits 2-4 the header's (0..7 s; 0 or not below the frame's:
 * none of its own), bits 5-7 the one type accepted (0: any known type).
 *
 * A model computes, from the same schedule, what the reader must answer:
 * the frame (the one cpns_wire_decode() makes of the bytes), ENODATA, a
 * refusal with the buffer decoder's ERROR code, UNEXPECTED_TYPE as soon as
 * the header of a valid frame of a type not accepted is there, or
 * ETIMEDOUT with TIMEOUT exactly when the header's deadline passed before
 * the header was whole, or the frame's before the frame was.
 * Then cpns_wire_close() drains the rest of the schedule and must end by
 * its own one-second deadline.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

enum { EV_CHUNK, EV_EINTR, EV_CLOSE, EV_MAX };

struct ev {
	unsigned int op;
	int delay;		/* ms */
	const uint8_t *p;
	size_t n;
};

#define MAX_EVENTS 64
static struct ev evs[MAX_EVENTS];
static size_t nev, next_ev;
static int64_t fake_now;	/* ms */
static int peer = -1;
static int polls;

static int fake_clock_gettime(clockid_t clk, struct timespec *ts)
{
	(void)clk;
	ts->tv_sec = fake_now / 1000;
	ts->tv_nsec = (fake_now % 1000) * 1000000;
	return 0;
}

static int fake_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct ev *e;

	assert(nfds == 1 && timeout > 0);
	assert(++polls < 10000);	/* a reader that spins */
	if (next_ev == nev) {
		fake_now += timeout;	/* silent peer */
		return 0;
	}
	e = &evs[next_ev];
	if (e->delay >= timeout) {
		e->delay -= timeout;
		fake_now += timeout;
		return 0;
	}
	next_ev++;
	fake_now += e->delay;
	switch (e->op) {
	case EV_CHUNK:
		if (peer >= 0 && e->n &&
		    write(peer, e->p, e->n) != (ssize_t)e->n)
			abort();
		break;
	case EV_EINTR:
		errno = EINTR;
		return -1;
	case EV_CLOSE:
		if (peer >= 0)
			close(peer);
		peer = -1;
		break;
	}
	fds[0].revents = fds[0].events;
	return 1;
}

#define poll fake_poll
#define clock_gettime fake_clock_gettime
#include "wire_io.c"
#undef poll
#undef clock_gettime

static unsigned int taken;

/* What the buffer decoder says of @len bytes: 0 done, -1 need more. */
static int verdict(const uint8_t *p, size_t len, int *werr,
		   struct cpns_wire_msg *m)
{
	uint32_t blen;
	uint8_t type;

	*werr = 0;
	if (len < CPNS_WIRE_HDR_LEN)
		return -1;
	*werr = cpns_wire_check_header(p, &type, &blen);
	if (*werr)
		return 0;
	if (taken && !(taken & CPNS_WIRE_ACCEPT(type))) {
		memset(m, 0, sizeof(*m));
		m->type = type;
		*werr = CPNS_WERR_UNEXPECTED_TYPE;
		return 0;
	}
	if (len < CPNS_WIRE_HDR_LEN + blen)
		return -1;
	*werr = cpns_wire_decode(p, CPNS_WIRE_HDR_LEN + blen, m);
	return 0;
}

enum outcome { O_FRAME, O_REFUSED, O_NODATA, O_TIMEOUT };

/*
 * The model: what cpns_wire_recv_rx() must answer for the schedule; on
 * O_TIMEOUT, *at is the deadline that passed (ms from the call).
 */
static enum outcome model(int timeout_ms, int hdr_ms, int *werr,
			  struct cpns_wire_msg *m, int *at)
{
	static uint8_t buf[MAX_EVENTS * 255];
	int64_t now = 0;
	size_t len = 0, i;

	*at = timeout_ms;
	for (i = 0; i < nev; i++) {
		if (verdict(buf, len, werr, m) == 0)
			return *werr ? O_REFUSED : O_FRAME;
		*at = len < CPNS_WIRE_HDR_LEN ? hdr_ms : timeout_ms;
		if (now + evs[i].delay >= *at)
			break;
		now += evs[i].delay;
		if (evs[i].op == EV_CHUNK && evs[i].n) {
			memcpy(buf + len, evs[i].p, evs[i].n);
			len += evs[i].n;
		} else if (evs[i].op == EV_CLOSE) {
			if (verdict(buf, len, werr, m) == 0)
				return *werr ? O_REFUSED : O_FRAME;
			*werr = len ? CPNS_WERR_MALFORMED_FRAME : 0;
			return len ? O_REFUSED : O_NODATA;
		}
	}
	if (i == nev && verdict(buf, len, werr, m) == 0)
		return *werr ? O_REFUSED : O_FRAME;
	*at = len < CPNS_WIRE_HDR_LEN ? hdr_ms : timeout_ms;
	*werr = CPNS_WERR_TIMEOUT;
	return O_TIMEOUT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cpns_wire_msg got, want;
	struct cpns_wire_rx rx;
	int sv[2], timeout_s, hdr_ms, at, rc, werr, wwerr;
	size_t off = 1;
	enum outcome o;
	int64_t start;

	if (size < 1)
		return 0;
	timeout_s = 1 + (data[0] & 3);
	rx = (struct cpns_wire_rx){
		.header_timeout_s = data[0] >> 2 & 7,
		.timeout_s = timeout_s,
	};
	taken = data[0] >> 5 ? CPNS_WIRE_ACCEPT(data[0] >> 5) : 0;
	rx.accept = taken;
	hdr_ms = rx.header_timeout_s > 0 && rx.header_timeout_s < timeout_s ?
		 rx.header_timeout_s * 1000 : timeout_s * 1000;
	for (nev = 0; off + 2 <= size && nev < MAX_EVENTS; nev++) {
		struct ev *e = &evs[nev];

		e->op = data[off] % EV_MAX;
		e->delay = data[off + 1] * 10;
		e->p = NULL;
		e->n = 0;
		off += 2;
		if (e->op == EV_CHUNK && off < size) {
			e->n = data[off++];
			if (e->n > size - off)
				e->n = size - off;
			e->p = data + off;
			off += e->n;
		}
	}
	next_ev = 0;
	polls = 0;
	fake_now = 1000000;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	peer = sv[1];

	/* The model first: the fake poll() uses the delays up. */
	o = model(timeout_s * 1000, hdr_ms, &wwerr, &want, &at);
	start = fake_now;
	rc = cpns_wire_recv_rx(sv[0], &got, &rx, &werr);
	switch (o) {
	case O_FRAME:
		assert(rc == 0 && werr == 0);
		assert(!memcmp(&got, &want, sizeof(got)));
		assert(!cpns_wire_last_error()[0]);
		break;
	case O_REFUSED:
		assert(rc == -EPROTO && werr == wwerr);
		/* wire.h: why, in words */
		assert(cpns_wire_last_error()[0]);
		if (werr == CPNS_WERR_UNEXPECTED_TYPE)
			assert(!memcmp(&got, &want, sizeof(got)));
		break;
	case O_NODATA:
		assert(rc == -ENODATA && werr == 0);
		break;
	case O_TIMEOUT:
		assert(rc == -ETIMEDOUT && werr == CPNS_WERR_TIMEOUT);
		/* Exactly at the deadline that passed, not later. */
		assert(fake_now == start + at);
		break;
	}
	assert(fake_now <= start + timeout_s * 1000);

	/* Closing drains what the peer still sends, for at most a second. */
	start = fake_now;
	cpns_wire_close(sv[0]);
	assert(fake_now <= start + 1000);
	if (peer >= 0)
		close(peer);
	peer = -1;
	return 0;
}
