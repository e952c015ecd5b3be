// SPDX-License-Identifier: GPL-2.0
/*
 * cpns: OMA CPNS key assignment for PNEs without a UI, every secret held
 * by the kernel.  Module entry: bring up the crypto, the key type and the
 * netlink family, in that order, and unwind in reverse.
 */

#include <linux/module.h>
#include <linux/genetlink.h>
#include "admin.h"
#include "cpns.h"
#include "crypto.h"
#include "key.h"
#include "netlink.h"

static int __init cpns_mod_init(void)
{
	int ret;

	ret = cpns_crypto_init();
	if (ret)
		goto err_crypto;
	ret = cpns_key_init();
	if (ret)
		goto err_key;
	ret = cpns_admin_init();
	if (ret)
		goto err_admin;
	ret = cpns_genl_init();
	if (ret)
		goto err_genl;

	pr_info("version %s, profile %s\n", CPNS_VERSION, CPNS_PROFILE);
	return 0;

err_genl:
	cpns_admin_exit();
err_admin:
	cpns_key_exit();
err_key:
	cpns_crypto_exit();
err_crypto:
	return ret;
}

static void __exit cpns_mod_exit(void)
{
	cpns_genl_exit();
	cpns_admin_exit();
	cpns_key_exit();
	cpns_crypto_exit();
}

module_init(cpns_mod_init);
module_exit(cpns_mod_exit);
MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("OMA CPNS key assignment for PNEs without UI, keys in the kernel");
MODULE_AUTHOR("The cpns developers");
MODULE_VERSION(CPNS_VERSION);
MODULE_ALIAS_GENL_FAMILY(CPNS_GENL_NAME);
MODULE_SOFTDEP("pre: gcm");
