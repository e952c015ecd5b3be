// SPDX-License-Identifier: GPL-2.0
/*
 * The typed client of the cpns module (client.h): each command's request
 * built from its input struct, sent, and its reply checked into its
 * output struct.
 */
#include <errno.h>
#include <string.h>

#include "client.h"
#include "cpnsctl.h"
#include "util.h"

int cpns_client_connect(struct cpns_nl **nl)
{
	int err = cpns_nl_open(nl);

	if (!err)
		return 0;
	*nl = NULL;
	warn("cpns module: %s", err == -ENOENT ?
	     "not loaded and could not be loaded" : strerror(-err));
	return cpnsctl_exit_open(err);
}

/* An identifier attribute, without its NUL. */
static int put_id(struct nl_msg *msg, int attr, const char *id)
{
	return nla_put(msg, attr, strlen(id), id);
}

/*
 * Send @msg (@built is 0, or the nla_put() that failed: not sent), free
 * it (wiped when @secret) and parse the reply into @tb.  Every failure
 * told as "<op>: ...".
 */
static int transact(struct cpns_nl *nl, struct nl_msg *msg, int built,
		    bool secret, const char *op, struct nlattr **tb)
{
	int err;

	if (!msg || built) {
		err = msg ? -EMSGSIZE : -ENOMEM;
		warn("%s: %s", op, strerror(-err));
	} else {
		err = cpns_nl_request(nl, msg, tb);
		if (err)
			cpns_nl_perror(nl, op, err);
	}
	if (secret)
		cpns_msg_free_secret(msg);
	else
		nlmsg_free(msg);
	return err;
}

static int checked(const char *op, int err)
{
	if (err == -EPROTO)
		warn("%s: incomplete reply from the module", op);
	return err;
}

static bool has_len(struct nlattr *a, int len)
{
	return a && nla_len(a) == len;
}

static bool has_range(struct nlattr *a, int min, int max)
{
	return a && nla_len(a) >= min && nla_len(a) <= max;
}

static int copy_record(struct nlattr *a, struct cpns_record *r)
{
	if (!has_range(a, 1, CPNS_CLIENT_RECORD_MAX))
		return -EPROTO;
	r->len = nla_len(a);
	memcpy(r->data, nla_data(a), r->len);
	return 0;
}

/* An identifier attribute into @dst (CPNS_ID_MAX_LEN + 1 bytes). */
static int copy_id(struct nlattr *a, char *dst)
{
	if (!has_range(a, 1, CPNS_ID_MAX_LEN) ||
	    !cpns_id_valid(nla_data(a), nla_len(a)))
		return -EINVAL;
	memcpy(dst, nla_data(a), nla_len(a));
	dst[nla_len(a)] = '\0';
	return 0;
}

static void copy_str(char *dst, size_t size, struct nlattr *a)
{
	dst[0] = '\0';
	if (a)
		snprintf(dst, size, "%s", nla_get_string(a));
}

/* GET_INFO -------------------------------------------------------------- */

int cpns_get_info_reply(struct nlattr **tb, struct cpns_info *out)
{
	struct nlattr *a;
	int rem;

	memset(out, 0, sizeof(*out));
	copy_str(out->version, sizeof(out->version), tb[CPNS_A_VERSION]);
	copy_str(out->profile, sizeof(out->profile), tb[CPNS_A_PROFILE]);
	if (!tb[CPNS_A_COUNTERS])
		return 0;
	nla_for_each_nested(a, tb[CPNS_A_COUNTERS], rem) {
		if (nla_len(a) != 8)
			continue;
		if (out->ncounters == CPNS_CLIENT_COUNTERS_MAX)
			return -EPROTO;
		out->counters[out->ncounters].type = nla_type(a);
		out->counters[out->ncounters].value = nla_get_u64(a);
		out->ncounters++;
	}
	return 0;
}

int cpns_get_info(struct cpns_nl *nl, struct cpns_info *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_GET_INFO);
	int err = transact(nl, msg, 0, false, "get-info", tb);

	return err ? err : checked("get-info", cpns_get_info_reply(tb, out));
}

/* GW -------------------------------------------------------------------- */

int cpns_gw_request_reply(struct nlattr **tb, struct cpns_wire_request *out)
{
	if (!has_len(tb[CPNS_A_RAND], CPNS_RAND_LEN) || !tb[CPNS_A_TIME] ||
	    !has_range(tb[CPNS_A_SEALED], CPNS_WIRE_SEALED_MIN,
		       CPNS_WIRE_SEALED_MAX))
		return -EPROTO;
	memcpy(out->rand, nla_data(tb[CPNS_A_RAND]), CPNS_RAND_LEN);
	out->t = nla_get_u64(tb[CPNS_A_TIME]);
	out->sealed_len = nla_len(tb[CPNS_A_SEALED]);
	memcpy(out->sealed, nla_data(tb[CPNS_A_SEALED]), out->sealed_len);
	return 0;
}

int cpns_gw_request(struct cpns_nl *nl, const struct cpns_gw_request_in *in,
		    struct cpns_wire_request *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_GW_REQUEST);
	int err = msg ? nla_put_s32(msg, CPNS_A_KEYRING, in->keyring) ||
		  put_id(msg, CPNS_A_GW_ID, in->gw_id) ||
		  put_id(msg, CPNS_A_USER_ID, in->user_id) ||
		  put_id(msg, CPNS_A_ENTITY_ID, in->entity_id) ||
		  nla_put(msg, CPNS_A_HPW, CPNS_HASH_LEN, in->hpw) ||
		  (in->claim_code && nla_put(msg, CPNS_A_CLAIM_CODE,
					     in->claim_code_len,
					     in->claim_code)) : 0;

	err = transact(nl, msg, err, true, "build request", tb);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->gw_id_len = strlen(in->gw_id);
	memcpy(out->gw_id, in->gw_id, out->gw_id_len);
	return checked("build request", cpns_gw_request_reply(tb, out));
}

int cpns_gw_response_reply(struct nlattr **tb,
			   struct cpns_gw_response_out *out)
{
	memset(out, 0, sizeof(*out));
	if (!tb[CPNS_A_STATUS])
		return -EPROTO;
	out->status = nla_get_u8(tb[CPNS_A_STATUS]);
	out->verified = tb[CPNS_A_VERIFIED] != NULL;
	if (tb[CPNS_A_KEY_SERIAL])
		out->key_serial = nla_get_s32(tb[CPNS_A_KEY_SERIAL]);
	if (out->status != CPNS_OK || !tb[CPNS_A_EPOCH] || !tb[CPNS_A_N] ||
	    !has_len(tb[CPNS_A_CHAIN_ID], CPNS_CHAIN_ID_LEN))
		return 0;
	out->stored = true;
	out->epoch = nla_get_u32(tb[CPNS_A_EPOCH]);
	out->n = nla_get_u16(tb[CPNS_A_N]);
	memcpy(out->chain_id, nla_data(tb[CPNS_A_CHAIN_ID]), CPNS_CHAIN_ID_LEN);
	return 0;
}

int cpns_gw_response(struct cpns_nl *nl, const struct cpns_gw_response_in *in,
		     struct cpns_gw_response_out *out)
{
	const struct cpns_wire_response *r = in->resp;
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_GW_RESPONSE);
	int err = msg ? nla_put_s32(msg, CPNS_A_KEYRING, in->keyring) ||
		  put_id(msg, CPNS_A_GW_ID, in->gw_id) ||
		  put_id(msg, CPNS_A_USER_ID, in->user_id) ||
		  put_id(msg, CPNS_A_ENTITY_ID, in->entity_id) ||
		  nla_put(msg, CPNS_A_RAND, CPNS_RAND_LEN, in->rand) ||
		  nla_put_u64(msg, CPNS_A_TIME, in->t) ||
		  nla_put_u8(msg, CPNS_A_STATUS, r->status) ||
		  (r->sealed_len && nla_put(msg, CPNS_A_SEALED, r->sealed_len,
					    r->sealed)) : 0;

	err = transact(nl, msg, err, false, "take response", tb);
	return err ? err :
	       checked("take response", cpns_gw_response_reply(tb, out));
}

int cpns_gw_deliver_reply(struct nlattr **tb, struct cpns_gw_deliver_out *out)
{
	struct cpns_wire_delivery *d = &out->del;

	out->exhausted = tb[CPNS_A_STATUS] &&
			 nla_get_u8(tb[CPNS_A_STATUS]) == CPNS_CHAIN_EXHAUSTED;
	if (out->exhausted)
		return 0;
	if (!tb[CPNS_A_EPOCH] || !tb[CPNS_A_INDEX] || !tb[CPNS_A_N] ||
	    !has_len(tb[CPNS_A_CHALLENGE], CPNS_CHALLENGE_LEN) ||
	    !has_range(tb[CPNS_A_SEALED], CPNS_WIRE_SEALED_MIN,
		       CPNS_WIRE_SEALED_MAX))
		return -EPROTO;
	d->epoch = nla_get_u32(tb[CPNS_A_EPOCH]);
	d->index = nla_get_u16(tb[CPNS_A_INDEX]);
	d->n = nla_get_u16(tb[CPNS_A_N]);
	memcpy(d->challenge, nla_data(tb[CPNS_A_CHALLENGE]),
	       CPNS_CHALLENGE_LEN);
	d->sealed_len = nla_len(tb[CPNS_A_SEALED]);
	memcpy(d->sealed, nla_data(tb[CPNS_A_SEALED]), d->sealed_len);
	return 0;
}

int cpns_gw_deliver(struct cpns_nl *nl, const struct cpns_gw_deliver_in *in,
		    struct cpns_gw_deliver_out *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_GW_DELIVER);
	int err = msg ? nla_put_s32(msg, CPNS_A_KEYRING, in->keyring) ||
		  put_id(msg, CPNS_A_ENTITY_ID, in->entity_id) : 0;

	err = transact(nl, msg, err, false, "deliver", tb);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->del.entity_id_len = strlen(in->entity_id);
	memcpy(out->del.entity_id, in->entity_id, out->del.entity_id_len);
	return checked("deliver", cpns_gw_deliver_reply(tb, out));
}

int cpns_gw_confirm_reply(struct nlattr **tb, struct cpns_gw_confirm_out *out)
{
	memset(out, 0, sizeof(*out));
	out->has_delivered = tb[CPNS_A_DELIVERED] != NULL;
	if (out->has_delivered)
		out->delivered = nla_get_u16(tb[CPNS_A_DELIVERED]);
	return 0;
}

int cpns_gw_confirm(struct cpns_nl *nl, const struct cpns_gw_confirm_in *in,
		    struct cpns_gw_confirm_out *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_GW_CONFIRM);
	int err = msg ? nla_put_s32(msg, CPNS_A_KEYRING, in->keyring) ||
		  put_id(msg, CPNS_A_ENTITY_ID, in->entity_id) ||
		  nla_put_u16(msg, CPNS_A_INDEX, in->index) ||
		  nla_put_u8(msg, CPNS_A_CODE, in->code) ||
		  (in->code == CPNS_ACCEPTED &&
		   nla_put(msg, CPNS_A_CONFIRM, CPNS_HASH_LEN, in->confirm)) : 0;

	err = transact(nl, msg, err, false, "confirm", tb);
	return err ? err : checked("confirm", cpns_gw_confirm_reply(tb, out));
}

/* PNE ------------------------------------------------------------------- */

int cpns_pne_accept_reply(struct nlattr **tb, struct cpns_pne_accept_out *out)
{
	memset(out, 0, sizeof(*out));
	if (!tb[CPNS_A_CODE])
		return -EPROTO;
	out->code = nla_get_u8(tb[CPNS_A_CODE]);
	if (out->code != CPNS_ACCEPTED)
		return 0;
	if (!has_len(tb[CPNS_A_CONFIRM], CPNS_HASH_LEN))
		return -EPROTO;
	memcpy(out->confirm, nla_data(tb[CPNS_A_CONFIRM]), CPNS_HASH_LEN);
	out->has_kind = tb[CPNS_A_ACCEPT_KIND] != NULL;
	if (out->has_kind)
		out->kind = nla_get_u8(tb[CPNS_A_ACCEPT_KIND]);
	if (tb[CPNS_A_KEY_SERIAL])
		out->key_serial = nla_get_s32(tb[CPNS_A_KEY_SERIAL]);
	return 0;
}

int cpns_pne_accept(struct cpns_nl *nl, const struct cpns_pne_accept_in *in,
		    struct cpns_pne_accept_out *out)
{
	const struct cpns_wire_delivery *d = in->d;
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_PNE_ACCEPT);
	int err = msg ? nla_put_s32(msg, CPNS_A_KEYRING, in->keyring) ||
		  nla_put(msg, CPNS_A_ENTITY_ID, d->entity_id_len,
			  d->entity_id) ||
		  nla_put_u32(msg, CPNS_A_EPOCH, d->epoch) ||
		  nla_put_u16(msg, CPNS_A_INDEX, d->index) ||
		  nla_put_u16(msg, CPNS_A_N, d->n) ||
		  nla_put(msg, CPNS_A_CHALLENGE, CPNS_CHALLENGE_LEN,
			  d->challenge) ||
		  nla_put(msg, CPNS_A_SEALED, d->sealed_len, d->sealed) : 0;

	err = transact(nl, msg, err, false, "accept", tb);
	return err ? err : checked("accept", cpns_pne_accept_reply(tb, out));
}

int cpns_pne_reset(struct cpns_nl *nl, const char *entity_id)
{
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_PNE_RESET);
	int err = msg ? put_id(msg, CPNS_A_ENTITY_ID, entity_id) : 0;

	return transact(nl, msg, err, false, "reset", NULL);
}

/* KEY_LOAD -------------------------------------------------------------- */

int cpns_key_load_reply(struct nlattr **tb, int32_t *serial)
{
	if (!tb[CPNS_A_KEY_SERIAL])
		return -EPROTO;
	*serial = nla_get_s32(tb[CPNS_A_KEY_SERIAL]);
	return 0;
}

int cpns_key_load(struct cpns_nl *nl, int32_t keyring, const char *blob,
		  size_t blob_len, int32_t *serial)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_KEY_LOAD);
	int err = msg ? nla_put_s32(msg, CPNS_A_KEYRING, keyring) ||
		  nla_put(msg, CPNS_A_KEY_BLOB, blob_len, blob) : 0;

	err = transact(nl, msg, err, false, "load key", tb);
	return err ? err : checked("load key", cpns_key_load_reply(tb, serial));
}

/* Server ---------------------------------------------------------------- */

int cpns_srv_seal_user_reply(struct nlattr **tb, struct cpns_record *out)
{
	return copy_record(tb[CPNS_A_USER_RECORD], out);
}

int cpns_srv_seal_user(struct cpns_nl *nl,
		       const struct cpns_srv_seal_user_in *in,
		       struct cpns_record *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_SRV_SEAL_USER);
	int err = msg ? nla_put_s32(msg, CPNS_A_KEYRING, in->keyring) ||
		  put_id(msg, CPNS_A_MASTER, in->master) ||
		  put_id(msg, CPNS_A_USER_ID, in->user_id) ||
		  nla_put(msg, CPNS_A_PASSWORD, in->password_len,
			  in->password) : 0;

	err = transact(nl, msg, err, true, "seal user", tb);
	return err ? err : checked("seal user", cpns_srv_seal_user_reply(tb, out));
}

int cpns_srv_seal_entity_reply(struct nlattr **tb, struct cpns_record *out)
{
	return copy_record(tb[CPNS_A_ENTITY_RECORD], out);
}

int cpns_srv_seal_entity(struct cpns_nl *nl,
			 const struct cpns_srv_seal_entity_in *in,
			 struct cpns_record *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_SRV_SEAL_ENTITY);
	int err = msg ? nla_put_s32(msg, CPNS_A_KEYRING, in->keyring) ||
		  put_id(msg, CPNS_A_MASTER, in->master) ||
		  put_id(msg, CPNS_A_ENTITY_ID, in->entity_id) ||
		  nla_put(msg, CPNS_A_TK, in->tk_len, in->tk) ||
		  nla_put(msg, CPNS_A_CLAIM_CODE, in->claim_code_len,
			  in->claim_code) : 0;

	err = transact(nl, msg, err, true, "seal entity", tb);
	return err ? err :
	       checked("seal entity", cpns_srv_seal_entity_reply(tb, out));
}

/* The request as received, in every server command. */
static int put_request(struct nl_msg *msg, const struct cpns_wire_request *q)
{
	return nla_put(msg, CPNS_A_GW_ID, q->gw_id_len, q->gw_id) ||
	       nla_put(msg, CPNS_A_RAND, CPNS_RAND_LEN, q->rand) ||
	       nla_put_u64(msg, CPNS_A_TIME, q->t) ||
	       nla_put(msg, CPNS_A_SEALED, q->sealed_len, q->sealed);
}

int cpns_srv_open_request_reply(struct nlattr **tb,
				struct cpns_srv_open_request_out *out)
{
	memset(out, 0, sizeof(*out));
	if (!tb[CPNS_A_STATUS])
		return -EPROTO;
	out->status = nla_get_u8(tb[CPNS_A_STATUS]);
	out->verified = tb[CPNS_A_VERIFIED] != NULL;
	out->claim = tb[CPNS_A_CLAIM] != NULL;
	if (out->status == CPNS_OK &&
	    (copy_id(tb[CPNS_A_USER_ID], out->user_id) ||
	     copy_id(tb[CPNS_A_ENTITY_ID], out->entity_id)))
		out->status = CPNS_MALFORMED;	/* check 4: no usable ids */
	if (out->status == CPNS_OK && !out->verified)
		return -EPROTO;
	return 0;
}

int cpns_srv_open_request(struct cpns_nl *nl, int32_t keyring,
			  const struct cpns_wire_request *q,
			  struct cpns_srv_open_request_out *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_SRV_OPEN_REQUEST);
	int err = msg ? nla_put_s32(msg, CPNS_A_KEYRING, keyring) ||
		  put_request(msg, q) : 0;

	err = transact(nl, msg, err, false, "open request", tb);
	return err ? err :
	       checked("open request", cpns_srv_open_request_reply(tb, out));
}

int cpns_srv_respond_reply(struct nlattr **tb,
			   struct cpns_srv_respond_out *out)
{
	struct cpns_wire_response *r = &out->resp;

	memset(out, 0, sizeof(*out));
	if (tb[CPNS_A_STATUS] && !tb[CPNS_A_SEALED] &&
	    nla_get_u8(tb[CPNS_A_STATUS]) == CPNS_STALE) {
		/* The kernel's clock says T left the window meanwhile. */
		r->status = CPNS_STALE;
		return 0;
	}
	if (!tb[CPNS_A_STATUS] ||
	    !has_range(tb[CPNS_A_SEALED], CPNS_WIRE_SEALED_MIN,
		       CPNS_WIRE_SEALED_MAX))
		return -EPROTO;
	r->status = nla_get_u8(tb[CPNS_A_STATUS]);
	r->sealed_len = nla_len(tb[CPNS_A_SEALED]);
	memcpy(r->sealed, nla_data(tb[CPNS_A_SEALED]), r->sealed_len);
	out->verified = true;
	if (r->status != CPNS_OK)
		return 0;
	if (!tb[CPNS_A_EPOCH] || !tb[CPNS_A_N] ||
	    !has_len(tb[CPNS_A_CHAIN_ID], CPNS_CHAIN_ID_LEN) ||
	    copy_record(tb[CPNS_A_CHAIN_RECORD], &out->chain_record) ||
	    copy_record(tb[CPNS_A_ENTITY_RECORD], &out->entity_record))
		return -EPROTO;
	out->epoch = nla_get_u32(tb[CPNS_A_EPOCH]);
	out->n = nla_get_u16(tb[CPNS_A_N]);
	memcpy(out->chain_id, nla_data(tb[CPNS_A_CHAIN_ID]), CPNS_CHAIN_ID_LEN);
	out->claimed = tb[CPNS_A_CLAIM] != NULL;
	return 0;
}

int cpns_srv_respond(struct cpns_nl *nl, const struct cpns_srv_respond_in *in,
		     struct cpns_srv_respond_out *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg = cpns_msg(nl, CPNS_CMD_SRV_RESPOND);
	int err = msg ? nla_put_s32(msg, CPNS_A_KEYRING, in->keyring) ||
		  put_id(msg, CPNS_A_MASTER, in->master) ||
		  put_request(msg, in->q) ||
		  nla_put_u8(msg, CPNS_A_STATUS, in->status) ||
		  (in->user_record &&
		   nla_put(msg, CPNS_A_USER_RECORD, in->user_record_len,
			   in->user_record)) ||
		  (in->entity_record &&
		   nla_put(msg, CPNS_A_ENTITY_RECORD, in->entity_record_len,
			   in->entity_record)) ||
		  (in->owner && in->owner[0] &&
		   put_id(msg, CPNS_A_OWNER, in->owner)) ||
		  nla_put_u32(msg, CPNS_A_EPOCH, in->epoch) ||
		  nla_put_u16(msg, CPNS_A_N, in->n) : 0;

	err = transact(nl, msg, err, false, "respond", tb);
	return err ? err : checked("respond", cpns_srv_respond_reply(tb, out));
}

/* Events ---------------------------------------------------------------- */

static int event_id(struct nlattr *a, char *dst)
{
	dst[0] = '\0';
	if (!a)
		return 0;
	if (nla_len(a) > CPNS_ID_MAX_LEN)
		return -EPROTO;
	memcpy(dst, nla_data(a), nla_len(a));
	dst[nla_len(a)] = '\0';
	return 0;
}

int cpns_event_parse(struct nlattr **tb, struct cpns_event_info *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (event_id(tb[CPNS_A_ENTITY_ID], ev->entity_id) ||
	    event_id(tb[CPNS_A_GW_ID], ev->gw_id) ||
	    event_id(tb[CPNS_A_USER_ID], ev->user_id))
		return -EPROTO;
	if (tb[CPNS_A_EVENT])
		ev->event = nla_get_u8(tb[CPNS_A_EVENT]);
	ev->has_epoch = tb[CPNS_A_EPOCH] != NULL;
	if (ev->has_epoch)
		ev->epoch = nla_get_u32(tb[CPNS_A_EPOCH]);
	ev->has_index = tb[CPNS_A_INDEX] != NULL;
	if (ev->has_index)
		ev->index = nla_get_u16(tb[CPNS_A_INDEX]);
	ev->has_n = tb[CPNS_A_N] != NULL;
	if (ev->has_n)
		ev->n = nla_get_u16(tb[CPNS_A_N]);
	ev->has_status = tb[CPNS_A_STATUS] != NULL;
	if (ev->has_status)
		ev->status = nla_get_u8(tb[CPNS_A_STATUS]);
	ev->verified = tb[CPNS_A_VERIFIED] != NULL;
	ev->has_code = tb[CPNS_A_CODE] != NULL;
	if (ev->has_code)
		ev->code = nla_get_u8(tb[CPNS_A_CODE]);
	ev->has_kind = tb[CPNS_A_ACCEPT_KIND] != NULL;
	if (ev->has_kind)
		ev->kind = nla_get_u8(tb[CPNS_A_ACCEPT_KIND]);
	ev->has_chain_id = has_len(tb[CPNS_A_CHAIN_ID], CPNS_CHAIN_ID_LEN);
	if (ev->has_chain_id)
		memcpy(ev->chain_id, nla_data(tb[CPNS_A_CHAIN_ID]),
		       CPNS_CHAIN_ID_LEN);
	ev->has_key_serial = tb[CPNS_A_KEY_SERIAL] != NULL;
	if (ev->has_key_serial)
		ev->key_serial = (int32_t)nla_get_u32(tb[CPNS_A_KEY_SERIAL]);
	return 0;
}
