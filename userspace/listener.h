/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The accept loop of the two daemons (cpnsctl server run, cpnsctl pne
 * listen): the daemon accepts every connection itself, at most max_conns
 * at once and at most max_per_source of them from one source address; a
 * connection over either limit is answered ERROR BUSY at once and closed
 * (Documentation/protocol.rst, "Limits").  Each connection accepted is
 * served by one of `workers' long-lived processes (the daemon passes it
 * over a socket pair), or, when every worker is busy (a slow peer holds
 * one for up to its timeouts), by a process forked for it alone, as with
 * workers = 0.  A worker that dies is replaced.
 */
#ifndef CPNS_LISTENER_H
#define CPNS_LISTENER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* The limits of one daemon, from its command line. */
struct cpns_limits {
	unsigned int max_conns;		/* connections served at once */
	unsigned int max_per_source;	/* of them from one source */
	unsigned int source_prefix6;	/* IPv6 sources: their first bits */
	int header_timeout;		/* seconds for the 12-byte header */
	unsigned int workers;		/* long-lived processes */
	bool workers_set;		/* else: the CPU count, <= max_conns */
};

#define CPNS_LIMITS_CONNS_MAX	4096

/*
 * Parse @opt with its value @val if it is one of --max-conns,
 * --max-per-source, --source-prefix6, --header-timeout, --workers.
 * Returns 1 (parsed), 0 (not one of them) or -1 (an invalid value, warned).
 */
int cpns_limits_opt(struct cpns_limits *l, const char *opt, const char *val);

/*
 * After parsing: -1 (warned) when max_per_source or workers is more than
 * max_conns; workers not given: the number of CPUs online, at most
 * max_conns.
 */
int cpns_limits_check(struct cpns_limits *l);

/*
 * The source a peer's address @ss counts as: an IPv4 address as
 * ::ffff:a.b.c.d (an IPv4-mapped IPv6 address the same), an IPv6 address
 * cut to its first @prefix6 bits; its text in @txt ("192.0.2.1",
 * "2001:db8::/64", "2001:db8::1").
 */
void cpns_listener_source(const struct sockaddr_storage *ss,
			  unsigned int prefix6, struct in6_addr *src,
			  char *txt, size_t len);

struct cpns_listener {
	struct cpns_limits limits;
	/*
	 * In a worker or the child process of one connection, for one
	 * accepted connection @fd from @peer ("ADDR:PORT"): serve it and
	 * close it.  Returns its status (0..127).  A worker calls it again
	 * for its next connection: what it keeps open between them (a
	 * store, a netlink socket) is its own.
	 */
	int (*serve)(int fd, const char *peer, void *arg);
	/* In a worker or a child, before it exits: close what serve() kept. */
	void (*cleanup)(void *arg);
	/* In the daemon, when a connection ended: false to stop accepting. */
	bool (*done)(int status, void *arg);
	/*
	 * In the daemon, when *reload is set (SIGHUP): new limits into @lim
	 * (and whatever else serve() reads, in @arg), false to keep the old
	 * ones.  The workers are then replaced, each once its connection in
	 * progress ends, so that they serve with what was reloaded.
	 */
	bool (*reload)(struct cpns_limits *lim, void *arg);
	volatile sig_atomic_t *reload_flag;
	void *arg;
};

/*
 * Accept on @lfd until *@stop is set or done() returns false, then wait
 * for the connections in progress (each ends within its timeouts) and the
 * workers.  Returns 0, or -ENOMEM.
 */
int cpns_listener_run(int lfd, const struct cpns_listener *l,
		      volatile sig_atomic_t *stop);

#endif /* CPNS_LISTENER_H */
