/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "cpns" (netlink.c), the only part of the
 * module that speaks genl: registration and unregistration.
 */
#ifndef _CPNS_NETLINK_H
#define _CPNS_NETLINK_H

int cpns_genl_init(void);
void cpns_genl_exit(void);

#endif /* _CPNS_NETLINK_H */
