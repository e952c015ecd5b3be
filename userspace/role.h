/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the three role subcommands (server.c, gw.c, pne.c):
 * option values, the clock, printing a peer's failure.
 */
#ifndef CPNS_ROLE_H
#define CPNS_ROLE_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>

/* "@u", "@s", "@p", "@t", "@us" or a serial number; -1 (and a message) if bad. */
int role_parse_keyring(const char *s, int32_t *out);
/* The name role_parse_keyring() reads for @spec ("@u"), or its serial. */
const char *role_keyring_str(int32_t spec, char *buf, size_t len);
/* The wire timeout, from an option string (NULL: $CPNS_TIMEOUT or 10). */
int role_parse_timeout(const char *s, int *out);
/* The wall clock, Unix seconds. */
int64_t role_now(void);
/* Print "ERROR <NAME> (<code>): <reason, escaped>" for a received ERROR. */
struct cpns_wire_msg;
void role_print_wire_error(const char *who, const struct cpns_wire_msg *m);
/* Explain a failed cpns_wire_recv() / connect. */
void role_print_recv_error(const char *who, int err);
/* "pne:public-0001", quoted-escaped when not a valid identifier. */
void role_print_id(FILE *f, const char *p, size_t len);

/* The daemons (server run, pne listen) ---------------------------------- */

/* Set by SIGTERM and SIGINT once role_daemon_start() ran. */
extern volatile sig_atomic_t role_stop;
/* Set by SIGHUP once role_daemon_start() ran: read the config file again. */
extern volatile sig_atomic_t role_reload;

/*
 * Listen on @addr for the daemon @who ("server run"): 0 with *lfd, or an
 * exit code (told): USAGE for a bad address, IO otherwise.  Then the
 * signals: SIGTERM/SIGINT set role_stop, SIGHUP role_reload, SIGPIPE ignored; stdout line
 * buffered (one log line per connection).
 */
int role_daemon_start(const char *who, const char *addr, int *lfd);

/*
 * Receive on @fd (from @peer) the one frame type @rx accepts, into @m.
 * A frame refused from its header (another type: @only is the reason
 * sent, "a PNE accepts only DELIVERY") or from its contents is answered
 * with an ERROR and told on stdout; a network failure is told when
 * @tell_io.  true when @m holds the frame.
 */
struct cpns_wire_rx;
bool role_recv_frame(int fd, const char *peer, const struct cpns_wire_rx *rx,
		     struct cpns_wire_msg *m, const char *only, bool tell_io);

#endif /* CPNS_ROLE_H */
