/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <net/netns/generic.h>. */
#ifndef _KSHIM_NET_NETNS_GENERIC_H
#define _KSHIM_NET_NETNS_GENERIC_H

#include <net/net_namespace.h>

static inline void *net_generic(const struct net *net, unsigned int id)
{
	return net->gen[id];
}

#endif
