/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BR_ID_H
#define BR_ID_H

/**
 * @file
 * The Via branch we put on every request we send, and its decoding.
 *
 * A response carries our branch back, so the branch names its owner: the
 * worker that holds the transaction, the transaction's slot in that
 * worker's pool, the slot's generation (a reused slot changes it, so a
 * late response to a freed transaction cannot match its successor), and
 * the branch index.  A response finds its branch with no hash lookup
 * (RFC 3261 17.1.3 only needs the branch to be unique).  The tail is a
 * hash of the fields that decide routing (Request-URI, From tag, Call-ID,
 * CSeq number), which RFC 3261 16.6 item 8 suggests for loop detection:
 * a request that comes back with our Via and the same hash has looped,
 * while a spiral has a new Request-URI and so a new hash.
 *
 *   z9hG4bK sf WW SSSSSS GGGG BBBB CCCCCC . LLLLLLLL   (hex, fixed width)
 *           |  |  |      |    |    |        +-- loop hash
 *           |  |  |      |    |    +-- the branch's chunk slot
 *           |  |  |      |    +-- branch index
 *           |  |  |      +-- generation
 *           |  |  +-- transaction slot
 *           |  +-- worker id
 *           +-- ours
 *
 * The chunk slot makes finding the branch O(1) at any fan-out: no walk
 * along the transaction's chunks for each of a 1000-way fork's answers.
 */

#include <stdint.h>

#define BR_ID_PREFIX "z9hG4bKsf"
#define BR_ID_PREFIX_LEN 9
/** Characters of a branch value we generate. */
#define BR_ID_LEN (BR_ID_PREFIX_LEN + 2 + 6 + 4 + 4 + 6 + 1 + 8)

/** The decoded parts of a branch value. */
struct br_id {
	uint8_t worker; /**< worker id (queue index) */
	uint32_t slot;  /**< transaction slot, < 2^24 */
	uint16_t gen;   /**< transaction generation */
	uint16_t br;    /**< branch index in the transaction */
	uint32_t chunk; /**< slot of the branch's chunk, < 2^24 */
	uint32_t loop;  /**< loop-detection hash */
};

static inline void
br_id_hex(char *out, uint32_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";

	while (digits-- > 0) {
		out[digits] = hex[v & 0xf];
		v >>= 4;
	}
}

/** Write the BR_ID_LEN characters of a branch value (no NUL). */
static inline void
br_id_format(char *out, const struct br_id *id)
{
	__builtin_memcpy(out, BR_ID_PREFIX, BR_ID_PREFIX_LEN);
	out += BR_ID_PREFIX_LEN;
	br_id_hex(out, id->worker, 2);
	br_id_hex(out + 2, id->slot, 6);
	br_id_hex(out + 8, id->gen, 4);
	br_id_hex(out + 12, id->br, 4);
	br_id_hex(out + 16, id->chunk, 6);
	out[22] = '.';
	br_id_hex(out + 23, id->loop, 8);
}

static inline int
br_id_unhex(const char *s, int digits, uint32_t *v)
{
	uint32_t r = 0;

	while (digits-- > 0) {
		char c = *s++;

		if (c >= '0' && c <= '9')
			r = (r << 4) | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			r = (r << 4) | (uint32_t)(c - 'a' + 10);
		else
			return -1;
	}
	*v = r;
	return 0;
}

/**
 * Decode a branch value.
 *
 * @param s    the value
 * @param len  its length
 * @param id   filled in on success
 * @return 0 when it is one of ours, -1 otherwise
 */
static inline int
br_id_parse(const char *s, uint32_t len, struct br_id *id)
{
	uint32_t w, g, b;

	if (len != BR_ID_LEN ||
	    __builtin_memcmp(s, BR_ID_PREFIX, BR_ID_PREFIX_LEN) != 0)
		return -1;
	s += BR_ID_PREFIX_LEN;
	if (br_id_unhex(s, 2, &w) || br_id_unhex(s + 2, 6, &id->slot) ||
	    br_id_unhex(s + 8, 4, &g) || br_id_unhex(s + 12, 4, &b) ||
	    br_id_unhex(s + 16, 6, &id->chunk) || s[22] != '.' ||
	    br_id_unhex(s + 23, 8, &id->loop))
		return -1;
	id->worker = (uint8_t)w;
	id->gen = (uint16_t)g;
	id->br = (uint16_t)b;
	return 0;
}

#endif /* BR_ID_H */
