// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of client.c's reply checks (cpns_<cmd>_reply()): each
 * reply built as the module would send it, parsed with the tool's reply
 * policy (cpns_nl_parse_attrs()), then checked: a complete reply fills
 * the output exactly, a reply missing or mis-sizing what the command must
 * answer is -EPROTO.  No module needed.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "client.h"
#include "ktap.h"

#define FAKE_FAMILY 0x42

static struct nlattr *tb[CPNS_A_MAX + 1];
static struct nl_msg *reply;

/* A new reply of @cmd; attributes are put on it, then parse(). */
static struct nl_msg *start(uint8_t cmd)
{
	nlmsg_free(reply);
	reply = nlmsg_alloc();
	genlmsg_put(reply, 0, 1, FAKE_FAMILY, 0, 0, cmd, CPNS_GENL_VERSION);
	return reply;
}

/* The reply parsed with the tool's reply policy; NULL if it refuses it. */
static struct nlattr **parse(void)
{
	memset(tb, 0, sizeof(tb));
	if (cpns_nl_parse_attrs(nlmsg_hdr(reply), tb))
		return NULL;
	return tb;
}

/* The same without any policy: the client's own checks, alone. */
static struct nlattr **parse_raw(void)
{
	memset(tb, 0, sizeof(tb));
	if (genlmsg_parse(nlmsg_hdr(reply), 0, tb, CPNS_A_MAX, NULL))
		return NULL;
	return tb;
}

static const uint8_t bytes[CPNS_WIRE_SEALED_MAX + 1] = { 1, 2, 3, 4 };

static void test_gw_request(void)
{
	struct cpns_wire_request *q = calloc(1, sizeof(*q));

	start(CPNS_CMD_GW_REQUEST);
	nla_put(reply, CPNS_A_RAND, CPNS_RAND_LEN, bytes);
	nla_put_u64(reply, CPNS_A_TIME, 1700000000);
	nla_put(reply, CPNS_A_SEALED, 60, bytes);
	KTAP_CHECK(cpns_gw_request_reply(parse(), q) == 0 && q->t == 1700000000 &&
		   q->sealed_len == 60 && q->rand[0] == 1 && q->sealed[3] == 4,
		   "GW_REQUEST: RAND, T and the sealed body taken");
	start(CPNS_CMD_GW_REQUEST);
	nla_put(reply, CPNS_A_RAND, CPNS_RAND_LEN, bytes);
	nla_put(reply, CPNS_A_SEALED, 60, bytes);
	KTAP_CHECK(cpns_gw_request_reply(parse(), q) == -EPROTO,
		   "GW_REQUEST without T: -EPROTO");
	start(CPNS_CMD_GW_REQUEST);
	nla_put(reply, CPNS_A_RAND, CPNS_RAND_LEN, bytes);
	nla_put_u64(reply, CPNS_A_TIME, 1);
	nla_put(reply, CPNS_A_SEALED, CPNS_WIRE_SEALED_MIN - 1, bytes);
	KTAP_CHECK(!parse() && cpns_gw_request_reply(parse_raw(), q) == -EPROTO,
		   "GW_REQUEST with a sealed body of 27 bytes: refused by the policy, and -EPROTO");
	free(q);
}

static void test_gw_response(void)
{
	struct cpns_gw_response_out out;

	start(CPNS_CMD_GW_RESPONSE);
	nla_put_u8(reply, CPNS_A_STATUS, CPNS_OK);
	nla_put_flag(reply, CPNS_A_VERIFIED);
	nla_put_u32(reply, CPNS_A_EPOCH, 3);
	nla_put_u16(reply, CPNS_A_N, 8);
	nla_put(reply, CPNS_A_CHAIN_ID, CPNS_CHAIN_ID_LEN, bytes);
	nla_put_s32(reply, CPNS_A_KEY_SERIAL, 1234);
	KTAP_CHECK(cpns_gw_response_reply(parse(), &out) == 0 && out.stored &&
		   out.verified && out.epoch == 3 && out.n == 8 &&
		   out.key_serial == 1234 && out.chain_id[2] == 3,
		   "GW_RESPONSE OK: the chain's E, n, ChainID and key taken");
	start(CPNS_CMD_GW_RESPONSE);
	nla_put_u8(reply, CPNS_A_STATUS, CPNS_STALE);
	KTAP_CHECK(cpns_gw_response_reply(parse(), &out) == 0 && !out.stored &&
		   !out.verified && out.status == CPNS_STALE,
		   "GW_RESPONSE STALE, unverified: nothing stored");
	start(CPNS_CMD_GW_RESPONSE);
	nla_put_flag(reply, CPNS_A_VERIFIED);
	KTAP_CHECK(cpns_gw_response_reply(parse(), &out) == -EPROTO,
		   "GW_RESPONSE without a status: -EPROTO");
}

static struct cpns_gw_deliver_out deliver_out;
static struct cpns_srv_respond_out respond_out;

static void test_gw_deliver(void)
{
	struct cpns_gw_deliver_out *out = &deliver_out;

	start(CPNS_CMD_GW_DELIVER);
	nla_put_u8(reply, CPNS_A_STATUS, CPNS_CHAIN_EXHAUSTED);
	KTAP_CHECK(cpns_gw_deliver_reply(parse(), out) == 0 && out->exhausted,
		   "GW_DELIVER CHAIN_EXHAUSTED: exhausted, nothing else needed");
	start(CPNS_CMD_GW_DELIVER);
	nla_put_u32(reply, CPNS_A_EPOCH, 2);
	nla_put_u16(reply, CPNS_A_INDEX, 5);
	nla_put_u16(reply, CPNS_A_N, 8);
	nla_put(reply, CPNS_A_CHALLENGE, CPNS_CHALLENGE_LEN, bytes);
	nla_put(reply, CPNS_A_SEALED, 60, bytes);
	KTAP_CHECK(cpns_gw_deliver_reply(parse(), out) == 0 && !out->exhausted &&
		   out->del.epoch == 2 && out->del.index == 5 &&
		   out->del.n == 8 && out->del.sealed_len == 60,
		   "GW_DELIVER: E, i, n, challenge and sealed EUKey taken");
	start(CPNS_CMD_GW_DELIVER);
	nla_put_u32(reply, CPNS_A_EPOCH, 2);
	nla_put_u16(reply, CPNS_A_INDEX, 5);
	nla_put_u16(reply, CPNS_A_N, 8);
	nla_put(reply, CPNS_A_SEALED, 60, bytes);
	KTAP_CHECK(cpns_gw_deliver_reply(parse(), out) == -EPROTO,
		   "GW_DELIVER without the challenge: -EPROTO");
}

static void test_pne_accept(void)
{
	struct cpns_pne_accept_out out;

	start(CPNS_CMD_PNE_ACCEPT);
	nla_put_u8(reply, CPNS_A_CODE, CPNS_ACCEPTED);
	nla_put_u8(reply, CPNS_A_ACCEPT_KIND, CPNS_ACCEPT_FIRST);
	nla_put(reply, CPNS_A_CONFIRM, CPNS_HASH_LEN, bytes);
	nla_put_s32(reply, CPNS_A_KEY_SERIAL, 77);
	KTAP_CHECK(cpns_pne_accept_reply(parse(), &out) == 0 &&
		   out.code == CPNS_ACCEPTED && out.has_kind &&
		   out.kind == CPNS_ACCEPT_FIRST && out.key_serial == 77 &&
		   out.confirm[1] == 2,
		   "PNE_ACCEPT ACCEPTED: kind, Confirm and key taken");
	start(CPNS_CMD_PNE_ACCEPT);
	nla_put_u8(reply, CPNS_A_CODE, CPNS_ACCEPTED);
	KTAP_CHECK(cpns_pne_accept_reply(parse(), &out) == -EPROTO,
		   "PNE_ACCEPT ACCEPTED without a Confirm: -EPROTO");
	start(CPNS_CMD_PNE_ACCEPT);
	nla_put_u8(reply, CPNS_A_CODE, CPNS_REJECT_RANGE);
	KTAP_CHECK(cpns_pne_accept_reply(parse(), &out) == 0 &&
		   out.code == CPNS_REJECT_RANGE,
		   "PNE_ACCEPT REJECT_STALE: no Confirm needed");
	start(CPNS_CMD_PNE_ACCEPT);
	KTAP_CHECK(cpns_pne_accept_reply(parse(), &out) == -EPROTO,
		   "PNE_ACCEPT without a code: -EPROTO");
}

static void test_srv_open_request(void)
{
	struct cpns_srv_open_request_out out;

	start(CPNS_CMD_SRV_OPEN_REQUEST);
	nla_put_u8(reply, CPNS_A_STATUS, CPNS_OK);
	nla_put_flag(reply, CPNS_A_VERIFIED);
	nla_put(reply, CPNS_A_USER_ID, 5, "alice");
	nla_put(reply, CPNS_A_ENTITY_ID, 8, "pne-0001");
	KTAP_CHECK(cpns_srv_open_request_reply(parse(), &out) == 0 &&
		   out.status == CPNS_OK && !strcmp(out.user_id, "alice") &&
		   !strcmp(out.entity_id, "pne-0001") && !out.claim,
		   "SRV_OPEN_REQUEST OK: UserID and EntityID taken");
	start(CPNS_CMD_SRV_OPEN_REQUEST);
	nla_put_u8(reply, CPNS_A_STATUS, CPNS_OK);
	nla_put_flag(reply, CPNS_A_VERIFIED);
	nla_put(reply, CPNS_A_USER_ID, 5, "al ce");
	nla_put(reply, CPNS_A_ENTITY_ID, 8, "pne-0001");
	KTAP_CHECK(cpns_srv_open_request_reply(parse(), &out) == 0 &&
		   out.status == CPNS_MALFORMED,
		   "SRV_OPEN_REQUEST OK with a UserID that is no identifier: MALFORMED (check 4)");
	start(CPNS_CMD_SRV_OPEN_REQUEST);
	nla_put_u8(reply, CPNS_A_STATUS, CPNS_OK);
	nla_put(reply, CPNS_A_USER_ID, 5, "alice");
	nla_put(reply, CPNS_A_ENTITY_ID, 8, "pne-0001");
	KTAP_CHECK(cpns_srv_open_request_reply(parse(), &out) == -EPROTO,
		   "SRV_OPEN_REQUEST OK but not verified: -EPROTO");
}

/* An SRV_RESPOND OK reply, the chain's record left out unless @chain_record. */
static void put_respond_ok(bool chain_record)
{
	start(CPNS_CMD_SRV_RESPOND);
	nla_put_u8(reply, CPNS_A_STATUS, CPNS_OK);
	nla_put(reply, CPNS_A_SEALED, 100, bytes);
	nla_put_u32(reply, CPNS_A_EPOCH, 1);
	nla_put_u16(reply, CPNS_A_N, 8);
	nla_put(reply, CPNS_A_CHAIN_ID, CPNS_CHAIN_ID_LEN, bytes);
	if (chain_record)
		nla_put(reply, CPNS_A_CHAIN_RECORD, 200, bytes);
	nla_put(reply, CPNS_A_ENTITY_RECORD, 150, bytes);
}

static void test_srv_respond(void)
{
	struct cpns_srv_respond_out *out = &respond_out;

	start(CPNS_CMD_SRV_RESPOND);
	nla_put_u8(reply, CPNS_A_STATUS, CPNS_STALE);
	KTAP_CHECK(cpns_srv_respond_reply(parse(), out) == 0 &&
		   out->resp.status == CPNS_STALE && !out->verified &&
		   out->resp.sealed_len == 0,
		   "SRV_RESPOND STALE by the kernel's clock: unsealed");
	put_respond_ok(true);
	nla_put_flag(reply, CPNS_A_CLAIM);
	KTAP_CHECK(cpns_srv_respond_reply(parse(), out) == 0 &&
		   out->verified && out->resp.sealed_len == 100 &&
		   out->chain_record.len == 200 &&
		   out->entity_record.len == 150 && out->claimed &&
		   out->n == 8,
		   "SRV_RESPOND OK: response, records and chain taken");
	put_respond_ok(false);
	KTAP_CHECK(cpns_srv_respond_reply(parse(), out) == -EPROTO,
		   "SRV_RESPOND OK without the chain's record: -EPROTO");
	start(CPNS_CMD_SRV_RESPOND);
	nla_put_u8(reply, CPNS_A_STATUS, CPNS_AUTH_FAILED);
	KTAP_CHECK(cpns_srv_respond_reply(parse(), out) == -EPROTO,
		   "SRV_RESPOND AUTH_FAILED without the sealed response: -EPROTO");
}

static void test_records_and_info(void)
{
	struct cpns_record *rec = calloc(1, sizeof(*rec));
	struct cpns_info *info = calloc(1, sizeof(*info));
	struct nlattr *nest;
	int32_t serial = 0;

	start(CPNS_CMD_SRV_SEAL_USER);
	nla_put(reply, CPNS_A_USER_RECORD, 120, bytes);
	KTAP_CHECK(cpns_srv_seal_user_reply(parse(), rec) == 0 &&
		   rec->len == 120 && rec->data[0] == 1,
		   "SRV_SEAL_USER: the record taken");
	start(CPNS_CMD_SRV_SEAL_ENTITY);
	KTAP_CHECK(cpns_srv_seal_entity_reply(parse(), rec) == -EPROTO,
		   "SRV_SEAL_ENTITY without a record: -EPROTO");
	start(CPNS_CMD_KEY_LOAD);
	KTAP_CHECK(cpns_key_load_reply(parse(), &serial) == -EPROTO,
		   "KEY_LOAD without a serial: -EPROTO");
	start(CPNS_CMD_GET_INFO);
	nla_put_string(reply, CPNS_A_VERSION, "1.2.3");
	nla_put_string(reply, CPNS_A_PROFILE, CPNS_PROFILE);
	nest = nla_nest_start(reply, CPNS_A_COUNTERS);
	nla_put_u64(reply, CPNS_COUNTER_A_REFUSED, 9);
	nla_nest_end(reply, nest);
	KTAP_CHECK(cpns_get_info_reply(parse(), info) == 0 &&
		   !strcmp(info->version, "1.2.3") &&
		   !strcmp(info->profile, CPNS_PROFILE) &&
		   info->ncounters == 1 &&
		   info->counters[0].type == CPNS_COUNTER_A_REFUSED &&
		   info->counters[0].value == 9,
		   "GET_INFO: version, profile and counters taken");
	free(rec);
	free(info);
}

int main(void)
{
	KTAP_BEGIN(24);
	test_gw_request();
	test_gw_response();
	test_gw_deliver();
	test_pne_accept();
	test_srv_open_request();
	test_srv_respond();
	test_records_and_info();
	nlmsg_free(reply);
	return KTAP_END();
}
