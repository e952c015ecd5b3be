/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TCP wire protocol of cpns, version 1 (Documentation/protocol.rst):
 * frame encoding and decoding as pure functions over buffers (wire.c),
 * and the socket helpers every role uses (wire_io.c: connect, listen,
 * read a frame within a deadline, write a frame, close without losing
 * the last frame).
 *
 * Decoding never trusts a length: every field is checked against the
 * bytes that are really there and against the limits of the document.
 * Functions returning int return 0 or a negative errno unless stated.
 */
#ifndef CPNS_WIRE_H
#define CPNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <linux/cpns.h>

#define CPNS_WIRE_MAGIC		"CPNS"
#define CPNS_WIRE_VERSION	1
#define CPNS_WIRE_HDR_LEN	12
#define CPNS_WIRE_FRAME_MAX	4096
#define CPNS_WIRE_BODY_MAX	(CPNS_WIRE_FRAME_MAX - CPNS_WIRE_HDR_LEN)
#define CPNS_WIRE_REASON_MAX	200
#define CPNS_WIRE_SEALED_MIN	CPNS_SEALED_MIN		/* 28 */
#define CPNS_WIRE_SEALED_MAX	CPNS_SEALED_MAX		/* 512 */
#define CPNS_WIRE_TIMEOUT_DEFAULT 10			/* seconds */
#define CPNS_WIRE_TIMEOUT_MAX	3600
#define CPNS_WIRE_TIMEOUT_ENV	"CPNS_TIMEOUT"
#define CPNS_WIRE_HDR_TIMEOUT_DEFAULT 2			/* seconds */

enum cpns_wire_type {
	CPNS_WIRE_REQUEST = 1,
	CPNS_WIRE_RESPONSE = 2,
	CPNS_WIRE_DELIVERY = 3,
	CPNS_WIRE_ACK = 4,
	CPNS_WIRE_ERROR = 5,
};

/* Codes of an ERROR frame. */
enum cpns_wire_error {
	CPNS_WERR_MALFORMED_FRAME = 1,
	CPNS_WERR_UNSUPPORTED_VERSION = 2,
	CPNS_WERR_FRAME_TOO_LARGE = 3,
	CPNS_WERR_UNEXPECTED_TYPE = 4,
	CPNS_WERR_TIMEOUT = 5,
	CPNS_WERR_INTERNAL = 6,
	CPNS_WERR_BUSY = 7,
};

struct cpns_wire_request {
	uint8_t gw_id_len;			/* 1..64 */
	char gw_id[CPNS_ID_MAX_LEN + 1];	/* NUL-terminated copy */
	uint8_t rand[CPNS_RAND_LEN];
	uint64_t t;
	uint16_t sealed_len;			/* 28..512 */
	uint8_t sealed[CPNS_WIRE_SEALED_MAX];
};

struct cpns_wire_response {
	uint8_t status;
	uint16_t sealed_len;			/* 0 (unverified) or 28..512 */
	uint8_t sealed[CPNS_WIRE_SEALED_MAX];
};

struct cpns_wire_delivery {
	uint8_t entity_id_len;			/* 1..64 */
	char entity_id[CPNS_ID_MAX_LEN + 1];	/* NUL-terminated copy */
	uint32_t epoch;
	uint16_t index;
	uint16_t n;
	uint8_t challenge[CPNS_CHALLENGE_LEN];
	uint16_t sealed_len;			/* 28..512 */
	uint8_t sealed[CPNS_WIRE_SEALED_MAX];
};

struct cpns_wire_ack {
	uint8_t code;
	uint8_t confirm[CPNS_HASH_LEN];		/* only when code == ACCEPTED */
};

struct cpns_wire_err {
	uint8_t code;
	uint16_t reason_len;			/* 0..200 */
	char reason[CPNS_WIRE_REASON_MAX + 1];	/* NUL-terminated copy */
};

struct cpns_wire_msg {
	uint8_t type;				/* enum cpns_wire_type */
	union {
		struct cpns_wire_request req;
		struct cpns_wire_response resp;
		struct cpns_wire_delivery del;
		struct cpns_wire_ack ack;
		struct cpns_wire_err err;
	} u;
};

/* "REQUEST", ..., or NULL for an unknown value. */
const char *cpns_wire_type_name(unsigned int type);
/* "MALFORMED_FRAME", ..., or NULL for an unknown value. */
const char *cpns_wire_error_name(unsigned int code);

/* A short reason to send with an ERROR of @code (never NULL). */
const char *cpns_wire_error_reason(unsigned int code);

/*
 * Encode @m as one frame into @buf.  Returns the frame's length, -EINVAL
 * when a field is out of the document's range (the encoder never writes
 * a frame the decoder would refuse), -EMSGSIZE when @cap is too small.
 */
ssize_t cpns_wire_encode(const struct cpns_wire_msg *m, uint8_t *buf,
			 size_t cap);

/*
 * Check a 12-byte header.  Returns 0 and sets *type and *len (the body
 * length), or the ERROR code (> 0) the receiver answers with: bad magic
 * or reserved not zero MALFORMED_FRAME, version UNSUPPORTED_VERSION,
 * length FRAME_TOO_LARGE, unknown type UNEXPECTED_TYPE (the checks of
 * the document, in its order).
 */
int cpns_wire_check_header(const uint8_t *hdr, uint8_t *type, uint32_t *len);

/*
 * Decode the body of a frame of @type.  Returns 0, or the ERROR code
 * (> 0): MALFORMED_FRAME for a body not exactly as specified,
 * UNEXPECTED_TYPE for an unknown type.
 */
int cpns_wire_decode_body(uint8_t type, const uint8_t *body, size_t len,
			  struct cpns_wire_msg *m);

/*
 * Decode one whole frame that must fill @len bytes exactly (a frame
 * shorter than its header says, or followed by other bytes, is
 * MALFORMED_FRAME).  Returns 0 or an ERROR code (> 0).
 */
int cpns_wire_decode(const uint8_t *buf, size_t len, struct cpns_wire_msg *m);

/* Sockets ---------------------------------------------------------------- */

/*
 * The timeout in seconds: @opt if > 0, else $CPNS_TIMEOUT if set, else 10.
 * Returns -EINVAL for a $CPNS_TIMEOUT that is not 1..3600.
 */
int cpns_wire_timeout(int opt);

/* Parse "ADDR:PORT", "[V6ADDR]:PORT" or "NAME:PORT" into a socket address. */
int cpns_wire_resolve(const char *addrport, struct sockaddr_storage *ss,
		      socklen_t *sslen, bool passive);

/* Connect within @timeout_s seconds.  Returns a socket or -errno. */
int cpns_wire_connect(const char *addrport, int timeout_s);

/* A listening socket (SO_REUSEADDR, backlog 64).  Returns it or -errno. */
int cpns_wire_listen(const char *addrport);

/* "ADDR:PORT" of a socket's local (@peer false) or remote end. */
void cpns_wire_sockname(int fd, bool peer, char *buf, size_t len);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t cpns_wire_now_ms(void);

/*
 * Read exactly @len bytes before @deadline_ms (cpns_wire_now_ms() time).
 * Returns 0, -ETIMEDOUT, -ECONNRESET when the peer closed (*got bytes
 * read before; @got may be NULL), or another -errno.
 */
int cpns_wire_read_exact(int fd, void *buf, size_t len, int64_t deadline_ms,
			 size_t *got);

/* Write all @len bytes before @deadline_ms.  0, -ETIMEDOUT or -errno. */
int cpns_wire_write_all(int fd, const void *buf, size_t len,
			int64_t deadline_ms);

/*
 * Read one frame, header and body, within @timeout_s seconds in all.
 * Returns 0 with @m filled, or:
 *   -ENODATA    the peer closed before sending a byte
 *   -ETIMEDOUT  no complete frame in time       (*werr = TIMEOUT)
 *   -EPROTO     the frame is refused            (*werr = its ERROR code;
 *               a truncated frame is MALFORMED_FRAME)
 *   other -errno from the socket                (*werr = 0)
 * *werr is the ERROR code a listening side answers with, 0 for none.
 */
int cpns_wire_recv(int fd, struct cpns_wire_msg *m, int timeout_s, int *werr);
/*
 * In words, why the last cpns_wire_recv(), cpns_wire_check_header() or
 * cpns_wire_decode*() of this process refused a frame ("a frame of
 * version 2, not 1", "an ACK body of 5 bytes, ..."); "" after success.
 */
const char *cpns_wire_last_error(void);
/*
 * Building blocks of the above, shared by the codec (wire.c) and the
 * socket side (wire_io.c): cpns_wire_refuse() records why (printf-style)
 * and returns @werr; cpns_wire_clear_error() empties the reason.
 */
int cpns_wire_refuse(int werr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cpns_wire_clear_error(void);

/* The bit of frame type @t in cpns_wire_rx.accept. */
#define CPNS_WIRE_ACCEPT(t)	(1u << (t))

/* What a receiver takes, and how long it waits for it. */
struct cpns_wire_rx {
	unsigned int accept;	/* CPNS_WIRE_ACCEPT() bits; 0: any known type */
	int header_timeout_s;	/* the 12-byte header within this many
				 * seconds (<= 0, or more than timeout_s:
				 * timeout_s) */
	int timeout_s;		/* the whole frame within this many seconds */
};

/*
 * cpns_wire_recv() for a listening side: the header must arrive within
 * @rx->header_timeout_s, the whole frame within @rx->timeout_s (both
 * counted from the call), and a frame of a known type that @rx->accept
 * does not hold is refused from its header, its body left unread:
 * -EPROTO, *werr = UNEXPECTED_TYPE, m->type = that type (for the log).
 */
int cpns_wire_recv_rx(int fd, struct cpns_wire_msg *m,
		      const struct cpns_wire_rx *rx, int *werr);

/* Encode @m and write it within @timeout_s seconds. */
int cpns_wire_send(int fd, const struct cpns_wire_msg *m, int timeout_s);

/* Send an ERROR frame with @code and @reason (cut to 200 bytes). */
int cpns_wire_send_error(int fd, uint8_t code, const char *reason,
			 int timeout_s);

/*
 * Close after the last frame: shutdown(SHUT_WR), read and drop what the
 * peer still sends for at most one second (at most 64 KiB), close.
 */
void cpns_wire_close(int fd);

/* Print @len bytes of @p to @out escaped (printable ASCII, else \xNN). */
void cpns_wire_print_escaped(FILE *out, const char *p, size_t len);

#endif /* CPNS_WIRE_H */
