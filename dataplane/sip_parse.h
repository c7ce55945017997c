/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SIP_PARSE_H
#define SIP_PARSE_H

/**
 * @file
 * Zero-copy SIP message parser.
 *
 * sip_parse() reads one UDP datagram in a single pass and fills a
 * struct sip_msg with offsets and lengths into that buffer.  It never
 * copies a header value, never allocates and never reads outside
 * [buf, buf + len).  Values keep their bytes exactly as received: escapes
 * (%41, \") and folded line breaks stay inside the spans, so a proxy can
 * forward or compare them without re-encoding.  Numbers (CSeq, expires,
 * ports, q) are the only fields converted.
 *
 * A datagram is at most 65535 bytes, so every offset fits in 16 bits;
 * that keeps struct sip_span at 4 bytes and the whole struct small enough
 * to live in per-lcore scratch memory, one per packet of a burst.
 */

#include <stdint.h>
#include <string.h>

/** A piece of the parsed buffer.  Absent fields are {0, 0}. */
struct sip_span {
	uint16_t off; /**< bytes from the start of the buffer */
	uint16_t len; /**< bytes */
};

enum sip_err {
#define SIP_ERR(sym, status, text) SIP_E_##sym,
#include "sip_errors.def"
#undef SIP_ERR
	SIP_E__COUNT
};

enum sip_method {
	SIP_M_UNKNOWN = 0, /**< an extension method: see sip_msg.method */
	SIP_M_INVITE,
	SIP_M_ACK,
	SIP_M_BYE,
	SIP_M_CANCEL,
	SIP_M_OPTIONS,
	SIP_M_REGISTER,
	SIP_M_PRACK,
	SIP_M_SUBSCRIBE,
	SIP_M_NOTIFY,
	SIP_M_PUBLISH,
	SIP_M_INFO,
	SIP_M_REFER,
	SIP_M_MESSAGE,
	SIP_M_UPDATE,
	SIP_M__COUNT
};

enum sip_scheme {
	SIP_SCHEME_OTHER = 0, /**< parsed only as scheme ":" opaque part */
	SIP_SCHEME_SIP,
	SIP_SCHEME_SIPS,
	SIP_SCHEME_TEL,
};

/** Header fields the parser knows; everything else is SIP_H_OTHER. */
enum sip_hdr_type {
	SIP_H_OTHER = 0,
	SIP_H_VIA,
	SIP_H_FROM,
	SIP_H_TO,
	SIP_H_CALL_ID,
	SIP_H_CSEQ,
	SIP_H_MAX_FORWARDS,
	SIP_H_CONTACT,
	SIP_H_EXPIRES,
	SIP_H_ROUTE,
	SIP_H_RECORD_ROUTE,
	SIP_H_CONTENT_LENGTH,
	SIP_H_CONTENT_TYPE,
	SIP_H_PROXY_REQUIRE,
	SIP_H_REQUIRE,
	SIP_H__COUNT
};

/* Fixed capacities: a message over any of them is refused with the
 * matching SIP_E_TOO_MANY_* code rather than silently truncated. */
#define SIP_MAX_HDRS 64    /**< header lines in one message */
#define SIP_MAX_VIA 64     /**< Via values (hops); RFC 4475 longreq has 34 */
#define SIP_MAX_CONTACT 16 /**< Contact values */
#define SIP_MAX_ROUTE 16   /**< Route values; Record-Route likewise */

/** Parse-time observations that are not errors (sip_msg.flags). */
#define SIP_F_MF_OVERLARGE 0x01      /**< Max-Forwards > 255: read as 255 */
#define SIP_F_EXPIRES_OVERLARGE 0x02 /**< an expiry > 2^32-1: clamped */
#define SIP_F_CONTACT_STAR 0x04      /**< "Contact: *" */
#define SIP_F_TRAILING_BYTES 0x08    /**< octets after Content-Length */

/** One header line as received; value excludes the name and colon. */
struct sip_hdr {
	struct sip_span line;  /**< from name to CRLF, CRLF included */
	struct sip_span name;  /**< as written (may be compact) */
	struct sip_span value; /**< trimmed; may contain folded CRLF+WS */
	uint8_t type;          /**< enum sip_hdr_type */
};

/**
 * A URI.  For sip:/sips: every part is split out; for tel: and other
 * schemes only all, scheme and (tel) user are set, the rest is opaque.
 */
struct sip_uri {
	struct sip_span all;      /**< the whole URI, without < > */
	struct sip_span user;     /**< user part, escapes kept, may hold ';' */
	struct sip_span password; /**< after ':' in userinfo */
	struct sip_span host;     /**< hostname, IPv4 or [IPv6] */
	struct sip_span params;   /**< after the first ';' of hostport */
	struct sip_span headers;  /**< after '?' */
	uint16_t port;            /**< 0 when absent */
	uint8_t scheme;           /**< enum sip_scheme */
	uint8_t lr;               /**< 1 when params hold "lr" */
};

/** name-addr or addr-spec with header parameters (From, To, Contact, Route). */
struct sip_naddr {
	struct sip_span all;     /**< the whole value */
	struct sip_span display; /**< display name, quotes kept if quoted */
	struct sip_span params;  /**< header params after the URI, no ';' */
	struct sip_span tag;     /**< value of the tag param (From/To) */
	struct sip_uri uri;
};

struct sip_contact {
	struct sip_naddr addr;
	uint32_t expires; /**< seconds; valid when has_expires */
	uint16_t q;       /**< q-value x 1000, 0..1000; valid when has_q */
	uint8_t has_expires;
	uint8_t has_q;
};

struct sip_via {
	struct sip_span all;       /**< this via-parm, without the comma */
	struct sip_span transport; /**< "UDP", "TCP", ... as written */
	struct sip_span host;      /**< sent-by host */
	struct sip_span params;    /**< all via-params, no leading ';' */
	struct sip_span branch;    /**< branch value */
	struct sip_span received;  /**< received value */
	struct sip_span rport;     /**< rport value (may be empty) */
	uint16_t port;             /**< sent-by port, 0 when absent */
	uint8_t has_rport;         /**< rport present, with or without value */
	uint8_t hdr;               /**< index in sip_msg.hdr of its line */
};

/** A parsed message.  All spans point into the buffer given to sip_parse. */
struct sip_msg {
	const char *buf; /**< the buffer parsed */
	uint16_t len;    /**< message length: headers + Content-Length body */
	uint8_t is_request;
	uint8_t flags; /**< SIP_F_* */

	/* start line */
	struct sip_span start_line; /**< without CRLF */
	struct sip_span method;     /**< request: method token */
	uint8_t method_id;          /**< enum sip_method */
	struct sip_uri ruri;        /**< request: Request-URI */
	uint16_t status;            /**< response: 100..699 */
	struct sip_span reason;     /**< response: reason phrase (may be empty) */

	/* headers, in order */
	uint8_t nb_hdrs;
	struct sip_hdr hdr[SIP_MAX_HDRS];
	struct sip_span headers; /**< first header line up to the empty line */

	uint8_t nb_via;
	struct sip_via via[SIP_MAX_VIA];

	struct sip_naddr from;
	struct sip_naddr to;
	struct sip_span call_id;
	uint32_t cseq;
	struct sip_span cseq_method;
	uint8_t cseq_method_id;   /**< enum sip_method */
	int16_t max_forwards;     /**< -1 when absent */
	struct sip_span mf_value; /**< the digits, for an in-place rewrite */

	uint8_t nb_contact;
	struct sip_contact contact[SIP_MAX_CONTACT];
	uint32_t expires; /**< Expires header; valid when has_expires */
	uint8_t has_expires;

	uint8_t nb_route;
	struct sip_naddr route[SIP_MAX_ROUTE];
	uint8_t nb_rr;
	struct sip_naddr rr[SIP_MAX_ROUTE];

	int32_t content_length; /**< -1 when absent */
	struct sip_span content_type;
	uint8_t nb_proxy_require; /**< Proxy-Require lines in hdr[] */
	uint8_t nb_require;       /**< Require lines in hdr[] */

	struct sip_span body; /**< Content-Length bytes, or the rest */

	uint16_t err_off; /**< where parsing stopped on error */
};

/**
 * Parse one datagram.
 *
 * @param buf  the datagram (the UDP payload)
 * @param len  its length in bytes
 * @param msg  filled in; on error the fields before err_off are valid
 * @return SIP_E_OK, or the enum sip_err naming the first problem found.
 *   The error codes are positive enum values rather than -errno because
 *   each maps to a SIP status (sip_err_status) and a counter.
 */
enum sip_err sip_parse(const char *buf, uint32_t len, struct sip_msg *msg);

/** @return the symbolic name of an error, e.g. "CSEQ_METHOD". */
const char *sip_err_name(enum sip_err err);

/** @return a human-readable reason for an error. */
const char *sip_err_text(enum sip_err err);

/** @return the status a proxy answers a request with, 0 if none fits. */
uint16_t sip_err_status(enum sip_err err);

/** @return the method for a token, SIP_M_UNKNOWN for extensions. */
enum sip_method sip_method_from(const char *s, uint32_t len);

/** @return the canonical name of a method ("INVITE"), "" for unknown. */
const char *sip_method_name(enum sip_method m);

/** @return a pointer to a span's first byte in the parsed buffer. */
static inline const char *
sip_span_ptr(const struct sip_msg *msg, struct sip_span s)
{
	return msg->buf + s.off;
}

/** @return 1 when a span equals a string exactly (case-sensitive). */
static inline int
sip_span_eq(const struct sip_msg *msg, struct sip_span s, const char *str)
{
	size_t n = strlen(str);

	return s.len == n && memcmp(msg->buf + s.off, str, n) == 0;
}

/** @return 1 when a span equals a string ignoring ASCII case. */
int sip_span_ieq(const struct sip_msg *msg, struct sip_span s,
		 const char *str);

/**
 * Find a parameter in a ";"-separated parameter span (URI params, header
 * params).  Names compare case-insensitively; LWS around '=' is allowed.
 *
 * @param msg     the parsed message
 * @param params  the parameter span (no leading ';')
 * @param name    the parameter name
 * @param value   set to the value span, {x,0} for a bare flag
 * @return 1 found, 0 absent
 */
int sip_param_find(const struct sip_msg *msg, struct sip_span params,
		   const char *name, struct sip_span *value);

#endif /* SIP_PARSE_H */
