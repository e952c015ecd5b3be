// SPDX-License-Identifier: GPL-2.0
/*
 * Strict attribute validation of every command of the cpns family
 * (uapi/linux/cpns.h, kmod/netlink.c): table-driven.
 *
 * For each command (a fixture variant) the set-up builds a world in which
 * the command's "baseline" request succeeds: a keyring with psk:, master:
 * and tk: keys, an outstanding GW request with its sealed response, a
 * chain with a pending delivery and its Confirm, a sealed delivery for
 * the PNE, a sealed request for the server with its user and entity
 * records.  Each test then sends the baseline with one mutation - an
 * attribute left out, given too short, too long, of the wrong width or
 * form, an attribute the command does not take, an attribute number
 * above CPNS_A_MAX, or the whole request from an unprivileged caller -
 * and asserts the exact errno, the extended ACK (message, and the
 * attribute it points at or names as missing), that nothing changed
 * (counters, chain:/euk: keys, the chain's "delivered="), and at the end
 * that the baseline still succeeds: the refused requests consumed
 * nothing (the outstanding request, the pending delivery, the PNE's
 * empty slot).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "tkeys.h"
#include "ref.h"
#include "fixture.h"
#include "../userspace/cpns_attrs.h"

#define UNPRIV_UID 1000

#define GW "gw1"
#define USER "alice"
#define MASTER "m1"
#define PNE "pne1"		/* the PNE's entity (tk:), server's entity */
#define ENT_RESP "ent-r"	/* the entity of the outstanding GW request */
#define ENT_CHAIN "ent-c"	/* the entity of the GW's chain */
#define PASSWORD "secret"
#define CLAIM "ABCD-1234-EFGH"

#define MSG_ID "identifier must be 1..64 bytes of [A-Za-z0-9._:@-]"
#define MSG_CLAIM "claim code must be 8..64 bytes of [A-Za-z0-9-]"
#define MSG_LEN "invalid attribute length"
#define MSG_UNSUPPORTED "Unsupported attribute"
#define MSG_UNKNOWN "Unknown attribute type"
#define MSG_MISSING "cpns: missing required attribute"
#define MSG_SRV_STATUS "only OK, MALFORMED, REPLAY, RATE_LIMITED, INTERNAL"
/* The kernel's netlink validator: ERANGE for lengths and values out of limits. */
#define MSG_BIN_RANGE "binary attribute size out of range"
#define MSG_INT_RANGE "integer out of range"
#define MSG_TOO_LONG "Attribute failed policy validation"

/*
 * What an attribute is, for the mutations it gets: derived from the
 * command's policy in the spec's table (cpns_attrs.h), or written here
 * where the handler adds to the policy (then checked against the table).
 */
enum kind {
	K_TABLE,	/* the kind the table gives */
	K_S32,		/* NLA_S32 */
	K_U8,		/* NLA_U8 */
	K_STATUS,	/* NLA_U8, at most CPNS_INTERNAL */
	K_STATUS_SRV,	/* K_STATUS, and only the statuses SRV_RESPOND takes */
	K_U16,
	K_U16_MIN1,	/* NLA_U16, at least 1 */
	K_U32,
	K_U64,
	K_ID,		/* identifier, 1..64 of [A-Za-z0-9._:@-] */
	K_ID_FORM,	/* SRV_OPEN_REQUEST's GwID: 1..64, form answered MALFORMED */
	K_EXACT,	/* exactly .lo bytes */
	K_CLAIM,	/* 8..64 of [A-Za-z0-9-] */
	K_RANGE,	/* .lo..hi bytes, .lo at least 1 */
};

struct aspec {
	int attr;
	enum kind as;	/* as written: K_TABLE, or what the handler makes it */
	bool req;	/* refused with EINVAL when left out */
	bool base;	/* in the baseline request */
	enum kind kind;	/* resolved from the table (resolve()) */
	int lo, hi;
};

#define REQ(a) { .attr = (a), .req = true, .base = true }
#define REQ_AS(a, k) { .attr = (a), .as = (k), .req = true, .base = true }
#define OPT(a) { .attr = (a), .base = true }
#define EXTRA(a) { .attr = (a) }	/* taken, not in the baseline */

#define MAX_SPECS 14

/* The spec's policy of one attribute of a command (cpns_attrs.h). */
enum ttype { T_PAD, T_STRING, T_NESTED, T_FLAG, T_U8, T_U16, T_U32, T_U64,
	     T_S8, T_S16, T_S32, T_S64, T_BINARY };
enum tcheck { C_NONE, C_MIN, C_MAX, C_RANGE, C_EXACT, C_LEN, C_ID, C_CLAIM };

struct tpol {
	int attr;
	enum ttype type;
	enum tcheck check;
	long long lo, hi;
};

#define TPOL(e, s, n, type, check, lo, hi) { e, T_##type, C_##check, lo, hi },
#define POLICY(op)							\
	static const struct tpol pol_##op[] = { CPNS_REQUEST_##op(TPOL) { .attr = -1 } }
POLICY(GET_INFO);
POLICY(GW_REQUEST);
POLICY(GW_RESPONSE);
POLICY(GW_DELIVER);
POLICY(GW_CONFIRM);
POLICY(PNE_ACCEPT);
POLICY(SRV_SEAL_USER);
POLICY(SRV_SEAL_ENTITY);
POLICY(SRV_OPEN_REQUEST);
POLICY(SRV_RESPOND);
#undef POLICY
#undef TPOL

struct cspec {
	uint8_t cmd;
	const char *name;
	const struct tpol *pol;	/* ends with attr -1 */
	struct aspec a[MAX_SPECS];
};

#define CMD(op) CPNS_CMD_##op, #op, pol_##op

/*
 * The contract of uapi/linux/cpns.h, command by command: which attributes
 * are required, which are in the baseline; what each must be is the table's.
 */
static struct cspec cmds[] = {
	{ CMD(GET_INFO), { { 0 } } },
	{ CMD(GW_REQUEST), {
		REQ(CPNS_A_KEYRING), REQ(CPNS_A_GW_ID),
		REQ(CPNS_A_USER_ID), REQ(CPNS_A_ENTITY_ID),
		REQ(CPNS_A_HPW),
		OPT(CPNS_A_CLAIM_CODE), { 0 } } },
	{ CMD(GW_RESPONSE), {
		REQ(CPNS_A_KEYRING), REQ(CPNS_A_GW_ID),
		REQ(CPNS_A_USER_ID), REQ(CPNS_A_ENTITY_ID),
		REQ(CPNS_A_RAND), REQ(CPNS_A_TIME),
		REQ(CPNS_A_STATUS),
		/* absent only for unverified statuses: EBADMSG, not policy */
		OPT(CPNS_A_SEALED), { 0 } } },
	{ CMD(GW_DELIVER), {
		REQ(CPNS_A_KEYRING), REQ(CPNS_A_ENTITY_ID), { 0 } } },
	{ CMD(GW_CONFIRM), {
		REQ(CPNS_A_KEYRING), REQ(CPNS_A_ENTITY_ID),
		REQ(CPNS_A_INDEX), REQ(CPNS_A_CODE),
		/* required: the baseline's CODE is ACCEPTED */
		REQ(CPNS_A_CONFIRM), { 0 } } },
	{ CMD(PNE_ACCEPT), {
		REQ(CPNS_A_KEYRING), REQ(CPNS_A_ENTITY_ID),
		REQ(CPNS_A_EPOCH), REQ(CPNS_A_INDEX),
		REQ(CPNS_A_N),
		REQ(CPNS_A_CHALLENGE),
		REQ(CPNS_A_SEALED), { 0 } } },
	{ CMD(SRV_SEAL_USER), {
		REQ(CPNS_A_KEYRING), REQ(CPNS_A_MASTER),
		REQ(CPNS_A_USER_ID), REQ(CPNS_A_PASSWORD),
		{ 0 } } },
	{ CMD(SRV_SEAL_ENTITY), {
		REQ(CPNS_A_KEYRING), REQ(CPNS_A_MASTER),
		REQ(CPNS_A_ENTITY_ID), REQ(CPNS_A_TK),
		REQ(CPNS_A_CLAIM_CODE), { 0 } } },
	{ CMD(SRV_OPEN_REQUEST), {
		REQ(CPNS_A_KEYRING), REQ_AS(CPNS_A_GW_ID, K_ID_FORM),
		REQ(CPNS_A_RAND), REQ(CPNS_A_TIME),
		REQ(CPNS_A_SEALED), { 0 } } },
	{ CMD(SRV_RESPOND), {
		REQ(CPNS_A_KEYRING), REQ(CPNS_A_MASTER),
		REQ(CPNS_A_GW_ID), REQ(CPNS_A_RAND),
		REQ(CPNS_A_TIME), REQ(CPNS_A_SEALED),
		REQ_AS(CPNS_A_STATUS, K_STATUS_SRV),
		OPT(CPNS_A_USER_RECORD),
		OPT(CPNS_A_ENTITY_RECORD),
		EXTRA(CPNS_A_OWNER),
		REQ(CPNS_A_EPOCH), REQ(CPNS_A_N), { 0 } } },
};
#undef CMD

static const char *const attr_names[] = {
	[CPNS_A_UNSPEC] = "UNSPEC",
#define N(e, s, n, type, check, lo, hi) [e] = #s,
	CPNS_SET_CPNS(N)
#undef N
};

static bool takes(const struct cspec *c, int attr);

/* The kind the table gives a policy, or K_TABLE when this test has none. */
static enum kind table_kind(const struct tpol *p)
{
	switch (p->type) {
	case T_S32:
		return p->check == C_NONE ? K_S32 : K_TABLE;
	case T_U8:
		if (p->check == C_NONE)
			return K_U8;
		return p->check == C_MAX && p->hi == CPNS_INTERNAL ? K_STATUS : K_TABLE;
	case T_U16:
		if (p->check == C_NONE)
			return K_U16;
		return p->check == C_MIN && p->lo == 1 ? K_U16_MIN1 : K_TABLE;
	case T_U32:
		return p->check == C_NONE ? K_U32 : K_TABLE;
	case T_U64:
		return p->check == C_NONE ? K_U64 : K_TABLE;
	case T_BINARY:
		switch (p->check) {
		case C_ID:
			return p->lo == 1 && p->hi == CPNS_ID_MAX_LEN ? K_ID : K_TABLE;
		case C_CLAIM:
			return p->lo == CPNS_CLAIM_CODE_MIN_LEN &&
			       p->hi == CPNS_CLAIM_CODE_MAX_LEN ? K_CLAIM : K_TABLE;
		case C_EXACT:
			return p->lo > 0 ? K_EXACT : K_TABLE;
		case C_LEN:
			return p->lo > 0 && p->hi < 1100 ? K_RANGE : K_TABLE;
		default:
			return K_TABLE;
		}
	default:
		return K_TABLE;
	}
}

/*
 * Each attribute of c gets its kind and limits from the command's policy
 * in the table, and each the table's policy has but the list does not is
 * added as EXTRA (taken, not in the baseline); NULL, or why the test and
 * the table disagree.
 */
static const char *resolve(struct cspec *c)
{
	static char why[128];
	const struct tpol *p;
	int i, n = 0;

	for (i = 0; i < MAX_SPECS && c->a[i].attr; i++) {
		struct aspec *a = &c->a[i];
		enum kind k;

		for (p = c->pol; p->attr >= 0 && p->attr != a->attr; p++)
			;
		if (p->attr < 0) {
			snprintf(why, sizeof(why), "attribute %d: not in the table's policy",
				 a->attr);
			return why;
		}
		k = table_kind(p);
		if (k == K_TABLE) {
			snprintf(why, sizeof(why), "attribute %d: no mutations for its policy",
				 a->attr);
			return why;
		}
		/* What the handler adds must be what the policy leaves it. */
		if ((a->as == K_STATUS_SRV && k != K_STATUS) ||
		    (a->as == K_ID_FORM && (k != K_RANGE || p->lo != 1 ||
					    p->hi != CPNS_ID_MAX_LEN)) ||
		    (a->as != K_TABLE && a->as != K_STATUS_SRV && a->as != K_ID_FORM)) {
			snprintf(why, sizeof(why), "attribute %d: kind %d, table %d",
				 a->attr, a->as, k);
			return why;
		}
		a->kind = a->as == K_TABLE ? k : a->as;
		a->lo = p->lo;
		a->hi = p->hi;
		n++;
	}
	/* What the table's policy takes and the list does not: EXTRA. */
	for (p = c->pol; p->attr >= 0; p++) {
		struct aspec *a;

		if (takes(c, p->attr))
			continue;
		if (n + 1 >= MAX_SPECS) {
			snprintf(why, sizeof(why), "more than %d attributes", MAX_SPECS - 1);
			return why;
		}
		a = &c->a[n++];
		*a = (struct aspec)EXTRA(p->attr);
		a->kind = table_kind(p);
		a->lo = p->lo;
		a->hi = p->hi;
		if (a->kind == K_TABLE) {
			snprintf(why, sizeof(why), "attribute %d: no mutations for its policy",
				 p->attr);
			return why;
		}
	}
	return NULL;
}

static const char *aname(int attr)
{
	if (attr >= 0 && attr < (int)ARRAY_SIZE(attr_names) && attr_names[attr])
		return attr_names[attr];
	return "?";
}

static struct cspec *cspec_of(uint8_t cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (cmds[i].cmd == cmd)
			return &cmds[i];
	return NULL;
}

static bool takes(const struct cspec *c, int attr)
{
	int i;

	for (i = 0; i < MAX_SPECS && c->a[i].attr; i++)
		if (c->a[i].attr == attr)
			return true;
	return false;
}

/* One change to the baseline, and what the kernel must answer. */
enum { M_NONE, M_OMIT, M_SET, M_ADD };

struct mut {
	int mode;
	int attr;
	uint8_t data[1100];
	int len;
	char what[96];
	int err;		/* expected errno (negative), or 0 */
	const char *msg;	/* expected extack text; NULL: any non-empty */
	bool check_bad;		/* NLMSGERR_ATTR_OFFS must point at attr */
	bool check_miss;	/* NLMSGERR_ATTR_MISS_TYPE must be attr */
	int status;		/* on success: expected CPNS_A_STATUS, or -1 */
};

static void set_bytes(struct mut *m, const char *what, int len, uint8_t byte)
{
	m->mode = M_SET;
	memset(m->data, byte, len);
	m->len = len;
	snprintf(m->what, sizeof(m->what), "%s", what);
	m->err = -EINVAL;
	m->msg = NULL;
	m->check_bad = true;
	m->status = -1;
}

static void set_str(struct mut *m, const char *what, const char *s)
{
	set_bytes(m, what, 0, 0);
	m->len = strlen(s);
	memcpy(m->data, s, m->len);
}

static void set_uint(struct mut *m, const char *what, uint64_t v, int width)
{
	set_bytes(m, what, width, 0);
	switch (width) {
	case 1: { uint8_t x = v; memcpy(m->data, &x, 1); break; }
	case 2: { uint16_t x = v; memcpy(m->data, &x, 2); break; }
	case 4: { uint32_t x = v; memcpy(m->data, &x, 4); break; }
	case 8: memcpy(m->data, &v, 8); break;
	}
}

static void out_of_range(struct mut *m, const char *msg)
{
	m->err = -ERANGE;
	m->msg = msg;
}

/*
 * The k-th wrong value for an attribute of spec a into *m; false when
 * there are no more.  Every one is refused with EINVAL unless said: a
 * length or a value outside its limits is ERANGE (uapi/linux/cpns.h).
 */
static bool bad_value(const struct aspec *a, int k, struct mut *m)
{
	switch (a->kind) {
	case K_S32:
		switch (k) {
		case 0: set_uint(m, "s32 given as u8", 1, 1); break;
		case 1: set_uint(m, "s32 given as u64", 1, 8); break;
		default: return false;
		}
		m->msg = MSG_LEN;
		return true;
	case K_U8:
	case K_STATUS:
	case K_STATUS_SRV:
		switch (k) {
		case 0: set_uint(m, "u8 given as u16", 0, 2); m->msg = MSG_LEN; return true;
		case 1: set_uint(m, "u8 given as u32", 0, 4); m->msg = MSG_LEN; return true;
		case 2: set_bytes(m, "u8 of 0 bytes", 0, 0); m->msg = MSG_LEN; return true;
		}
		if (a->kind == K_U8)
			return false;
		switch (k) {
		case 3: set_uint(m, "status 11 (CHAIN_EXHAUSTED, above INTERNAL)", 11, 1);
			out_of_range(m, MSG_INT_RANGE); return true;
		case 4: set_uint(m, "status 255", 255, 1);
			out_of_range(m, MSG_INT_RANGE); return true;
		}
		if (a->kind == K_STATUS)
			return false;
		{
			static const uint8_t refused[] = { CPNS_STALE, CPNS_BAD_GW_AUTH,
				CPNS_AUTH_FAILED, CPNS_UNKNOWN_ENTITY, CPNS_NOT_OWNER,
				CPNS_CLAIM_FAILED };
			char what[64];

			if (k - 5 >= (int)ARRAY_SIZE(refused))
				return false;
			snprintf(what, sizeof(what), "status %u, decided by the kernel",
				 refused[k - 5]);
			set_uint(m, what, refused[k - 5], 1);
			m->msg = MSG_SRV_STATUS;
			return true;
		}
	case K_U16:
	case K_U16_MIN1:
		switch (k) {
		case 0: set_uint(m, "u16 given as u8", 1, 1); m->msg = MSG_LEN; return true;
		case 1: set_uint(m, "u16 given as u32", 1, 4); m->msg = MSG_LEN; return true;
		case 2:
			if (a->kind != K_U16_MIN1)
				return false;
			set_uint(m, "u16 of value 0", 0, 2);
			out_of_range(m, MSG_INT_RANGE);
			return true;
		}
		return false;
	case K_U32:
		switch (k) {
		case 0: set_uint(m, "u32 given as u8", 1, 1); break;
		case 1: set_uint(m, "u32 given as u16", 1, 2); break;
		case 2: set_uint(m, "u32 given as u64", 1, 8); break;
		default: return false;
		}
		m->msg = MSG_LEN;
		return true;
	case K_U64:
		switch (k) {
		case 0: set_uint(m, "u64 given as u32", 1, 4); break;
		case 1: set_uint(m, "u64 given as u8", 1, 1); break;
		default: return false;
		}
		m->msg = MSG_LEN;
		return true;
	case K_ID:
		switch (k) {
		case 0: set_str(m, "empty identifier", ""); break;
		case 1: set_bytes(m, "identifier of 65 bytes", 65, 'a'); break;
		case 2: set_str(m, "identifier with a space", "bad id"); break;
		case 3: set_str(m, "identifier with '/'", "a/b"); break;
		case 4: set_str(m, "identifier with a NUL", "ab\0"); m->len = 3; break;
		default: return false;
		}
		m->msg = MSG_ID;
		if (k == 0)	/* a length out of limits, as the uapi says */
			out_of_range(m, MSG_ID);
		if (k == 1)
			out_of_range(m, MSG_TOO_LONG);
		return true;
	case K_ID_FORM:
		switch (k) {
		case 0: set_str(m, "empty GwID", "");
			out_of_range(m, MSG_BIN_RANGE); return true;
		case 1: set_bytes(m, "GwID of 65 bytes", 65, 'a');
			out_of_range(m, MSG_BIN_RANGE); return true;
		case 2: set_bytes(m, "GwID of 256 bytes", 256, 'a');
			out_of_range(m, MSG_BIN_RANGE); return true;
		/* the profile's check 1: answered MALFORMED, not refused */
		case 3: set_str(m, "GwID with a space", "bad id"); break;
		case 4: set_str(m, "GwID with '/'", "a/b"); break;
		case 5: set_bytes(m, "GwID of 64 bytes with a '#'", 64, '#'); break;
		default: return false;
		}
		m->err = 0;
		m->check_bad = false;
		m->status = CPNS_MALFORMED;
		return true;
	case K_EXACT: {
		char what[64];

		switch (k) {
		case 0: snprintf(what, sizeof(what), "%d bytes, one short", a->lo - 1);
			set_bytes(m, what, a->lo - 1, 0x42); break;
		case 1: snprintf(what, sizeof(what), "%d bytes, one too many", a->lo + 1);
			set_bytes(m, what, a->lo + 1, 0x42); break;
		case 2: set_bytes(m, "0 bytes", 0, 0); break;
		default: return false;
		}
		out_of_range(m, MSG_BIN_RANGE);
		return true;
	}
	case K_CLAIM:
		switch (k) {
		case 0: set_str(m, "claim code of 7 bytes", "ABCD-12"); break;
		case 1: set_bytes(m, "claim code of 65 bytes", 65, 'A'); break;
		case 2: set_str(m, "claim code with '_'", "ABCD_1234"); break;
		case 3: set_str(m, "claim code with '.'", "ABCD.1234"); break;
		case 4: set_str(m, "empty claim code", ""); break;
		default: return false;
		}
		m->msg = MSG_CLAIM;
		if (k == 0 || k == 4)	/* lengths out of limits: ERANGE */
			out_of_range(m, MSG_CLAIM);
		if (k == 1)
			out_of_range(m, MSG_TOO_LONG);
		return true;
	case K_RANGE: {
		char what[64];

		switch (k) {
		case 0: snprintf(what, sizeof(what), "%d bytes, one short of %d",
				 a->lo - 1, a->lo);
			set_bytes(m, what, a->lo - 1, 0x42); break;
		case 1: snprintf(what, sizeof(what), "%d bytes, one over %d", a->hi + 1, a->hi);
			set_bytes(m, what, a->hi + 1, 0x42); break;
		case 2:
			if (a->lo - 1 == 0)	/* case 0 was the empty one */
				return false;
			set_bytes(m, "0 bytes", 0, 0); break;
		default: return false;
		}
		out_of_range(m, MSG_BIN_RANGE);
		return true;
	}
	case K_TABLE:
		break;
	}
	return false;
}

struct aval {
	uint8_t buf[CPNS_SEALED_MAX];
	int len;
};

FIXTURE(policy) {
	struct tgenl *t;
	struct cspec *c;
	int32_t ring;
	struct aval val[MAX_SPECS];
	uint8_t psk[32], master[32], tk[32];
	struct fx_chain chain;
	char chain_line[160];
	uint64_t counters[CPNS_COUNTER_A_MAX + 1];
};

FIXTURE_VARIANT(policy) {
	uint8_t cmd;
};

FIXTURE_VARIANT_ADD(policy, get_info) { .cmd = CPNS_CMD_GET_INFO };
FIXTURE_VARIANT_ADD(policy, gw_request) { .cmd = CPNS_CMD_GW_REQUEST };
FIXTURE_VARIANT_ADD(policy, gw_response) { .cmd = CPNS_CMD_GW_RESPONSE };
FIXTURE_VARIANT_ADD(policy, gw_deliver) { .cmd = CPNS_CMD_GW_DELIVER };
FIXTURE_VARIANT_ADD(policy, gw_confirm) { .cmd = CPNS_CMD_GW_CONFIRM };
FIXTURE_VARIANT_ADD(policy, pne_accept) { .cmd = CPNS_CMD_PNE_ACCEPT };
FIXTURE_VARIANT_ADD(policy, srv_seal_user) { .cmd = CPNS_CMD_SRV_SEAL_USER };
FIXTURE_VARIANT_ADD(policy, srv_seal_entity) { .cmd = CPNS_CMD_SRV_SEAL_ENTITY };
FIXTURE_VARIANT_ADD(policy, srv_open_request) { .cmd = CPNS_CMD_SRV_OPEN_REQUEST };
FIXTURE_VARIANT_ADD(policy, srv_respond) { .cmd = CPNS_CMD_SRV_RESPOND };

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + 29 * i + (i >> 2));
}

static struct aval *val_of(FIXTURE_DATA(policy) *self, int attr)
{
	int i;

	for (i = 0; i < MAX_SPECS && self->c->a[i].attr; i++)
		if (self->c->a[i].attr == attr)
			return &self->val[i];
	return NULL;
}

static void val_set(FIXTURE_DATA(policy) *self, int attr, const void *p, int len)
{
	struct aval *v = val_of(self, attr);

	if (v) {
		memcpy(v->buf, p, len);
		v->len = len;
	}
}

static void val_str(FIXTURE_DATA(policy) *self, int attr, const char *s)
{
	val_set(self, attr, s, strlen(s));
}

/* The baseline with mutation mu (NULL: none). */
static struct nl_msg *build(FIXTURE_DATA(policy) *self, struct tgenl *t,
			    const struct mut *mu)
{
	struct nl_msg *m = tgenl_msg(t, self->c->cmd);
	int i;

	if (!m)
		return NULL;
	for (i = 0; i < MAX_SPECS && self->c->a[i].attr; i++) {
		const struct aspec *a = &self->c->a[i];

		if (mu && mu->attr == a->attr && mu->mode == M_OMIT)
			continue;
		if (mu && mu->attr == a->attr && mu->mode == M_SET) {
			nla_put(m, a->attr, mu->len, mu->data);
			continue;
		}
		if (a->base)
			nla_put(m, a->attr, self->val[i].len, self->val[i].buf);
	}
	if (mu && mu->mode == M_ADD)
		nla_put(m, mu->attr, mu->len, mu->data);
	return m;
}

/* A server-side sealed request from GW: alice's, for PNE, with a claim. */
static size_t seal_request(const uint8_t psk[32], const uint8_t rand[32],
			   uint64_t t, uint8_t *out)
{
	static const uint8_t nonce[12] = { 0x12, 0x34 };
	uint8_t hpw[32], auth[32], proof[32], k[32];
	uint8_t aad[REF_AAD_MAX], body[REF_REQ_BODY_MAX];
	size_t aadlen, bodylen;

	ref_hpw(PASSWORD, strlen(PASSWORD), hpw);
	ref_auth_hash(hpw, rand, t, auth);
	ref_claim_proof(CLAIM, GW, USER, PNE, rand, t, proof);
	bodylen = ref_req_body(body, USER, PNE, auth, proof);
	aadlen = ref_req_aad(aad, GW, rand, t);
	ref_k_req(psk, rand, k);
	return ref_seal(k, nonce, aad, aadlen, body, bodylen, out);
}

/* A record from SRV_SEAL_USER / SRV_SEAL_ENTITY into *v. */
static int seal_record(FIXTURE_DATA(policy) *self, uint8_t cmd, int out_attr,
		       struct aval *v)
{
	struct nl_msg *m = tgenl_msg(self->t, cmd);
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	fx_put_id(m, CPNS_A_MASTER, MASTER);
	if (cmd == CPNS_CMD_SRV_SEAL_USER) {
		fx_put_id(m, CPNS_A_USER_ID, USER);
		nla_put(m, CPNS_A_PASSWORD, strlen(PASSWORD), PASSWORD);
	} else {
		fx_put_id(m, CPNS_A_ENTITY_ID, PNE);
		nla_put(m, CPNS_A_TK, sizeof(self->tk), self->tk);
		fx_put_id(m, CPNS_A_CLAIM_CODE, CLAIM);
	}
	err = fx_call(self->t, m, tb, NULL);
	if (err)
		return err;
	if (!tb[out_attr] || nla_len(tb[out_attr]) > CPNS_SEALED_MAX)
		return -EBADMSG;
	v->len = nla_len(tb[out_attr]);
	memcpy(v->buf, nla_data(tb[out_attr]), v->len);
	return 0;
}

FIXTURE_SETUP(policy)
{
	const char *why;
	int32_t s32;
	uint8_t b[CPNS_SEALED_MAX];
	int err = 0;

	self->c = cspec_of(variant->cmd);
	ASSERT_NE(NULL, self->c);
	why = resolve(self->c);
	ASSERT_EQ(NULL, why) TH_LOG("%s: %s", self->c->name, why);
	self->ring = tk_fresh_node();
	ASSERT_LT(0, self->ring) TH_LOG("tk_fresh_keyring: %d", self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t) TH_LOG("tgenl_open: %s", strerror(errno));

	fill(self->psk, 32, 0x10);
	fill(self->master, 32, 0x20);
	fill(self->tk, 32, 0x30);
	ASSERT_LT(0, tk_add("psk:" GW, self->psk, 32, self->ring));
	ASSERT_LT(0, tk_add("master:" MASTER, self->master, 32, self->ring));
	ASSERT_LT(0, tk_add("tk:" PNE, self->tk, 32, self->ring));

	s32 = self->ring;
	val_set(self, CPNS_A_KEYRING, &s32, 4);
	val_str(self, CPNS_A_GW_ID, GW);
	val_str(self, CPNS_A_USER_ID, USER);
	val_str(self, CPNS_A_MASTER, MASTER);
	val_str(self, CPNS_A_OWNER, USER);

	switch (self->c->cmd) {
	case CPNS_CMD_GW_REQUEST:
		val_str(self, CPNS_A_ENTITY_ID, PNE);
		ref_hpw(PASSWORD, strlen(PASSWORD), b);
		val_set(self, CPNS_A_HPW, b, 32);
		val_str(self, CPNS_A_CLAIM_CODE, CLAIM);
		break;
	case CPNS_CMD_GW_RESPONSE: {
		struct fx_req req;
		uint8_t top[32], kek[32], st = CPNS_OK;
		size_t len;

		err = fx_gw_request(self->t, self->ring, GW, USER, ENT_RESP, NULL,
				    NULL, &req);
		ASSERT_EQ(0, err) TH_LOG("GW_REQUEST: %d", err);
		fill(top, 32, 0x40);
		fill(kek, 32, 0x50);
		len = fx_seal_ok_response(self->psk, GW, USER, ENT_RESP, &req, 8,
					  top, 1, kek, b);
		val_str(self, CPNS_A_ENTITY_ID, ENT_RESP);
		val_set(self, CPNS_A_RAND, req.rand, 32);
		val_set(self, CPNS_A_TIME, &req.t, 8);
		val_set(self, CPNS_A_STATUS, &st, 1);
		val_set(self, CPNS_A_SEALED, b, len);
		break;
	}
	case CPNS_CMD_GW_DELIVER:
	case CPNS_CMD_GW_CONFIRM: {
		struct fx_chain c = FX_CHAIN_INIT(GW, USER, ENT_CHAIN);
		char line[160];

		memcpy(c.psk, self->psk, 32);
		fill(c.top, 32, 0x60);
		fill(c.kek, 32, 0x70);
		err = fx_make_chain(self->t, self->ring, &c);
		ASSERT_EQ(0, err) TH_LOG("chain: %d", err);
		self->chain = c;
		val_str(self, CPNS_A_ENTITY_ID, ENT_CHAIN);
		if (self->c->cmd == CPNS_CMD_GW_CONFIRM) {
			struct nlattr *tb[CPNS_A_MAX + 1];
			struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_GW_DELIVER);
			uint16_t i = 1;
			uint8_t code = CPNS_ACCEPTED, euk[32];

			nla_put_s32(m, CPNS_A_KEYRING, self->ring);
			fx_put_id(m, CPNS_A_ENTITY_ID, ENT_CHAIN);
			err = fx_call(self->t, m, tb, NULL);
			ASSERT_EQ(0, err) TH_LOG("GW_DELIVER: %d", err);
			ASSERT_NE(NULL, tb[CPNS_A_CHALLENGE]);
			ASSERT_EQ(16, nla_len(tb[CPNS_A_CHALLENGE]));
			ASSERT_NE(NULL, tb[CPNS_A_INDEX]);
			ASSERT_EQ(1, nla_get_u16(tb[CPNS_A_INDEX]));
			fx_chain_key(&c, 1, euk);
			ref_confirm(euk, ENT_CHAIN, c.e, 1,
				    nla_data(tb[CPNS_A_CHALLENGE]), b);
			val_set(self, CPNS_A_INDEX, &i, 2);
			val_set(self, CPNS_A_CODE, &code, 1);
			val_set(self, CPNS_A_CONFIRM, b, 32);
		}
		ASSERT_EQ(0, tk_proc_keys_line(c.serial, line, sizeof(line)));
		fx_chain_describe(&c, 0, self->chain_line, sizeof(self->chain_line));
		ASSERT_STREQ(self->chain_line, line);
		break;
	}
	case CPNS_CMD_PNE_ACCEPT: {
		struct fx_delivery d;
		uint8_t top[32], euk[32];

		fill(top, 32, 0x80);
		ref_chain_key(top, 8, 1, euk);
		fx_seal_delivery(self->tk, 32, PNE, 1, 1, 8, euk, &d);
		val_str(self, CPNS_A_ENTITY_ID, PNE);
		val_set(self, CPNS_A_EPOCH, &d.e, 4);
		val_set(self, CPNS_A_INDEX, &d.i, 2);
		val_set(self, CPNS_A_N, &d.n, 2);
		val_set(self, CPNS_A_CHALLENGE, d.challenge, 16);
		val_set(self, CPNS_A_SEALED, d.sealed, sizeof(d.sealed));
		break;
	}
	case CPNS_CMD_SRV_SEAL_USER:
		val_str(self, CPNS_A_PASSWORD, PASSWORD);
		break;
	case CPNS_CMD_SRV_SEAL_ENTITY:
		val_str(self, CPNS_A_ENTITY_ID, PNE);
		val_set(self, CPNS_A_TK, self->tk, 32);
		val_str(self, CPNS_A_CLAIM_CODE, CLAIM);
		break;
	case CPNS_CMD_SRV_OPEN_REQUEST:
	case CPNS_CMD_SRV_RESPOND: {
		uint8_t rand[32], st = CPNS_OK;
		uint64_t t = time(NULL);
		uint32_t e = 0;
		uint16_t n = 8;
		size_t len;

		fill(rand, 32, 0x90);
		len = seal_request(self->psk, rand, t, b);
		val_set(self, CPNS_A_RAND, rand, 32);
		val_set(self, CPNS_A_TIME, &t, 8);
		val_set(self, CPNS_A_SEALED, b, len);
		if (self->c->cmd == CPNS_CMD_SRV_OPEN_REQUEST)
			break;
		val_set(self, CPNS_A_STATUS, &st, 1);
		val_set(self, CPNS_A_EPOCH, &e, 4);
		val_set(self, CPNS_A_N, &n, 2);
		err = seal_record(self, CPNS_CMD_SRV_SEAL_USER, CPNS_A_USER_RECORD,
				  val_of(self, CPNS_A_USER_RECORD));
		ASSERT_EQ(0, err) TH_LOG("SRV_SEAL_USER: %d", err);
		err = seal_record(self, CPNS_CMD_SRV_SEAL_ENTITY, CPNS_A_ENTITY_RECORD,
				  val_of(self, CPNS_A_ENTITY_RECORD));
		ASSERT_EQ(0, err) TH_LOG("SRV_SEAL_ENTITY: %d", err);
		break;
	}
	default:
		break;
	}
	ASSERT_EQ(0, fx_counters(self->t, self->counters));
}

FIXTURE_TEARDOWN(policy)
{
	tgenl_close(self->t);
}

/*
 * What the baseline's success must look like; NULL when it does, else
 * what is wrong.
 */
static const char *baseline_result(FIXTURE_DATA(policy) *self, struct nlattr **tb)
{
	char line[160];

	switch (self->c->cmd) {
	case CPNS_CMD_GET_INFO:
		return tb[CPNS_A_PROFILE] ? NULL : "no CPNS_A_PROFILE";
	case CPNS_CMD_GW_REQUEST:
		return tb[CPNS_A_SEALED] && tb[CPNS_A_RAND] ? NULL : "no sealed request";
	case CPNS_CMD_GW_RESPONSE:
		if (!tb[CPNS_A_STATUS] || nla_get_u8(tb[CPNS_A_STATUS]) != CPNS_OK ||
		    !tb[CPNS_A_KEY_SERIAL])
			return "no OK with a key serial";
		return tk_held_search("chain:" ENT_RESP) > 0 ? NULL : "no chain: key";
	case CPNS_CMD_GW_DELIVER:
		return tb[CPNS_A_INDEX] && nla_get_u16(tb[CPNS_A_INDEX]) == 1 ?
			NULL : "not index 1";
	case CPNS_CMD_GW_CONFIRM:
		if (!tb[CPNS_A_DELIVERED] || nla_get_u16(tb[CPNS_A_DELIVERED]) != 1)
			return "not delivered=1";
		if (tk_proc_keys_line(self->chain.serial, line, sizeof(line)) ||
		    !strstr(line, "delivered=1 "))
			return "chain: does not say delivered=1";
		return NULL;
	case CPNS_CMD_PNE_ACCEPT:
		if (!tb[CPNS_A_CODE] || nla_get_u8(tb[CPNS_A_CODE]) != CPNS_ACCEPTED ||
		    !tb[CPNS_A_ACCEPT_KIND] ||
		    nla_get_u8(tb[CPNS_A_ACCEPT_KIND]) != CPNS_ACCEPT_FIRST)
			return "not ACCEPTED as FIRST";
		return tk_held_search("euk:" PNE) > 0 ? NULL : "no euk: key";
	case CPNS_CMD_SRV_SEAL_USER:
		return tb[CPNS_A_USER_RECORD] ? NULL : "no user record";
	case CPNS_CMD_SRV_SEAL_ENTITY:
		return tb[CPNS_A_ENTITY_RECORD] ? NULL : "no entity record";
	case CPNS_CMD_SRV_OPEN_REQUEST:
		return tb[CPNS_A_STATUS] && nla_get_u8(tb[CPNS_A_STATUS]) == CPNS_OK &&
		       tb[CPNS_A_VERIFIED] ? NULL : "not a verified OK";
	case CPNS_CMD_SRV_RESPOND:
		return tb[CPNS_A_STATUS] && nla_get_u8(tb[CPNS_A_STATUS]) == CPNS_OK &&
		       tb[CPNS_A_CHAIN_RECORD] ? NULL : "not OK with a chain";
	}
	return "unknown command";
}

/* NULL when nothing observable changed since the set-up, else what did. */
static const char *changed(FIXTURE_DATA(policy) *self)
{
	static char why[256];
	uint64_t now[CPNS_COUNTER_A_MAX + 1];
	char line[160];
	int i;

	if (fx_counters(self->t, now))
		return "GET_INFO failed";
	/* everything but the answered/refused totals */
	for (i = CPNS_COUNTER_A_ERRORS + 1; i <= CPNS_COUNTER_A_MAX; i++)
		if (now[i] != self->counters[i]) {
			snprintf(why, sizeof(why), "counter %d moved from %llu to %llu",
				 i, (unsigned long long)self->counters[i],
				 (unsigned long long)now[i]);
			return why;
		}
	if (tk_held_search("chain:" ENT_RESP) != -ENOKEY)
		return "a chain:" ENT_RESP " key exists";
	if (tk_held_search("euk:" PNE) != -ENOKEY)
		return "a euk:" PNE " key exists";
	if (self->chain.serial) {
		if (tk_proc_keys_line(self->chain.serial, line, sizeof(line)))
			return "the chain: key is gone";
		if (strcmp(line, self->chain_line)) {
			snprintf(why, sizeof(why), "chain: now says \"%s\"", line);
			return why;
		}
	}
	return NULL;
}

/*
 * Send the baseline with mu, check the answer; returns the number of
 * failed checks (each logged).
 */
static int try_mut(struct __test_metadata *_metadata, FIXTURE_DATA(policy) *self,
		   const struct mut *mu)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct fx_ack ack;
	const char *why;
	int bad = 0, err;

	err = fx_call(self->t, build(self, self->t, mu), tb, &ack);
#define CHECK(cond, fmt, ...) do {					\
		if (!(cond)) {						\
			bad++;						\
			TH_LOG("%s %s %s: " fmt, self->c->name,	\
			       aname(mu->attr), mu->what, ##__VA_ARGS__); \
		}							\
	} while (0)
	CHECK(err == mu->err, "errno %d (%s), want %d (%s); extack \"%s\"",
	      err, strerror(-err), mu->err, strerror(-mu->err), ack.msg);
	if (mu->err) {
		if (mu->msg)
			CHECK(!strcmp(ack.msg, mu->msg), "extack \"%s\", want \"%s\"",
			      ack.msg, mu->msg);
		else
			CHECK(ack.msg[0], "no extack message");
		if (mu->check_bad)
			CHECK(ack.bad_attr == mu->attr,
			      "extack points at attribute %d (%s), want %d",
			      ack.bad_attr, aname(ack.bad_attr), mu->attr);
		if (mu->check_miss)
			CHECK(ack.miss_type == mu->attr,
			      "extack names missing attribute %d (%s), want %d",
			      ack.miss_type, aname(ack.miss_type), mu->attr);
	} else if (mu->status >= 0) {
		CHECK(tb[CPNS_A_STATUS] && nla_get_u8(tb[CPNS_A_STATUS]) == mu->status,
		      "status %d, want %d",
		      tb[CPNS_A_STATUS] ? nla_get_u8(tb[CPNS_A_STATUS]) : -1, mu->status);
	}
	why = changed(self);
	CHECK(!why, "after it: %s", why);
#undef CHECK
	return bad;
}

/* After every refusal, the baseline itself still goes through. */
static void baseline_ok(struct __test_metadata *_metadata, FIXTURE_DATA(policy) *self)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct fx_ack ack;
	const char *why;

	ASSERT_EQ(0, fx_call(self->t, build(self, self->t, NULL), tb, &ack))
		TH_LOG("%s baseline: extack \"%s\"", self->c->name, ack.msg);
	why = baseline_result(self, tb);
	EXPECT_EQ(NULL, why) TH_LOG("%s baseline: %s", self->c->name, why);
}

TEST_F(policy, baseline_accepted)
{
	EXPECT_EQ(NULL, changed(self)) TH_LOG("set-up moved state");
	baseline_ok(_metadata, self);
}

TEST_F(policy, missing_required_attribute)
{
	int i, bad = 0, n = 0;

	for (i = 0; i < MAX_SPECS && self->c->a[i].attr; i++) {
		struct mut mu = {
			.mode = M_OMIT, .attr = self->c->a[i].attr,
			.err = -EINVAL, .msg = MSG_MISSING, .check_miss = true,
			.status = -1,
		};

		if (!self->c->a[i].req)
			continue;
		snprintf(mu.what, sizeof(mu.what), "missing");
		bad += try_mut(_metadata, self, &mu);
		n++;
	}
	TH_LOG("%s: %d required attributes left out, %d checks failed",
	       self->c->name, n, bad);
	EXPECT_EQ(0, bad);
	baseline_ok(_metadata, self);
}

TEST_F(policy, wrong_length_type_or_form)
{
	static struct mut mu;	/* big: not on the stack */
	int i, k, bad = 0, n = 0;

	for (i = 0; i < MAX_SPECS && self->c->a[i].attr; i++) {
		for (k = 0; ; k++) {
			memset(&mu, 0, sizeof(mu));
			if (!bad_value(&self->c->a[i], k, &mu))
				break;
			mu.attr = self->c->a[i].attr;
			bad += try_mut(_metadata, self, &mu);
			n++;
		}
	}
	TH_LOG("%s: %d wrong values, %d checks failed", self->c->name, n, bad);
	EXPECT_EQ(0, bad);
	baseline_ok(_metadata, self);
}

/* Every attribute of the uapi the command does not take (another command's). */
TEST_F(policy, attribute_of_another_command)
{
	static struct mut mu;
	int attr, bad = 0, n = 0;

	for (attr = CPNS_A_UNSPEC + 1; attr <= CPNS_A_MAX; attr++) {
		if (takes(self->c, attr))
			continue;
		memset(&mu, 0, sizeof(mu));
		mu.mode = M_ADD;
		mu.attr = attr;
		mu.len = 4;
		snprintf(mu.what, sizeof(mu.what), "not taken by this command");
		mu.err = -EINVAL;
		mu.msg = MSG_UNSUPPORTED;
		mu.check_bad = true;
		mu.status = -1;
		bad += try_mut(_metadata, self, &mu);
		n++;
	}
	TH_LOG("%s: %d foreign attributes, %d checks failed", self->c->name, n, bad);
	EXPECT_EQ(0, bad);
	baseline_ok(_metadata, self);
}

TEST_F(policy, attribute_number_out_of_range)
{
	static const int types[] = { CPNS_A_MAX + 1, CPNS_A_MAX + 2, 255, 0x3fff,
				     CPNS_A_UNSPEC };
	static struct mut mu;
	size_t k;
	int bad = 0;

	for (k = 0; k < ARRAY_SIZE(types); k++) {
		memset(&mu, 0, sizeof(mu));
		mu.mode = M_ADD;
		mu.attr = types[k];
		mu.len = 4;
		snprintf(mu.what, sizeof(mu.what), "attribute number %d", types[k]);
		mu.err = -EINVAL;
		mu.msg = MSG_UNKNOWN;
		mu.check_bad = true;
		mu.status = -1;
		bad += try_mut(_metadata, self, &mu);
	}
	EXPECT_EQ(0, bad);
	baseline_ok(_metadata, self);
}

/*
 * In a child that is uid 1000 without any capability: the baseline, the
 * request with nothing in it and one with a bad attribute all get EPERM
 * (the permission is checked before anything else).  Exit status: the
 * number of wrong answers, 100 + errno when the child could not start.
 */
static int unprivileged_child(FIXTURE_DATA(policy) *self)
{
	static struct mut bogus = { .mode = M_ADD, .attr = CPNS_A_MAX + 1, .len = 4 };
	struct tgenl *t;
	struct fx_ack ack;
	int err, wrong = 0;

	err = tgenl_drop_privileges(UNPRIV_UID);
	if (err)
		return 100 + (-err & 0x3f);
	t = tgenl_open();
	if (!t)
		return 100 + (errno & 0x3f);
	err = fx_call(t, build(self, t, NULL), NULL, &ack);
	if (err != -EPERM) {
		fprintf(stderr, "# %s baseline unprivileged: %d (%s)\n",
			self->c->name, err, ack.msg);
		wrong++;
	}
	err = fx_call(t, tgenl_msg(t, self->c->cmd), NULL, &ack);
	if (err != -EPERM) {
		fprintf(stderr, "# %s empty unprivileged: %d (%s)\n",
			self->c->name, err, ack.msg);
		wrong++;
	}
	err = fx_call(t, build(self, t, &bogus), NULL, &ack);
	if (err != -EPERM) {
		fprintf(stderr, "# %s bad attribute unprivileged: %d (%s)\n",
			self->c->name, err, ack.msg);
		wrong++;
	}
	tgenl_close(t);
	return wrong;
}

TEST_F(policy, unprivileged_caller)
{
	const char *why;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(unprivileged_child(self));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("%s: exit %d (>= 100: set-up failed, errno %d)",
		       self->c->name, WEXITSTATUS(status), WEXITSTATUS(status) - 100);
	why = changed(self);
	EXPECT_EQ(NULL, why) TH_LOG("%s", why);
	baseline_ok(_metadata, self);
}

/* CPNS_CMD_EVENT is multicast only; it and unknown commands have no op. */
TEST(commands_without_an_op)
{
	static const uint8_t cmds_no_op[] = { CPNS_CMD_UNSPEC, CPNS_CMD_EVENT,
					      CPNS_CMD_MAX + 1, 255 };
	struct tgenl *t = tgenl_open();
	size_t k;

	ASSERT_NE(NULL, t);
	for (k = 0; k < ARRAY_SIZE(cmds_no_op); k++) {
		unsigned int cmd = cmds_no_op[k];

		EXPECT_EQ(-EOPNOTSUPP, fx_call(t, tgenl_msg(t, cmd), NULL, NULL))
			TH_LOG("command %u", cmd);
	}
	tgenl_close(t);
}

TEST_HARNESS_MAIN
