/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by cfg.c (key table, file reading, sections,
 * cross-checks), cfg_value.c (scalar values, help) and cfg_route.c (list
 * values: targets, AORs, modules, failover codes; names; lookups).  Not for
 * other modules.
 */

#ifndef SIPFORK_CFG_PRIV_H
#define SIPFORK_CFG_PRIV_H

#include <stdio.h>

#include "cfg.h"

/** Value types of cfg_keys.def. */
enum cfg_type {
	CFG_T_UINT,	/**< decimal unsigned, bounded */
	CFG_T_MS,	/**< decimal unsigned, milliseconds, bounded */
	CFG_T_MODE,	/**< octal file mode, bounded */
	CFG_T_IPV4,	/**< unicast dotted quad, stored network order */
	CFG_T_IDENT,	/**< [A-Za-z0-9_-]+ */
	CFG_T_PATH,	/**< file path, made absolute */
	CFG_T_CODES,	/**< "408,480,5xx" into a bitmap */
	CFG_T_MODULES,	/**< "tm dialog" into a bitmask */
	CFG_T_TARGETS,	/**< "IP:PORT IP | IP" into target groups */
	CFG_T_AORS,	/**< "a@x b@y" into a string array */
	CFG_T_GROUPREF, /**< another [huntgroup]'s name, resolved at end */
};

/** Key flags. */
#define CFG_F_REQ 0x1 /**< required whenever its section appears */

/** Sections, from cfg_keys.def. */
enum cfg_sect_id {
#define CFG_SECTION(id, name, named, mandatory) CFG_S_##id,
#include "cfg_keys.def"
	CFG_S_MAX,		/**< number of sections */
	CFG_S_NONE = CFG_S_MAX, /**< before the first section line */
};

/** Keys, from cfg_keys.def. */
enum cfg_key_id {
#define CFG_KEY(sect, key, type, flags, def, min, max, stype, member, help)    \
	CFG_K_##sect##_##key,
#include "cfg_keys.def"
	CFG_K_MAX, /**< number of keys */
};

/** One row of cfg_keys.def. */
struct cfg_key {
	const char *name; /**< key as written */
	const char *def;  /**< default as written, or NULL */
	const char *help; /**< one line */
	uint64_t min;	  /**< lower bound of numeric types */
	uint64_t max;	  /**< upper bound of numeric types */
	size_t off;	  /**< offset of the field in its struct, bytes */
	size_t size;	  /**< size of the field, bytes */
	uint8_t sect;	  /**< enum cfg_sect_id */
	uint8_t type;	  /**< enum cfg_type */
	uint8_t flags;	  /**< CFG_F_* */
};

/** One row of the section list of cfg_keys.def. */
struct cfg_sect {
	const char *name; /**< as written between the brackets */
	bool named;	  /**< "[name NAME]", may repeat */
	bool mandatory;	  /**< the file must have it */
};

/** Where a NAMEd section came from, parallel to its entry in struct cfg. */
struct cfg_src {
	uint32_t line;		/**< line of the section header */
	uint32_t key_line;	/**< line of targets / failover, 0 if none */
	char ref[CFG_NAME_MAX]; /**< failover group named, "" if none */
};

/** State of one cfg_load() (or of cfg_defaults(), with fp == NULL). */
struct cfg_ctx {
	struct cfg *cfg;    /**< being filled */
	FILE *fp;	    /**< file being read */
	const char *dir;    /**< absolute directory of the file, or NULL */
	uint32_t line;	    /**< line last read, 1-based */
	uint32_t sect;	    /**< enum cfg_sect_id of the current section */
	uint32_t sect_line; /**< line of the current section header */
	uint32_t entry;	    /**< index of the current NAMEd entry */
	char sect_text[CFG_NAME_MAX + 32]; /**< current header, "[route x]" */
	uint32_t sect_first[CFG_S_MAX];	   /**< first line of fixed sections */
	uint32_t seen[CFG_K_MAX]; /**< line a key was set on, 0 if not */
	bool failed;		  /**< an error is recorded */
	int rc;			  /**< its code: -EINVAL, -ENOMEM, -errno */
	bool err_in_handler;	  /**< ... by the libinih handler */
	uint32_t err_line;	  /**< line of the error */
	char msg[512];		  /**< "key: reason" */
	bool mem_from_file;	  /**< a [mem-group] replaced the defaults */
	uint32_t mg_line[CFG_MEM_GROUPS_MAX]; /**< header line per group */
	uint32_t mod_line[CFG_MOD_MAX]; /**< line a module was placed on */
	uint32_t route_cap;	   /**< room in cfg->routes and route_src */
	uint32_t hg_cap;	   /**< room in cfg->huntgroups and hg_src */
	struct cfg_src *route_src; /**< per route */
	struct cfg_src *hg_src;	   /**< per hunt group */
};

/** The key table, in cfg_keys.def order. */
extern const struct cfg_key cfg_keys[CFG_K_MAX];
/** The section table, in cfg_keys.def order. */
extern const struct cfg_sect cfg_sects[CFG_S_MAX];

/**
 * Record the first error: "key: reason" at @p line.  Later calls are
 * ignored, so the operator sees the first problem of the file.
 *
 * @return
 *   -EINVAL, for "return cfg_fail(...)".
 */
int cfg_fail(struct cfg_ctx *ctx, uint32_t line, const char *key,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5), cold));

/**
 * Record running out of memory while parsing @p key.
 *
 * @return
 *   -ENOMEM.
 */
int cfg_oom(struct cfg_ctx *ctx, const char *key) __attribute__((cold));

/**
 * Parse @p val as key @p k into the struct at @p base (struct cfg, or the
 * current [route] / [huntgroup] / [mem-group] entry).
 *
 * @return
 *   0; -EINVAL or -ENOMEM, recorded in @p ctx.
 */
int cfg_set_value(struct cfg_ctx *ctx, const struct cfg_key *k, void *base,
		  const char *val);

/** Read a numeric field of @p size bytes. */
uint64_t cfg_fetch_uint(const void *field, size_t size);

/** snprintf at *@p n into @p buf, never past its end (*n stops there). */
void cfg_append(char *buf, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** At most 40 characters of @p s, with "..." when cut, for messages. */
const char *cfg_shorten(const char *s, char *out, size_t len);

/**
 * Parse a unicast IPv4 dotted quad.
 *
 * @param s
 *   Text, NUL-terminated.
 * @param ip
 *   Receives the address, network byte order.
 * @return
 *   NULL if good, else the reason.
 */
const char *cfg_ipv4(const char *s, uint32_t *ip);

/**
 * Check a [route] / [huntgroup] name (user@domain or bare user), or with
 * @p ident a [mem-group] name ([A-Za-z0-9_-]).
 *
 * @return
 *   NULL if good, else the reason.
 */
const char *cfg_name_check(const char *name, bool ident);

/** Parse CFG_T_CODES into @p bits; 0 or -EINVAL (recorded in ctx). */
int cfg_parse_codes(struct cfg_ctx *ctx, const struct cfg_key *k,
		    uint64_t *bits, const char *val);

/** Parse CFG_T_MODULES into group @p mg; 0 or -EINVAL. */
int cfg_parse_modules(struct cfg_ctx *ctx, const struct cfg_key *k, uint32_t mg,
		      const char *val);

/** Parse CFG_T_TARGETS into @p r (allocates); 0, -EINVAL or -ENOMEM. */
int cfg_parse_targets(struct cfg_ctx *ctx, const struct cfg_key *k,
		      struct cfg_route *r, const char *val);

/** Parse CFG_T_AORS into @p hg (allocates); 0, -EINVAL or -ENOMEM. */
int cfg_parse_aors(struct cfg_ctx *ctx, const struct cfg_key *k,
		   struct cfg_huntgroup *hg, const char *val);

/** Resolve failover names and refuse loops; 0, -EINVAL or -ENOMEM. */
int cfg_resolve_failover(struct cfg_ctx *ctx);

/** Put modules no [mem-group] named into "other"; cannot fail. */
void cfg_mem_group_leftovers(struct cfg_ctx *ctx);

#endif /* SIPFORK_CFG_PRIV_H */
