// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of state.c: a blob's header, key files, /proc/keys
 * lines, the atomic write and the state directory's mode.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "state.h"
#include "ktap.h"

/* keys.rst, "Worked example": psk:gw-1 under logon:cpns:wrap */
static const char example[] =
	"load 43504e4b01010f086c6f676f6e3a63706e733a7772617070736b3a67772d31"
	"a0a1a2a3a4a5a6a7a8a9aaab"
	"6a2977516d8d22fb0578a0d71036ef4473c1c0c853639ab58e0b85a383b5b1e8"
	"2d657c1c4c344d338960917f66074a05";

static int header(const char *text, struct state_key *k)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->text, sizeof(k->text), "%s", text);
	return state_parse_header(k);
}

/* The example with header byte @off (0-based) replaced by @v. */
static const char *edit(int off, int v)
{
	static char t[sizeof(example)];

	snprintf(t, sizeof(t), "%s", example);
	snprintf(t + 5 + 2 * off, 3, "%02x", v);
	t[5 + 2 * off + 2] = example[5 + 2 * off + 2];
	return t;
}

int main(void)
{
	char tmpl[] = "/tmp/cpns-test-state-XXXXXX", path[256], desc[80], file[2048];
	struct state_key k, k2;
	struct stat st;
	int32_t serial = 0;

	KTAP_BEGIN(12);

	KTAP_CHECK(!header(example, &k) && k.kind == STATE_PSK &&
		   !strcmp(k.desc, "psk:gw-1") && !strcmp(k.wrap, "logon:cpns:wrap"),
		   "the worked example's header: psk, psk:gw-1, logon:cpns:wrap");
	KTAP_CHECK(!header(example + 5, &k) && !strcmp(k.desc, "psk:gw-1"),
		   "a bare hex blob, without \"load \"");
	KTAP_CHECK(header(edit(4, 2), &k) == -EPROTONOSUPPORT,
		   "format version 2: EPROTONOSUPPORT");
	KTAP_CHECK(header(edit(0, 'X'), &k) == -EINVAL &&
		   header(edit(5, 3), &k) == -EINVAL &&
		   header(edit(5, 9), &k) == -EINVAL &&
		   header(edit(7, 200), &k) == -EINVAL &&
		   header("load 43504e4b01", &k) == -EINVAL &&
		   header("load zz", &k) == -EINVAL,
		   "bad magic, kind disagreeing with the description, unknown kind, lengths past the end, short, not hex: EINVAL");

	snprintf(file, sizeof(file),
		 "# comment\nstate 32 bytes\n%s\n", example);
	KTAP_CHECK(!state_parse(file, strlen(file), &k) &&
		   !strcmp(k.state, "32 bytes") && !strcmp(k.text, example),
		   "a key file parses: state, load line");
	snprintf(file, sizeof(file), "state 32 bytes\n%s\n%s\n", example, example);
	KTAP_CHECK(state_parse(file, strlen(file), &k) == -EINVAL,
		   "two load lines: EINVAL");
	snprintf(file, sizeof(file), "state 32 bytes\nsecret 1234\n%s\n", example);
	KTAP_CHECK(state_parse(file, strlen(file), &k) == -EINVAL &&
		   state_parse("# only\n", 7, &k) == -EINVAL,
		   "an unknown line, no load line: EINVAL");

	KTAP_CHECK(!state_proc_keys_desc("1d3c0a2b I--Q---     1 perm 090b0000     0     0 cpns      chain:pne:public-0001: E=1 n=8 delivered=0 id=00\n",
					  &serial, desc, sizeof(desc)) &&
		   serial == 0x1d3c0a2b && !strcmp(desc, "chain:pne:public-0001"),
		   "a /proc/keys line: serial and a description with a colon inside");
	KTAP_CHECK(!state_proc_keys_desc("00000010 I--Q---     1 perm 3f010000     0     0 cpns      psk:gw-1\n",
					  &serial, desc, sizeof(desc)) &&
		   !strcmp(desc, "psk:gw-1") &&
		   state_proc_keys_desc("00000011 I--Q---     1 perm 3f010000     0     0 user      psk:gw-1: 32\n",
					&serial, desc, sizeof(desc)) == -1,
		   "a revoked key's line; another type's line is not one");

	if (!mkdtemp(tmpl))
		return 1;
	snprintf(path, sizeof(path), "%s/keys", tmpl);
	KTAP_CHECK(!state_dir_prepare(path) && !stat(path, &st) &&
		   (st.st_mode & 07777) == 0700,
		   "state directory made 0700");
	header(example, &k);
	snprintf(k.state, sizeof(k.state), "32 bytes");
	snprintf(file, sizeof(file), "%s/psk:gw-1", path);
	KTAP_CHECK(!state_write(path, &k) && !stat(file, &st) &&
		   (st.st_mode & 07777) == 0600 && !state_read_file(file, &k2) &&
		   !strcmp(k2.text, k.text) && !strcmp(k2.state, "32 bytes") &&
		   !strcmp(k2.desc, "psk:gw-1"),
		   "written 0600, read back the same");
	chmod(path, 0750);
	KTAP_CHECK(state_dir_prepare(path) == -EPERM,
		   "a state directory open to the group: EPERM");
	unlink(file);
	rmdir(path);
	rmdir(tmpl);
	KTAP_END();
}
