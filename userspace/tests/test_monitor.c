// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the event lines of cpnsctl monitor, from events
 * built as the module builds them (kmod/netlink.c, cpns_event_fill()).
 */
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "cpnsctl.h"
#include "nl.h"
#include "ktap.h"

static struct nl_msg *event(int type)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, 0, 0, 0x42, 0, 0, CPNS_CMD_EVENT, CPNS_GENL_VERSION);
	nla_put_u8(msg, CPNS_A_EVENT, (uint8_t)type);
	return msg;
}

/*
 * What cpns_event_print() (@json 0), cpns_event_json() (1) or the same
 * pretty-printed (2) writes for @msg, or "(bad)".
 */
static char *out(struct nl_msg *msg, int json)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	char *buf = NULL;
	size_t len;
	FILE *f;

	if (cpns_nl_parse_attrs(nlmsg_hdr(msg), tb)) {
		nlmsg_free(msg);
		return strdup("(bad)");
	}
	f = open_memstream(&buf, &len);
	if (json)
		cpns_event_json(f, tb, json == 2);
	else
		cpns_event_print(f, tb);
	fclose(f);
	nlmsg_free(msg);
	return buf;
}

#define line(msg) out(msg, 0)
#define CHECK_OUT(msg, json, want, name) do {				\
	char *__l = out(msg, json);					\
	KTAP_CHECK(!strcmp(__l, want), "%s", name);			\
	if (strcmp(__l, want))						\
		printf("# got:  %s# want: %s", __l, want);		\
	free(__l);							\
} while (0)
#define CHECK_LINE(msg, want, name) CHECK_OUT(msg, 0, want, name)

int main(void)
{
	uint8_t chain[CPNS_CHAIN_ID_LEN];
	struct nl_msg *m;

	KTAP_BEGIN(9);
	memset(chain, 0xab, sizeof(chain));

	m = event(CPNS_EVENT_RESPONSE);
	nla_put(m, CPNS_A_GW_ID, 3, "gw1");
	nla_put(m, CPNS_A_USER_ID, 5, "alice");
	nla_put(m, CPNS_A_ENTITY_ID, 5, "pne-1");
	nla_put_u8(m, CPNS_A_STATUS, CPNS_STALE);
	CHECK_LINE(m, "RESPONSE entity=pne-1 gw=gw1 user=alice status=STALE unverified\n",
		   "unverified response");

	m = event(CPNS_EVENT_RESPONSE);
	nla_put(m, CPNS_A_ENTITY_ID, 5, "pne-1");
	nla_put_u8(m, CPNS_A_STATUS, CPNS_AUTH_FAILED);
	nla_put_flag(m, CPNS_A_VERIFIED);
	CHECK_LINE(m, "RESPONSE entity=pne-1 status=AUTH_FAILED verified\n",
		   "verified response");

	m = event(CPNS_EVENT_ACCEPTED);
	nla_put(m, CPNS_A_ENTITY_ID, 5, "pne-1");
	nla_put(m, CPNS_A_CHAIN_ID, sizeof(chain), chain);
	nla_put_u32(m, CPNS_A_EPOCH, 2);
	nla_put_u16(m, CPNS_A_INDEX, 1);
	nla_put_u16(m, CPNS_A_N, 100);
	nla_put_u8(m, CPNS_A_ACCEPT_KIND, CPNS_ACCEPT_NEW_EPOCH);
	nla_put_s32(m, CPNS_A_KEY_SERIAL, 123456);
	CHECK_LINE(m, "ACCEPTED entity=pne-1 epoch=2 index=1 n=100 kind=NEW_EPOCH "
		   "chain=abababababababababababababababab key=123456\n",
		   "accepted, with kind, chain and key");

	m = event(CPNS_EVENT_REJECTED);
	nla_put(m, CPNS_A_ENTITY_ID, 5, "pne-1");
	nla_put_u32(m, CPNS_A_EPOCH, 1);
	nla_put_u16(m, CPNS_A_INDEX, 3);
	nla_put_u8(m, CPNS_A_CODE, CPNS_REJECT_LINK);
	CHECK_LINE(m, "REJECTED entity=pne-1 epoch=1 index=3 code=REJECT_LINK\n",
		   "rejected, with its code");

	m = event(CPNS_EVENT_RESPONSE);
	nla_put(m, CPNS_A_GW_ID, 3, "gw1");
	nla_put(m, CPNS_A_USER_ID, 5, "alice");
	nla_put(m, CPNS_A_ENTITY_ID, 5, "pne-1");
	nla_put_u8(m, CPNS_A_STATUS, CPNS_STALE);
	CHECK_OUT(m, 1, "{\"event\": \"RESPONSE\", \"entity\": \"pne-1\", \"gw\": \"gw1\", "
		  "\"user\": \"alice\", \"status\": \"STALE\", \"unverified\": true}\n",
		  "-j: unverified response, its flag true");

	m = event(CPNS_EVENT_ACCEPTED);
	nla_put(m, CPNS_A_ENTITY_ID, 4, "0001");
	nla_put(m, CPNS_A_CHAIN_ID, sizeof(chain), chain);
	nla_put_u32(m, CPNS_A_EPOCH, 2);
	nla_put_u16(m, CPNS_A_INDEX, 1);
	nla_put_u16(m, CPNS_A_N, 100);
	nla_put_u8(m, CPNS_A_ACCEPT_KIND, CPNS_ACCEPT_NEW_EPOCH);
	nla_put_s32(m, CPNS_A_KEY_SERIAL, 123456);
	CHECK_OUT(m, 1, "{\"event\": \"ACCEPTED\", \"entity\": \"0001\", \"epoch\": 2, "
		  "\"index\": 1, \"n\": 100, \"kind\": \"NEW_EPOCH\", "
		  "\"chain\": \"abababababababababababababababab\", \"key\": 123456}\n",
		  "-j: counts are numbers, an all-digit EntityID and the chain id strings");

	m = event(CPNS_EVENT_REJECTED);
	nla_put(m, CPNS_A_ENTITY_ID, 5, "pne-1");
	nla_put_u32(m, CPNS_A_EPOCH, 1);
	nla_put_u16(m, CPNS_A_INDEX, 3);
	nla_put_u8(m, CPNS_A_CODE, CPNS_REJECT_LINK);
	CHECK_OUT(m, 2, "{\n    \"event\": \"REJECTED\",\n    \"entity\": \"pne-1\",\n"
		  "    \"epoch\": 1,\n    \"index\": 3,\n    \"code\": \"REJECT_LINK\"\n}\n",
		  "-p: one member a line");

	m = event(77);
	nla_put_u8(m, CPNS_A_CODE, 99);
	CHECK_LINE(m, "unknown(77) code=unknown(99)\n", "unknown values are numbered");

	m = event(CPNS_EVENT_DELIVERY);
	nla_put_u8(m, CPNS_A_INDEX, 1);		/* one byte: malformed */
	CHECK_LINE(m, "(bad)", "a malformed event is refused, not printed");

	return KTAP_END();
}
