/* SPDX-License-Identifier: GPL-2.0 */
/* The old name of ktap.h's cases of several checks (CHECK, ktap_result). */
#include "ktap.h"
