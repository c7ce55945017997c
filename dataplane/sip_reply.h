/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SIP_REPLY_H
#define SIP_REPLY_H

/**
 * @file
 * Stateless SIP responses built from a parsed request (RFC 3261 8.2.6).
 *
 * The response copies the request's Via lines (all of them, in order,
 * values byte-exact), From, To, Call-ID and CSeq, adds our To tag when the
 * request has none, then any extra header lines, an optional Server line
 * and "Content-Length: 0".  Copied lines keep every byte of the received
 * line except trailing white space and the line ending, which becomes
 * CRLF.  No DPDK: the unit tests and tools link this alone.
 */

#include <stddef.h>
#include <stdint.h>

#include "sip_parse.h"

/** What a response adds to the copied headers; every field may be NULL. */
struct sip_reply_opts {
	const char *to_tag; /**< ";tag=" value if To has none; never on 100 */
	const char *extra;  /**< header lines, each ending in CRLF */
	const char *server; /**< Server header value, e.g. "sipfork/0.1.0" */
};

/**
 * Tell whether a request, possibly one that failed to parse, carries what
 * a response must copy: a Via line with a parsed top Via, and From, To,
 * Call-ID and CSeq lines with parsed values.
 *
 * @param req  the request as sip_parse() left it
 * @return 1 when sip_reply_build() can answer it, else 0
 */
int sip_reply_possible(const struct sip_msg *req);

/**
 * Build a response to a request.
 *
 * @param req     the parsed request (see sip_reply_possible())
 * @param status  100..699
 * @param reason  reason phrase; NULL for the standard one of status
 * @param opts    additions; NULL for none
 * @param buf     where to write the response
 * @param cap     bytes available at buf
 * @return the response length in bytes; -ENOSPC when it does not fit in
 *   cap (or 65535) bytes; -EINVAL for a status out of range, a reason
 *   holding CR or LF, or a request sip_reply_possible() refuses
 */
int sip_reply_build(const struct sip_msg *req, uint16_t status,
		    const char *reason, const struct sip_reply_opts *opts,
		    char *buf, size_t cap);

/**
 * @return the RFC 3261 reason phrase of a status ("Service Unavailable"),
 *   or the class's generic one ("Server Error") for an unknown code.
 */
const char *sip_reply_reason(uint16_t status);

#endif /* SIP_REPLY_H */
