/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Values of the keys that hold one scalar (numbers, modes, addresses,
 * names, paths), the dispatch to the list parsers of cfg_route.c, and the
 * help text built from cfg_keys.def.  Cold code: runs at start only.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_priv.h"

/* Names of enum cfg_type for cfg_help(). */
static const char *const cfg_type_names[] = {
	[CFG_T_UINT] = "uint",		[CFG_T_MS] = "ms",
	[CFG_T_MODE] = "octal",		[CFG_T_IPV4] = "ipv4",
	[CFG_T_IDENT] = "name",		[CFG_T_PATH] = "path",
	[CFG_T_CODES] = "codes",	[CFG_T_MODULES] = "modules",
	[CFG_T_TARGETS] = "targets",	[CFG_T_AORS] = "aors",
	[CFG_T_GROUPREF] = "huntgroup",
};

/* snprintf at *n into buf, never past its end; *n stops at len - 1. */
void
cfg_append(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= len - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	*n = *n + (size_t)r >= len ? len - 1 : *n + (size_t)r;
}

/* At most 40 characters of @s, with "..." when cut, for messages. */
const char *
cfg_shorten(const char *s, char *out, size_t len)
{
	size_t n = 0;

	cfg_append(out, len, &n, "%.40s%s", s, strlen(s) > 40 ? "..." : "");
	return out;
}

/*
 * Digits only, in base 8 or 10: no sign, no blanks, no 0x.  On overflow
 * *v is UINT64_MAX, which every bound refuses as out of range.
 */
static int
cfg_parse_u64(const char *s, unsigned int base, uint64_t *v)
{
	uint64_t x = 0;
	unsigned int d;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s >= (char)('0' + base))
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (x > (UINT64_MAX - d) / base)
			x = UINT64_MAX;
		else if (x != UINT64_MAX)
			x = x * base + d;
	}
	*v = x;
	return 0;
}

static void
cfg_store_uint(void *field, size_t size, uint64_t v)
{
	switch (size) {
	case 1:
		*(uint8_t *)field = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)field = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)field = (uint32_t)v;
		break;
	default:
		*(uint64_t *)field = v;
		break;
	}
}

uint64_t
cfg_fetch_uint(const void *field, size_t size)
{
	switch (size) {
	case 1:
		return *(const uint8_t *)field;
	case 2:
		return *(const uint16_t *)field;
	case 4:
		return *(const uint32_t *)field;
	default:
		return *(const uint64_t *)field;
	}
}

static int
cfg_set_uint(struct cfg_ctx *ctx, const struct cfg_key *k, void *field,
	     const char *val)
{
	bool octal = k->type == CFG_T_MODE;
	uint64_t v;

	if (cfg_parse_u64(val, octal ? 8 : 10, &v) < 0)
		return cfg_fail(ctx, ctx->line, k->name,
				octal ? "not an octal mode: \"%s\""
				      : "not a number: \"%s\"",
				val);
	if (v < k->min || v > k->max) {
		if (octal)
			return cfg_fail(ctx, ctx->line, k->name,
					"%s out of range [%#llo, %#llo]", val,
					(unsigned long long)k->min,
					(unsigned long long)k->max);
		return cfg_fail(ctx, ctx->line, k->name,
				"%s out of range [%llu, %llu]", val,
				(unsigned long long)k->min,
				(unsigned long long)k->max);
	}
	cfg_store_uint(field, k->size, v);
	return 0;
}

static int
cfg_set_ident(struct cfg_ctx *ctx, const struct cfg_key *k, char *field,
	      const char *val)
{
	const char *why = cfg_name_check(val, true);

	if (why != NULL)
		return cfg_fail(ctx, ctx->line, k->name, "\"%s\": %s", val,
				why);
	if (strlen(val) >= k->size)
		return cfg_fail(ctx, ctx->line, k->name,
				"longer than %zu characters", k->size - 1);
	strcpy(field, val);
	return 0;
}

/* Relative paths are taken from the config file's directory. */
static int
cfg_set_path(struct cfg_ctx *ctx, const struct cfg_key *k, char *field,
	     const char *val)
{
	int n;

	if (*val == '\0')
		return cfg_fail(ctx, ctx->line, k->name, "empty path");
	if (*val == '/' || ctx->dir == NULL)
		n = snprintf(field, k->size, "%s", val);
	else
		n = snprintf(field, k->size, "%s%s%s", ctx->dir,
			     strcmp(ctx->dir, "/") == 0 ? "" : "/", val);
	if (n < 0 || (size_t)n >= k->size)
		return cfg_fail(ctx, ctx->line, k->name,
				"path longer than %zu characters", k->size - 1);
	return 0;
}

static int
cfg_set_groupref(struct cfg_ctx *ctx, const struct cfg_key *k, const char *val)
{
	struct cfg_src *src = &ctx->hg_src[ctx->entry];
	const char *why = cfg_name_check(val, false);

	if (why != NULL)
		return cfg_fail(ctx, ctx->line, k->name, "\"%s\": %s", val,
				why);
	strcpy(src->ref, val);
	src->key_line = ctx->line;
	return 0;
}

int
cfg_set_value(struct cfg_ctx *ctx, const struct cfg_key *k, void *base,
	      const char *val)
{
	void *field = (char *)base + k->off;
	const char *why;
	uint32_t ip;

	switch ((enum cfg_type)k->type) {
	case CFG_T_UINT:
	case CFG_T_MS:
	case CFG_T_MODE:
		return cfg_set_uint(ctx, k, field, val);
	case CFG_T_IPV4:
		why = cfg_ipv4(val, &ip);
		if (why != NULL)
			return cfg_fail(ctx, ctx->line, k->name, "%s: \"%s\"",
					why, val);
		*(uint32_t *)field = ip;
		return 0;
	case CFG_T_IDENT:
		return cfg_set_ident(ctx, k, field, val);
	case CFG_T_PATH:
		return cfg_set_path(ctx, k, field, val);
	case CFG_T_CODES:
		return cfg_parse_codes(ctx, k, field, val);
	case CFG_T_MODULES:
		return cfg_parse_modules(ctx, k, ctx->entry, val);
	case CFG_T_TARGETS:
		ctx->route_src[ctx->entry].key_line = ctx->line;
		return cfg_parse_targets(ctx, k, base, val);
	case CFG_T_AORS:
		return cfg_parse_aors(ctx, k, base, val);
	case CFG_T_GROUPREF:
		return cfg_set_groupref(ctx, k, val);
	}
	return cfg_fail(ctx, ctx->line, k->name, "no parser for this type");
}

const char *
cfg_help(void)
{
	static char buf[8192];
	const size_t len = sizeof(buf);
	size_t n = 0;
	int s, i;

	if (buf[0] != '\0')
		return buf;
	for (s = 0; s < CFG_S_MAX; s++) {
		cfg_append(buf, len, &n, "%s[%s%s]\n", s ? "\n" : "",
			   cfg_sects[s].name,
			   cfg_sects[s].named ? " NAME" : "");
		for (i = 0; i < CFG_K_MAX; i++) {
			const struct cfg_key *k = &cfg_keys[i];

			if (k->sect != s)
				continue;
			cfg_append(buf, len, &n, "%s = %s ; %s", k->name,
				   k->def ? k->def : "",
				   cfg_type_names[k->type]);
			if (k->type == CFG_T_MODE)
				cfg_append(buf, len, &n, " %#llo..%#llo",
					   (unsigned long long)k->min,
					   (unsigned long long)k->max);
			else if (k->max != 0)
				cfg_append(buf, len, &n, " %llu..%llu",
					   (unsigned long long)k->min,
					   (unsigned long long)k->max);
			cfg_append(buf, len, &n, "%s: %s\n",
				   (k->flags & CFG_F_REQ) ? ", required" : "",
				   k->help);
		}
	}
	return buf;
}
