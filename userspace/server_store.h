/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpnsctl server init | migrate | stats (server_store.c): argv as given
 * to server_main(), argv[1] the subcommand.  Returns the exit status.
 */
#ifndef CPNS_SERVER_STORE_H
#define CPNS_SERVER_STORE_H

int server_store_main(int argc, char *argv[]);

#endif /* CPNS_SERVER_STORE_H */
