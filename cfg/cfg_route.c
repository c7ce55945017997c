/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * List values of the configuration: [route] targets, [huntgroup] members
 * and failover, [mem-group] modules, [drouting] failover_codes; names;
 * and the lookups the other modules call.
 *
 * Parsing runs once at start (cold, malloc is fine).  The lookups run on
 * the loaded, read-only struct cfg from any thread.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_priv.h"

#define CFG_SIP_PORT 5060 /* port of a target written without one */
#define CFG_BLANKS " \t"

static const char *const cfg_module_names[CFG_MOD_MAX] = {
	[CFG_MOD_TM] = "tm",
	[CFG_MOD_DIALOG] = "dialog",
	[CFG_MOD_USRLOC] = "usrloc",
	[CFG_MOD_HUNTGROUP] = "huntgroup",
	[CFG_MOD_DROUTING] = "drouting",
	[CFG_MOD_CORE] = "core",
};

const char *
cfg_module_name(enum cfg_module mod)
{
	if ((unsigned int)mod >= CFG_MOD_MAX)
		return "?";
	return cfg_module_names[mod];
}

/* Next blank-separated token of *p, as (start, length); 0 at the end. */
static size_t
cfg_token(const char **p, const char **tok, const char *stops)
{
	const char *s = *p + strspn(*p, CFG_BLANKS);
	size_t n = strcspn(s, stops);

	*tok = s;
	*p = s + n;
	return n;
}

const char *
cfg_ipv4(const char *s, uint32_t *ip)
{
	struct in_addr a;
	uint32_t h;

	/* inet_pton takes exactly a.b.c.d, no leading zeros, no blanks. */
	if (inet_pton(AF_INET, s, &a) != 1)
		return "not an IPv4 address";
	h = ntohl(a.s_addr);
	if ((h >> 24) == 0 || h >= 0xe0000000u)
		return "not a unicast address";
	*ip = a.s_addr;
	return NULL;
}

/*
 * Route and hunt group names are what a Request-URI can carry: a user
 * part (RFC 3261 unreserved and user-unreserved characters, without ';',
 * which starts comments here), optionally "@" and a host name.
 */
const char *
cfg_name_check(const char *name, bool ident)
{
	static const char user_chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789-_.!~*'()&=+$,?/%";
	static const char ident_chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789_-";
	size_t len = strlen(name), user;
	const char *at;

	if (len == 0)
		return "empty name";
	if (len >= CFG_NAME_MAX)
		return "name longer than 127 characters";
	if (ident) {
		if (strspn(name, ident_chars) != len)
			return "name may only have letters, digits, '_', '-'";
		return NULL;
	}
	user = strspn(name, user_chars);
	if (user == len)
		return NULL;
	at = name + user;
	if (*at != '@' || user == 0 || at[1] == '\0' ||
	    strspn(at + 1,
		   "abcdefghijklmnopqrstuvwxyz"
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != strlen(at + 1))
		return "not a name: user@domain or user";
	return NULL;
}

/* An AOR: user@domain, as cfg_name_check() with the domain required. */
static const char *
cfg_aor_check(const char *aor)
{
	const char *why;

	if (strncmp(aor, "sip:", 4) == 0 || strncmp(aor, "sips:", 5) == 0)
		return "write the AOR without scheme";
	why = cfg_name_check(aor, false);
	if (why != NULL || strchr(aor, '@') == NULL)
		return "not an AOR: user@domain";
	return NULL;
}

/*
 * "408, 480, 5xx": codes 300..699, or a class 3xx..6xx.  Empty means no
 * reply moves on (timeouts still do).  1xx and 2xx are refused: they
 * are not failures.
 */
int
cfg_parse_codes(struct cfg_ctx *ctx, const struct cfg_key *k, uint64_t *bits,
		const char *val)
{
	uint64_t set[(CFG_CODE_MAX + 63) / 64] = {0};
	const char *p = val, *tok;
	char item[8];
	unsigned int lo, hi, c;
	size_t n;

	while (*(p + strspn(p, CFG_BLANKS)) != '\0') {
		n = cfg_token(&p, &tok, ",");
		while (n > 0 && strchr(CFG_BLANKS, tok[n - 1]) != NULL)
			n--;
		if (n == 0)
			return cfg_fail(ctx, ctx->line, k->name,
					"empty item in list");
		if (n == 3 && tok[0] >= '3' && tok[0] <= '6' && tok[1] == 'x' &&
		    tok[2] == 'x') {
			lo = (unsigned int)(tok[0] - '0') * 100;
			hi = lo + 99;
		} else if (n == 3 && strspn(tok, "0123456789") >= 3) {
			lo = (unsigned int)(tok[0] - '0') * 100 +
			     (unsigned int)(tok[1] - '0') * 10 +
			     (unsigned int)(tok[2] - '0');
			hi = lo;
			if (lo < 300 || lo > 699)
				return cfg_fail(ctx, ctx->line, k->name,
						"%u out of range [300, 699]",
						lo);
		} else if (strcspn(tok, CFG_BLANKS) < n) {
			return cfg_fail(ctx, ctx->line, k->name,
					"items are separated by ','");
		} else {
			snprintf(item, sizeof(item), "%.*s", n < 6 ? (int)n : 6,
				 tok);
			return cfg_fail(
				ctx, ctx->line, k->name,
				"\"%s%s\": not a code (NNN or Nxx, 300 to 699)",
				item, n > 6 ? "..." : "");
		}
		for (c = lo; c <= hi; c++)
			set[c / 64] |= 1ull << (c % 64);
		if (*p == ',')
			p++;
	}
	if (*val != '\0' && p > val && p[-1] == ',')
		return cfg_fail(ctx, ctx->line, k->name, "empty item in list");
	memcpy(bits, set, sizeof(set));
	return 0;
}

int
cfg_parse_modules(struct cfg_ctx *ctx, const struct cfg_key *k, uint32_t mg,
		  const char *val)
{
	struct cfg *cfg = ctx->cfg;
	const char *p = val, *tok;
	uint32_t mask = 0, g;
	size_t n;
	int m;

	while ((n = cfg_token(&p, &tok, CFG_BLANKS)) > 0) {
		for (m = 0; m < CFG_MOD_MAX; m++) {
			const char *name = cfg_module_names[m];

			if (strlen(name) == n && memcmp(name, tok, n) == 0)
				break;
		}
		if (m == CFG_MOD_MAX)
			return cfg_fail(
				ctx, ctx->line, k->name,
				"unknown module \"%.*s\" (known: tm dialog "
				"usrloc huntgroup drouting core)",
				n < 32 ? (int)n : 32, tok);
		if (mask & (1u << m))
			return cfg_fail(ctx, ctx->line, k->name,
					"%s listed twice", cfg_module_names[m]);
		for (g = 0; g < cfg->nb_mem_groups; g++)
			if (g != mg && (cfg->mem_groups[g].modules & (1u << m)))
				return cfg_fail(
					ctx, ctx->line, k->name,
					"%s is already in [mem-group %s] "
					"(line %u)",
					cfg_module_names[m],
					cfg->mem_groups[g].name,
					ctx->mod_line[m]);
		mask |= 1u << m;
		ctx->mod_line[m] = ctx->line;
	}
	if (mask == 0)
		return cfg_fail(ctx, ctx->line, k->name, "empty list");
	cfg->mem_groups[mg].modules = mask;
	return 0;
}

/* "IP" or "IP:PORT", @n bytes at @tok. */
static int
cfg_parse_target(struct cfg_ctx *ctx, const struct cfg_key *k, const char *tok,
		 size_t n, struct cfg_target *t)
{
	char buf[32], *colon;
	const char *why;
	unsigned long port = CFG_SIP_PORT;
	char *end;

	if (n >= sizeof(buf))
		return cfg_fail(ctx, ctx->line, k->name,
				"\"%.40s...\": not an IPv4 address", tok);
	memcpy(buf, tok, n);
	buf[n] = '\0';
	colon = strchr(buf, ':');
	if (colon != NULL) {
		*colon = '\0';
		if (colon[1] < '0' || colon[1] > '9' ||
		    colon[1 + strspn(colon + 1, "0123456789")] != '\0') {
			*colon = ':';
			return cfg_fail(ctx, ctx->line, k->name,
					"\"%s\": port not a number", buf);
		}
		port = strtoul(colon + 1, &end, 10);
		if (port < 1 || port > 65535) {
			*colon = ':';
			return cfg_fail(ctx, ctx->line, k->name,
					"\"%s\": port out of range [1, 65535]",
					buf);
		}
	}
	why = cfg_ipv4(buf, &t->ip);
	if (why != NULL) {
		if (colon != NULL)
			*colon = ':';
		return cfg_fail(ctx, ctx->line, k->name, "\"%s\": %s", buf,
				why);
	}
	t->port = (uint16_t)port;
	return 0;
}

/*
 * "a b | c" -> groups {a, b} then {c}.  Counted first, then parsed into
 * one allocation: the group array, then every target.
 */
int
cfg_parse_targets(struct cfg_ctx *ctx, const struct cfg_key *k,
		  struct cfg_route *r, const char *val)
{
	struct cfg_target_group *groups, *g;
	struct cfg_target *t;
	uint32_t nb_groups = 1, nb_targets = 0, in_group = 0;
	const char *p = val, *tok;
	size_t n;

	for (;;) {
		n = cfg_token(&p, &tok, CFG_BLANKS "|");
		if (n > 0) {
			nb_targets++;
			in_group++;
			continue;
		}
		if (*tok == '\0')
			break;
		/* a '|' */
		if (in_group == 0)
			return cfg_fail(ctx, ctx->line, k->name,
					"group %u is empty", nb_groups);
		nb_groups++;
		in_group = 0;
		p = tok + 1;
	}
	if (nb_targets == 0)
		return cfg_fail(ctx, ctx->line, k->name, "no targets");
	if (in_group == 0)
		return cfg_fail(ctx, ctx->line, k->name, "group %u is empty",
				nb_groups);

	groups = malloc(nb_groups * sizeof(*groups) + nb_targets * sizeof(*t));
	if (groups == NULL)
		return cfg_oom(ctx, k->name);
	g = groups;
	t = (struct cfg_target *)(groups + nb_groups);
	g->targets = t;
	g->nb_targets = 0;
	for (p = val;;) {
		n = cfg_token(&p, &tok, CFG_BLANKS "|");
		if (n > 0) {
			if (cfg_parse_target(ctx, k, tok, n, t) < 0)
				goto free_groups;
			t++;
			g->nb_targets++;
			continue;
		}
		if (*tok == '\0')
			break;
		g++;
		g->targets = t;
		g->nb_targets = 0;
		p = tok + 1;
	}
	r->groups = groups;
	r->nb_groups = nb_groups;
	return 0;

free_groups:
	free(groups);
	return -EINVAL;
}

static int
cfg_strptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * "a@x b@y": one allocation, the pointer array then the strings.
 * Duplicates are found by sorting a copy of the pointers.
 */
int
cfg_parse_aors(struct cfg_ctx *ctx, const struct cfg_key *k,
	       struct cfg_huntgroup *hg, const char *val)
{
	const char *p = val, *tok, *why;
	uint32_t nb = 0, i;
	size_t n, bytes = 0;
	char **members, **sorted, *s;

	while ((n = cfg_token(&p, &tok, CFG_BLANKS)) > 0) {
		nb++;
		bytes += n + 1;
	}
	if (nb == 0)
		return cfg_fail(ctx, ctx->line, k->name, "no members");
	members = malloc(nb * sizeof(*members) + bytes);
	if (members == NULL)
		return cfg_oom(ctx, k->name);
	s = (char *)(members + nb);
	for (p = val, i = 0; (n = cfg_token(&p, &tok, CFG_BLANKS)) > 0; i++) {
		memcpy(s, tok, n);
		s[n] = '\0';
		why = cfg_aor_check(s);
		if (why != NULL) {
			cfg_fail(ctx, ctx->line, k->name, "\"%.60s\": %s", s,
				 why);
			goto free_members;
		}
		members[i] = s;
		s += n + 1;
	}

	sorted = malloc(nb * sizeof(*sorted));
	if (sorted == NULL) {
		cfg_oom(ctx, k->name);
		goto free_members;
	}
	memcpy(sorted, members, nb * sizeof(*sorted));
	qsort(sorted, nb, sizeof(*sorted), cfg_strptr_cmp);
	for (i = 1; i < nb; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			cfg_fail(ctx, ctx->line, k->name,
				 "\"%.60s\" listed twice", sorted[i]);
			free(sorted);
			goto free_members;
		}
	}
	free(sorted);
	hg->members = members;
	hg->nb_members = nb;
	return 0;

free_members:
	free(members);
	return ctx->rc;
}

/* Report the loop through @c: "failover: loop: a -> b -> a". */
static int
cfg_failover_loop(struct cfg_ctx *ctx, uint32_t c)
{
	const struct cfg *cfg = ctx->cfg;
	char text[384];
	size_t n = 0;
	uint32_t j = c;
	int w;

	do {
		w = snprintf(text + n, sizeof(text) - n, "%s -> ",
			     cfg->huntgroups[j].name);
		if (w < 0 || (size_t)w >= sizeof(text) - n)
			break;
		n += (size_t)w;
		j = cfg->huntgroups[j].failover;
	} while (j != c);
	if (j == c)
		snprintf(text + n, sizeof(text) - n, "%s",
			 cfg->huntgroups[c].name);
	else
		snprintf(text + n, sizeof(text) - n, "...");
	return cfg_fail(ctx, ctx->hg_src[c].key_line, "failover", "loop: %s",
			text);
}

/*
 * Each hunt group has at most one failover, so the groups form a
 * functional graph: walk each chain once, colouring it; meeting the
 * current chain again is a loop.  The loop is reported at the member
 * whose failover line comes last: reading down, that line closed it.
 */
int
cfg_resolve_failover(struct cfg_ctx *ctx)
{
	struct cfg *cfg = ctx->cfg;
	uint32_t n = cfg->nb_huntgroups, i, j, len, s, c;
	const struct cfg_huntgroup *hg;
	uint32_t *path;
	uint8_t *state; /* 0 unseen, 1 on this chain, 2 done */
	int rc = 0;

	for (i = 0; i < n; i++) {
		const struct cfg_src *src = &ctx->hg_src[i];

		if (src->ref[0] == '\0')
			continue;
		hg = cfg_huntgroup_find(cfg, src->ref, strlen(src->ref));
		if (hg == NULL)
			return cfg_fail(ctx, src->key_line, "failover",
					"no [huntgroup %s]", src->ref);
		cfg->huntgroups[i].failover = (uint32_t)(hg - cfg->huntgroups);
	}
	if (n == 0)
		return 0;

	state = calloc(n, sizeof(*state));
	path = malloc(n * sizeof(*path));
	if (state == NULL || path == NULL) {
		rc = cfg_oom(ctx, "failover");
		goto free_arrays;
	}
	for (i = 0; i < n && rc == 0; i++) {
		len = 0;
		for (j = i; j != CFG_NONE && state[j] == 0;
		     j = cfg->huntgroups[j].failover) {
			state[j] = 1;
			path[len++] = j;
		}
		if (j != CFG_NONE && state[j] == 1) {
			for (s = 0; path[s] != j; s++)
				;
			c = path[s];
			for (; s < len; s++)
				if (ctx->hg_src[path[s]].key_line >
				    ctx->hg_src[c].key_line)
					c = path[s];
			rc = cfg_failover_loop(ctx, c);
		}
		for (s = 0; s < len; s++)
			state[path[s]] = 2;
	}

free_arrays:
	free(path);
	free(state);
	return rc;
}

void
cfg_mem_group_leftovers(struct cfg_ctx *ctx)
{
	struct cfg *cfg = ctx->cfg;
	uint32_t used = 0, left, g;

	for (g = 0; g < cfg->nb_mem_groups; g++)
		used |= cfg->mem_groups[g].modules;
	left = ((1u << CFG_MOD_MAX) - 1) & ~used;
	if (left == 0)
		return;
	for (g = 0; g < cfg->nb_mem_groups; g++)
		if (strcmp(cfg->mem_groups[g].name, "other") == 0)
			break;
	if (g == cfg->nb_mem_groups) {
		/* Room: a module is left, so at most CFG_MOD_MAX - 1 groups. */
		cfg->nb_mem_groups++;
		strcpy(cfg->mem_groups[g].name, "other");
		cfg->mem_groups[g].modules = 0;
	}
	cfg->mem_groups[g].modules |= left;
}

const struct cfg_route *
cfg_route_find(const struct cfg *cfg, const char *user, size_t len)
{
	uint32_t i;

	for (i = 0; i < cfg->nb_routes; i++) {
		const struct cfg_route *r = &cfg->routes[i];

		if (r->name_len == len && memcmp(r->name, user, len) == 0)
			return r;
	}
	return NULL;
}

const struct cfg_huntgroup *
cfg_huntgroup_find(const struct cfg *cfg, const char *name, size_t len)
{
	uint32_t i;

	if (len >= CFG_NAME_MAX)
		return NULL;
	for (i = 0; i < cfg->nb_huntgroups; i++) {
		const struct cfg_huntgroup *hg = &cfg->huntgroups[i];

		if (memcmp(hg->name, name, len) == 0 && hg->name[len] == '\0')
			return hg;
	}
	return NULL;
}

bool
cfg_is_failover_code(const struct cfg *cfg, unsigned int code)
{
	if (code >= CFG_CODE_MAX)
		return false;
	return (cfg->dr.failover_codes[code / 64] >> (code % 64)) & 1;
}
