// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the roles themselves: kmod/gw.c, pne.c and server.c (with
 * key.c, blob.c, record.c and profile.c) over kshim/ and the fuzz key
 * shim's keyring core, called as netlink.c calls them, with plain in and
 * out structs.  One round on one host: the server seals its records,
 * the GW builds a request, the server checks it and answers, the GW
 * takes the response into chain:, delivers, the PNE accepts into euk:,
 * the GW checks the Confirm; and refusals with their exact errno: an
 * unknown psk:, a response taken twice, a tampered request, a wrong
 * index, a bad Confirm, a request of a released socket or past its
 * lifetime.  Prints KTAP.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/timekeeping.h>
#include <net/net_namespace.h>
#include "../../kmod/gw.h"
#include "../../kmod/pne.h"
#include "../../kmod/server.h"
#include "../fuzz/key_shim.h"
#include "ktest.h"

static time64_t kclock = 1700000000;
static struct notifier_block *kshim_nb;

time64_t ktime_get_real_seconds(void)
{
	return kclock;
}

int netlink_register_notifier(struct notifier_block *nb)
{
	kshim_nb = nb;
	return 0;
}

int netlink_unregister_notifier(struct notifier_block *nb)
{
	kshim_nb = NULL;
	return 0;
}

/* The GW tool's socket @portid is released. */
static void release(u32 portid)
{
	struct netlink_notify n = { &init_net, portid, NETLINK_GENERIC };

	kshim_nb->notifier_call(kshim_nb, NETLINK_URELEASE, &n);
}

static const u8 psk[CPNS_PSK_LEN] = { 0x50, 0x53, 0x4b };
static const u8 master[CPNS_MASTER_LEN] = { 0x4d };
static const u8 tk[16] = { 0x54, 0x4b };
static const char code[] = "CLAIM-CODE-0001";
static const char password[] = "correct horse";

static struct cpns_srv_record_out urec, erec;
static struct cpns_gw_request_out req;
static struct cpns_srv_respond_out resp;
static struct cpns_gw_deliver_out del;
static struct cpns_pne_accept_in acc_in;

static key_ref_t ring(void)
{
	return kshim_keyring();
}

static int gw_request(const char *gw, u32 portid, struct cpns_gw_request_out *out,
		      struct netlink_ext_ack *ext)
{
	static u8 hpw[CPNS_HASH_LEN];
	struct cpns_gw_request_in in = { .portid = portid };
	key_ref_t k = ring();
	int ret;

	cpns_sha256(&(struct cpns_buf){ (const u8 *)password, strlen(password) },
		    1, hpw);
	set_id(&in.gw, gw);
	set_id(&in.user, "alice");
	set_id(&in.entity, "ent1");
	in.hpw = hpw;
	in.code = (const u8 *)code;
	in.codelen = strlen(code);
	memset(out, 0, sizeof(*out));
	ret = cpns_gw_request(&init_net, k, &in, out, ext);
	key_ref_put(k);
	return ret;
}

static void fill_response(struct cpns_gw_response_in *in,
			  const struct cpns_gw_request_out *r, u8 status,
			  const u8 *sealed, size_t len)
{
	memset(in, 0, sizeof(*in));
	set_id(&in->gw, "gw1");
	set_id(&in->user, "alice");
	set_id(&in->entity, "ent1");
	memcpy(in->rand, r->rand, CPNS_RAND_LEN);
	in->t = r->t;
	in->status = status;
	in->sealed = sealed;
	in->sealedlen = len;
}

static int gw_response(const struct cpns_gw_response_in *in,
		       struct cpns_gw_response_out *out)
{
	key_ref_t k = ring();
	int ret;

	memset(out, 0, sizeof(*out));
	ret = cpns_gw_response(&init_net, k, in, out, NULL);
	key_ref_put(k);
	return ret;
}

static void test_seal(void)
{
	struct cpns_srv_seal_user_in u = { .password = (const u8 *)password,
					   .pwlen = strlen(password) };
	struct cpns_srv_seal_entity_in e = { .tk = tk, .tklen = sizeof(tk),
					     .code = (const u8 *)code,
					     .codelen = strlen(code) };
	key_ref_t k = ring();

	set_id(&u.master, "m1");
	set_id(&u.user, "alice");
	set_id(&e.master, "m1");
	set_id(&e.entity, "ent1");
	result(!cpns_srv_seal_user(k, &u, &urec, NULL) &&
	       urec.len == CPNS_HASH_LEN + CPNS_SEALED_MIN,
	       "server: seal_user makes a user record");
	result(!cpns_srv_seal_entity(k, &e, &erec, NULL) && erec.len > CPNS_SEALED_MIN,
	       "server: seal_entity makes an entity record");
	set_id(&u.master, "nomaster");
	result(cpns_srv_seal_user(k, &u, &urec, NULL) == -ENOKEY,
	       "server: seal_user under an absent master: is ENOKEY");
	set_id(&u.master, "m1");
	cpns_srv_seal_user(k, &u, &urec, NULL);
	key_ref_put(k);
}

static void test_request(void)
{
	struct netlink_ext_ack ext = {};
	struct cpns_gw_request_out other;

	result(!gw_request("gw1", 7, &req, NULL) && req.t == kclock &&
	       req.sealedlen == 2 + 5 + 2 + 4 + 32 + 2 + 32 + CPNS_SEALED_MIN &&
	       req.oc.n_ev == 1 && req.oc.ev[0].type == CPNS_EVENT_REQUEST,
	       "gw: request seals ReqBody with a claim and reports REQUEST");
	result(gw_request("nogw", 7, &other, &ext) == -ENOKEY && other.oc.n_ev == 0 &&
	       ext._msg && !strcmp(ext._msg, "psk: key not found"),
	       "gw: request without psk:<GwID> is ENOKEY, \"psk: key not found\"");
}

static void server_request(struct cpns_srv_request_in *in, const u8 *sealed)
{
	in->gw = (const u8 *)"gw1";
	in->gwlen = 3;
	in->rand = req.rand;
	in->t = req.t;
	in->sealed = sealed;
	in->sealedlen = req.sealedlen;
}

static void test_server(void)
{
	struct cpns_srv_open_request_out o = {};
	struct cpns_srv_respond_in in = { .status = CPNS_OK, .n = 4 };
	u8 bad[CPNS_SEALED_MAX];
	key_ref_t k = ring();

	server_request(&in.req, req.sealed);
	result(!cpns_srv_open_request(k, &in.req, &o, NULL) && o.status == CPNS_OK &&
	       o.verified && o.claim && o.user.len == 5 && o.entity.len == 4,
	       "server: open_request opens the GW's request: OK, verified, a claim");
	memcpy(bad, req.sealed, req.sealedlen);
	bad[20] ^= 1;
	server_request(&in.req, bad);
	memset(&o, 0, sizeof(o));
	result(!cpns_srv_open_request(k, &in.req, &o, NULL) &&
	       o.status == CPNS_BAD_GW_AUTH && !o.verified,
	       "server: a tampered request is BAD_GW_AUTH (an answer, not an errno)");
	set_id(&in.master, "m1");
	in.urec = urec.record;
	in.ureclen = urec.len;
	in.erec = erec.record;
	in.ereclen = erec.len;
	result(cpns_srv_respond(k, &in, &resp, NULL) == -EBADMSG && resp.oc.n_ev == 0,
	       "server: respond to a tampered request is EBADMSG");
	memset(&resp, 0, sizeof(resp));
	server_request(&in.req, req.sealed);
	result(!cpns_srv_respond(k, &in, &resp, NULL) && resp.status == CPNS_OK &&
	       resp.claimed && resp.epoch == 1 && resp.n == 4 &&
	       resp.sealedlen == CPNS_BUNDLE_LEN + CPNS_SEALED_MIN &&
	       resp.oc.n_ev == 1 && resp.oc.ev[0].type == CPNS_EVENT_ANSWERED,
	       "server: respond OK makes a chain for E = 1, claimed, ANSWERED");
	in.erec = NULL;
	{
		struct cpns_srv_respond_out r2 = {};

		result(!cpns_srv_respond(k, &in, &r2, NULL) &&
		       r2.status == CPNS_UNKNOWN_ENTITY,
		       "server: respond without an entity record is UNKNOWN_ENTITY");
	}
	key_ref_put(k);
}

static void test_response(void)
{
	struct cpns_gw_response_in in;
	struct cpns_gw_response_out out;
	u8 bad[CPNS_SEALED_MAX];

	memcpy(bad, resp.sealed, resp.sealedlen);
	bad[CPNS_SEALED_MIN] ^= 1;
	fill_response(&in, &req, CPNS_OK, bad, resp.sealedlen);
	result(gw_response(&in, &out) == -EBADMSG && out.oc.bad_attr == CPNS_A_SEALED,
	       "gw: a response that does not open is EBADMSG, about CPNS_A_SEALED");
	fill_response(&in, &req, CPNS_OK, resp.sealed, resp.sealedlen);
	result(!gw_response(&in, &out) && out.verified && out.chain &&
	       out.epoch == 1 && out.n == 4 && out.serial > 0 &&
	       !memcmp(out.chain_id, resp.chain_id, CPNS_CHAIN_ID_LEN) &&
	       out.oc.n_ev == 2 && out.oc.ev[0].type == CPNS_EVENT_CHAIN &&
	       out.oc.ev[1].type == CPNS_EVENT_RESPONSE,
	       "gw: the response makes chain:ent1 with the server's ChainID");
	result(gw_response(&in, &out) == -ENOENT,
	       "gw: the same response again is ENOENT (taken once)");
}

static void test_outstanding(void)
{
	struct cpns_gw_request_out r;
	struct cpns_gw_response_in in;
	struct cpns_gw_response_out out;

	gw_request("gw1", 9, &r, NULL);
	release(9);
	fill_response(&in, &r, CPNS_MALFORMED, NULL, 0);
	result(gw_response(&in, &out) == -ENOENT,
	       "gw: a request of a released socket is gone (ENOENT)");
	gw_request("gw1", 10, &r, NULL);
	fill_response(&in, &r, CPNS_OK, NULL, 0);
	result(gw_response(&in, &out) == -EBADMSG,
	       "gw: an unsealed OK is EBADMSG");
	fill_response(&in, &r, CPNS_MALFORMED, NULL, 0);
	result(!gw_response(&in, &out) && !out.verified && !out.chain,
	       "gw: an unsealed MALFORMED is taken, unverified");
	gw_request("gw1", 10, &r, NULL);
	kclock += CPNS_OUTSTANDING_LIFETIME + 1;
	fill_response(&in, &r, CPNS_MALFORMED, NULL, 0);
	result(gw_response(&in, &out) == -ENOENT,
	       "gw: a request past its lifetime is gone (ENOENT)");
}

static int pne_accept(struct cpns_pne_accept_out *out)
{
	key_ref_t k = ring();
	int ret;

	memset(out, 0, sizeof(*out));
	ret = cpns_pne_accept(&init_net, k, &acc_in, out, NULL);
	key_ref_put(k);
	return ret;
}

static int gw_confirm(u16 index, const u8 *confirm, struct cpns_gw_confirm_out *out)
{
	struct cpns_gw_confirm_in in = { .index = index, .code = CPNS_ACCEPTED,
					 .confirm = confirm };

	set_id(&in.entity, "ent1");
	memset(out, 0, sizeof(*out));
	return cpns_gw_confirm(&init_net, &in, out, NULL);
}

static void test_deliver_accept_confirm(void)
{
	struct cpns_pne_accept_out acc, again;
	struct cpns_gw_confirm_out conf;
	struct cpns_id ent;
	u8 bad[CPNS_HASH_LEN];

	set_id(&ent, "ent1");
	result(!cpns_gw_deliver(&init_net, &ent, &del, NULL) && del.status == CPNS_OK &&
	       del.epoch == 1 && del.index == 1 && del.n == 4 && del.oc.n_ev == 1 &&
	       del.oc.ev[0].type == CPNS_EVENT_DELIVERY,
	       "gw: deliver seals EUKey[1] of E = 1");
	acc_in.entity = ent;
	acc_in.e = del.epoch;
	acc_in.i = del.index;
	acc_in.n = del.n;
	acc_in.challenge = del.challenge;
	acc_in.sealed = del.sealed;
	acc_in.sealedlen = sizeof(del.sealed);
	result(!pne_accept(&acc) && acc.code == CPNS_ACCEPTED &&
	       acc.kind == CPNS_ACCEPT_FIRST && acc.serial > 0 &&
	       acc.oc.ev[0].type == CPNS_EVENT_ACCEPTED,
	       "pne: accept takes the first key into euk:ent1");
	result(!pne_accept(&again) && again.code == CPNS_ACCEPTED &&
	       again.kind == CPNS_ACCEPT_REPEAT && again.serial == acc.serial &&
	       !memcmp(again.confirm, acc.confirm, CPNS_HASH_LEN),
	       "pne: the same delivery again is a REPEAT with the same Confirm");
	acc_in.i = 5;
	result(!pne_accept(&again) && again.code == CPNS_REJECT_RANGE &&
	       again.oc.ev[0].type == CPNS_EVENT_REJECTED,
	       "pne: i > n is REJECT_RANGE (an answer, not an errno)");
	acc_in.i = 1;
	set_id(&acc_in.entity, "ent2");
	result(!pne_accept(&again) && again.code == CPNS_REJECT_ENTITY,
	       "pne: an entity without tk: is REJECT_ENTITY");
	acc_in.entity = ent;

	result(gw_confirm(2, acc.confirm, &conf) == -ENOENT &&
	       conf.oc.bad_attr == CPNS_A_INDEX && conf.oc.n_ev == 0,
	       "gw: confirm of an index not pending is ENOENT, about CPNS_A_INDEX");
	memcpy(bad, acc.confirm, sizeof(bad));
	bad[0] ^= 1;
	result(gw_confirm(1, bad, &conf) == -EBADMSG && conf.oc.n_ev == 1 &&
	       conf.oc.ev[0].type == CPNS_EVENT_NOT_CONFIRMED,
	       "gw: a bad Confirm is EBADMSG and reports NOT_CONFIRMED");
	result(!gw_confirm(1, acc.confirm, &conf) && conf.delivered == 1 &&
	       conf.oc.ev[0].type == CPNS_EVENT_CONFIRMED,
	       "gw: the PNE's Confirm verifies: delivered 1, CONFIRMED");
	result(gw_confirm(1, acc.confirm, &conf) == -ENOENT,
	       "gw: the same Confirm again is ENOENT (nothing pending)");
	result(!cpns_gw_deliver(&init_net, &ent, &del, NULL) && del.index == 2,
	       "gw: the next delivery is of index 2");
	result(!cpns_pne_reset(&init_net, &ent, NULL) &&
	       cpns_pne_reset(&init_net, &ent, NULL) == -ENOKEY,
	       "pne: reset drops euk:ent1, then ENOKEY");
}

int main(void)
{
	printf("TAP version 13\n1..28\n");
	if (cpns_key_init() || cpns_gw_init())
		abort();
	if (kshim_add_key("psk:gw1", psk, sizeof(psk)) < 0 ||
	    kshim_add_key("master:m1", master, sizeof(master)) < 0 ||
	    kshim_add_key("tk:ent1", tk, sizeof(tk)) < 0)
		abort();
	test_seal();
	test_request();
	test_server();
	test_response();
	test_outstanding();
	test_deliver_accept_confirm();
	if (ntests != 28) {
		printf("not ok %d - plan: %d tests ran\n", ntests + 1, ntests);
		nfailed++;
	}
	return nfailed ? 1 : 0;
}
