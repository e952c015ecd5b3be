/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <keys/trusted-type.h>: not reachable in the shim. */
