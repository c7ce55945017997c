/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SIP_PARSE_PRIV_H
#define SIP_PARSE_PRIV_H

/*
 * Internals shared by sip_parse.c (the message walk) and sip_parse_hdr.c
 * (the header-value grammars).  Every scan works on a half-open range
 * [p, e) of the caller's buffer and checks p < e before each read, so no
 * function here can read past what sip_parse() was given.
 */

#include <stdint.h>

#include "sip_parse.h"

/* Character classes of RFC 3261 section 25.1, one bit each. */
#define CC_TOKEN 0x01 /* token: alphanum -.!%*_+`'~ */
#define CC_DIGIT 0x02
#define CC_ALPHA 0x04
#define CC_LWS 0x08   /* SP HT CR LF: CR/LF inside a value are folding */
#define CC_HOST 0x10  /* hostname/IPv4: alphanum - . */
#define CC_URIC 0x20  /* anything a URI may hold, escapes included */
#define CC_WORD 0x40  /* Call-ID word: token plus ()<>:\"/[]?{} */
#define CC_PVAL 0x80  /* param value: token plus : [ ] (IPv6 received) */

extern const uint8_t sip_cc[256];

static inline int
cc_is(char c, uint8_t cls)
{
	return (sip_cc[(uint8_t)c] & cls) != 0;
}

static inline char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
}

/** A cursor over [p, e) of buf. */
struct scan {
	const char *b;
	uint32_t p;
	uint32_t e;
};

static inline int
scan_end(const struct scan *s)
{
	return s->p >= s->e;
}

static inline char
scan_peek(const struct scan *s)
{
	return s->p < s->e ? s->b[s->p] : '\0';
}

static inline void
scan_lws(struct scan *s)
{
	while (s->p < s->e && cc_is(s->b[s->p], CC_LWS))
		s->p++;
}

/** Consume a run of class cls; @return its length. */
static inline uint32_t
scan_run(struct scan *s, uint8_t cls)
{
	uint32_t start = s->p;

	while (s->p < s->e && cc_is(s->b[s->p], cls))
		s->p++;
	return s->p - start;
}

static inline struct sip_span
span(uint32_t off, uint32_t len)
{
	struct sip_span sp = { (uint16_t)off, (uint16_t)len };

	return sp;
}

/** Case-insensitive compare of buf[off, off+len) with str, which must be
 *  lower-case already: the parser's own literals, so only one side is
 *  folded on the hot path. */
static inline int
ieq(const char *b, uint32_t off, uint32_t len, const char *str, uint32_t n)
{
	uint32_t i;

	if (len != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower(b[off + i]) != str[i])
			return 0;
	return 1;
}

/** ieq() for a str of any case (names callers of the API pass). */
static inline int
ieq_any(const char *b, uint32_t off, uint32_t len, const char *str,
	uint32_t n)
{
	uint32_t i;

	if (len != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower(b[off + i]) != lower(str[i]))
			return 0;
	return 1;
}

/* Header-value grammars (sip_parse_hdr.c).  Each parses the trimmed value
 * [s->p, s->e) of one header line and returns SIP_E_OK or its error. */
enum sip_err sip_hdr_via(struct scan *s, struct sip_msg *m, uint8_t hdr);
enum sip_err sip_hdr_naddr(struct scan *s, struct sip_naddr *na,
			   enum sip_err err);
enum sip_err sip_hdr_contact(struct scan *s, struct sip_msg *m);
enum sip_err sip_hdr_routes(struct scan *s, struct sip_naddr *arr,
			    uint8_t *nb, enum sip_err err);
enum sip_err sip_hdr_cseq(struct scan *s, struct sip_msg *m);
enum sip_err sip_uri_parse(const char *b, uint32_t p, uint32_t e,
			   struct sip_uri *u);
/** Parse 1*DIGIT; @return 0, or -1 when empty; saturates at UINT64_MAX. */
int sip_digits(struct scan *s, uint64_t *val);

#endif /* SIP_PARSE_PRIV_H */
