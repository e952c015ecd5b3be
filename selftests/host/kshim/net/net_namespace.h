/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <net/net_namespace.h>: one namespace. */
#ifndef _KSHIM_NET_NET_NAMESPACE_H
#define _KSHIM_NET_NET_NAMESPACE_H

#include <stddef.h>

#define __net_init
#define __net_exit
#define __read_mostly

struct ns_common {
	unsigned int inum;
};

#define KSHIM_PERNET_MAX 4

struct user_namespace;

struct net {
	struct ns_common ns;
	void *gen[KSHIM_PERNET_MAX];	/* each pernet subsystem's data, by id */
	struct user_namespace *user_ns;
};

struct pernet_operations {
	int (*init)(struct net *net);
	void (*exit)(struct net *net);
	unsigned int *id;
	size_t size;
};

extern struct net init_net;
int register_pernet_subsys(struct pernet_operations *ops);
void unregister_pernet_subsys(struct pernet_operations *ops);

#endif
