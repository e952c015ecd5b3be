/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink layer of cpnsctl: one handle on the "cpns" family
 * (uapi/linux/cpns.h), built on libnl-genl-3.
 *
 * A request:
 *
 *	struct cpns_nl *nl;
 *	struct nlattr *tb[CPNS_A_MAX + 1];
 *	struct nl_msg *msg;
 *	int err;
 *
 *	err = cpns_nl_open(&nl);	// -ENOENT: module not available
 *	if (err) ...
 *	msg = cpns_msg(nl, CPNS_CMD_GW_DELIVER);
 *	if (!msg || nla_put_s32(msg, CPNS_A_KEYRING, KEY_SPEC_USER_KEYRING) ||
 *	    nla_put(msg, CPNS_A_ENTITY_ID, strlen(id), id)) ...  // -EMSGSIZE
 *	err = cpns_nl_request(nl, msg, tb);
 *	nlmsg_free(msg);		// or cpns_msg_free_secret(msg)
 *	if (err)
 *		cpns_nl_perror(nl, "deliver", err);
 *	else
 *		... nla_get_u16(tb[CPNS_A_INDEX]) ...  // valid until next request
 *	cpns_nl_close(nl);
 *
 * Events:
 *
 *	err = cpns_nl_subscribe(nl);	// joins the "events" group
 *	poll on cpns_nl_event_fd(nl), then cpns_nl_recv_events(nl, fn, arg)
 *
 * Every function returning int returns 0 or a negative errno (the
 * kernel's own errno for a refused command; libnl's errors are mapped to
 * the nearest errno).  Identifiers and byte strings are put without a
 * terminating NUL (nla_put(msg, type, len, data)); see cpns.h.
 */
#ifndef CPNS_NL_H
#define CPNS_NL_H

#include <stddef.h>
#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/cpns.h>

struct cpns_nl;

/*
 * Open a generic netlink socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK
 * switched on and resolve the family "cpns", which loads cpns.ko through
 * its alias when it is not loaded yet.  On success *nlp is the handle.
 * Errors: -ENOENT the family does not exist and could not be loaded;
 * -EPROTONOSUPPORT/-EAFNOSUPPORT no generic netlink; -ENOMEM.
 */
int cpns_nl_open(struct cpns_nl **nlp);

/* Close the handle, its sockets and the last reply.  NULL is a no-op. */
void cpns_nl_close(struct cpns_nl *nl);

/*
 * A new request for @cmd (enum cpns_cmd) with NLM_F_REQUEST | NLM_F_ACK
 * and the generic netlink header filled in; put attributes with the
 * nla_put*() of libnl (they return -NLE_NOMEM when the message is full).
 * NULL when out of memory.  The caller owns the message: free it with
 * nlmsg_free(), or with cpns_msg_free_secret() if a secret was put in it.
 */
struct nl_msg *cpns_msg(struct cpns_nl *nl, uint8_t cmd);

/*
 * Wipe the whole data buffer of @msg with explicit_bzero() and free it.
 * Use it for every message that carried a secret (CPNS_A_HPW,
 * CPNS_A_PASSWORD, CPNS_A_TK, ...), after cpns_nl_request(), on success
 * and on error.  NULL is a no-op.  libnl sends from this buffer without
 * copying it and never reallocates it, so no other copy is left.
 */
void cpns_msg_free_secret(struct nl_msg *msg);

/*
 * Send @msg (not freed) and wait for the kernel's answer.  On success the
 * reply's attributes are parsed into @tb (CPNS_A_MAX + 1 entries, absent
 * ones NULL; all NULL for a command that answers with a bare ACK), and
 * they stay valid until the next cpns_nl_request() or cpns_nl_close().
 * @tb may be NULL when the reply is not needed.
 * Returns 0 or the negative errno of the kernel's ACK; the kernel's
 * extended ACK message, if any, is then in cpns_nl_extack().
 */
int cpns_nl_request(struct cpns_nl *nl, struct nl_msg *msg,
		    struct nlattr **tb);

/*
 * The extended ACK of the last request: the kernel's message, with
 * " (missing attribute N)" appended when the kernel named a missing
 * attribute; "" when there was none.  Valid until the next request.
 */
const char *cpns_nl_extack(const struct cpns_nl *nl);

/*
 * Print "cpnsctl: <op>: <strerror(-err)>" and " (<extack>)" when the
 * kernel gave one, to stderr.
 */
void cpns_nl_perror(const struct cpns_nl *nl, const char *op, int err);

/*
 * Join the "events" multicast group on a second socket of the handle,
 * which is non-blocking and is only used for events (requests keep their
 * own socket, so events never interleave with replies).
 * Errors: -ENOENT no such group; others from the socket.
 */
int cpns_nl_subscribe(struct cpns_nl *nl);

/* The event socket's file descriptor, for poll(); -1 before subscribe. */
int cpns_nl_event_fd(const struct cpns_nl *nl);

/*
 * Called for each event with its attributes (CPNS_A_MAX + 1 entries,
 * valid only during the call).  Return 0 to go on, > 0 to stop after
 * this event, < 0 (a negative errno) to stop with that error.
 */
typedef int (*cpns_event_fn)(struct nlattr **tb, void *arg);

/*
 * Read what is waiting on the event socket (never blocks) and call @fn
 * for each CPNS_CMD_EVENT in it.  Returns 0 when everything waiting was
 * read, 1 when @fn asked to stop, or a negative errno: @fn's, or
 * -ENOBUFS when the socket overran and events were lost (the socket is
 * still usable).
 */
int cpns_nl_recv_events(struct cpns_nl *nl, cpns_event_fn fn, void *arg);

/* Nearest errno (positive) for a libnl error (negative or positive). */
int cpns_nlerr_to_errno(int nlerr);

/*
 * Building blocks of the above, public for the unit tests.
 *
 * cpns_nl_parse_attrs(): parse a cpns reply or event into @tb
 * (CPNS_A_MAX + 1) with the reply policy (sizes of every attribute,
 * strings NUL-terminated); 0 or -EBADMSG.
 *
 * cpns_extack_format(): write into @buf (@size > 0 bytes, always
 * NUL-terminated, "" when there is nothing) the extended ACK of an
 * NLMSG_ERROR message (error or ACK) @nlh: the kernel's message, and the
 * name of the attribute it reported missing or pointed at in the
 * request @sent (may be NULL).
 *
 * cpns_nl_open_family(): cpns_nl_open() on another family (the tests use
 * "nlctrl", which every kernel has).
 */
struct nlmsghdr;
int cpns_nl_open_family(struct cpns_nl **nlp, const char *name);
int cpns_nl_parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb);
void cpns_extack_format(char *buf, size_t size, const struct nlmsghdr *nlh,
			struct nl_msg *sent);

#endif /* CPNS_NL_H */
