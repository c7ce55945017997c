/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipfork configuration: one INI file parsed into struct cfg.
 *
 * Both processes (sipfork-dp, sipfork-cp) and the tools load the same file
 * with cfg_load() at start; the struct is then read-only, so it needs no
 * locking.  Every key, its type, default, bounds and help text live in one
 * table, cfg_keys.def; the commented example is cfg/sipfork.conf.
 *
 * The file syntax, as the operator sees it:
 *   - "[section]" or "[section NAME]" lines, and "key = value" lines;
 *   - comments start with ';' or '#', at the start of a line or after
 *     whitespace ("port = 5060  # SIP" is fine, "a;b" keeps its ';');
 *   - a value is one line: there are no continuation lines, and an indented
 *     line is an ordinary line (indentation is ignored);
 *   - unknown sections and keys, duplicate sections and duplicate keys are
 *     refused, each with "FILE:LINE: key: reason".
 *
 * All addresses are IPv4 in network byte order; ports are host order.
 */

#ifndef SIPFORK_CFG_H
#define SIPFORK_CFG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Room for a [route], [huntgroup] or [mem-group] name, with its NUL. */
#define CFG_NAME_MAX 128
/** Room for a path, with its NUL; relative paths are made absolute. */
#define CFG_PATH_MAX PATH_MAX
/** Room for the control socket path: sizeof(sockaddr_un.sun_path). */
#define CFG_SOCKET_MAX 108
/** Room for the DPDK file prefix, with its NUL. */
#define CFG_PREFIX_MAX 64
/** "No index": a hunt group without failover. */
#define CFG_NONE UINT32_MAX
/** Response codes cfg_is_failover_code() knows: 0 to CFG_CODE_MAX - 1. */
#define CFG_CODE_MAX 700

/** Modules whose memory the [mem-group] sections group for reports. */
enum cfg_module {
	CFG_MOD_TM,	   /**< transactions and branches */
	CFG_MOD_DIALOG,	   /**< dialog state */
	CFG_MOD_USRLOC,	   /**< registrations */
	CFG_MOD_HUNTGROUP, /**< hunt group tables */
	CFG_MOD_DROUTING,  /**< prefix routing tables */
	CFG_MOD_CORE,	   /**< packet buffers, parser, rx/tx queues */
	CFG_MOD_MAX,	   /**< number of modules */
};

/** At most one group per module, plus the implicit "other" group. */
#define CFG_MEM_GROUPS_MAX (CFG_MOD_MAX + 1)

/** [dataplane]: what the fast path listens on and how it forks. */
struct cfg_dataplane {
	uint32_t ip;   /**< our IPv4 address, network byte order */
	uint16_t port; /**< UDP port SIP is received on */
	char file_prefix[CFG_PREFIX_MAX]; /**< DPDK --file-prefix */
	uint32_t max_branches; /**< branches per transaction, at most */
	uint32_t branch_chunk; /**< branches allocated together, in branches */
};

/** [timers]: RFC 3261 timers. */
struct cfg_timers {
	uint32_t t1_ms;	     /**< T1, RTT estimate, ms */
	uint32_t t2_ms;	     /**< T2, retransmit interval cap, ms */
	uint32_t timer_b_ms; /**< Timer B, INVITE transaction timeout, ms */
	uint32_t timer_c_ms; /**< Timer C, INVITE ringing timeout, ms */
	uint32_t wait_ms;    /**< completed transaction kept this long, ms */
};

/** [memory]: pool sizes, per worker lcore. */
struct cfg_memory {
	uint32_t transactions;	/**< transaction slots, per lcore */
	uint32_t branch_chunks; /**< branch chunks, per lcore */
	uint32_t mbufs;		/**< packet mbufs, per lcore */
	uint32_t hdr_mbufs;	/**< small per-branch header mbufs, per lcore */
	uint32_t clone_mbufs;	/**< indirect (clone) mbufs, per lcore */
};

/** [control]: the CLI socket. */
struct cfg_control {
	char socket[CFG_SOCKET_MAX]; /**< UNIX socket path */
	uint32_t socket_mode;	     /**< socket file mode, e.g. 0660 */
};

/** [registrar]: REGISTER handling. */
struct cfg_registrar {
	uint32_t max_contacts;	  /**< contacts per AOR, at most */
	uint32_t default_expires; /**< when REGISTER gives none, s */
	uint32_t min_expires;	  /**< shorter asks get 423, s */
	uint32_t max_expires;	  /**< longer asks are cut to this, s */
	char db[CFG_PATH_MAX];	  /**< SQLite file bindings go to */
};

/** [drouting]: prefix routing to gateways. */
struct cfg_drouting {
	char gateways[CFG_PATH_MAX]; /**< gateways CSV, "" if none */
	char rules[CFG_PATH_MAX];    /**< rules CSV, "" if none */
	/** Bit c set: final response c makes drouting try the next gateway. */
	uint64_t failover_codes[(CFG_CODE_MAX + 63) / 64];
};

/** [mem-group NAME]: modules whose memory is reported together. */
struct cfg_mem_group {
	char name[CFG_NAME_MAX]; /**< group name, [A-Za-z0-9_-] */
	uint32_t modules;	 /**< bit (1u << enum cfg_module) */
};

/** One static fork target. */
struct cfg_target {
	uint32_t ip;   /**< IPv4 address, network byte order */
	uint16_t port; /**< UDP port, host order */
};

/** Targets forked to in parallel. */
struct cfg_target_group {
	uint32_t nb_targets;	    /**< entries in targets, >= 1 */
	struct cfg_target *targets; /**< in file order */
};

/** [route NAME]: groups of static targets, tried one after another. */
struct cfg_route {
	char name[CFG_NAME_MAX];	 /**< user@domain or bare user */
	uint32_t name_len;		 /**< strlen(name), bytes */
	uint32_t nb_groups;		 /**< entries in groups, >= 1 */
	struct cfg_target_group *groups; /**< serial order; one allocation */
};

/** [huntgroup NAME]: members rung in parallel, then the failover group. */
struct cfg_huntgroup {
	char name[CFG_NAME_MAX]; /**< user@domain or bare user */
	uint32_t nb_members;	 /**< entries in members, >= 1 */
	char **members;		 /**< AORs user@domain; one allocation */
	uint32_t failover;	 /**< index in huntgroups, or CFG_NONE */
};

/** The whole configuration. */
struct cfg {
	struct cfg_dataplane dp;  /**< [dataplane] */
	struct cfg_timers timers; /**< [timers] */
	struct cfg_memory mem;	  /**< [memory] */
	struct cfg_control ctl;	  /**< [control] */
	struct cfg_registrar reg; /**< [registrar] */
	struct cfg_drouting dr;	  /**< [drouting] */
	uint32_t nb_mem_groups;	  /**< entries used in mem_groups */
	/** Every module is in exactly one group. */
	struct cfg_mem_group mem_groups[CFG_MEM_GROUPS_MAX];
	uint32_t nb_routes;		  /**< entries in routes */
	struct cfg_route *routes;	  /**< [route NAME], file order */
	uint32_t nb_huntgroups;		  /**< entries in huntgroups */
	struct cfg_huntgroup *huntgroups; /**< [huntgroup NAME], file order */
};

/**
 * Fill @p cfg with the built-in defaults: no routes, no hunt groups, no
 * drouting files, and the mem-groups traffic (tm dialog), provision (usrloc
 * huntgroup drouting) and core (core).  Allocates nothing.
 *
 * @param cfg
 *   Configuration to overwrite; its previous content is not freed.
 */
void cfg_defaults(struct cfg *cfg);

/**
 * Load the INI file @p path into @p cfg: defaults first, then the file.
 * Relative paths in the file are resolved against the file's directory.
 * Not thread-safe: it sets libinih's process-wide options for the call.
 *
 * @param cfg
 *   Configuration to fill; its previous content is overwritten, not freed.
 *   On failure it holds the defaults again and nothing stays allocated.
 * @param path
 *   File to read.
 * @param err
 *   On failure, receives "FILE:LINE: key: reason", or "FILE: cannot open:
 *   reason" when the file cannot be read.  May be NULL.
 * @param errlen
 *   Size of @p err, bytes.
 * @return
 *   0 on success; -EINVAL if the file is refused; -errno of fopen(3)
 *   (-ENOENT when it does not exist) if it cannot be opened; -ENOMEM.
 */
int cfg_load(struct cfg *cfg, const char *path, char *err, size_t errlen);

/**
 * Free what cfg_load() allocated (routes, hunt groups); leave the scalar
 * values alone.  Safe to call twice, and on a cfg that only had defaults.
 *
 * @param cfg
 *   Configuration to empty; NULL is ignored.
 */
void cfg_free(struct cfg *cfg);

/**
 * Every section and key with its type, default, bounds and help, one key
 * per line, for --help output.
 *
 * @return
 *   A static string, built on the first call (not thread-safe).
 */
const char *cfg_help(void);

/**
 * Find the [route NAME] whose name is exactly the @p len bytes at @p user
 * (case-sensitive, as SIP user parts are).  Callers wanting the contract's
 * "user@domain, else bare user" order call it twice.  A linear scan: static
 * routes are few.
 *
 * @param cfg
 *   Loaded configuration.
 * @param user
 *   Name to look for; need not be NUL-terminated.
 * @param len
 *   Length of @p user, bytes.
 * @return
 *   The route, or NULL if none has that name.
 */
const struct cfg_route *cfg_route_find(const struct cfg *cfg, const char *user,
				       size_t len);

/**
 * Find the [huntgroup NAME] whose name is exactly the @p len bytes at
 * @p name, like cfg_route_find().
 *
 * @param cfg
 *   Loaded configuration.
 * @param name
 *   Name to look for; need not be NUL-terminated.
 * @param len
 *   Length of @p name, bytes.
 * @return
 *   The hunt group, or NULL if none has that name.
 */
const struct cfg_huntgroup *cfg_huntgroup_find(const struct cfg *cfg,
					       const char *name, size_t len);

/**
 * Tell whether the final response @p code makes drouting try the next
 * gateway ([drouting] failover_codes).
 *
 * @param cfg
 *   Loaded configuration.
 * @param code
 *   SIP response code.
 * @return
 *   true if @p code is in the set; false otherwise, and for any code
 *   outside 0..CFG_CODE_MAX - 1.
 */
bool cfg_is_failover_code(const struct cfg *cfg, unsigned int code);

/**
 * Name of a module as written in [mem-group] modules.
 *
 * @param mod
 *   Module.
 * @return
 *   "tm", "dialog", ..., or "?" for a value out of range.
 */
const char *cfg_module_name(enum cfg_module mod);

#endif /* SIPFORK_CFG_H */
