/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpnsctl: exit codes and the subcommands' entry points.
 *
 * Each subcommand lives in its own file as X_main(argc, argv), with
 * argv[0] the subcommand's name, and returns one of the exit codes below
 * (documented in cpnsctl.8, EXIT STATUS).
 */
#ifndef CPNSCTL_H
#define CPNSCTL_H

#include <stdbool.h>
#include <stdio.h>

#ifndef CPNSCTL_VERSION
#define CPNSCTL_VERSION "0.1.0"
#endif

enum cpnsctl_exit {
	CPNSCTL_EXIT_OK = 0,		/* done; for an exchange: status OK / ACCEPTED */
	CPNSCTL_EXIT_FAIL = 1,		/* refused or failed: a protocol status or
					 * rejection other than OK, or the module
					 * refused the command (ENOKEY, EBADMSG...) */
	CPNSCTL_EXIT_USAGE = 2,		/* bad command line or bad input (an
					 * identifier, a file's contents) */
	CPNSCTL_EXIT_UNAVAILABLE = 3,	/* the cpns module or generic netlink is
					 * not available (family not found) */
	CPNSCTL_EXIT_PERM = 4,		/* permission denied: EPERM (no
					 * CAP_NET_ADMIN) or EACCES on a keyring */
	CPNSCTL_EXIT_IO = 5,		/* a system, file, terminal or network
					 * error (timeout, bad frame, database) */
	CPNSCTL_EXIT_UNREACHABLE = 6,	/* gw: the server or PNE could not be
					 * connected to; nothing was sent, the
					 * kernel kept nothing: retry later */
};

/*
 * The exit code for a failed operation that returned @err (a negative
 * errno): EPERM/EACCES -> PERM, ENOENT from cpns_nl_open() ->
 * UNAVAILABLE (use cpnsctl_exit_open()), anything else FAIL.
 */
int cpnsctl_exit_errno(int err);
/* The exit code for a failed cpns_nl_open(). */
int cpnsctl_exit_open(int err);

/*
 * One line for a CPNS_CMD_EVENT's attributes (CPNS_A_MAX + 1 entries),
 * as cpnsctl monitor prints it:
 *   "RESPONSE entity=pne-1 gw=gw1 user=alice status=STALE unverified"
 */
struct nlattr;
void cpns_event_print(FILE *f, struct nlattr **tb);
/* The same event as one JSON object (-j; @pretty: -p). */
void cpns_event_json(FILE *f, struct nlattr **tb, bool pretty);

/*
 * For a daemon's SIGHUP: the command line as first given, with the
 * configuration file's options read again (the file main() read, if any),
 * into *@out (argv[0] the subcommand's family, as X_main() gets it).
 * Returns its argc, or -1 with the reason in @err.  *@path: the file.
 */
int cpnsctl_config_reread(char ***out, const char **path, char *err,
			  size_t errlen);

/* Subcommands, in cpnsctl.c's table order. */
int version_main(int argc, char *argv[]);
int show_main(int argc, char *argv[]);
int monitor_main(int argc, char *argv[]);
int server_main(int argc, char *argv[]);
int gw_main(int argc, char *argv[]);
int pne_main(int argc, char *argv[]);
int keys_main(int argc, char *argv[]);

#endif /* CPNSCTL_H */
