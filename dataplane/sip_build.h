/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SIP_BUILD_H
#define SIP_BUILD_H

/**
 * @file
 * The bytes a proxy writes: the head of each branch request (new
 * Request-URI, our Via, our Record-Route), hop-by-hop CANCEL and ACK
 * (RFC 3261 9.1, 17.1.1.3), a whole request relayed by copy, and the edit
 * of a response whose top Via is ours.  Pure functions over buffers,
 * except sip_build_strip_via(), which edits an mbuf in place.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "sip_parse.h"

/** What the head of a request we send is made of. */
struct sip_build_req {
	struct sip_span method; /**< method token, in msg */
	const char *ruri;       /**< Request-URI to write */
	uint32_t ruri_len;      /**< bytes */
	const char *hostport;   /**< our "a.b.c.d:port" for Via/RR */
	uint32_t hostport_len;  /**< bytes */
	const char *branch;     /**< our Via branch value */
	uint32_t branch_len;    /**< bytes */
	int rr;                 /**< add our Record-Route */
	int add_mf;             /**< add "Max-Forwards: 70" */
};

/** Write "a.b.c.d:port" and a NUL (ip in network order; out holds 22
 *  bytes); @return its length without the NUL. */
int sip_build_hostport(char *out, uint32_t ip, uint16_t port);

/** Read a dotted IPv4 literal span into network order; @return 0/-1. */
int sip_build_ipv4(const struct sip_msg *msg, struct sip_span s,
		   uint32_t *ip);

/**
 * Where the responses to a request go (RFC 3261 18.2.2, RFC 3581): the
 * source address when the top Via asks for rport, else its received
 * address or sent-by host, at its sent-by port (5060 when absent).
 */
void sip_build_reply_dest(const struct sip_msg *req, uint32_t src_ip,
			  uint16_t src_port, uint32_t *ip, uint16_t *port);

/**
 * Write the request line, our Via, and optionally our Record-Route and a
 * Max-Forwards; the caller appends the rest of the request.
 *
 * @return bytes written, or -ENOSPC
 */
int sip_build_head(char *out, uint32_t cap, const struct sip_msg *msg,
		   const struct sip_build_req *r);

/**
 * A CANCEL for a branch of the INVITE inv (RFC 3261 9.1): the branch's
 * Request-URI and Via, the INVITE's Route (less cut), From, To, Call-ID,
 * CSeq number.  r->method is ignored.
 *
 * @return bytes written, or -ENOSPC
 */
int sip_build_cancel(char *out, uint32_t cap, const struct sip_msg *inv,
		     const struct sip_build_req *r, struct sip_span cut);

/**
 * The ACK for a non-2xx final response resp to a branch of inv (RFC 3261
 * 17.1.1.3): like the CANCEL, but with the To of the response.
 *
 * @return bytes written, or -ENOSPC
 */
int sip_build_ack(char *out, uint32_t cap, const struct sip_msg *inv,
		  const struct sip_msg *resp, const struct sip_build_req *r,
		  struct sip_span cut);

/**
 * A whole request relayed by copy: the head of r, then every header of
 * req but the span cut, Max-Forwards decremented (added by the head when
 * absent), then the body.
 *
 * @return bytes written, or -ENOSPC
 */
int sip_build_relay(char *out, uint32_t cap, const struct sip_msg *req,
		    const struct sip_build_req *r, struct sip_span cut);

/**
 * Decrement Max-Forwards in place, keeping its digit count ("70" to
 * "69", "10" to "09"), so every clone of the buffer sees the new value.
 * The value must be above 0.
 */
void sip_build_mf_dec(char *payload, const struct sip_msg *msg);

/**
 * The span to remove so a request no longer holds its first Route value:
 * the whole header line when it holds that value alone, else the value
 * and the comma after it.
 */
struct sip_span sip_build_route_cut(const struct sip_msg *msg);

/**
 * Edit a response frame for relaying upstream: drop everything before
 * the SIP payload, the top Via value (with its line when alone on it) and
 * any octets after the message.
 *
 * @param m       a single-segment frame
 * @param pl_off  bytes from the frame start to the SIP payload
 * @param msg     the payload's parse
 * @return 0, or -EINVAL when the frame is not as described
 */
int sip_build_strip_via(struct rte_mbuf *m, uint32_t pl_off,
			const struct sip_msg *msg);

#endif /* SIP_BUILD_H */
