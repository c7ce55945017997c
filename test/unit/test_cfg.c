/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of cfg/: defaults, the example config, every error class with
 * its exact "FILE:LINE: key: reason" text, and the list values.
 *
 * Config files are written into a mkdtemp() directory by the test itself,
 * so each case shows its input next to the message it must produce.  The
 * example config is read as cfg/sipfork.conf: meson runs the test from the
 * source root.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "cfg.h"

#define EXAMPLE_CONF "cfg/sipfork.conf"
#define MAX_FILES 128

/* What every valid file starts with: [dataplane] ip is required. */
#define DP "[dataplane]\nip = 198.18.0.1\n"

static char tmpdir[] = "/tmp/test_cfg.XXXXXX";
static char tmpreal[PATH_MAX]; /* realpath of tmpdir */
static char *files[MAX_FILES]; /* written, removed at cleanup */
static unsigned int nb_files;

static int
suite_init(void)
{
	if (mkdtemp(tmpdir) == NULL || realpath(tmpdir, tmpreal) == NULL)
		return -1;
	return 0;
}

static int
suite_cleanup(void)
{
	unsigned int i;

	for (i = 0; i < nb_files; i++) {
		unlink(files[i]);
		free(files[i]);
	}
	return rmdir(tmpdir);
}

/* Write @text into a new file of the temp dir; return its path. */
static const char *
write_conf(const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	if (nb_files >= MAX_FILES)
		return NULL;
	snprintf(path, sizeof(path), "%s/c%03u.conf", tmpdir, nb_files);
	f = fopen(path, "w");
	if (f == NULL)
		return NULL;
	fputs(text, f);
	fclose(f);
	files[nb_files] = strdup(path);
	return files[nb_files++];
}

static uint32_t
ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return 0;
	return a.s_addr;
}

/*
 * Load @text; expect -EINVAL and exactly "PATH:@want", and a cfg back at
 * its defaults with nothing allocated.
 */
static void
expect_error(const char *text, const char *want)
{
	char err[1024], full[1024];
	struct cfg cfg;
	const char *path = write_conf(text);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	rc = cfg_load(&cfg, path, err, sizeof(err));
	snprintf(full, sizeof(full), "%s:%s", path, want);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, full);
	if (strcmp(err, full) != 0)
		fprintf(stderr, "\n  got:  %s\n  want: %s\n", err, full);
	CU_ASSERT_EQUAL(cfg.nb_routes, 0);
	CU_ASSERT_PTR_NULL(cfg.routes);
	CU_ASSERT_EQUAL(cfg.nb_huntgroups, 0);
	CU_ASSERT_EQUAL(cfg.dp.port, 5060);
	cfg_free(&cfg);
}

/* Load @text, which must succeed; the caller checks and frees @cfg. */
static int
load_ok(struct cfg *cfg, const char *text)
{
	char err[1024];
	const char *path = write_conf(text);
	int rc;

	if (path == NULL)
		return -EIO;
	rc = cfg_load(cfg, path, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "\n  unexpected: %s\n", err);
	return rc;
}

static void
test_defaults(void)
{
	struct cfg cfg;
	unsigned int m;

	memset(&cfg, 0xa5, sizeof(cfg));
	cfg_defaults(&cfg);
	CU_ASSERT_EQUAL(cfg.dp.ip, 0);
	CU_ASSERT_EQUAL(cfg.dp.port, 5060);
	CU_ASSERT_STRING_EQUAL(cfg.dp.file_prefix, "sipfork");
	CU_ASSERT_EQUAL(cfg.dp.max_branches, 1024);
	CU_ASSERT_EQUAL(cfg.dp.branch_chunk, 4);
	CU_ASSERT_EQUAL(cfg.timers.t1_ms, 500);
	CU_ASSERT_EQUAL(cfg.timers.t2_ms, 4000);
	CU_ASSERT_EQUAL(cfg.timers.timer_b_ms, 32000);
	CU_ASSERT_EQUAL(cfg.timers.timer_c_ms, 180000);
	CU_ASSERT_EQUAL(cfg.timers.wait_ms, 5000);
	CU_ASSERT_EQUAL(cfg.mem.transactions, 16384);
	CU_ASSERT_EQUAL(cfg.mem.branch_chunks, 16384);
	CU_ASSERT_EQUAL(cfg.mem.mbufs, 16383);
	CU_ASSERT_EQUAL(cfg.mem.hdr_mbufs, 32767);
	CU_ASSERT_EQUAL(cfg.mem.clone_mbufs, 32767);
	CU_ASSERT_STRING_EQUAL(cfg.ctl.socket, "/run/sipfork/sipfork.sock");
	CU_ASSERT_EQUAL(cfg.ctl.socket_mode, 0660);
	CU_ASSERT_EQUAL(cfg.reg.max_contacts, 10);
	CU_ASSERT_EQUAL(cfg.reg.default_expires, 3600);
	CU_ASSERT_EQUAL(cfg.reg.min_expires, 60);
	CU_ASSERT_EQUAL(cfg.reg.max_expires, 7200);
	CU_ASSERT_STRING_EQUAL(cfg.reg.db, "/var/lib/sipfork/usrloc.db");
	CU_ASSERT_STRING_EQUAL(cfg.dr.gateways, "");
	CU_ASSERT_STRING_EQUAL(cfg.dr.rules, "");
	CU_ASSERT_TRUE(cfg_is_failover_code(&cfg, 408));
	CU_ASSERT_TRUE(cfg_is_failover_code(&cfg, 480));
	CU_ASSERT_TRUE(cfg_is_failover_code(&cfg, 500));
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 486));
	CU_ASSERT_EQUAL(cfg.nb_routes, 0);
	CU_ASSERT_PTR_NULL(cfg.routes);
	CU_ASSERT_EQUAL(cfg.nb_huntgroups, 0);
	CU_ASSERT_PTR_NULL(cfg.huntgroups);
	CU_ASSERT_PTR_NULL(cfg_route_find(&cfg, "demo", 4));

	CU_ASSERT_EQUAL_FATAL(cfg.nb_mem_groups, 3);
	CU_ASSERT_STRING_EQUAL(cfg.mem_groups[0].name, "traffic");
	CU_ASSERT_EQUAL(cfg.mem_groups[0].modules,
			1u << CFG_MOD_TM | 1u << CFG_MOD_DIALOG);
	CU_ASSERT_STRING_EQUAL(cfg.mem_groups[1].name, "provision");
	CU_ASSERT_EQUAL(cfg.mem_groups[1].modules,
			1u << CFG_MOD_USRLOC | 1u << CFG_MOD_HUNTGROUP |
				1u << CFG_MOD_DROUTING);
	CU_ASSERT_STRING_EQUAL(cfg.mem_groups[2].name, "core");
	CU_ASSERT_EQUAL(cfg.mem_groups[2].modules, 1u << CFG_MOD_CORE);
	for (m = 0; m < CFG_MOD_MAX; m++)
		CU_ASSERT_STRING_NOT_EQUAL(cfg_module_name(m), "?");
	CU_ASSERT_STRING_EQUAL(cfg_module_name(CFG_MOD_MAX), "?");
	cfg_free(&cfg);
}

/* The smallest valid file gives the defaults, so they pass every check. */
static void
test_minimal(void)
{
	struct cfg cfg;

	CU_ASSERT_EQUAL_FATAL(load_ok(&cfg, DP), 0);
	CU_ASSERT_EQUAL(cfg.dp.ip, ip4("198.18.0.1"));
	CU_ASSERT_EQUAL(cfg.dp.port, 5060);
	CU_ASSERT_EQUAL(cfg.reg.default_expires, 3600);
	CU_ASSERT_EQUAL(cfg.nb_mem_groups, 3);
	cfg_free(&cfg);
}

static void
test_example(void)
{
	char err[1024];
	struct cfg cfg;
	const struct cfg_route *r;
	const struct cfg_huntgroup *sales, *support;
	int rc;

	rc = cfg_load(&cfg, EXAMPLE_CONF, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(cfg.dp.ip, ip4("198.18.0.1"));
	CU_ASSERT_EQUAL(ntohl(cfg.dp.ip), 0xc6120001u);
	CU_ASSERT_EQUAL(cfg.dp.port, 5060);
	CU_ASSERT_EQUAL(cfg.dp.max_branches, 1024);
	CU_ASSERT_EQUAL(cfg.mem.mbufs, 16383);
	CU_ASSERT_EQUAL(cfg.timers.wait_ms, 5000);
	CU_ASSERT_EQUAL(cfg.ctl.socket_mode, 0660);
	CU_ASSERT_STRING_EQUAL(cfg.dr.gateways, "");

	CU_ASSERT_EQUAL(cfg.nb_routes, 1);
	r = cfg_route_find(&cfg, "demo", 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->nb_groups, 2);
	CU_ASSERT_EQUAL_FATAL(r->groups[0].nb_targets, 2);
	CU_ASSERT_EQUAL_FATAL(r->groups[1].nb_targets, 1);
	CU_ASSERT_EQUAL(r->groups[0].targets[0].ip, ip4("198.18.0.2"));
	CU_ASSERT_EQUAL(r->groups[0].targets[0].port, 5070);
	CU_ASSERT_EQUAL(r->groups[0].targets[1].ip, ip4("198.18.0.2"));
	CU_ASSERT_EQUAL(r->groups[0].targets[1].port, 5071);
	CU_ASSERT_EQUAL(r->groups[1].targets[0].ip, ip4("198.18.0.2"));
	CU_ASSERT_EQUAL(r->groups[1].targets[0].port, 5072);

	CU_ASSERT_EQUAL_FATAL(cfg.nb_huntgroups, 2);
	sales = cfg_huntgroup_find(&cfg, "sales@example.com", 17);
	support = cfg_huntgroup_find(&cfg, "support", 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sales);
	CU_ASSERT_PTR_NOT_NULL_FATAL(support);
	CU_ASSERT_EQUAL_FATAL(sales->nb_members, 2);
	CU_ASSERT_STRING_EQUAL(sales->members[0], "alice@example.com");
	CU_ASSERT_STRING_EQUAL(sales->members[1], "bob@example.com");
	CU_ASSERT_EQUAL(sales->failover, (uint32_t)(support - cfg.huntgroups));
	CU_ASSERT_EQUAL(support->failover, CFG_NONE);
	CU_ASSERT_EQUAL(cfg.nb_mem_groups, 3);
	cfg_free(&cfg);
}

static void
test_route_groups(void)
{
	struct cfg cfg;
	const struct cfg_route *r;

	CU_ASSERT_EQUAL_FATAL(
		load_ok(&cfg,
			DP "[route a]\n"
			   "targets = 198.18.0.2:5070 198.18.0.3 | "
			   "198.18.0.4:6000\n"
			   "[route b@example.com]\n"
			   "targets = 198.18.0.5|198.18.0.6:1|198.18.0.7\n"),
		0);
	CU_ASSERT_EQUAL(cfg.nb_routes, 2);
	r = cfg_route_find(&cfg, "a", 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->name, "a");
	CU_ASSERT_EQUAL_FATAL(r->nb_groups, 2);
	CU_ASSERT_EQUAL_FATAL(r->groups[0].nb_targets, 2);
	CU_ASSERT_EQUAL_FATAL(r->groups[1].nb_targets, 1);
	CU_ASSERT_EQUAL(r->groups[0].targets[0].ip, ip4("198.18.0.2"));
	CU_ASSERT_EQUAL(r->groups[0].targets[0].port, 5070);
	CU_ASSERT_EQUAL(r->groups[0].targets[1].ip, ip4("198.18.0.3"));
	CU_ASSERT_EQUAL(r->groups[0].targets[1].port, 5060);
	CU_ASSERT_EQUAL(r->groups[1].targets[0].ip, ip4("198.18.0.4"));
	CU_ASSERT_EQUAL(r->groups[1].targets[0].port, 6000);

	r = cfg_route_find(&cfg, "b@example.com", 13);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->nb_groups, 3);
	CU_ASSERT_EQUAL(r->groups[0].nb_targets, 1);
	CU_ASSERT_EQUAL(r->groups[1].nb_targets, 1);
	CU_ASSERT_EQUAL(r->groups[1].targets[0].port, 1);
	CU_ASSERT_EQUAL(r->groups[2].targets[0].ip, ip4("198.18.0.7"));

	/* Exact match on the given bytes, which need no NUL. */
	CU_ASSERT_PTR_NOT_NULL(cfg_route_find(&cfg, "a;user=phone", 1));
	CU_ASSERT_PTR_NULL(cfg_route_find(&cfg, "b", 1));
	CU_ASSERT_PTR_NULL(cfg_route_find(&cfg, "ab", 2));
	CU_ASSERT_PTR_NULL(cfg_route_find(&cfg, "A", 1));
	CU_ASSERT_PTR_NULL(cfg_route_find(&cfg, "", 0));
	cfg_free(&cfg);
	CU_ASSERT_EQUAL(cfg.nb_routes, 0);
	cfg_free(&cfg); /* twice is harmless */
}

/* One line far beyond libinih's built-in 200 bytes: 3000 targets. */
static void
test_long_target_list(void)
{
	size_t len = 64 + 3000 * 18, n;
	char *text = malloc(len);
	struct cfg cfg;
	unsigned int i;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	n = (size_t)snprintf(text, len,
			     DP "max_branches = 3000\n"
				"[route big]\ntargets =");
	for (i = 0; i < 3000; i++)
		n += (size_t)snprintf(text + n, len - n, " 198.18.%u.%u:%u",
				      i / 200, i % 200 + 1, 5060 + i % 7);
	snprintf(text + n, len - n, "\n");
	rc = load_ok(&cfg, text);
	free(text);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(cfg.nb_routes, 1);
	CU_ASSERT_EQUAL(cfg.routes[0].nb_groups, 1);
	CU_ASSERT_EQUAL_FATAL(cfg.routes[0].groups[0].nb_targets, 3000);
	CU_ASSERT_EQUAL(cfg.routes[0].groups[0].targets[2999].ip,
			ip4("198.18.14.200"));
	CU_ASSERT_EQUAL(cfg.routes[0].groups[0].targets[2999].port,
			5060 + 2999 % 7);
	cfg_free(&cfg);
}

static void
test_failover_codes(void)
{
	struct cfg cfg;

	cfg_defaults(&cfg);
	CU_ASSERT_TRUE(cfg_is_failover_code(&cfg, 408));
	CU_ASSERT_TRUE(cfg_is_failover_code(&cfg, 503));
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 486));
	CU_ASSERT_TRUE(cfg_is_failover_code(&cfg, 599));
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 600));
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 404));
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 200));
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 700));
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 100000));

	CU_ASSERT_EQUAL_FATAL(load_ok(&cfg, DP
				      "[drouting]\n"
				      "gateways = gw.csv\nrules = rules.csv\n"
				      "failover_codes = 486 , 6xx,  302\n"),
			      0);
	CU_ASSERT_TRUE(cfg_is_failover_code(&cfg, 486));
	CU_ASSERT_TRUE(cfg_is_failover_code(&cfg, 600));
	CU_ASSERT_TRUE(cfg_is_failover_code(&cfg, 699));
	CU_ASSERT_TRUE(cfg_is_failover_code(&cfg, 302));
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 408));
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 503));
	cfg_free(&cfg);

	CU_ASSERT_EQUAL_FATAL(load_ok(&cfg, DP "[drouting]\n"
					       "gateways = gw.csv\nrules = "
					       "rules.csv\nfailover_codes =\n"),
			      0);
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 408));
	CU_ASSERT_FALSE(cfg_is_failover_code(&cfg, 503));
	cfg_free(&cfg);
}

/* Relative paths come from the config file's directory. */
static void
test_paths(void)
{
	char want[PATH_MAX + 32];
	struct cfg cfg;

	CU_ASSERT_EQUAL_FATAL(
		load_ok(&cfg, DP
			"[drouting]\n"
			"gateways = gw.csv\nrules = /srv/dr/rules.csv\n"
			"[registrar]\ndb = sub/usrloc.db\n"
			"[control]\nsocket = /tmp/x.sock\nsocket_mode = 600\n"),
		0);
	snprintf(want, sizeof(want), "%s/gw.csv", tmpreal);
	CU_ASSERT_STRING_EQUAL(cfg.dr.gateways, want);
	CU_ASSERT_STRING_EQUAL(cfg.dr.rules, "/srv/dr/rules.csv");
	snprintf(want, sizeof(want), "%s/sub/usrloc.db", tmpreal);
	CU_ASSERT_STRING_EQUAL(cfg.reg.db, want);
	CU_ASSERT_STRING_EQUAL(cfg.ctl.socket, "/tmp/x.sock");
	CU_ASSERT_EQUAL(cfg.ctl.socket_mode, 0600);
	cfg_free(&cfg);
}

static void
test_mem_groups(void)
{
	struct cfg cfg;

	CU_ASSERT_EQUAL_FATAL(load_ok(&cfg, DP
				      "[mem-group fast]\nmodules = tm core\n"
				      "[mem-group regs]\nmodules = usrloc\n"),
			      0);
	CU_ASSERT_EQUAL_FATAL(cfg.nb_mem_groups, 3);
	CU_ASSERT_STRING_EQUAL(cfg.mem_groups[0].name, "fast");
	CU_ASSERT_EQUAL(cfg.mem_groups[0].modules,
			1u << CFG_MOD_TM | 1u << CFG_MOD_CORE);
	CU_ASSERT_STRING_EQUAL(cfg.mem_groups[1].name, "regs");
	CU_ASSERT_EQUAL(cfg.mem_groups[1].modules, 1u << CFG_MOD_USRLOC);
	/* The modules no group names. */
	CU_ASSERT_STRING_EQUAL(cfg.mem_groups[2].name, "other");
	CU_ASSERT_EQUAL(cfg.mem_groups[2].modules,
			1u << CFG_MOD_DIALOG | 1u << CFG_MOD_HUNTGROUP |
				1u << CFG_MOD_DROUTING);
	cfg_free(&cfg);
}

static void
test_huntgroup_chain(void)
{
	struct cfg cfg;

	/* Failover may name a group defined further down. */
	CU_ASSERT_EQUAL_FATAL(
		load_ok(&cfg, DP
			"[huntgroup a]\nmembers = x@example.com\nfailover = b\n"
			"[huntgroup b]\nfailover = c@example.com\n"
			"members = y@example.com z@example.com\n"
			"[huntgroup c@example.com]\nmembers = w@example.com\n"),
		0);
	CU_ASSERT_EQUAL_FATAL(cfg.nb_huntgroups, 3);
	CU_ASSERT_EQUAL(cfg.huntgroups[0].failover, 1);
	CU_ASSERT_EQUAL(cfg.huntgroups[1].failover, 2);
	CU_ASSERT_EQUAL(cfg.huntgroups[2].failover, CFG_NONE);
	CU_ASSERT_EQUAL_FATAL(cfg.huntgroups[1].nb_members, 2);
	CU_ASSERT_STRING_EQUAL(cfg.huntgroups[1].members[1], "z@example.com");
	CU_ASSERT_PTR_NULL(cfg_huntgroup_find(&cfg, "c", 1));
	CU_ASSERT_PTR_EQUAL(cfg_huntgroup_find(&cfg, "c@example.com", 13),
			    &cfg.huntgroups[2]);
	cfg_free(&cfg);
}

/* Comments, indentation, CRLF and a BOM, as sipfork.conf documents. */
static void
test_syntax_accepted(void)
{
	struct cfg cfg;

	/* ';' not after a blank is part of the value. */
	expect_error("[dataplane]\nip = 198.18.0.9\nport=5070;not a comment\n",
		     "3: port: not a number: \"5070;not a comment\"");
	CU_ASSERT_EQUAL_FATAL(
		load_ok(&cfg, "\xEF\xBB\xBF"
			      "# a comment\n"
			      "; another\n"
			      "[dataplane]   ; section comment\r\n"
			      "  ip = 198.18.0.9\t# indented, with comment\r\n"
			      "port=5070 ;a comment\n"
			      "[registrar]\n"
			      "db = /tmp/a;b#c\n"),
		0);
	CU_ASSERT_EQUAL(cfg.dp.ip, ip4("198.18.0.9"));
	CU_ASSERT_EQUAL(cfg.dp.port, 5070);
	CU_ASSERT_STRING_EQUAL(cfg.reg.db, "/tmp/a;b#c");
	cfg_free(&cfg);
}

static void
test_err_unknown_section(void)
{
	expect_error(DP "[nosuch]\nx = 1\n",
		     "3: [nosuch]: unknown section (known: dataplane, timers, "
		     "memory, control, registrar, drouting, mem-group NAME, "
		     "route NAME, huntgroup NAME)");
	expect_error(DP "[timers fast]\n", "3: [timers fast]: section takes "
					   "no name");
	expect_error(DP "[route]\n", "3: [route]: section needs a name: "
				     "[route NAME]");
}

static void
test_err_unknown_key(void)
{
	expect_error(DP "prot = 5060\n",
		     "3: prot: unknown key in [dataplane] "
		     "(known: ip port file_prefix max_branches branch_chunk)");
	expect_error(DP "[route r]\ntarget = 198.18.0.2\n",
		     "4: target: "
		     "unknown key in [route r] (known: targets)");
	expect_error("port = 5060\n" DP, "1: port: key before the first "
					 "[section]");
}

static void
test_err_bad_number(void)
{
	expect_error(DP "port = 50x60\n", "3: port: not a number: \"50x60\"");
	expect_error(DP "port = -1\n", "3: port: not a number: \"-1\"");
	expect_error(DP "port =\n", "3: port: not a number: \"\"");
	expect_error(DP "[control]\nsocket_mode = 0x1ff\n",
		     "4: socket_mode: "
		     "not an octal mode: \"0x1ff\"");
	expect_error(DP "[control]\nsocket_mode = 0668\n",
		     "4: socket_mode: "
		     "not an octal mode: \"0668\"");
}

static void
test_err_out_of_bounds(void)
{
	expect_error(DP "port = 70000\n",
		     "3: port: 70000 out of range [1, 65535]");
	expect_error(DP "port = 0\n", "3: port: 0 out of range [1, 65535]");
	expect_error(DP "max_branches = 99999999999999999999999\n",
		     "3: max_branches: 99999999999999999999999 out of range "
		     "[1, 65535]");
	expect_error(DP "[memory]\nmbufs = 63\n",
		     "4: mbufs: 63 out of range [64, 16777216]");
	expect_error(DP "[timers]\nt1_ms = 5\n",
		     "4: t1_ms: 5 out of range [10, 60000]");
	expect_error(DP "[control]\nsocket_mode = 1777\n",
		     "4: socket_mode: 1777 out of range [0, 0777]");
	expect_error(DP "file_prefix = a/b\n",
		     "3: file_prefix: \"a/b\": name "
		     "may only have letters, digits, '_', '-'");
}

static void
test_err_bad_ip(void)
{
	expect_error("[dataplane]\nip = 198.18.0.300\n",
		     "2: ip: not an IPv4 address: \"198.18.0.300\"");
	expect_error("[dataplane]\nip = 198.18.0.01\n",
		     "2: ip: not an IPv4 address: \"198.18.0.01\"");
	expect_error("[dataplane]\nip = 224.0.0.1\n",
		     "2: ip: not a unicast address: \"224.0.0.1\"");
	expect_error("[dataplane]\nip = 0.0.0.0\n",
		     "2: ip: not a unicast address: \"0.0.0.0\"");
}

static void
test_err_bad_targets(void)
{
	expect_error(DP "[route r]\ntargets = 198.18.0.2 | | 198.18.0.3\n",
		     "4: targets: group 2 is empty");
	expect_error(DP "[route r]\ntargets = | 198.18.0.3\n",
		     "4: targets: group 1 is empty");
	expect_error(DP "[route r]\ntargets = 198.18.0.3 |\n",
		     "4: targets: group 2 is empty");
	expect_error(DP "[route r]\ntargets =\n", "4: targets: no targets");
	expect_error(DP "[route r]\ntargets = 198.18.0.2:99999\n",
		     "4: targets: \"198.18.0.2:99999\": port out of range "
		     "[1, 65535]");
	expect_error(DP "[route r]\ntargets = 198.18.0.2:50x\n",
		     "4: targets: \"198.18.0.2:50x\": port not a number");
	expect_error(DP "[route r]\ntargets = 198.18.0.2 198.18.1.256:5060\n",
		     "4: targets: \"198.18.1.256:5060\": not an IPv4 address");
	expect_error(DP "[route r]\n", "3: targets: required key missing in "
				       "[route r]");
	expect_error(
		DP "max_branches = 2\nbranch_chunk = 1\n[route r]\n"
		   "targets = 198.18.0.2 | 198.18.0.2 198.18.0.3 198.18.0.4\n",
		"6: targets: group 2 has 3 targets, more than max_branches "
		"(2)");
}

static void
test_err_failover_loop(void)
{
	/* a -> b -> c -> b: the loop is b, c; line 11 closes it. */
	expect_error(DP "[huntgroup a]\nmembers = a@x\nfailover = b\n"
			"[huntgroup b]\nmembers = b@x\nfailover = c\n"
			"[huntgroup c]\nmembers = c@x\nfailover = b\n",
		     "11: failover: loop: c -> b -> c");
	expect_error(DP "[huntgroup a]\nmembers = a@x\nfailover = a\n",
		     "5: failover: loop: a -> a");
}

static void
test_err_failover_unknown(void)
{
	expect_error(DP "[huntgroup a]\nmembers = a@x\nfailover = nosuch\n"
			"[huntgroup b]\nmembers = b@x\n",
		     "5: failover: no [huntgroup nosuch]");
	expect_error(DP "[huntgroup a]\nmembers = a@x sip:b@x\n",
		     "4: members: \"sip:b@x\": write the AOR without scheme");
	expect_error(DP "[huntgroup a]\nmembers = a@x b\n",
		     "4: members: \"b\": not an AOR: user@domain");
	expect_error(DP "[huntgroup a]\nmembers = a@x b@x a@x\n",
		     "4: members: \"a@x\" listed twice");
}

static void
test_err_duplicate_key(void)
{
	expect_error(DP "port = 5060\nport = 5070\n",
		     "4: port: duplicate key (first at line 3)");
	expect_error(DP "[route r]\ntargets = 198.18.0.2\n\n"
			"targets = 198.18.0.3\n",
		     "6: targets: duplicate key (first at line 4)");
}

static void
test_err_duplicate_section(void)
{
	expect_error(DP "[timers]\nt1_ms = 400\n[timers]\n",
		     "5: [timers]: duplicate section (first at line 3)");
	expect_error(DP "[route r]\ntargets = 198.18.0.2\n[route r]\n",
		     "5: [route r]: duplicate section (first at line 3)");
	expect_error(
		DP "[route r]\ntargets = 198.18.0.2\n[huntgroup r]\n",
		"5: [huntgroup r]: name already used by [route r] (line 3)");
}

static void
test_err_mem_group(void)
{
	expect_error(DP "[mem-group a]\nmodules = tm dialog\n"
			"[mem-group b]\nmodules = usrloc tm\n",
		     "6: modules: tm is already in [mem-group a] (line 4)");
	expect_error(
		DP "[mem-group a]\nmodules = tm bogus\n",
		"4: modules: unknown module \"bogus\" (known: tm dialog usrloc "
		"huntgroup drouting core)");
	expect_error(DP "[mem-group a]\nmodules = tm tm\n",
		     "4: modules: tm listed twice");
	expect_error(DP "[mem-group a]\nmodules = tm\n[mem-group a]\n",
		     "5: [mem-group a]: duplicate section (first at line 3)");
}

static void
test_err_expires(void)
{
	expect_error(DP "[registrar]\nmin_expires = 4000\n",
		     "4: min_expires: 4000 is above default_expires (3600)");
	expect_error(DP "[registrar]\nmin_expires = 10\n"
			"default_expires = 5\n",
		     "5: default_expires: 5 is below min_expires (10)");
	expect_error(DP "[registrar]\nmax_expires = 1800\n",
		     "4: max_expires: 1800 is below default_expires (3600)");
	expect_error(DP "[timers]\nt2_ms = 400\n",
		     "4: t2_ms: 400 is below t1_ms (500)");
	expect_error(DP "branch_chunk = 2000\n",
		     "3: branch_chunk: 2000 is above max_branches (1024)");
}

static void
test_err_syntax(void)
{
	expect_error(DP "[route r\n", "3: [route r: syntax error: missing "
				      "']'");
	expect_error(DP "[route r] x\n", "3: [route r] x: syntax error: text "
					 "after ']'");
	expect_error(DP "port 5060\n", "3: port 5060: syntax error: expected "
				       "\"key = value\" or \"[section]\"");
	/* No continuation lines: an indented value alone is an error. */
	expect_error(DP "[huntgroup h]\nmembers = a@x\n  b@x\n",
		     "5: b@x: syntax error: expected \"key = value\" or "
		     "\"[section]\"");
	expect_error("", "1: ip: required key missing: no [dataplane] "
			 "section");
	expect_error("[timers]\n", "1: ip: required key missing: no "
				   "[dataplane] section");
	expect_error("[dataplane]\nport = 5060\n", "1: ip: required key "
						   "missing in [dataplane]");
	expect_error(DP "[drouting]\ngateways = gw.csv\n",
		     "3: rules: "
		     "required key missing in [drouting]");
}

static void
test_err_line_too_long(void)
{
	size_t len = 4u * 1024 * 1024 + 64, n;
	char *text = malloc(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	n = (size_t)snprintf(text, len, DP "[route r]\ntargets = ");
	memset(text + n, '1', len - n - 2);
	text[len - 2] = '\n';
	text[len - 1] = '\0';
	expect_error(text, "4: targets: line longer than 4194303 characters");
	free(text);
}

static void
test_err_missing_file(void)
{
	char path[PATH_MAX + 16], want[PATH_MAX + 64], err[1024];
	struct cfg cfg;

	snprintf(path, sizeof(path), "%s/nosuch.conf", tmpdir);
	CU_ASSERT_EQUAL(cfg_load(&cfg, path, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: cannot open: No such file or "
		 "directory",
		 path);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(cfg.dp.port, 5060);

	CU_ASSERT_EQUAL(cfg_load(&cfg, tmpdir, err, sizeof(err)), -EISDIR);
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", tmpdir);
	CU_ASSERT_STRING_EQUAL(err, want);
	/* A NULL err buffer is allowed. */
	CU_ASSERT_EQUAL(cfg_load(&cfg, path, NULL, 0), -ENOENT);
	cfg_free(&cfg);
}

static void
test_help(void)
{
	const char *h = cfg_help();

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "[dataplane]\nip =  ; ipv4, "
					 "required: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "\nport = 5060 ; uint 1..65535: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "\nsocket_mode = 0660 ; octal "
					 "0..0777: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "[route NAME]\ntargets = "));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "\nwait_ms = 5000 ; ms 100..64000"));
	CU_ASSERT_PTR_EQUAL(cfg_help(), h);
}

static CU_TestInfo cfg_tests[] = {
	{"defaults", test_defaults},
	{"minimal file", test_minimal},
	{"example sipfork.conf", test_example},
	{"route groups and lookup", test_route_groups},
	{"long target list", test_long_target_list},
	{"failover codes", test_failover_codes},
	{"relative paths", test_paths},
	{"mem-groups", test_mem_groups},
	{"huntgroup failover chain", test_huntgroup_chain},
	{"comments, indentation, CRLF, BOM", test_syntax_accepted},
	{"error: unknown section", test_err_unknown_section},
	{"error: unknown key", test_err_unknown_key},
	{"error: bad number", test_err_bad_number},
	{"error: out of bounds", test_err_out_of_bounds},
	{"error: bad IP", test_err_bad_ip},
	{"error: bad target list", test_err_bad_targets},
	{"error: huntgroup failover loop", test_err_failover_loop},
	{"error: unknown failover group, bad AOR", test_err_failover_unknown},
	{"error: duplicate key", test_err_duplicate_key},
	{"error: duplicate section", test_err_duplicate_section},
	{"error: mem-groups", test_err_mem_group},
	{"error: expires and timer order", test_err_expires},
	{"error: syntax, required keys", test_err_syntax},
	{"error: line too long", test_err_line_too_long},
	{"error: missing file", test_err_missing_file},
	{"help", test_help},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"cfg", suite_init, suite_cleanup, NULL, NULL, cfg_tests},
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "test_cfg: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed != 0;
}
