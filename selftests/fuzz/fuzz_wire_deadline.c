// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the deadline state machine of the wire's stream
 * reader, cpns_wire_recv() and cpns_wire_close() of userspace/wire.c,
 * driven from bytes.  This file includes wire.c, unchanged, with poll(2)
 * and clock_gettime(2) answered by a schedule the input describes, so
 * that time passes only in the schedule: a peer that sends a frame in
 * pieces, late, interrupted by signals, closes early, or goes silent.
 *
 * Input: u8 timeout (1..4 s), then events, each u8 op, u8 delay (x 10 ms)
 * and, for op CHUNK, u8 n and n bytes.  A poll() takes the next event: if
 * its delay reaches the poll's timeout, the time runs out (return 0);
 * else the clock moves by the delay and the event happens: CHUNK writes
 * its bytes to the socket (poll says readable), EINTR interrupts the
 * poll, CLOSE closes the peer's end.  No event left: the peer is silent.
 *
 * A model computes, from the same schedule, what the reader must answer:
 * the frame (the one cpns_wire_decode() makes of the bytes), ENODATA, a
 * refusal with the buffer decoder's ERROR code, or ETIMEDOUT with
 * TIMEOUT exactly when the deadline passed before the frame was whole.
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
#include "wire.c"
#undef poll
#undef clock_gettime

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
	if (len < CPNS_WIRE_HDR_LEN + blen)
		return -1;
	*werr = cpns_wire_decode(p, CPNS_WIRE_HDR_LEN + blen, m);
	return 0;
}

enum outcome { O_FRAME, O_REFUSED, O_NODATA, O_TIMEOUT };

/* The model: what cpns_wire_recv() must answer for the schedule. */
static enum outcome model(int timeout_ms, int *werr, struct cpns_wire_msg *m)
{
	static uint8_t buf[MAX_EVENTS * 255];
	int64_t now = 0;
	size_t len = 0, i;

	for (i = 0; i < nev; i++) {
		if (verdict(buf, len, werr, m) == 0)
			return *werr ? O_REFUSED : O_FRAME;
		if (now + evs[i].delay >= timeout_ms)
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
	*werr = CPNS_WERR_TIMEOUT;
	return O_TIMEOUT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cpns_wire_msg got, want;
	int sv[2], timeout_s, rc, werr, wwerr;
	size_t off = 1;
	enum outcome o;
	int64_t start;

	if (size < 1)
		return 0;
	timeout_s = 1 + data[0] % 4;
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
	o = model(timeout_s * 1000, &wwerr, &want);
	start = fake_now;
	rc = cpns_wire_recv(sv[0], &got, timeout_s, &werr);
	switch (o) {
	case O_FRAME:
		assert(rc == 0 && werr == 0);
		assert(!memcmp(&got, &want, sizeof(got)));
		break;
	case O_REFUSED:
		assert(rc == -EPROTO && werr == wwerr);
		break;
	case O_NODATA:
		assert(rc == -ENODATA && werr == 0);
		break;
	case O_TIMEOUT:
		assert(rc == -ETIMEDOUT && werr == CPNS_WERR_TIMEOUT);
		/* Exactly at the deadline, not later. */
		assert(fake_now == start + timeout_s * 1000);
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
