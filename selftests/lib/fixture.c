// SPDX-License-Identifier: GPL-2.0
/* Shared set-ups for the cpns selftests: see fixture.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>

#include "fixture.h"
#include "genl.h"
#include "ref.h"

struct fx_wait {
	struct tgenl *t;
	int done;
	struct fx_ack *ack;
	const uint8_t *sent;	/* a copy of the request */
	size_t sent_len;
};

static void fx_drop_reply(struct tgenl *t)
{
	if (t->reply)
		nlmsg_free(t->reply);
	t->reply = NULL;
	memset(t->tb, 0, sizeof(t->tb));
}

static int fx_valid_cb(struct nl_msg *msg, void *arg)
{
	struct fx_wait *w = arg;
	struct tgenl *t = w->t;

	fx_drop_reply(t);
	if (genlmsg_parse(nlmsg_hdr(msg), 0, t->tb, CPNS_A_MAX, NULL)) {
		memset(t->tb, 0, sizeof(t->tb));
		w->ack->err = -EBADMSG;
		return NL_SKIP;
	}
	nlmsg_get(msg);
	t->reply = msg;
	return NL_OK;
}

static void fx_parse_tlvs(struct fx_wait *w, struct nlmsghdr *nlh,
			  struct nlmsgerr *e)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*nlh) + sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (off >= nlh->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      nlh->nlmsg_len - off, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(w->ack->msg, sizeof(w->ack->msg), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		w->ack->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_OFFS]) {
		uint32_t o = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);

		if (o + sizeof(struct nlattr) <= w->sent_len) {
			const struct nlattr *a = (const void *)(w->sent + o);

			w->ack->bad_attr = a->nla_type & NLA_TYPE_MASK;
		} else {
			w->ack->bad_attr = -2;	/* out of the message */
		}
	}
}

static int fx_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	struct fx_wait *w = arg;

	(void)nla;
	w->ack->err = e->error;
	w->done = 1;
	fx_parse_tlvs(w, nlh, e);
	return NL_STOP;
}

static int fx_ack_cb(struct nl_msg *msg, void *arg)
{
	struct fx_wait *w = arg;

	(void)msg;
	w->done = 1;
	return NL_STOP;
}

int fx_call(struct tgenl *t, struct nl_msg *msg, struct nlattr **tb,
	    struct fx_ack *ack)
{
	struct fx_ack local;
	struct fx_wait w = { .t = t };
	struct nlmsghdr *h;
	struct nl_cb *cb;
	uint8_t *copy;
	int err;

	if (!ack)
		ack = &local;
	memset(ack, 0, sizeof(*ack));
	ack->bad_attr = -1;
	w.ack = ack;
	fx_drop_reply(t);
	if (tb)
		memset(tb, 0, sizeof(*tb) * (CPNS_A_MAX + 1));
	if (!msg)
		return ack->err = -ENOMEM;

	h = nlmsg_hdr(msg);
	copy = malloc(h->nlmsg_len);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!copy || !cb) {
		free(copy);
		if (cb)
			nl_cb_put(cb);
		nlmsg_free(msg);
		return ack->err = -ENOMEM;
	}
	memcpy(copy, h, h->nlmsg_len);
	w.sent = copy;
	w.sent_len = h->nlmsg_len;

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fx_valid_cb, &w);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, fx_ack_cb, &w);
	nl_cb_err(cb, NL_CB_CUSTOM, fx_err_cb, &w);

	err = nl_send_auto(t->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		ack->err = -EIO;
		goto out;
	}
	while (!w.done) {
		err = nl_recvmsgs(t->sk, cb);
		if (err < 0 && !w.done) {
			if (!ack->err)
				ack->err = -EIO;
			break;
		}
	}
out:
	nl_cb_put(cb);
	free(copy);
	if (ack->err) {
		fx_drop_reply(t);
		return ack->err;
	}
	if (tb)
		memcpy(tb, t->tb, sizeof(*tb) * (CPNS_A_MAX + 1));
	return 0;
}

int fx_put_id(struct nl_msg *msg, int attr, const char *id)
{
	return nla_put(msg, attr, strlen(id), id) ? -EMSGSIZE : 0;
}

int fx_counters(struct tgenl *t, uint64_t out[CPNS_COUNTER_A_MAX + 1])
{
	struct nlattr *tb[CPNS_A_MAX + 1], *a;
	int err, rem;

	memset(out, 0, sizeof(*out) * (CPNS_COUNTER_A_MAX + 1));
	err = fx_call(t, tgenl_msg(t, CPNS_CMD_GET_INFO), tb, NULL);
	if (err)
		return err;
	if (!tb[CPNS_A_COUNTERS])
		return -EBADMSG;
	nla_for_each_nested(a, tb[CPNS_A_COUNTERS], rem)
		if (nla_type(a) > CPNS_COUNTER_A_PAD && nla_type(a) <= CPNS_COUNTER_A_MAX &&
		    nla_len(a) == 8)
			out[nla_type(a)] = nla_get_u64(a);
	return 0;
}

int fx_gw_request(struct tgenl *t, int32_t ring, const char *gw,
		  const char *user, const char *entity, const char *password,
		  const char *claim, struct fx_req *out)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_REQUEST);
	struct nlattr *tb[CPNS_A_MAX + 1];
	uint8_t hpw[REF_HASH_LEN];
	int err;

	if (!m)
		return -ENOMEM;
	if (!password)
		password = "password";
	ref_hpw(password, strlen(password), hpw);
	if (nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_GW_ID, gw) || fx_put_id(m, CPNS_A_USER_ID, user) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, entity) ||
	    nla_put(m, CPNS_A_HPW, sizeof(hpw), hpw) ||
	    (claim && fx_put_id(m, CPNS_A_CLAIM_CODE, claim))) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	err = fx_call(t, m, tb, NULL);
	if (err)
		return err;
	if (!tb[CPNS_A_RAND] || nla_len(tb[CPNS_A_RAND]) != REF_RAND_LEN ||
	    !tb[CPNS_A_TIME] || !tb[CPNS_A_SEALED] ||
	    nla_len(tb[CPNS_A_SEALED]) > CPNS_SEALED_MAX)
		return -EBADMSG;
	memcpy(out->rand, nla_data(tb[CPNS_A_RAND]), REF_RAND_LEN);
	out->t = nla_get_u64(tb[CPNS_A_TIME]);
	out->sealed_len = nla_len(tb[CPNS_A_SEALED]);
	memcpy(out->sealed, nla_data(tb[CPNS_A_SEALED]), out->sealed_len);
	return 0;
}

size_t fx_seal_ok_response(const uint8_t psk[32], const char *gw,
			   const char *user, const char *entity,
			   const struct fx_req *req, uint16_t n,
			   const uint8_t top[REF_HASH_LEN], uint32_t e,
			   const uint8_t kek[REF_KEY_LEN], uint8_t *out)
{
	static const uint8_t nonce[REF_NONCE_LEN] = { 0x5e, 0xa1 };
	uint8_t k[REF_KEY_LEN], aad[REF_AAD_MAX], bundle[REF_BUNDLE_LEN];
	size_t aadlen, len;

	ref_k_resp(psk, req->rand, k);
	aadlen = ref_resp_aad(aad, CPNS_OK, gw, user, entity, req->rand, req->t);
	ref_bundle(bundle, n, top, e, kek);
	len = ref_seal(k, nonce, aad, aadlen, bundle, sizeof(bundle), out);
	ref_wipe(k, sizeof(k));
	ref_wipe(bundle, sizeof(bundle));
	return len;
}

int fx_make_chain(struct tgenl *t, int32_t ring, struct fx_chain *c)
{
	uint8_t sealed[CPNS_SEALED_MAX], euk1[REF_HASH_LEN];
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct fx_req req;
	struct nl_msg *m;
	size_t len;
	int err;

	err = fx_gw_request(t, ring, c->gw, c->user, c->entity, NULL, NULL, &req);
	if (err)
		return err;
	len = fx_seal_ok_response(c->psk, c->gw, c->user, c->entity, &req, c->n,
				  c->top, c->e, c->kek, sealed);
	m = tgenl_msg(t, CPNS_CMD_GW_RESPONSE);
	if (!m)
		return -ENOMEM;
	if (nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_GW_ID, c->gw) ||
	    fx_put_id(m, CPNS_A_USER_ID, c->user) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, c->entity) ||
	    nla_put(m, CPNS_A_RAND, REF_RAND_LEN, req.rand) ||
	    nla_put_u64(m, CPNS_A_TIME, req.t) ||
	    nla_put_u8(m, CPNS_A_STATUS, CPNS_OK) ||
	    nla_put(m, CPNS_A_SEALED, len, sealed)) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	err = fx_call(t, m, tb, NULL);
	if (err)
		return err;
	if (!tb[CPNS_A_KEY_SERIAL])
		return -EBADMSG;
	c->serial = nla_get_s32(tb[CPNS_A_KEY_SERIAL]);
	fx_chain_key(c, 1, euk1);
	ref_chain_id(euk1, c->chain_id);
	return 0;
}

void fx_chain_key(const struct fx_chain *c, uint16_t i,
		  uint8_t out[REF_HASH_LEN])
{
	ref_chain_key(c->top, c->n, i, out);
}

void fx_chain_describe(const struct fx_chain *c, uint16_t delivered,
		       char *buf, size_t len)
{
	char hex[2 * REF_CHAIN_ID_LEN + 1];

	ref_hex(c->chain_id, REF_CHAIN_ID_LEN, hex);
	snprintf(buf, len, "E=%u n=%u delivered=%u id=%s", c->e, c->n,
		 delivered, hex);
}

void fx_seal_delivery(const uint8_t *tk, size_t tklen, const char *entity,
		      uint32_t e, uint16_t i, uint16_t n,
		      const uint8_t euk[REF_HASH_LEN], struct fx_delivery *d)
{
	static const uint8_t nonce[REF_NONCE_LEN] = { 0xde, 0x11 };
	uint8_t kek[REF_KEY_LEN], aad[REF_AAD_MAX];
	size_t aadlen;

	d->e = e;
	d->i = i;
	d->n = n;
	memset(d->challenge, 0x44, sizeof(d->challenge));
	ref_kek(tk, tklen, entity, e, kek);
	aadlen = ref_del_aad(aad, entity, e, i, n);
	ref_seal(kek, nonce, aad, aadlen, euk, REF_HASH_LEN, d->sealed);
	ref_wipe(kek, sizeof(kek));
}

int fx_pne_accept(struct tgenl *t, int32_t ring, const char *entity,
		  const struct fx_delivery *d, int *code, int32_t *serial)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_PNE_ACCEPT);
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	if (!m)
		return -ENOMEM;
	if (nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, entity) ||
	    nla_put_u32(m, CPNS_A_EPOCH, d->e) ||
	    nla_put_u16(m, CPNS_A_INDEX, d->i) ||
	    nla_put_u16(m, CPNS_A_N, d->n) ||
	    nla_put(m, CPNS_A_CHALLENGE, sizeof(d->challenge), d->challenge) ||
	    nla_put(m, CPNS_A_SEALED, sizeof(d->sealed), d->sealed)) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	err = fx_call(t, m, tb, NULL);
	if (err)
		return err;
	if (code)
		*code = tb[CPNS_A_CODE] ? nla_get_u8(tb[CPNS_A_CODE]) : -1;
	if (serial)
		*serial = tb[CPNS_A_KEY_SERIAL] ? nla_get_s32(tb[CPNS_A_KEY_SERIAL]) : 0;
	return 0;
}
