/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CPNS_CPNS_H
#define _CPNS_CPNS_H

#define CPNS_VERSION "0.1.0"

#endif /* _CPNS_CPNS_H */
