/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The typed client of the cpns module: one function per CPNS_CMD_*, each
 * with an input and an output struct, so that no subcommand builds a
 * netlink message or reads an attribute itself (with nl.c and names.c,
 * this is the only user of CPNS_A_*).
 *
 * Every cpns_<cmd>() returns 0 or a negative errno, and nothing else:
 *   - the kernel's errno for a refused command, told on stderr as
 *     "cpnsctl: <op>: <strerror>" with the kernel's extended ACK;
 *   - -ENOMEM / -EMSGSIZE when the request could not be built, told;
 *   - -EPROTO when the module's reply lacks what the command must
 *     answer (cpns_<cmd>_reply() below), told as
 *     "cpnsctl: <op>: incomplete reply from the module".
 * A protocol status or code is never a return value: it is a field of
 * the output struct.  A request that carries a secret (H(password), a
 * password, a TK, a claim code) is wiped before it is freed.
 *
 * cpns_<cmd>_reply() is the reply check of each command on its own: it
 * fills @out from a parsed reply @tb (CPNS_A_MAX + 1 entries), 0 or
 * -EPROTO; public for the unit tests (tests/test_client.c).
 */
#ifndef CPNS_CLIENT_H
#define CPNS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl.h"
#include "wire.h"

/* The largest sealed record (user, entity, chain) a reply may carry. */
#define CPNS_CLIENT_RECORD_MAX 1024	/* = STORE_RECORD_MAX */

/* Open the module's family, telling why not: 0 or a cpnsctl exit code. */
int cpns_client_connect(struct cpns_nl **nl);

/* CPNS_CMD_GET_INFO */
#define CPNS_CLIENT_COUNTERS_MAX 64
struct cpns_info {
	char version[64];		/* "" when the module sent none */
	char profile[64];
	size_t ncounters;
	struct {
		int type;		/* enum cpns_counter */
		uint64_t value;
	} counters[CPNS_CLIENT_COUNTERS_MAX];
};
int cpns_get_info(struct cpns_nl *nl, struct cpns_info *out);
int cpns_get_info_reply(struct nlattr **tb, struct cpns_info *out);

/* CPNS_CMD_GW_REQUEST: *out is the REQUEST frame to send, gw_id set. */
struct cpns_gw_request_in {
	int32_t keyring;
	const char *gw_id, *user_id, *entity_id;
	const uint8_t *hpw;		/* CPNS_HASH_LEN bytes */
	const uint8_t *claim_code;	/* NULL: no claim */
	size_t claim_code_len;
};
int cpns_gw_request(struct cpns_nl *nl, const struct cpns_gw_request_in *in,
		    struct cpns_wire_request *out);
int cpns_gw_request_reply(struct nlattr **tb, struct cpns_wire_request *out);

/* CPNS_CMD_GW_RESPONSE */
struct cpns_gw_response_in {
	int32_t keyring;
	const char *gw_id, *user_id, *entity_id;
	const uint8_t *rand;		/* CPNS_RAND_LEN bytes, of the request */
	uint64_t t;
	const struct cpns_wire_response *resp;	/* as received */
};
struct cpns_gw_response_out {
	uint8_t status;
	bool verified;
	bool stored;			/* OK and the chain's facts present */
	uint32_t epoch;
	uint16_t n;
	uint8_t chain_id[CPNS_CHAIN_ID_LEN];
	int32_t key_serial;		/* 0: not told */
};
int cpns_gw_response(struct cpns_nl *nl, const struct cpns_gw_response_in *in,
		     struct cpns_gw_response_out *out);
int cpns_gw_response_reply(struct nlattr **tb,
			   struct cpns_gw_response_out *out);

/*
 * CPNS_CMD_GW_DELIVER: *exhausted, or *out is the DELIVERY frame to send
 * (entity_id set from @entity_id).
 */
struct cpns_gw_deliver_in {
	int32_t keyring;
	const char *entity_id;
};
struct cpns_gw_deliver_out {
	bool exhausted;			/* CHAIN_EXHAUSTED: nothing else */
	struct cpns_wire_delivery del;
};
int cpns_gw_deliver(struct cpns_nl *nl, const struct cpns_gw_deliver_in *in,
		    struct cpns_gw_deliver_out *out);
int cpns_gw_deliver_reply(struct nlattr **tb, struct cpns_gw_deliver_out *out);

/* CPNS_CMD_GW_CONFIRM */
struct cpns_gw_confirm_in {
	int32_t keyring;
	const char *entity_id;
	uint16_t index;
	uint8_t code;
	const uint8_t *confirm;		/* CPNS_HASH_LEN bytes, when ACCEPTED */
};
struct cpns_gw_confirm_out {
	bool has_delivered;
	uint16_t delivered;		/* the last confirmed index */
};
int cpns_gw_confirm(struct cpns_nl *nl, const struct cpns_gw_confirm_in *in,
		    struct cpns_gw_confirm_out *out);
int cpns_gw_confirm_reply(struct nlattr **tb, struct cpns_gw_confirm_out *out);

/* CPNS_CMD_PNE_ACCEPT: @d as received (its entity_id already checked). */
struct cpns_pne_accept_in {
	int32_t keyring;
	const struct cpns_wire_delivery *d;
};
struct cpns_pne_accept_out {
	uint8_t code;
	bool has_kind;
	uint8_t kind;			/* enum cpns_accept_kind */
	uint8_t confirm[CPNS_HASH_LEN];	/* when ACCEPTED */
	int32_t key_serial;		/* 0: not told */
};
int cpns_pne_accept(struct cpns_nl *nl, const struct cpns_pne_accept_in *in,
		    struct cpns_pne_accept_out *out);
int cpns_pne_accept_reply(struct nlattr **tb, struct cpns_pne_accept_out *out);

/* CPNS_CMD_PNE_RESET: a bare ACK. */
int cpns_pne_reset(struct cpns_nl *nl, const char *entity_id);

/* CPNS_CMD_KEY_LOAD: @blob is "load HEX"; *serial the key restored. */
int cpns_key_load(struct cpns_nl *nl, int32_t keyring, const char *blob,
		  size_t blob_len, int32_t *serial);
int cpns_key_load_reply(struct nlattr **tb, int32_t *serial);

/* A sealed record of the store, as a reply carries it. */
struct cpns_record {
	size_t len;
	uint8_t data[CPNS_CLIENT_RECORD_MAX];
};

/* CPNS_CMD_SRV_SEAL_USER */
struct cpns_srv_seal_user_in {
	int32_t keyring;
	const char *master, *user_id;
	const uint8_t *password;
	size_t password_len;
};
int cpns_srv_seal_user(struct cpns_nl *nl,
		       const struct cpns_srv_seal_user_in *in,
		       struct cpns_record *out);
int cpns_srv_seal_user_reply(struct nlattr **tb, struct cpns_record *out);

/* CPNS_CMD_SRV_SEAL_ENTITY */
struct cpns_srv_seal_entity_in {
	int32_t keyring;
	const char *master, *entity_id;
	const uint8_t *tk;
	size_t tk_len;
	const char *claim_code;
	size_t claim_code_len;
};
int cpns_srv_seal_entity(struct cpns_nl *nl,
			 const struct cpns_srv_seal_entity_in *in,
			 struct cpns_record *out);
int cpns_srv_seal_entity_reply(struct nlattr **tb, struct cpns_record *out);

/*
 * CPNS_CMD_SRV_OPEN_REQUEST: checks 1, 2 and 4.  An OK whose UserID or
 * EntityID is not an identifier becomes MALFORMED (check 4); an OK that
 * is not verified is an incomplete reply.
 */
struct cpns_srv_open_request_out {
	uint8_t status;
	bool verified;
	bool claim;
	char user_id[CPNS_ID_MAX_LEN + 1];	/* when OK */
	char entity_id[CPNS_ID_MAX_LEN + 1];
};
int cpns_srv_open_request(struct cpns_nl *nl, int32_t keyring,
			  const struct cpns_wire_request *q,
			  struct cpns_srv_open_request_out *out);
int cpns_srv_open_request_reply(struct nlattr **tb,
				struct cpns_srv_open_request_out *out);

/* CPNS_CMD_SRV_RESPOND: checks 6 to 9 and the sealed response. */
struct cpns_srv_respond_in {
	int32_t keyring;
	const char *master;
	const struct cpns_wire_request *q;	/* as received */
	uint8_t status;			/* OK: decide here; else the refusal */
	const uint8_t *user_record;	/* NULL: unknown user */
	size_t user_record_len;
	const uint8_t *entity_record;	/* NULL: not in the list */
	size_t entity_record_len;
	const char *owner;		/* NULL or "": none listed */
	uint32_t epoch;
	uint16_t n;
};
struct cpns_srv_respond_out {
	struct cpns_wire_response resp;	/* the RESPONSE to send */
	bool verified;			/* false: STALE by the kernel's clock */
	/* When resp.status is OK: */
	uint32_t epoch;
	uint16_t n;
	uint8_t chain_id[CPNS_CHAIN_ID_LEN];
	struct cpns_record chain_record;
	struct cpns_record entity_record;	/* the entity's next state */
	bool claimed;
};
int cpns_srv_respond(struct cpns_nl *nl, const struct cpns_srv_respond_in *in,
		     struct cpns_srv_respond_out *out);
int cpns_srv_respond_reply(struct nlattr **tb,
			   struct cpns_srv_respond_out *out);

/*
 * A CPNS_CMD_EVENT of the "events" group (cpns_nl_recv_events()'s @tb),
 * decoded: each field with its has_ flag, identifiers NUL-terminated
 * ("" when absent).  0, or -EPROTO for an identifier over 64 bytes.
 */
struct cpns_event_info {
	uint8_t event;			/* enum cpns_event, 0 when absent */
	char entity_id[CPNS_ID_MAX_LEN + 1];
	char gw_id[CPNS_ID_MAX_LEN + 1];
	char user_id[CPNS_ID_MAX_LEN + 1];
	bool has_epoch, has_index, has_n, has_status, has_code, has_kind;
	bool has_chain_id, has_key_serial, verified;
	uint32_t epoch;
	uint16_t index, n;
	uint8_t status, code, kind;
	uint8_t chain_id[CPNS_CHAIN_ID_LEN];
	int32_t key_serial;
};
int cpns_event_parse(struct nlattr **tb, struct cpns_event_info *ev);

#endif /* CPNS_CLIENT_H */
