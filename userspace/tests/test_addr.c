// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the ADDR:PORT checks (wire_io.c): what a user is
 * told about a bad address before any kernel call, and an unknown host
 * told as getaddrinfo's error rather than as "No route to host".
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "wire.h"
#include "ktap.h"

static int problem_is(const char *addr, const char *want)
{
	const char *got = cpns_wire_addr_problem(addr);

	if (!want && !got)
		return 1;
	if (want && got && !strcmp(want, got))
		return 1;
	printf("# %s: got \"%s\", want \"%s\"\n", addr ? addr : "(null)",
	       got ? got : "(ok)", want ? want : "(ok)");
	return 0;
}

int main(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	KTAP_BEGIN(7);
	KTAP_CHECK(problem_is("127.0.0.1:4710", NULL) && problem_is("[::1]:4711", NULL) &&
		   problem_is("gw.example:1", NULL) && problem_is("[::]:65535", NULL),
		   "good addresses: IPv4, [IPv6], a name, port 1..65535");
	KTAP_CHECK(problem_is("127.0.0.1", "missing :PORT") &&
		   problem_is("127.0.0.1:", "missing :PORT") &&
		   problem_is("", "missing ADDR:PORT") && problem_is(NULL, "missing ADDR:PORT"),
		   "a missing port says missing :PORT");
	KTAP_CHECK(problem_is("1.2.3.4:0", "port must be 1..65535") &&
		   problem_is("1.2.3.4:65536", "port must be 1..65535") &&
		   problem_is("1.2.3.4:http", "port must be 1..65535") &&
		   problem_is("1.2.3.4:123456", "port must be 1..65535"),
		   "a bad port says port must be 1..65535");
	KTAP_CHECK(problem_is("::1:4710", "an IPv6 address needs brackets: use [V6ADDR]:PORT") &&
		   problem_is("fe80::1", "an IPv6 address needs brackets: use [V6ADDR]:PORT"),
		   "IPv6 without brackets says use [v6]:port");
	KTAP_CHECK(problem_is("[::1", "missing `]' after the IPv6 address: use [V6ADDR]:PORT") &&
		   problem_is("[::1]4710", "missing :PORT after ]") &&
		   problem_is("[]:1", "empty address in []: use [V6ADDR]:PORT"),
		   "bad brackets");
	rc = cpns_wire_resolve("cpns-no-such-host.invalid:4710", &ss, &len, false);
	KTAP_CHECK(rc == -EHOSTUNREACH && cpns_wire_gai_error != 0 &&
		   cpns_wire_gai_error != EAI_SYSTEM,
		   "an unknown host: getaddrinfo's error kept (%s)",
		   cpns_wire_gai_error ? gai_strerror(cpns_wire_gai_error) : "none");
	rc = cpns_wire_resolve("127.0.0.1:4710", &ss, &len, false);
	KTAP_CHECK(rc == 0 && cpns_wire_gai_error == 0 && ss.ss_family == AF_INET,
		   "a numeric address resolves and clears the error");
	KTAP_END();
}
