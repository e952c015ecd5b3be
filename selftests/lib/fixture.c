// SPDX-License-Identifier: GPL-2.0
/* Shared set-ups for the cpns selftests: see fixture.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>

#include "fixture.h"
#include "genl.h"
#include "ref.h"

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

struct nl_msg *fx_gw_request_msg(struct tgenl *t, int32_t ring, const char *gw,
				 const char *user, const char *entity,
				 const char *password, const char *claim)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_REQUEST);
	uint8_t hpw[REF_HASH_LEN];

	if (!m)
		return NULL;
	if (!password)
		password = "password";
	ref_hpw(password, strlen(password), hpw);
	if (nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_GW_ID, gw) || fx_put_id(m, CPNS_A_USER_ID, user) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, entity) ||
	    nla_put(m, CPNS_A_HPW, sizeof(hpw), hpw) ||
	    (claim && fx_put_id(m, CPNS_A_CLAIM_CODE, claim))) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

int fx_req_parse(struct nlattr **tb, struct fx_req *out)
{
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

int fx_gw_request(struct tgenl *t, int32_t ring, const char *gw,
		  const char *user, const char *entity, const char *password,
		  const char *claim, struct fx_req *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	err = fx_call(t, fx_gw_request_msg(t, ring, gw, user, entity, password,
					   claim), tb, NULL);
	return err ? err : fx_req_parse(tb, out);
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

struct nl_msg *fx_gw_response_msg(struct tgenl *t, int32_t ring,
				  const struct fx_chain *c,
				  const struct fx_req *req)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_RESPONSE);
	uint8_t sealed[CPNS_SEALED_MAX];
	size_t len;

	if (!m)
		return NULL;
	len = fx_seal_ok_response(c->psk, c->gw, c->user, c->entity, req, c->n,
				  c->top, c->e, c->kek, sealed);
	if (nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_GW_ID, c->gw) ||
	    fx_put_id(m, CPNS_A_USER_ID, c->user) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, c->entity) ||
	    nla_put(m, CPNS_A_RAND, REF_RAND_LEN, req->rand) ||
	    nla_put_u64(m, CPNS_A_TIME, req->t) ||
	    nla_put_u8(m, CPNS_A_STATUS, CPNS_OK) ||
	    nla_put(m, CPNS_A_SEALED, len, sealed)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

int fx_make_chain(struct tgenl *t, int32_t ring, struct fx_chain *c)
{
	uint8_t euk1[REF_HASH_LEN];
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct fx_req req;
	int err;

	err = fx_gw_request(t, ring, c->gw, c->user, c->entity, NULL, NULL, &req);
	if (err)
		return err;
	err = fx_call(t, fx_gw_response_msg(t, ring, c, &req), tb, NULL);
	if (err)
		return err;
	if (!tb[CPNS_A_STATUS] || nla_get_u8(tb[CPNS_A_STATUS]) != CPNS_OK ||
	    !tb[CPNS_A_EPOCH] || nla_get_u32(tb[CPNS_A_EPOCH]) != c->e ||
	    !tb[CPNS_A_N] || nla_get_u16(tb[CPNS_A_N]) != c->n ||
	    !tb[CPNS_A_KEY_SERIAL])
		return -EBADMSG;
	c->serial = nla_get_s32(tb[CPNS_A_KEY_SERIAL]);
	fx_chain_key(c, 1, euk1);
	ref_chain_id(euk1, c->chain_id);
	return 0;
}

int fx_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
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

void fx_random(void *p, size_t len)
{
	if (getrandom(p, len, 0) != (ssize_t)len)
		abort();
}

void fx_chain_random(struct fx_chain *c, uint32_t e, uint16_t n)
{
	uint8_t euk1[REF_HASH_LEN];

	fx_random(c->top, sizeof(c->top));
	c->e = e;
	c->n = n;
	fx_chain_key(c, 1, euk1);
	ref_chain_id(euk1, c->chain_id);
}

void fx_euk_describe(const struct fx_chain *c, uint32_t e, uint16_t i,
		     uint16_t n, char *buf, size_t len)
{
	uint8_t euk1[REF_HASH_LEN], id[REF_CHAIN_ID_LEN];
	char hex[2 * REF_CHAIN_ID_LEN + 1];

	fx_chain_key(c, 1, euk1);
	ref_chain_id(euk1, id);
	ref_hex(id, REF_CHAIN_ID_LEN, hex);
	snprintf(buf, len, "E=%u i=%u n=%u id=%s", e, i, n, hex);
}

void fx_del_seal(struct fx_del *d, const uint8_t kek[REF_KEY_LEN],
		 const char *aad_entity, const void *pt, size_t len)
{
	uint8_t aad[REF_AAD_MAX], nonce[REF_NONCE_LEN];
	size_t aadlen;

	fx_random(nonce, sizeof(nonce));
	aadlen = ref_del_aad(aad, aad_entity, d->e, d->i, d->n);
	d->sealed_len = ref_seal(kek, nonce, aad, aadlen, pt, len, d->sealed);
}

void fx_del_make(struct fx_del *d, const uint8_t *tk, size_t tklen,
		 const char *entity, const struct fx_chain *c, uint16_t i)
{
	uint8_t kek[REF_KEY_LEN], euk[REF_HASH_LEN];

	memset(d, 0, sizeof(*d));
	snprintf(d->entity, sizeof(d->entity), "%s", entity);
	d->e = c->e;
	d->i = i;
	d->n = c->n;
	fx_random(d->challenge, sizeof(d->challenge));
	ref_kek(tk, tklen, entity, c->e, kek);
	if (ref_chain_key(c->top, c->n, i, euk))
		abort();
	fx_del_seal(d, kek, entity, euk, sizeof(euk));
	ref_wipe(kek, sizeof(kek));
}

void fx_accept_del(struct tgenl *t, int32_t ring, const struct fx_del *d,
		   struct fx_accept *a)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_PNE_ACCEPT);
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct fx_ack ack;

	memset(a, 0, sizeof(*a));
	if (m && (nla_put_s32(m, CPNS_A_KEYRING, ring) ||
		  fx_put_id(m, CPNS_A_ENTITY_ID, d->entity) ||
		  nla_put_u32(m, CPNS_A_EPOCH, d->e) ||
		  nla_put_u16(m, CPNS_A_INDEX, d->i) ||
		  nla_put_u16(m, CPNS_A_N, d->n) ||
		  nla_put(m, CPNS_A_CHALLENGE, sizeof(d->challenge), d->challenge) ||
		  nla_put(m, CPNS_A_SEALED, d->sealed_len, d->sealed))) {
		nlmsg_free(m);
		a->err = -EMSGSIZE;
		return;
	}
	a->err = fx_call(t, m, tb, &ack);
	snprintf(a->ext, sizeof(a->ext), "%s", ack.msg);
	if (tb[CPNS_A_CODE]) {
		a->has_code = 1;
		a->code = nla_get_u8(tb[CPNS_A_CODE]);
	}
	if (tb[CPNS_A_ACCEPT_KIND]) {
		a->has_kind = 1;
		a->kind = nla_get_u8(tb[CPNS_A_ACCEPT_KIND]);
	}
	if (tb[CPNS_A_CONFIRM] && nla_len(tb[CPNS_A_CONFIRM]) == REF_HASH_LEN) {
		a->has_confirm = 1;
		memcpy(a->confirm, nla_data(tb[CPNS_A_CONFIRM]), REF_HASH_LEN);
	}
	if (tb[CPNS_A_KEY_SERIAL]) {
		a->has_serial = 1;
		a->serial = nla_get_s32(tb[CPNS_A_KEY_SERIAL]);
	}
}

void fx_gw_deliver(struct tgenl *t, int32_t ring, const char *entity,
		   struct fx_gwdel *g)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_DELIVER);
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct fx_ack ack;

	memset(g, 0, sizeof(*g));
	if (m && (nla_put_s32(m, CPNS_A_KEYRING, ring) ||
		  fx_put_id(m, CPNS_A_ENTITY_ID, entity))) {
		nlmsg_free(m);
		g->err = -EMSGSIZE;
		return;
	}
	g->err = fx_call(t, m, tb, &ack);
	snprintf(g->ext, sizeof(g->ext), "%s", ack.msg);
	if (tb[CPNS_A_STATUS]) {
		g->has_status = 1;
		g->status = nla_get_u8(tb[CPNS_A_STATUS]);
	}
	if (tb[CPNS_A_ENTITY_ID] &&
	    nla_len(tb[CPNS_A_ENTITY_ID]) < (int)sizeof(g->d.entity)) {
		g->nattrs++;
		memcpy(g->d.entity, nla_data(tb[CPNS_A_ENTITY_ID]),
		       nla_len(tb[CPNS_A_ENTITY_ID]));
	}
	if (tb[CPNS_A_EPOCH]) {
		g->nattrs++;
		g->d.e = nla_get_u32(tb[CPNS_A_EPOCH]);
	}
	if (tb[CPNS_A_INDEX]) {
		g->nattrs++;
		g->d.i = nla_get_u16(tb[CPNS_A_INDEX]);
	}
	if (tb[CPNS_A_N]) {
		g->nattrs++;
		g->d.n = nla_get_u16(tb[CPNS_A_N]);
	}
	if (tb[CPNS_A_CHALLENGE] &&
	    nla_len(tb[CPNS_A_CHALLENGE]) == REF_CHALLENGE_LEN) {
		g->nattrs++;
		memcpy(g->d.challenge, nla_data(tb[CPNS_A_CHALLENGE]),
		       REF_CHALLENGE_LEN);
	}
	if (tb[CPNS_A_SEALED] && nla_len(tb[CPNS_A_SEALED]) <= CPNS_SEALED_MAX) {
		g->nattrs++;
		g->d.sealed_len = nla_len(tb[CPNS_A_SEALED]);
		memcpy(g->d.sealed, nla_data(tb[CPNS_A_SEALED]), g->d.sealed_len);
	}
}

int fx_gw_confirm(struct tgenl *t, int32_t ring, const char *entity,
		  uint16_t i, uint8_t code, const uint8_t *confirm,
		  int *rcode, int *delivered)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_CONFIRM);
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	if (m && (nla_put_s32(m, CPNS_A_KEYRING, ring) ||
		  fx_put_id(m, CPNS_A_ENTITY_ID, entity) ||
		  nla_put_u16(m, CPNS_A_INDEX, i) ||
		  nla_put_u8(m, CPNS_A_CODE, code) ||
		  (confirm && nla_put(m, CPNS_A_CONFIRM, REF_HASH_LEN, confirm)))) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	err = fx_call(t, m, tb, NULL);
	*rcode = tb[CPNS_A_CODE] ? nla_get_u8(tb[CPNS_A_CODE]) : -1;
	*delivered = tb[CPNS_A_DELIVERED] ? nla_get_u16(tb[CPNS_A_DELIVERED]) : -1;
	return err;
}

int fx_race2(fx_racer_fn f1, void *a1, void *r1, fx_racer_fn f2, void *a2,
	     void *r2, size_t rlen)
{
	int go[2], ready[2], out[2][2];
	fx_racer_fn fns[2] = { f1, f2 };
	void *args[2] = { a1, a2 }, *res[2] = { r1, r2 };
	pid_t pid[2];
	char c;
	int k, ok = 0;

	if (pipe(go) || pipe(ready) || pipe(out[0]) || pipe(out[1]))
		return -1;
	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		if (pid[k] < 0)
			return -1;
		if (pid[k] == 0) {
			struct tgenl *t = tgenl_open();

			close(go[1]);
			close(ready[0]);
			close(out[k][0]);
			if (!t)
				_exit(1);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			if (read(go[0], &c, 1) != 0)
				_exit(1);
			fns[k](t, args[k], res[k]);
			if (write(out[k][1], res[k], rlen) != (ssize_t)rlen)
				_exit(1);
			_exit(0);
		}
	}
	close(go[0]);
	close(ready[1]);
	close(out[0][1]);
	close(out[1][1]);
	for (k = 0; k < 2; k++)
		if (read(ready[0], &c, 1) != 1)
			ok = -1;
	close(go[1]);	/* both children's read() returns 0 now */
	for (k = 0; k < 2; k++) {
		int st;

		if (read(out[k][0], res[k], rlen) != (ssize_t)rlen)
			ok = -1;
		if (waitpid(pid[k], &st, 0) != pid[k] || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			ok = -1;
		close(out[k][0]);
	}
	close(ready[0]);
	return ok;
}

void fx_req_seal_body(struct fx_gwreq *r, const uint8_t psk[32],
		      const uint8_t *body, size_t len)
{
	uint8_t k[REF_KEY_LEN], aad[REF_AAD_MAX], nonce[REF_NONCE_LEN];
	size_t aadlen;

	fx_random(nonce, sizeof(nonce));
	ref_k_req(psk, r->rand, k);
	aadlen = ref_req_aad(aad, r->gw, r->rand, r->t);
	r->sealed_len = ref_seal(k, nonce, aad, aadlen, body, len, r->sealed);
	ref_wipe(k, sizeof(k));
}

size_t fx_req_body(uint8_t *body, const char *user, const char *entity,
		   const char *pw, const uint8_t rand[REF_RAND_LEN], uint64_t t,
		   const uint8_t *claim)
{
	uint8_t hpw[REF_HASH_LEN], auth[REF_HASH_LEN];

	ref_hpw(pw, strlen(pw), hpw);
	ref_auth_hash(hpw, rand, t, auth);
	return ref_req_body(body, user, entity, auth, claim);
}

void fx_req_build(struct fx_gwreq *r, const uint8_t psk[32], const char *gw,
		  const char *user, const char *entity, const char *pw,
		  const char *code, uint64_t t)
{
	uint8_t proof[REF_HASH_LEN], body[REF_REQ_BODY_MAX + 64];
	size_t len;

	memset(r, 0, sizeof(*r));
	snprintf(r->gw, sizeof(r->gw), "%s", gw);
	snprintf(r->user, sizeof(r->user), "%s", user);
	snprintf(r->entity, sizeof(r->entity), "%s", entity);
	fx_random(r->rand, sizeof(r->rand));
	r->t = t;
	if (code)
		ref_claim_proof(code, gw, user, entity, r->rand, t, proof);
	len = fx_req_body(body, user, entity, pw, r->rand, t,
			  code ? proof : NULL);
	fx_req_seal_body(r, psk, body, len);
}

int fx_req_put(struct nl_msg *msg, const struct fx_gwreq *r)
{
	if (fx_put_id(msg, CPNS_A_GW_ID, r->gw) ||
	    nla_put(msg, CPNS_A_RAND, REF_RAND_LEN, r->rand) ||
	    nla_put_u64(msg, CPNS_A_TIME, r->t) ||
	    nla_put(msg, CPNS_A_SEALED, r->sealed_len, r->sealed))
		return -EMSGSIZE;
	return 0;
}

long fx_resp_open(const uint8_t psk[32], const struct fx_gwreq *r,
		  uint8_t status, const char *user, const char *entity,
		  const uint8_t *sealed, size_t len, uint8_t *pt)
{
	uint8_t k[REF_KEY_LEN], aad[REF_AAD_MAX];
	size_t aadlen;
	int err;

	if (len < REF_SEALED_MIN)
		return -1;
	ref_k_resp(psk, r->rand, k);
	aadlen = ref_resp_aad(aad, status, r->gw, user, entity, r->rand, r->t);
	err = ref_open(k, aad, aadlen, sealed, len, pt);
	ref_wipe(k, sizeof(k));
	return err ? -1 : (long)(len - REF_SEALED_MIN);
}

static int fx_seal_record(struct tgenl *t, struct nl_msg *m, int attr,
			  struct fx_blob *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	err = fx_call(t, m, tb, NULL);
	if (err)
		return err;
	if (!tb[attr] || nla_len(tb[attr]) > FX_REC_MAX)
		return -EPROTO;
	out->len = nla_len(tb[attr]);
	memcpy(out->b, nla_data(tb[attr]), out->len);
	return 0;
}

int fx_seal_user(struct tgenl *t, int32_t ring, const char *master,
		 const char *user, const char *pw, struct fx_blob *out)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_SEAL_USER);

	if (m && (nla_put_s32(m, CPNS_A_KEYRING, ring) ||
		  fx_put_id(m, CPNS_A_MASTER, master) ||
		  fx_put_id(m, CPNS_A_USER_ID, user) ||
		  nla_put(m, CPNS_A_PASSWORD, strlen(pw), pw))) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	return fx_seal_record(t, m, CPNS_A_USER_RECORD, out);
}

int fx_seal_entity(struct tgenl *t, int32_t ring, const char *master,
		   const char *entity, const uint8_t *tk, size_t tklen,
		   const char *code, struct fx_blob *out)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_SEAL_ENTITY);

	if (m && (nla_put_s32(m, CPNS_A_KEYRING, ring) ||
		  fx_put_id(m, CPNS_A_MASTER, master) ||
		  fx_put_id(m, CPNS_A_ENTITY_ID, entity) ||
		  nla_put(m, CPNS_A_TK, tklen, tk) ||
		  nla_put(m, CPNS_A_CLAIM_CODE, strlen(code), code))) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	return fx_seal_record(t, m, CPNS_A_ENTITY_RECORD, out);
}

void fx_rec_forge(const uint8_t master[32], uint8_t kind, int version,
		  const char *id, const uint8_t *pt, size_t len,
		  struct fx_blob *out)
{
	uint8_t aad[REF_AAD_MAX], nonce[REF_NONCE_LEN];
	size_t aadlen = ref_record_aad(aad, kind, version, id);

	fx_random(nonce, sizeof(nonce));
	out->len = ref_seal(master, nonce, aad, aadlen, pt, len, out->b);
}

void fx_entity_forge(const uint8_t master[32], int version,
		     const char *entity, uint32_t e, const char *owner,
		     const uint8_t *tk, size_t tklen, const char *code,
		     struct fx_blob *out)
{
	uint8_t pt[FX_REC_MAX];
	size_t len = ref_entity_record_pt(pt, e, owner, tk, tklen, code);

	fx_rec_forge(master, REF_RECORD_ENTITY, version, entity, pt, len, out);
}

int fx_entity_check(const uint8_t master[32], const struct fx_blob *rec,
		    const char *entity, uint32_t e, const char *owner,
		    const uint8_t *tk, size_t tklen, const char *code)
{
	uint8_t aad[REF_AAD_MAX], pt[FX_REC_MAX], want[FX_REC_MAX];
	size_t aadlen = ref_record_aad(aad, REF_RECORD_ENTITY,
				       REF_RECORD_VERSION, entity);
	size_t len = ref_entity_record_pt(want, e, owner, tk, tklen, code);

	if (rec->len != (int)(len + REF_SEALED_MIN) ||
	    ref_open(master, aad, aadlen, rec->b, rec->len, pt))
		return -1;
	return memcmp(pt, want, len) ? -1 : 0;
}

/* Drop CAP_SYS_ADMIN, keep every other capability. */
static int fx_drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].permitted &= ~(1u << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

int fx_unprivileged_call(int userns, fx_child_fn fn, void *arg)
{
	int fds[2], status, r = 1;
	pid_t pid;

	if (pipe(fds))
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		struct tgenl *t;

		r = userns ? (unshare(CLONE_NEWUSER) ? -errno : 0) : fx_drop_sys_admin();
		t = r ? NULL : tgenl_open();
		if (t) {
			r = fn(t, arg);
			tgenl_close(t);
		} else if (!r) {
			r = -ENOTCONN;
		}
		if (write(fds[1], &r, sizeof(r)) != sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &r, sizeof(r)) != sizeof(r))
		r = -EIO;
	close(fds[0]);
	waitpid(pid, &status, 0);
	return r;
}
