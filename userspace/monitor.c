// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl monitor: the module's events ("events" multicast group), one
 * readable line each, until SIGINT/SIGTERM or --count events.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "client.h"
#include "cpnsctl.h"
#include "names.h"
#include "nl.h"
#include "opts.h"
#include "util.h"

struct monitor {
	uint64_t count;		/* 0: unlimited */
	uint64_t seen;
	bool json;		/* -j: each event a JSON object */
	bool pretty;		/* -p: pretty-printed */
};

static void print_id(FILE *f, const char *label, const char *id)
{
	if (id[0])
		fprintf(f, " %s=%s", label, id);
}

/*
 * "RESPONSE entity=pne-1 gw=gw1 user=alice status=STALE unverified"
 * "ACCEPTED entity=pne-1 epoch=2 index=1 n=100 kind=FIRST key=1234"
 */
void cpns_event_print(FILE *f, struct nlattr **tb)
{
	char hex[2 * CPNS_CHAIN_ID_LEN + 1];
	struct cpns_event_info ev;

	if (cpns_event_parse(tb, &ev)) {
		fprintf(f, "(malformed event)\n");
		return;
	}
	fprintf(f, "%s", cpns_event_str(ev.event));
	print_id(f, "entity", ev.entity_id);
	print_id(f, "gw", ev.gw_id);
	print_id(f, "user", ev.user_id);
	if (ev.has_epoch)
		fprintf(f, " epoch=%u", ev.epoch);
	if (ev.has_index)
		fprintf(f, " index=%u", ev.index);
	if (ev.has_n)
		fprintf(f, " n=%u", ev.n);
	if (ev.has_status)
		fprintf(f, " status=%s", cpns_status_str(ev.status));
	if (ev.verified)
		fprintf(f, " verified");
	else if (ev.event == CPNS_EVENT_RESPONSE)
		fprintf(f, " unverified");
	if (ev.has_code)
		fprintf(f, " code=%s", cpns_code_str(ev.code));
	if (ev.has_kind)
		fprintf(f, " kind=%s", cpns_accept_kind_str(ev.kind));
	if (ev.has_chain_id)
		fprintf(f, " chain=%s",
			hex_encode(hex, ev.chain_id, CPNS_CHAIN_ID_LEN));
	if (ev.has_key_serial)
		fprintf(f, " key=%d", ev.key_serial);
	fprintf(f, "\n");
}

/*
 * The same event as one JSON object: "event" and the words of its line
 * (json_kv()): {"event": "ACCEPTED", "entity": "pne-1", "epoch": 2, ...}.
 */
void cpns_event_json(FILE *f, struct nlattr **tb, bool pretty)
{
	char line[512] = "", *rest;
	bool first = true;
	FILE *mf = fmemopen(line, sizeof(line) - 1, "w");

	if (mf) {
		cpns_event_print(mf, tb);
		fclose(mf);
	}
	line[strcspn(line, "\n")] = '\0';
	if (!line[0] || line[0] == '(') {
		json_key(f, pretty, &first, "error");
		json_str(f, "malformed event");
		json_end(f, pretty, first);
		return;
	}
	rest = line + strcspn(line, " ");
	if (*rest)
		*rest++ = '\0';
	json_key(f, pretty, &first, "event");
	json_str(f, line);
	json_kv(f, pretty, &first, rest);
	json_end(f, pretty, first);
}

static int on_event(struct nlattr **tb, void *arg)
{
	struct monitor *m = arg;

	if (m->json)
		cpns_event_json(stdout, tb, m->pretty);
	else
		cpns_event_print(stdout, tb);
	m->seen++;
	return m->count && m->seen >= m->count;
}

static int usage(FILE *f, const char *name)
{
	fprintf(f, "Usage: cpnsctl %s [-c|--count N] [-j|--json] [-p|--pretty]\n\n"
		"Prints each event of the cpns module as one line, until interrupted\n"
		"(SIGINT, SIGTERM) or, with --count, after N events.  Events are those of\n"
		"this network namespace.  -j: one JSON object per event; -p: the same,\n"
		"pretty-printed.\n", name);
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

static int monitor_set_opt(void *ctx, int key, const char *name,
			   const char *val)
{
	struct monitor *m = ctx;

	(void)name;
	if (key == 'j' || key == 'p') {
		m->json = true;
		m->pretty = m->pretty || key == 'p';
		return 0;
	}
	if (parse_u64(val, 1, UINT64_MAX, &m->count)) {
		warn("monitor: invalid count: `%s'", val);
		return -1;
	}
	return 0;
}

static const struct opt_def monitor_opt_defs[] = {
	{ "count", 'c', true, 1 },
	{ "json", 'j', false, 1 },
	{ "pretty", 'p', false, 1 },
	{ NULL, 0, false, 0 },
};

/* The module's event socket, subscribed: 0 or an exit code (told). */
static int monitor_subscribe(struct cpns_nl **nl)
{
	int err = cpns_client_connect(nl);

	if (err)
		return err;
	err = cpns_nl_subscribe(*nl);
	if (err) {
		cpns_nl_perror(*nl, "subscribe to events", err);
		cpns_nl_close(*nl);
		return err == -ENOENT ? CPNSCTL_EXIT_UNAVAILABLE : cpnsctl_exit_errno(err);
	}
	return 0;
}

int monitor_main(int argc, char *argv[])
{
	struct monitor m = { 0 };
	struct opt_cmd c = {
		.family = argv[0], .sub_bit = 1, .defs = monitor_opt_defs,
		.set = monitor_set_opt, .ctx = &m,
	};
	struct pollfd pfd[2];
	struct cpns_nl *nl;
	sigset_t mask;
	int err, sfd, ret = CPNSCTL_EXIT_OK;

	err = opts_parse(&c, argc, argv, NULL);
	if (err)
		return usage(err > 0 ? stdout : stderr, argv[0]);
	ret = monitor_subscribe(&nl);
	if (ret)
		return ret;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		warn("signalfd: %s", strerror(errno));
		cpns_nl_close(nl);
		return CPNSCTL_EXIT_IO;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	pfd[0] = (struct pollfd){ .fd = cpns_nl_event_fd(nl), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			warn("poll: %s", strerror(errno));
			ret = CPNSCTL_EXIT_IO;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!pfd[0].revents)
			continue;
		err = cpns_nl_recv_events(nl, on_event, &m);
		if (err == 1)
			break;
		if (err == -ENOBUFS) {
			warn("events lost: the socket overran");
		} else if (err) {
			warn("events: %s", strerror(-err));
			ret = CPNSCTL_EXIT_IO;
			break;
		}
	}
	close(sfd);
	cpns_nl_close(nl);
	return ret;
}
