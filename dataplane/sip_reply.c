/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless SIP responses.  Pure functions over a parsed request and a
 * caller's buffer; safe on any lcore.
 */

#include <errno.h>
#include <string.h>

#include "sip_reply.h"

/** Largest SIP datagram, as sip_parse() sees it. */
#define SIP_REPLY_MAX 65535

/** A bounded writer: the first overflow sticks and nothing more is written. */
struct sip_reply_w {
	char *p;     /**< the caller's buffer */
	size_t len;  /**< bytes written */
	size_t cap;  /**< bytes available */
	int full;    /**< 1 once something did not fit */
};

static void
w_put(struct sip_reply_w *w, const void *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
w_str(struct sip_reply_w *w, const char *s)
{
	w_put(w, s, strlen(s));
}

/* Copy one received header line without its trailing white space and line
 * ending, then a CRLF; suffix (may be NULL) goes just before the CRLF. */
static void
w_line(struct sip_reply_w *w, const struct sip_msg *req,
       const struct sip_hdr *h, const char *suffix)
{
	const char *s = req->buf + h->line.off;
	size_t n = h->line.len;

	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n' ||
			 s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	w_put(w, s, n);
	if (suffix != NULL)
		w_str(w, suffix);
	w_put(w, "\r\n", 2);
}

/* The first header line of a type, or NULL. */
static const struct sip_hdr *
first_hdr(const struct sip_msg *req, enum sip_hdr_type type)
{
	unsigned int i;

	for (i = 0; i < req->nb_hdrs && i < SIP_MAX_HDRS; i++)
		if (req->hdr[i].type == type)
			return &req->hdr[i];
	return NULL;
}

int
sip_reply_possible(const struct sip_msg *req)
{
	return req->nb_via > 0 && req->via[0].host.len > 0 &&
	       first_hdr(req, SIP_H_VIA) != NULL &&
	       first_hdr(req, SIP_H_FROM) != NULL && req->from.all.len > 0 &&
	       first_hdr(req, SIP_H_TO) != NULL && req->to.all.len > 0 &&
	       first_hdr(req, SIP_H_CALL_ID) != NULL && req->call_id.len > 0 &&
	       first_hdr(req, SIP_H_CSEQ) != NULL && req->cseq_method.len > 0;
}

int
sip_reply_build(const struct sip_msg *req, uint16_t status,
		const char *reason, const struct sip_reply_opts *opts,
		char *buf, size_t cap)
{
	static const struct sip_reply_opts none;
	struct sip_reply_w w = {
		.p = buf,
		.cap = cap < SIP_REPLY_MAX ? cap : SIP_REPLY_MAX,
	};
	char code[4];
	const char *tag = NULL;
	unsigned int i;

	if (opts == NULL)
		opts = &none;
	if (reason == NULL)
		reason = sip_reply_reason(status);
	if (status < 100 || status > 699 || strpbrk(reason, "\r\n") != NULL ||
	    !sip_reply_possible(req))
		return -EINVAL;

	code[0] = '0' + status / 100;
	code[1] = '0' + status / 10 % 10;
	code[2] = '0' + status % 10;
	code[3] = '\0';
	w_str(&w, "SIP/2.0 ");
	w_str(&w, code);
	w_put(&w, " ", 1);
	w_str(&w, reason);
	w_put(&w, "\r\n", 2);

	/* Every Via, in the order received (RFC 3261 8.2.6.2). */
	for (i = 0; i < req->nb_hdrs && i < SIP_MAX_HDRS; i++)
		if (req->hdr[i].type == SIP_H_VIA)
			w_line(&w, req, &req->hdr[i], NULL);

	/*
	 * A response that can create or confirm a dialog carries our To
	 * tag; 100 Trying never does (RFC 3261 8.2.6.2).  The caller makes
	 * the tag a function of the request so retransmissions get the same
	 * one, as a stateless element must.
	 */
	if (req->to.tag.len == 0 && status != 100 && opts->to_tag != NULL)
		tag = opts->to_tag;
	w_line(&w, req, first_hdr(req, SIP_H_FROM), NULL);
	if (tag != NULL) {
		char suffix[80];
		size_t n = strlen(tag);

		if (n > sizeof(suffix) - sizeof(";tag="))
			return -EINVAL;
		memcpy(suffix, ";tag=", 5);
		memcpy(suffix + 5, tag, n + 1);
		w_line(&w, req, first_hdr(req, SIP_H_TO), suffix);
	} else {
		w_line(&w, req, first_hdr(req, SIP_H_TO), NULL);
	}
	w_line(&w, req, first_hdr(req, SIP_H_CALL_ID), NULL);
	w_line(&w, req, first_hdr(req, SIP_H_CSEQ), NULL);

	if (opts->extra != NULL)
		w_str(&w, opts->extra);
	if (opts->server != NULL) {
		w_str(&w, "Server: ");
		w_str(&w, opts->server);
		w_put(&w, "\r\n", 2);
	}
	w_str(&w, "Content-Length: 0\r\n\r\n");

	return w.full ? -ENOSPC : (int)w.len;
}

/* RFC 3261 21, plus the codes later RFCs added that a proxy or registrar
 * sends itself; in ascending order. */
static const struct {
	uint16_t status;    /* 100..699 */
	const char *reason; /* its phrase */
} sip_reply_reasons[] = {
	{ 100, "Trying" },
	{ 180, "Ringing" },
	{ 181, "Call Is Being Forwarded" },
	{ 182, "Queued" },
	{ 183, "Session Progress" },
	{ 200, "OK" },
	{ 202, "Accepted" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Moved Temporarily" },
	{ 305, "Use Proxy" },
	{ 380, "Alternative Service" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 410, "Gone" },
	{ 413, "Request Entity Too Large" },
	{ 414, "Request-URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Unsupported URI Scheme" },
	{ 420, "Bad Extension" },
	{ 421, "Extension Required" },
	{ 423, "Interval Too Brief" },
	{ 480, "Temporarily Unavailable" },
	{ 481, "Call/Transaction Does Not Exist" },
	{ 482, "Loop Detected" },
	{ 483, "Too Many Hops" },
	{ 484, "Address Incomplete" },
	{ 485, "Ambiguous" },
	{ 486, "Busy Here" },
	{ 487, "Request Terminated" },
	{ 488, "Not Acceptable Here" },
	{ 491, "Request Pending" },
	{ 493, "Undecipherable" },
	{ 500, "Server Internal Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Server Time-out" },
	{ 505, "Version Not Supported" },
	{ 513, "Message Too Large" },
	{ 600, "Busy Everywhere" },
	{ 603, "Decline" },
	{ 604, "Does Not Exist Anywhere" },
	{ 606, "Not Acceptable" },
};

const char *
sip_reply_reason(uint16_t status)
{
	static const char *const generic[] = {
		"Trying", "OK", "Redirection", "Client Error", "Server Error",
		"Global Failure",
	};
	size_t i;

	for (i = 0; i < sizeof(sip_reply_reasons) /
			sizeof(sip_reply_reasons[0]); i++)
		if (sip_reply_reasons[i].status == status)
			return sip_reply_reasons[i].reason;
	if (status < 100 || status > 699)
		return generic[5];
	return generic[status / 100 - 1];
}
