/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loader: reads the INI file with libinih into struct cfg,
 * checks every value against cfg_keys.def, then checks the whole.
 *
 * Runs once, at process start, on one thread; nothing here is hot.
 *
 * How libinih is used, and why.  Debian 12's libinih (r55) is built without
 * INI_HANDLER_LINENO, with multi-line values on, ';' inline comments only,
 * a 200-byte line buffer, and a 50-byte section buffer.  Left alone it
 * would (a) split a line longer than 199 characters into several "lines"
 * without a word, (b) cut section names at 49 characters, (c) take an
 * indented "key = value" as the continuation of the previous key's value,
 * and (d) pass duplicate keys to the handler like any other.  So:
 *   - we feed it through our own reader (ini_parse_stream), which counts
 *     lines, refuses over-long lines, strips comments and indentation,
 *     handles "[section]" lines itself (libinih only ever sees blank lines
 *     and "key = value" lines) and stops the parse after the first error;
 *   - libinih splits "key = value" and trims both; the handler records the
 *     first error's key and reason and returns 0, and ini_parse_stream()
 *     returns that line number, which cfg_load() prints;
 *   - Debian builds libinih with runtime options (INI_RUNTIME_OPTIONS; the
 *     installed ini.h declares them, meson checks for ini_max_line), which
 *     we use to give it a CFG_LINE_MAX heap buffer for the call, so a long
 *     target list fits on one line.  Without them lines stop at 199
 *     characters, which the reader reports rather than mis-parses;
 *   - duplicate keys and sections are detected here, with both lines.
 */

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "cfg_priv.h"

/** Longest line we accept (when libinih has runtime options), bytes. */
#define CFG_LINE_MAX (4 * 1024 * 1024)

/* A numeric default or bound that does not fit its field fails the build. */
#define CFG_FITS(max, size)                                                    \
	((size) >= 8 || ((uint64_t)(max) >> (8 * ((size) % 8))) == 0)
#define CFG_FIELD_SIZE(stype, member) sizeof(((struct stype *)0)->member)

#define CFG_KEY(sect, key, type, flags, def, min, max, stype, member, help)    \
	_Static_assert(CFG_FITS(max, CFG_FIELD_SIZE(stype, member)),           \
		       #sect "." #key ": bound does not fit its field");
#include "cfg_keys.def"

const struct cfg_key cfg_keys[CFG_K_MAX] = {
#define CFG_KEY(sec, key, typ, flg, dflt, lo, hi, stype, member, text)         \
	[CFG_K_##sec##_##key] = {                                              \
		.name = #key,                                                  \
		.def = dflt,                                                   \
		.help = text,                                                  \
		.min = lo,                                                     \
		.max = hi,                                                     \
		.off = offsetof(struct stype, member),                         \
		.size = CFG_FIELD_SIZE(stype, member),                         \
		.sect = CFG_S_##sec,                                           \
		.type = CFG_T_##typ,                                           \
		.flags = flg,                                                  \
	},
#include "cfg_keys.def"
};

const struct cfg_sect cfg_sects[CFG_S_MAX] = {
#define CFG_SECTION(id, text, is_named, is_mandatory)                          \
	[CFG_S_##id] = {                                                       \
		.name = text,                                                  \
		.named = is_named,                                             \
		.mandatory = is_mandatory,                                     \
	},
#include "cfg_keys.def"
};

int
cfg_fail(struct cfg_ctx *ctx, uint32_t line, const char *key, const char *fmt,
	 ...)
{
	va_list ap;
	int n;

	if (ctx->failed)
		return -EINVAL;
	ctx->failed = true;
	ctx->rc = -EINVAL;
	ctx->err_line = line;
	n = snprintf(ctx->msg, sizeof(ctx->msg), "%s: ", key);
	if (n < 0 || (size_t)n >= sizeof(ctx->msg))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ctx->msg + n, sizeof(ctx->msg) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
cfg_oom(struct cfg_ctx *ctx, const char *key)
{
	if (!ctx->failed) {
		cfg_fail(ctx, ctx->line, key, "out of memory");
		ctx->rc = -ENOMEM;
	}
	return -ENOMEM;
}

/* Space-separated names of the keys of section @s, into @buf. */
static const char *
cfg_known_keys(uint32_t s, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < CFG_K_MAX; i++)
		if (cfg_keys[i].sect == s)
			cfg_append(buf, len, &n, "%s%s", n ? " " : "",
				   cfg_keys[i].name);
	return buf;
}

/* Required keys of the section just closed. */
static int
cfg_section_end(struct cfg_ctx *ctx)
{
	int i;

	if (ctx->sect == CFG_S_NONE)
		return 0;
	for (i = 0; i < CFG_K_MAX; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (k->sect == ctx->sect && (k->flags & CFG_F_REQ) &&
		    ctx->seen[i] == 0)
			return cfg_fail(ctx, ctx->sect_line, k->name,
					"required key missing in %s",
					ctx->sect_text);
	}
	return 0;
}

/* Grow an entry array and its cfg_src twin to hold one more entry. */
static int
cfg_grow(void **arr, size_t elem, struct cfg_src **src, uint32_t *cap,
	 uint32_t nb)
{
	uint32_t ncap;
	void *a;
	struct cfg_src *s;

	if (nb < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	a = realloc(*arr, (size_t)ncap * elem);
	if (a == NULL)
		return -ENOMEM;
	*arr = a;
	s = realloc(*src, (size_t)ncap * sizeof(**src));
	if (s == NULL)
		return -ENOMEM;
	*src = s;
	*cap = ncap;
	return 0;
}

/* Line of the [route] or [huntgroup] already called @name, or 0. */
static uint32_t
cfg_find_named(const struct cfg_ctx *ctx, uint32_t s, const char *name)
{
	const struct cfg *cfg = ctx->cfg;
	uint32_t i;

	if (s == CFG_S_ROUTE) {
		for (i = 0; i < cfg->nb_routes; i++)
			if (strcmp(cfg->routes[i].name, name) == 0)
				return ctx->route_src[i].line;
	} else {
		for (i = 0; i < cfg->nb_huntgroups; i++)
			if (strcmp(cfg->huntgroups[i].name, name) == 0)
				return ctx->hg_src[i].line;
	}
	return 0;
}

static int
cfg_new_mem_group(struct cfg_ctx *ctx, const char *name)
{
	struct cfg *cfg = ctx->cfg;
	struct cfg_mem_group *mg;
	uint32_t i;

	if (!ctx->mem_from_file) {
		/* The first [mem-group] replaces the default groups. */
		cfg->nb_mem_groups = 0;
		ctx->mem_from_file = true;
	}
	for (i = 0; i < cfg->nb_mem_groups; i++)
		if (strcmp(cfg->mem_groups[i].name, name) == 0)
			return cfg_fail(ctx, ctx->line, ctx->sect_text,
					"duplicate section (first at line %u)",
					ctx->mg_line[i]);
	if (cfg->nb_mem_groups >= CFG_MOD_MAX)
		return cfg_fail(ctx, ctx->line, ctx->sect_text,
				"more groups than modules (%d)", CFG_MOD_MAX);
	ctx->entry = cfg->nb_mem_groups++;
	ctx->mg_line[ctx->entry] = ctx->line;
	mg = &cfg->mem_groups[ctx->entry];
	strcpy(mg->name, name);
	mg->modules = 0;
	return 0;
}

static int
cfg_new_named(struct cfg_ctx *ctx, uint32_t s, const char *name)
{
	struct cfg *cfg = ctx->cfg;
	uint32_t other = s == CFG_S_ROUTE ? CFG_S_HUNTGROUP : CFG_S_ROUTE;
	uint32_t line;
	const char *why;

	why = cfg_name_check(name, s == CFG_S_MEM_GROUP);
	if (why != NULL)
		return cfg_fail(ctx, ctx->line, ctx->sect_text, "%s", why);
	if (s == CFG_S_MEM_GROUP)
		return cfg_new_mem_group(ctx, name);

	line = cfg_find_named(ctx, s, name);
	if (line != 0)
		return cfg_fail(ctx, ctx->line, ctx->sect_text,
				"duplicate section (first at line %u)", line);
	/*
	 * A route wins over a hunt group of the same name, so the second
	 * would never be used: refuse the pair rather than shadow silently.
	 */
	line = cfg_find_named(ctx, other, name);
	if (line != 0)
		return cfg_fail(ctx, ctx->line, ctx->sect_text,
				"name already used by [%s %s] (line %u)",
				cfg_sects[other].name, name, line);

	if (s == CFG_S_ROUTE) {
		struct cfg_route *r;

		if (cfg_grow((void **)&cfg->routes, sizeof(*cfg->routes),
			     &ctx->route_src, &ctx->route_cap,
			     cfg->nb_routes) < 0)
			return cfg_oom(ctx, ctx->sect_text);
		ctx->entry = cfg->nb_routes++;
		r = &cfg->routes[ctx->entry];
		memset(r, 0, sizeof(*r));
		strcpy(r->name, name);
		r->name_len = (uint32_t)strlen(name);
		memset(&ctx->route_src[ctx->entry], 0, sizeof(struct cfg_src));
		ctx->route_src[ctx->entry].line = ctx->line;
	} else {
		struct cfg_huntgroup *hg;

		if (cfg_grow((void **)&cfg->huntgroups,
			     sizeof(*cfg->huntgroups), &ctx->hg_src,
			     &ctx->hg_cap, cfg->nb_huntgroups) < 0)
			return cfg_oom(ctx, ctx->sect_text);
		ctx->entry = cfg->nb_huntgroups++;
		hg = &cfg->huntgroups[ctx->entry];
		memset(hg, 0, sizeof(*hg));
		strcpy(hg->name, name);
		hg->failover = CFG_NONE;
		memset(&ctx->hg_src[ctx->entry], 0, sizeof(struct cfg_src));
		ctx->hg_src[ctx->entry].line = ctx->line;
	}
	return 0;
}

/*
 * A "[type]" or "[type NAME]" line, trimmed and without comment.  Closes
 * the previous section, then opens the new one.
 */
static int
cfg_section_line(struct cfg_ctx *ctx, char *text)
{
	size_t len = strlen(text);
	char *type, *name, *p;
	char shown[48];
	uint32_t s;
	int i;

	if (cfg_section_end(ctx) < 0)
		return -EINVAL;
	p = strchr(text, ']');
	if (p == NULL)
		return cfg_fail(ctx, ctx->line,
				cfg_shorten(text, shown, sizeof(shown)),
				"syntax error: missing ']'");
	if (p != text + len - 1)
		return cfg_fail(ctx, ctx->line,
				cfg_shorten(text, shown, sizeof(shown)),
				"syntax error: text after ']'");
	*p = '\0';
	type = text + 1;
	while (*type == ' ' || *type == '\t')
		type++;
	name = type + strcspn(type, " \t");
	if (*name != '\0') {
		*name++ = '\0';
		while (*name == ' ' || *name == '\t')
			name++;
		p = name + strlen(name);
		while (p > name && (p[-1] == ' ' || p[-1] == '\t'))
			*--p = '\0';
	}
	if (strlen(name) >= CFG_NAME_MAX)
		name[CFG_NAME_MAX] = '\0'; /* reported by the name check */
	snprintf(ctx->sect_text, sizeof(ctx->sect_text), "[%s%s%s]", type,
		 *name ? " " : "", name);

	for (s = 0; s < CFG_S_MAX; s++)
		if (strcmp(cfg_sects[s].name, type) == 0)
			break;
	if (s == CFG_S_MAX) {
		char known[256];
		size_t n = 0;

		known[0] = '\0';
		for (i = 0; i < CFG_S_MAX; i++)
			cfg_append(known, sizeof(known), &n, "%s%s%s",
				   n ? ", " : "", cfg_sects[i].name,
				   cfg_sects[i].named ? " NAME" : "");
		ctx->sect = CFG_S_NONE;
		return cfg_fail(ctx, ctx->line, ctx->sect_text,
				"unknown section (known: %s)", known);
	}

	ctx->sect = s;
	ctx->sect_line = ctx->line;
	for (i = 0; i < CFG_K_MAX; i++)
		if (cfg_keys[i].sect == s)
			ctx->seen[i] = 0;
	if (!cfg_sects[s].named) {
		if (*name != '\0')
			return cfg_fail(ctx, ctx->line, ctx->sect_text,
					"section takes no name");
		if (ctx->sect_first[s] != 0)
			return cfg_fail(ctx, ctx->line, ctx->sect_text,
					"duplicate section (first at line %u)",
					ctx->sect_first[s]);
		ctx->sect_first[s] = ctx->line;
		return 0;
	}
	if (*name == '\0')
		return cfg_fail(ctx, ctx->line, ctx->sect_text,
				"section needs a name: [%s NAME]", type);
	return cfg_new_named(ctx, s, name);
}

/* Strip a BOM, comments and surrounding blanks, in place. */
static void
cfg_line_clean(struct cfg_ctx *ctx, char *buf)
{
	char *p = buf, *end;

	if (ctx->line == 1 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (*p == ' ' || *p == '\t')
		p++;
	for (end = p; *end != '\0'; end++) {
		if ((*end == ';' || *end == '#') &&
		    (end == p || end[-1] == ' ' || end[-1] == '\t'))
			break;
	}
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\n' || end[-1] == '\r'))
		end--;
	memmove(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
}

/* Key name at the start of a raw line, for "line too long" messages. */
static void
cfg_line_key(const char *buf, char *key, size_t len)
{
	size_t n;

	buf += strspn(buf, " \t");
	n = strspn(buf, "abcdefghijklmnopqrstuvwxyz0123456789_");
	if (n == 0 || n >= len)
		snprintf(key, len, "line");
	else
		snprintf(key, len, "%.*s", (int)n, buf);
}

/*
 * The ini_reader: one physical line per call, so libinih's line count
 * stays ours.  Section lines, comments and malformed lines are handled
 * here and reach libinih as blank lines; after an error we return NULL,
 * which ends the parse.
 */
static char *
cfg_reader(char *buf, int num, void *stream)
{
	struct cfg_ctx *ctx = stream;
	size_t len;
	char *eq;
	int c;

	if (ctx->failed)
		return NULL;
	if (fgets(buf, num, ctx->fp) == NULL) {
		if (ferror(ctx->fp)) {
			ctx->failed = true;
			ctx->rc = errno ? -errno : -EIO;
		}
		return NULL;
	}
	ctx->line++;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] != '\n') {
		c = getc(ctx->fp);
		if (c != '\n' && c != EOF) {
			char key[32];

			while (c != '\n' && c != EOF)
				c = getc(ctx->fp);
			cfg_line_key(buf, key, sizeof(key));
			cfg_fail(ctx, ctx->line, key,
				 "line longer than %d characters", num - 1);
			buf[0] = '\0';
			return buf;
		}
	}
	cfg_line_clean(ctx, buf);
	if (buf[0] == '[') {
		cfg_section_line(ctx, buf);
		buf[0] = '\0';
		return buf;
	}
	if (buf[0] == '\0')
		return buf;
	/* libinih splits at the first '=' or ':'; we only allow '='. */
	eq = buf + strcspn(buf, "=:");
	if (*eq != '=' || eq == buf) {
		char shown[48];

		cfg_fail(ctx, ctx->line, cfg_shorten(buf, shown, sizeof(shown)),
			 "syntax error: "
			 "expected \"key = value\" or \"[section]\"");
		buf[0] = '\0';
	}
	return buf;
}

static int
cfg_key_line(struct cfg_ctx *ctx, const char *name, const char *val)
{
	struct cfg *cfg = ctx->cfg;
	const struct cfg_key *k = NULL;
	char known[256];
	void *base;
	int i;

	if (ctx->sect == CFG_S_NONE)
		return cfg_fail(ctx, ctx->line, name,
				"key before the first [section]");
	for (i = 0; i < CFG_K_MAX; i++) {
		if (cfg_keys[i].sect == ctx->sect &&
		    strcmp(cfg_keys[i].name, name) == 0) {
			k = &cfg_keys[i];
			break;
		}
	}
	if (k == NULL)
		return cfg_fail(
			ctx, ctx->line, name, "unknown key in %s (known: %s)",
			ctx->sect_text,
			cfg_known_keys(ctx->sect, known, sizeof(known)));
	if (ctx->seen[i] != 0)
		return cfg_fail(ctx, ctx->line, name,
				"duplicate key (first at line %u)",
				ctx->seen[i]);
	ctx->seen[i] = ctx->line;

	switch (ctx->sect) {
	case CFG_S_ROUTE:
		base = &cfg->routes[ctx->entry];
		break;
	case CFG_S_HUNTGROUP:
		base = &cfg->huntgroups[ctx->entry];
		break;
	case CFG_S_MEM_GROUP:
		base = &cfg->mem_groups[ctx->entry];
		break;
	default:
		base = cfg;
		break;
	}
	return cfg_set_value(ctx, k, base, val);
}

/* The ini_handler.  @section is always "": see cfg_reader(). */
static int
cfg_ini_handler(void *user, const char *section, const char *name,
		const char *value)
{
	struct cfg_ctx *ctx = user;

	(void)section;
	if (ctx->failed)
		return 0;
	if (cfg_key_line(ctx, name, value) < 0) {
		ctx->err_in_handler = true;
		return 0;
	}
	return 1;
}

/*
 * Require value(a) <= value(b), for keys of the sections that appear once.
 * The key blamed is the one set last in the file: reading top down, that
 * is where the pair went wrong.
 */
static int
cfg_check_order(struct cfg_ctx *ctx, enum cfg_key_id a, enum cfg_key_id b)
{
	const struct cfg_key *ka = &cfg_keys[a], *kb = &cfg_keys[b];
	uint64_t va = cfg_fetch_uint((char *)ctx->cfg + ka->off, ka->size);
	uint64_t vb = cfg_fetch_uint((char *)ctx->cfg + kb->off, kb->size);

	if (va <= vb)
		return 0;
	if (ctx->seen[a] >= ctx->seen[b])
		return cfg_fail(ctx, ctx->seen[a], ka->name,
				"%llu is above %s (%llu)",
				(unsigned long long)va, kb->name,
				(unsigned long long)vb);
	return cfg_fail(ctx, ctx->seen[b], kb->name, "%llu is below %s (%llu)",
			(unsigned long long)vb, ka->name,
			(unsigned long long)va);
}

/* Checks that need the whole file, in the order the operator reads it. */
static int
cfg_finish(struct cfg_ctx *ctx)
{
	const struct cfg *cfg = ctx->cfg;
	uint32_t i, g, last = ctx->line ? ctx->line : 1;
	int k;

	if (cfg_section_end(ctx) < 0)
		return -EINVAL;
	for (k = 0; k < CFG_K_MAX; k++) {
		uint32_t s = cfg_keys[k].sect;

		if (cfg_sects[s].mandatory && ctx->sect_first[s] == 0 &&
		    (cfg_keys[k].flags & CFG_F_REQ))
			return cfg_fail(ctx, last, cfg_keys[k].name,
					"required key missing: no [%s] section",
					cfg_sects[s].name);
	}
	if (cfg_check_order(ctx, CFG_K_TIMERS_t1_ms, CFG_K_TIMERS_t2_ms) < 0 ||
	    cfg_check_order(ctx, CFG_K_DATAPLANE_branch_chunk,
			    CFG_K_DATAPLANE_max_branches) < 0 ||
	    cfg_check_order(ctx, CFG_K_REGISTRAR_min_expires,
			    CFG_K_REGISTRAR_default_expires) < 0 ||
	    cfg_check_order(ctx, CFG_K_REGISTRAR_default_expires,
			    CFG_K_REGISTRAR_max_expires) < 0)
		return -EINVAL;
	for (i = 0; i < cfg->nb_routes; i++) {
		const struct cfg_route *r = &cfg->routes[i];

		for (g = 0; g < r->nb_groups; g++)
			if (r->groups[g].nb_targets > cfg->dp.max_branches)
				return cfg_fail(ctx, ctx->route_src[i].key_line,
						"targets",
						"group %u has %u targets, "
						"more than max_branches (%u)",
						g + 1, r->groups[g].nb_targets,
						cfg->dp.max_branches);
	}
	if (cfg_resolve_failover(ctx) < 0)
		return ctx->rc;
	if (ctx->mem_from_file)
		cfg_mem_group_leftovers(ctx);
	return 0;
}

/*
 * Run libinih over ctx->fp with a CFG_LINE_MAX heap line buffer, then put
 * its process-wide options back.  Returns what ini_parse_stream() does.
 */
static int
cfg_ini_parse(struct cfg_ctx *ctx)
{
#ifdef CFG_INI_RUNTIME_OPTIONS
	bool use_stack = ini_use_stack;
	bool allow_realloc = ini_allow_realloc;
	int initial_alloc = ini_initial_alloc;
	int max_line = ini_max_line;
	int ret;

	/* One fgets() per line, never a realloc: see cfg_reader(). */
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_initial_alloc = CFG_LINE_MAX;
	ini_max_line = CFG_LINE_MAX;
	ret = ini_parse_stream(cfg_reader, ctx, cfg_ini_handler, ctx);
	ini_use_stack = use_stack;
	ini_allow_realloc = allow_realloc;
	ini_initial_alloc = initial_alloc;
	ini_max_line = max_line;
	return ret;
#else
	return ini_parse_stream(cfg_reader, ctx, cfg_ini_handler, ctx);
#endif
}

void
cfg_defaults(struct cfg *cfg)
{
	static const struct {
		const char *name; /* group name */
		uint32_t modules; /* bit (1u << enum cfg_module) */
	} groups[] = {
		{"traffic", 1u << CFG_MOD_TM | 1u << CFG_MOD_DIALOG},
		{"provision", 1u << CFG_MOD_USRLOC | 1u << CFG_MOD_HUNTGROUP |
				      1u << CFG_MOD_DROUTING},
		/*
		 * core (mbuf pools, parser, queues) gets a group of its own:
		 * it is the largest and sized at start, so folding it into
		 * "traffic" would hide what transactions and dialogs grow to.
		 */
		{"core", 1u << CFG_MOD_CORE},
	};
	struct cfg_ctx ctx;
	unsigned int i;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	/* The defaults go through the parser the file goes through. */
	for (i = 0; i < CFG_K_MAX; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (k->def == NULL || cfg_sects[k->sect].named)
			continue;
		rc = cfg_set_value(&ctx, k, cfg, k->def);
		(void)rc; /* test_cfg checks every default */
	}
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		snprintf(cfg->mem_groups[i].name, CFG_NAME_MAX, "%s",
			 groups[i].name);
		cfg->mem_groups[i].modules = groups[i].modules;
	}
	cfg->nb_mem_groups = i;
}

int
cfg_load(struct cfg *cfg, const char *path, char *err, size_t errlen)
{
	struct cfg_ctx ctx;
	char dummy[1];
	char *real;
	uint32_t line;
	int ret, rc;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	cfg_defaults(cfg);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	ctx.sect = CFG_S_NONE;

	ctx.fp = fopen(path, "r");
	if (ctx.fp == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(-rc));
		return rc;
	}
	real = realpath(path, NULL);
	if (real == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(-rc));
		goto close_file;
	}
	ctx.dir = dirname(real);

	ret = cfg_ini_parse(&ctx);
	if (ret == -2)
		cfg_oom(&ctx, "line");
	else if (ret > 0 && !ctx.failed)
		cfg_fail(&ctx, (uint32_t)ret, "line", "syntax error");
	if (!ctx.failed)
		cfg_finish(&ctx);

	rc = 0;
	if (ctx.failed) {
		rc = ctx.rc;
		if (ctx.msg[0] == '\0') {
			snprintf(err, errlen, "%s: cannot read: %s", path,
				 strerror(-rc));
		} else {
			/* A handler error's line is what libinih returned. */
			line = ctx.err_in_handler && ret > 0 ? (uint32_t)ret
							     : ctx.err_line;
			snprintf(err, errlen, "%s:%u: %s", path, line, ctx.msg);
		}
		cfg_free(cfg);
		cfg_defaults(cfg);
	}
	free(ctx.route_src);
	free(ctx.hg_src);
	free(real);
close_file:
	fclose(ctx.fp);
	return rc;
}

void
cfg_free(struct cfg *cfg)
{
	uint32_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nb_routes; i++)
		free(cfg->routes[i].groups);
	free(cfg->routes);
	cfg->routes = NULL;
	cfg->nb_routes = 0;
	for (i = 0; i < cfg->nb_huntgroups; i++)
		free(cfg->huntgroups[i].members);
	free(cfg->huntgroups);
	cfg->huntgroups = NULL;
	cfg->nb_huntgroups = 0;
}
