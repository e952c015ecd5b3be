// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of kmod/record.c itself, over kshim/ and the reference: the
 * server's store records round-trip, are bound to kind, version and
 * identifier, refuse a plaintext that is not their kind's with EBADMSG,
 * and report an out-of-memory OPEN or SEAL as that errno, never as
 * EBADMSG (which the server answers INTERNAL, "a forged record").
 * Prints KTAP.
 */

#include <linux/kernel.h>
#include <linux/string.h>
#include "../../kmod/record.h"
#include "ref.h"
#include "ktest.h"

extern int kshim_gcm_errno;

static const u8 master[CPNS_MASTER_LEN] = { 1, 2, 3, 4 };

static int seal_entity(const struct cpns_id *id, u32 e, const char *owner,
		       u8 *out)
{
	struct cpns_entity_rec er = { .e = e, .tklen = 16, .codelen = 9 };
	u8 scratch[CPNS_RECORD_PT_MAX];

	memset(er.tk, 0x5a, sizeof(er.tk));
	memcpy(er.code, "ABCD-1234", 9);
	if (owner)
		set_id(&er.owner, owner);
	return cpns_record_seal_entity(master, id, &er, scratch, out);
}

int main(void)
{
	u8 rec[CPNS_SEALED_MAX], rec2[CPNS_SEALED_MAX], hpw[32] = { 7 }, got[32];
	u8 scratch[CPNS_RECORD_PT_MAX], pt[CPNS_RECORD_PT_MAX];
	struct cpns_id pne1, pne2, alice, bob;
	struct cpns_entity_rec er;
	int len, ret;

	printf("KTAP version 1\n1..12\n");
	set_id(&pne1, "pne-0001");
	set_id(&pne2, "pne-0002");
	set_id(&alice, "alice");
	set_id(&bob, "bob");

	len = seal_entity(&pne1, 41, "alice", rec);
	result(len == 28 + 4 + 2 + 5 + 2 + 16 + 2 + 9, "entity record length");
	ret = cpns_record_open_entity(master, &pne1, rec, len, scratch, &er);
	result(!ret && er.e == 41 && er.owner.len == 5 &&
	       !memcmp(er.owner.b, "alice", 5) && er.tklen == 16 &&
	       er.codelen == 9 && !memcmp(er.code, "ABCD-1234", 9),
	       "entity record opens to E, owner, TK, code");
	result(cpns_record_open_entity(master, &pne2, rec, len, scratch, &er) ==
	       -EBADMSG, "entity record of another entity: EBADMSG");
	ret = cpns_record_seal(master, CPNS_RECORD_USER, &alice, hpw, 32, rec2);
	result(!ret && cpns_record_open_user(master, &alice, rec2, 60, scratch,
					     got) == 0 && !memcmp(got, hpw, 32),
	       "user record round trip, 60 bytes");
	result(cpns_record_open_user(master, &bob, rec2, 60, scratch, got) ==
	       -EBADMSG, "user record of another user: EBADMSG");
	result(cpns_record_open_entity(master, &alice, rec2, 60, scratch, &er) ==
	       -EBADMSG, "user record as an entity record: EBADMSG");
	ret = cpns_record_seal(master, CPNS_RECORD_USER, &alice, hpw, 31, rec2);
	result(!ret && cpns_record_open_user(master, &alice, rec2, 59, scratch,
					     got) == -EBADMSG,
	       "user record of 31 bytes: EBADMSG");
	/* an entity plaintext with a trailing byte, or an owner "a b" */
	memcpy(pt, "\0\0\0\1\0\0\0\x10", 8);
	memset(pt + 8, 1, 16);
	memcpy(pt + 24, "\0\x09" "ABCD-1234" "x", 12);
	ret = cpns_record_seal(master, CPNS_RECORD_ENTITY, &pne1, pt, 36, rec2);
	result(!ret && cpns_record_open_entity(master, &pne1, rec2, 64, scratch,
					       &er) == -EBADMSG,
	       "entity plaintext with trailing bytes: EBADMSG");
	memcpy(pt, "\0\0\0\1\0\3a b\0\x10", 11);
	memset(pt + 11, 1, 16);
	memcpy(pt + 27, "\0\x09" "ABCD-1234", 11);
	ret = cpns_record_seal(master, CPNS_RECORD_ENTITY, &pne1, pt, 38, rec2);
	result(!ret && cpns_record_open_entity(master, &pne1, rec2, 66, scratch,
					       &er) == -EBADMSG,
	       "entity owner that is not an identifier: EBADMSG");

	kshim_gcm_errno = -ENOMEM;
	result(cpns_record_open_entity(master, &pne1, rec, len, scratch, &er) ==
	       -ENOMEM, "entity record, OPEN out of memory: ENOMEM");
	ret = cpns_record_seal(master, CPNS_RECORD_USER, &alice, hpw, 32, rec2);
	kshim_gcm_errno = -ENOMEM;
	result(!ret && cpns_record_open_user(master, &alice, rec2, 60, scratch,
					     got) == -ENOMEM,
	       "user record, OPEN out of memory: ENOMEM");
	kshim_gcm_errno = -ENOMEM;
	result(seal_entity(&pne1, 1, NULL, rec) == -ENOMEM,
	       "entity record, SEAL out of memory: ENOMEM");
	printf("# %d failed\n", nfailed);
	return nfailed ? 1 : 0;
}
