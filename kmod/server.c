// SPDX-License-Identifier: GPL-2.0
/*
 * The CPNS Server's role: seal the store's records, run the kernel's part
 * of the checks of profile 2, make the chain (profile 3) and seal the
 * response (profile 4).  The server's userspace holds the replay cache,
 * the failure counters and the sealed records; PSK1, TK, the claim codes,
 * HPW, RAND_SVR and the chain never leave this file.  No lock of its own:
 * each command works on its copies of the keys (key.h gives the order).
 */

#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <asm/unaligned.h>
#include <crypto/algapi.h>
#include "key.h"
#include "record.h"
#include "server.h"

struct cpns_srv_ctx {
	u8 psk[CPNS_PSK_LEN];
	u8 master[CPNS_MASTER_LEN];
	u8 k[CPNS_KEY_LEN];
	u8 aad[CPNS_AAD_MAX];
	u8 body[CPNS_SEALED_MAX];
	size_t bodylen;
	struct cpns_req_body req;
	u8 hpw[CPNS_HASH_LEN];
	u8 auth[CPNS_HASH_LEN];
	u8 proof[CPNS_HASH_LEN];
	u8 pt[CPNS_RECORD_PT_MAX];
	struct cpns_entity_rec ent;
	u8 rand_svr[CPNS_RAND_LEN];
	struct cpns_bundle bundle;
	u8 bundle_buf[CPNS_BUNDLE_LEN];
	u8 euk1[CPNS_HASH_LEN];
};

static int cpns_master_copy(key_ref_t keyring, const struct cpns_id *name,
			    u8 master[CPNS_MASTER_LEN],
			    struct netlink_ext_ack *extack)
{
	int len = cpns_key_copy(keyring, CPNS_KEY_MASTER, name, master,
				CPNS_MASTER_LEN);

	if (len < 0) {
		cpns_key_err(extack, CPNS_KEY_MASTER, len);
		return len;
	}
	return 0;
}

/**
 * cpns_srv_seal_user() - a user's store record: HPW = H(password)
 * @keyring: where master:<name> is found
 * @in: the master's name, the UserID, the password
 * @out: the record
 * @extack: the message of a refusal
 *
 * Return: 0, or an error of the master: lookup, -ENOMEM.
 */
int cpns_srv_seal_user(key_ref_t keyring, const struct cpns_srv_seal_user_in *in,
		       struct cpns_srv_record_out *out,
		       struct netlink_ext_ack *extack)
{
	struct cpns_srv_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	int ret;

	if (!c)
		return -ENOMEM;
	ret = cpns_sha256(&(struct cpns_buf){ in->password, in->pwlen }, 1,
			  c->pt) ?:
	      cpns_master_copy(keyring, &in->master, c->master, extack) ?:
	      cpns_record_seal(c->master, CPNS_RECORD_USER, &in->user, c->pt,
			       CPNS_HASH_LEN, out->record);
	if (!ret)
		out->len = CPNS_HASH_LEN + CPNS_SEALED_MIN;
	kfree_sensitive(c);
	return ret;
}

/**
 * cpns_srv_seal_entity() - an entity's record, as the manufacturer lists
 * it: E = 0, unowned, TK, ClaimCode
 * @keyring: where master:<name> is found
 * @in: the master's name, the EntityID, TK and the claim code
 * @out: the record
 * @extack: the message of a refusal
 *
 * Return: 0, or -EINVAL (TK or claim code too long), an error of the
 * master: lookup, -ENOMEM.
 */
int cpns_srv_seal_entity(key_ref_t keyring,
			 const struct cpns_srv_seal_entity_in *in,
			 struct cpns_srv_record_out *out,
			 struct netlink_ext_ack *extack)
{
	struct cpns_srv_ctx *c;
	int len;

	if (in->tklen > CPNS_TK_MAX_LEN || in->codelen > CPNS_CLAIM_CODE_MAX_LEN)
		return -EINVAL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->ent.tklen = in->tklen;
	memcpy(c->ent.tk, in->tk, in->tklen);
	c->ent.codelen = in->codelen;
	memcpy(c->ent.code, in->code, in->codelen);
	len = cpns_master_copy(keyring, &in->master, c->master, extack) ?:
	      cpns_record_seal_entity(c->master, &in->entity, &c->ent, c->pt,
				      out->record);
	if (len > 0)
		out->len = len;
	kfree_sensitive(c);
	return len < 0 ? len : 0;
}

/*
 * Checks 1 and 2 of profile 2 for @in.  Returns 0 with *status OK (c->body
 * holds ReqBody), MALFORMED, STALE or BAD_GW_AUTH; or a negative errno.
 */
static int cpns_srv_check_request(key_ref_t keyring,
				  const struct cpns_srv_request_in *in,
				  struct cpns_srv_ctx *c, struct cpns_id *gw,
				  u8 *status, struct netlink_ext_ack *extack)
{
	time64_t now = ktime_get_real_seconds();
	size_t aadlen;
	bool known;
	int ret;

	*status = CPNS_MALFORMED;
	if (cpns_id_set(gw, in->gw, in->gwlen))
		return 0;
	*status = CPNS_STALE;
	if (in->t > (u64)now + CPNS_TIME_WINDOW || (u64)now > in->t + CPNS_TIME_WINDOW)
		return 0;
	ret = cpns_key_copy(keyring, CPNS_KEY_PSK, gw, c->psk, CPNS_PSK_LEN);
	known = ret >= 0;
	if (ret < 0 && ret != -ENOKEY) {
		cpns_key_err(extack, CPNS_KEY_PSK, ret);
		return ret;
	}
	/* Unknown GwID: the same work under a key nobody holds. */
	ret = known ? 0 : cpns_random(c->psk, CPNS_PSK_LEN);
	if (ret)
		return ret;
	aadlen = cpns_req_aad(c->aad, gw, in->rand, in->t);
	ret = cpns_k_req(c->psk, in->rand, c->k) ?:
	      cpns_open(c->k, c->aad, aadlen, in->sealed, in->sealedlen, c->body);
	if (ret && ret != -EBADMSG)
		return ret;		/* -ENOMEM: no verdict on the request */
	*status = ret || !known ? CPNS_BAD_GW_AUTH : CPNS_OK;
	c->bodylen = in->sealedlen - CPNS_SEALED_MIN;
	return 0;
}

/**
 * cpns_srv_open_request() - checks 1, 2 and 4 of a GW's request
 * @keyring: where psk:<GwID> is found
 * @in: the request
 * @out: its status; OK: the UserID, EntityID and whether it claims
 * @extack: the message of a refusal
 *
 * Return: 0, or an error of the psk: lookup other than -ENOKEY (an unknown
 * GW is BAD_GW_AUTH), -ENOMEM.
 */
int cpns_srv_open_request(key_ref_t keyring, const struct cpns_srv_request_in *in,
			  struct cpns_srv_open_request_out *out,
			  struct netlink_ext_ack *extack)
{
	struct cpns_srv_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	struct cpns_id gw;
	int ret;

	if (!c)
		return -ENOMEM;
	ret = cpns_srv_check_request(keyring, in, c, &gw, &out->status, extack);
	if (!ret && out->status == CPNS_OK) {
		out->verified = true;
		if (cpns_req_body_parse(c->body, c->bodylen, &c->req)) {
			out->status = CPNS_MALFORMED;	/* check 4, answered sealed */
		} else {
			out->user = c->req.user;
			out->entity = c->req.entity;
			out->claim = c->req.has_claim;
		}
	}
	kfree_sensitive(c);
	return ret;
}

/*
 * Best effort for a sealed MALFORMED's event: the identifiers as far as they
 * parse.  Its RespAAD binds none (profile 4, text revision 1.1).
 */
static void cpns_srv_loose_ids(struct cpns_srv_ctx *c)
{
	size_t off = 0, len;
	int k;

	for (k = 0; k < 2; k++) {
		struct cpns_id *id = k ? &c->req.entity : &c->req.user;

		id->len = 0;
		if (off + 2 > c->bodylen)
			return;
		len = get_unaligned_be16(c->body + off);
		if (len > CPNS_ID_MAX_LEN || off + 2 + len > c->bodylen)
			return;
		memcpy(id->b, c->body + off + 2, len);
		id->len = len;
		off += 2 + len;
	}
}

/*
 * A store record that does not open (or does not parse, or disagrees with
 * what userspace says of it) was written by someone other than this
 * module: refused with INTERNAL (0, *status set), never acted on, and
 * logged without a secret.  Any other error (-ENOMEM) is no verdict on
 * the record, and returned.
 */
static int cpns_srv_bad_record(int err, const char *kind, const struct cpns_id *id,
			       int attr, const char *why, u8 *status,
			       struct cpns_outcome *oc,
			       struct netlink_ext_ack *extack)
{
	if (err != -EBADMSG)
		return err;
	pr_warn_ratelimited("%s store record of %.*s %s: refused (INTERNAL)\n",
			    kind, id->len, id->b, why);
	CPNS_ERR_ATTR(extack, oc, attr,
		      "store record refused: not this module's for this identifier");
	*status = CPNS_INTERNAL;
	return 0;
}

/* 6: AuthHash, against a dummy HPW for an unknown user. */
static int cpns_srv_check_user(const struct cpns_srv_respond_in *in,
			       struct cpns_srv_ctx *c, u8 *status,
			       struct cpns_outcome *oc,
			       struct netlink_ext_ack *extack)
{
	int ret;

	if (in->urec)
		ret = cpns_record_open_user(c->master, &c->req.user, in->urec,
					    in->ureclen, c->pt, c->hpw);
	else
		ret = cpns_random(c->hpw, CPNS_HASH_LEN);
	if (ret)
		return cpns_srv_bad_record(ret, "user", &c->req.user,
					   CPNS_A_USER_RECORD,
					   "does not open for this UserID",
					   status, oc, extack);
	ret = cpns_auth_hash(c->hpw, in->req.rand, in->req.t, c->auth);
	if (ret)
		return ret;
	*status = crypto_memneq(c->auth, c->req.auth_hash, CPNS_HASH_LEN) ||
		  !in->urec ? CPNS_AUTH_FAILED : CPNS_OK;
	return 0;
}

/*
 * 7: the entity record, which holds TK, the claim code, E and the owner.
 * in->epoch and in->owner are what the store's columns say: they decide
 * nothing, and must agree with the record.
 */
static int cpns_srv_check_entity(const struct cpns_srv_respond_in *in,
				 struct cpns_srv_ctx *c, u8 *status,
				 struct cpns_outcome *oc,
				 struct netlink_ext_ack *extack)
{
	struct cpns_entity_rec *er = &c->ent;
	int ret;

	*status = CPNS_UNKNOWN_ENTITY;
	if (!in->erec)
		return 0;
	ret = cpns_record_open_entity(c->master, &c->req.entity, in->erec,
				      in->ereclen, c->pt, er);
	if (!ret && (in->epoch != er->e || in->owner.len != er->owner.len ||
		     memcmp(in->owner.b, er->owner.b, in->owner.len)))
		return cpns_srv_bad_record(-EBADMSG, "entity", &c->req.entity,
					   CPNS_A_ENTITY_RECORD,
					   "disagrees with the store's owner or epoch",
					   status, oc, extack);
	if (ret)
		return cpns_srv_bad_record(ret, "entity", &c->req.entity,
					   CPNS_A_ENTITY_RECORD,
					   "does not open for this EntityID",
					   status, oc, extack);
	*status = CPNS_OK;
	return 0;
}

/* 8: ownership, and the claim code for a first claim. */
static int cpns_srv_check_owner(const struct cpns_srv_request_in *req,
				struct cpns_srv_ctx *c, const struct cpns_id *gw,
				u8 *status, bool *claimed)
{
	struct cpns_entity_rec *er = &c->ent;
	int ret;

	*claimed = false;
	if (er->owner.len) {
		*status = er->owner.len != c->req.user.len ||
			  memcmp(er->owner.b, c->req.user.b, er->owner.len) ?
			  CPNS_NOT_OWNER : CPNS_OK;
		return 0;
	}
	*status = CPNS_CLAIM_FAILED;
	if (!c->req.has_claim)
		return 0;
	ret = cpns_claim_proof(er->code, er->codelen, gw, &c->req.user,
			       &c->req.entity, req->rand, req->t, c->proof);
	if (ret || crypto_memneq(c->proof, c->req.claim_proof, CPNS_HASH_LEN))
		return ret;
	*claimed = true;
	*status = CPNS_OK;
	return 0;
}

/* Checks 6 to 9: 0 with *status OK when the chain may be made, else set. */
static int cpns_srv_decide(const struct cpns_srv_respond_in *in,
			   struct cpns_srv_ctx *c, struct cpns_srv_respond_out *out,
			   struct netlink_ext_ack *extack)
{
	int ret;

	ret = cpns_srv_check_user(in, c, &out->status, &out->oc, extack);
	if (!ret && out->status == CPNS_OK)
		ret = cpns_srv_check_entity(in, c, &out->status, &out->oc, extack);
	if (!ret && out->status == CPNS_OK)
		ret = cpns_srv_check_owner(&in->req, c, &out->gw, &out->status,
					   &out->claimed);
	if (ret || out->status != CPNS_OK)
		return ret;

	/* 9: E + 1 (never wrapping to 0), and KEK_E while TK is at hand. */
	c->bundle.e = c->ent.e + 1;
	if (!c->bundle.e) {
		out->status = CPNS_INTERNAL;
		return 0;
	}
	return cpns_kek(c->ent.tk, c->ent.tklen, &c->req.entity, c->bundle.e,
			c->bundle.kek);
}

/*
 * Profile 3: a fresh chain and its sealed record, and the entity's next
 * record: E + 1, owned by UserID.
 */
static int cpns_srv_chain(struct cpns_srv_ctx *c, const u8 *rand, u16 n,
			  struct cpns_srv_respond_out *out)
{
	struct cpns_bld b;
	int ret;

	c->bundle.n = n;
	ret = cpns_random(c->rand_svr, CPNS_RAND_LEN) ?:
	      cpns_chain_top(rand, c->rand_svr, c->bundle.top) ?:
	      cpns_chain_key(c->bundle.top, n, 1, c->euk1) ?:
	      cpns_chain_id(c->euk1, out->chain_id);
	if (ret)
		return ret;
	cpns_bundle_build(c->bundle_buf, &c->bundle);

	cpns_bld_init(&b, c->pt, sizeof(c->pt));
	cpns_bld_u16(&b, n);
	cpns_bld_put(&b, c->bundle.top, CPNS_HASH_LEN);
	cpns_bld_u32(&b, c->bundle.e);
	out->chain_rec.len = b.len + CPNS_SEALED_MIN;
	ret = cpns_record_seal(c->master, CPNS_RECORD_CHAIN, &c->req.entity,
			       c->pt, b.len, out->chain_rec.record);
	memzero_explicit(c->pt, sizeof(c->pt));
	if (ret)
		return ret;

	c->ent.e = c->bundle.e;
	c->ent.owner = c->req.user;
	ret = cpns_record_seal_entity(c->master, &c->req.entity, &c->ent, c->pt,
				      out->entity_rec.record);
	if (ret < 0)
		return ret;
	out->entity_rec.len = ret;
	out->epoch = c->bundle.e;
	out->n = n;
	return 0;
}

/*
 * Checks 6 to 9 for a status OK asked by userspace, then the sealed
 * response under K_resp.  out->status in: the status asked; out: sent.
 */
static int cpns_srv_answer(const struct cpns_srv_respond_in *in,
			   struct cpns_srv_ctx *c, struct cpns_srv_respond_out *out,
			   struct netlink_ext_ack *extack)
{
	size_t aadlen, ptlen = 0;
	int ret;

	if (out->status == CPNS_OK) {
		ret = cpns_srv_decide(in, c, out, extack);
		if (!ret && out->status == CPNS_OK)
			ret = cpns_srv_chain(c, in->req.rand, in->n, out);
		if (ret)
			return ret;
		if (out->status == CPNS_OK)
			ptlen = CPNS_BUNDLE_LEN;
	}
	aadlen = cpns_resp_aad(c->aad, out->status, &out->gw, &c->req.user,
			       &c->req.entity, in->req.rand, in->req.t);
	out->sealedlen = ptlen + CPNS_SEALED_MIN;
	return cpns_k_resp(c->psk, in->req.rand, c->k) ?:
	       cpns_seal(c->k, c->aad, aadlen, c->bundle_buf, ptlen, out->sealed);
}

/* Checks 1 and 2 again, by the kernel's clock; then check 4's parse. */
static int cpns_srv_recheck(key_ref_t keyring, const struct cpns_srv_request_in *in,
			    struct cpns_srv_ctx *c, struct cpns_srv_respond_out *out,
			    struct netlink_ext_ack *extack)
{
	u8 status;
	int ret;

	ret = cpns_srv_check_request(keyring, in, c, &out->gw, &status, extack);
	if (ret)
		return ret;
	if (status == CPNS_STALE) {
		out->status = CPNS_STALE;
		return 0;
	}
	if (status != CPNS_OK) {
		NL_SET_ERR_MSG_MOD(extack,
				   "request does not open under this GW's PSK1");
		return -EBADMSG;
	}
	if (cpns_req_body_parse(c->body, c->bodylen, &c->req)) {
		if (out->status == CPNS_OK) {
			NL_SET_ERR_MSG_MOD(extack,
					   "request body is malformed: answer MALFORMED");
			return -EINVAL;
		}
		cpns_srv_loose_ids(c);
	}
	return 0;
}

/**
 * cpns_srv_respond() - decide on a request and seal the response
 * @keyring: where master:<name> and psk:<GwID> are found
 * @in: the request, the status userspace asks, the store's records
 * @out: the status sent, the sealed response; OK: the chain's records;
 *       the ANSWERED event
 * @extack: the message of a refusal
 *
 * Return: 0, or -EBADMSG (the request does not open), -EINVAL (OK asked
 * for a malformed body), an error of a key lookup, -ENOMEM.
 */
int cpns_srv_respond(key_ref_t keyring, const struct cpns_srv_respond_in *in,
		     struct cpns_srv_respond_out *out,
		     struct netlink_ext_ack *extack)
{
	struct cpns_srv_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	struct cpns_event_msg *ev;
	int ret;

	if (!c)
		return -ENOMEM;
	out->status = in->status;
	ret = cpns_master_copy(keyring, &in->master, c->master, extack) ?:
	      cpns_srv_recheck(keyring, &in->req, c, out, extack);
	if (!ret && out->status != CPNS_STALE)
		ret = cpns_srv_answer(in, c, out, extack);
	if (!ret) {
		out->user = c->req.user;
		out->entity = c->req.entity;
		ev = cpns_outcome_event(&out->oc, CPNS_EVENT_ANSWERED);
		ev->gw = &out->gw;
		ev->user = &out->user;
		ev->entity = &out->entity;
		ev->fields = CPNS_EVF_STATUS | (out->status == CPNS_OK ?
						CPNS_EVF_EPOCH | CPNS_EVF_N : 0);
		ev->status = out->status;
		ev->epoch = out->epoch;
		ev->n = out->n;
		ev->chain_id = out->status == CPNS_OK ? out->chain_id : NULL;
	}
	kfree_sensitive(c);
	return ret;
}
