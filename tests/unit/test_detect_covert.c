/* test_detect_covert.c — the covert-channel and volume detectors (tunnel, exfiltration,
 * beacon, persistent_echo, volume_anomaly, large_payload, external_icmp) on hand-built packet
 * views fed to the tracker, and the payload statistics they rest on, with hand-checked numbers.
 *
 * No capture and no decoder: each test builds ih_pkt views (addresses, echo id/seq, payload
 * bytes, DF, reassembly) the way the decoder hands them over, feeds them in time order, ends
 * the run and reads the findings. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/pipeline.h"
#include "echo_pkt.h"

#define S 1000000000ull
#define MS 1000000ull

struct lab {
	struct ih_pipeline pl;
	struct ih_config cfg;
	bool started;
};

static struct lab the_lab;

static int setup(void **state)
{
	memset(&the_lab, 0, sizeof(the_lab));
	ih_config_default(&the_lab.cfg);
	the_lab.cfg.track.seed = 7;
	the_lab.cfg.mem_cap = 64ull << 20;
	ih_config_fit_memory(&the_lab.cfg);
	*state = &the_lab;
	return 0;
}

/* Builds the pipeline on first use, so that a test may change the configuration first. */
static struct ih_pipeline *pl_of(struct lab *lab)
{
	if (!lab->started) {
		assert_true(ih_pipeline_init(&lab->pl, &lab->cfg));
		lab->started = true;
	}
	return &lab->pl;
}

static int teardown(void **state)
{
	struct lab *lab = *state;
	if (lab->started)
		ih_pipeline_free(&lab->pl);
	return 0;
}

/* ---------------------------------------------------------------- payloads */

static uint32_t rng_state = 1;
static uint32_t rnd(void)
{
	/* xorshift32: fixed sequence, so every number below is reproducible */
	uint32_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

/* iputils ping: 16-byte timeval (little-endian, upper halves zero), then byte i = i */
static uint32_t pl_iputils(uint8_t *b, uint32_t len, uint64_t ts)
{
	memset(b, 0, len);
	uint32_t sec = (uint32_t)(ts / S), usec = (uint32_t)(ts % S / 1000);
	memcpy(b, &sec, 4);
	memcpy(b + 8, &usec, 4);
	for (uint32_t i = 16; i < len; i++)
		b[i] = (uint8_t)i;
	return len;
}

/* ping -p PATTERN (n bytes): the pattern from offset 0, then the timestamp over bytes 0..15 */
static uint32_t pl_pattern_of(uint8_t *b, uint32_t len, uint64_t ts, const uint8_t *pat, uint32_t n)
{
	for (uint32_t i = 0; i < len; i++)
		b[i] = pat[i % n];
	uint32_t sec = (uint32_t)(ts / S), usec = (uint32_t)(ts % S / 1000);
	memset(b, 0, 16);
	memcpy(b, &sec, 4);
	memcpy(b + 8, &usec, 4);
	return len;
}

/* ping -p 4b21c0de5a5a */
static uint32_t pl_pattern(uint8_t *b, uint32_t len, uint64_t ts)
{
	static const uint8_t pat[6] = { 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a };
	return pl_pattern_of(b, len, ts, pat, sizeof(pat));
}

static uint32_t pl_random(uint8_t *b, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)(rnd() >> 24);
	return len;
}

static uint32_t pl_base64(uint8_t *b, uint32_t len)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)a[rnd() >> 26];
	return len;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ptunnel-ng header with its own magic (-m), state user|data, then `data` random bytes */
static uint32_t pl_ptunnel(uint8_t *b, uint32_t magic, uint32_t state, uint32_t data, uint16_t seq, uint16_t id)
{
	memset(b, 0, 28);
	be32(b, magic);
	be32(b + 4, 0x7f000001);
	be32(b + 8, 9000);
	be32(b + 12, state);
	be32(b + 16, 0xffff);
	be32(b + 20, data);
	b[24] = (uint8_t)(seq >> 8);
	b[25] = (uint8_t)seq;
	b[26] = (uint8_t)(id >> 8);
	b[27] = (uint8_t)id;
	pl_random(b + 28, data);
	return 28 + data;
}

/* ---------------------------------------------------------------- packets */

static uint8_t bufs[64][8192];
static unsigned nbuf;

static struct ih_pkt icmp(const char *src, const char *dst, enum ih_icmp_class cls, uint16_t id,
			  uint16_t seq, uint64_t ts, const uint8_t *payload, uint32_t len)
{
	uint8_t type = cls == IH_ICMP_ECHO_REQ ? 8 : cls == IH_ICMP_ECHO_REP ? 0 : 13;
	return ih_test_icmp(src, dst, cls, type, id, seq, ts, payload, len);
}

static void feed(struct lab *lab, struct ih_pkt p)
{
	ih_track_packet(pl_of(lab)->track, &p);
}

/* A request and (unless reply_len < 0) its answer rtt later; reply_payload NULL: an echo. */
static void ping(struct lab *lab, const char *c, const char *s, uint16_t id, uint16_t seq, uint64_t ts,
		 const uint8_t *pay, uint32_t len, bool answer)
{
	feed(lab, icmp(c, s, IH_ICMP_ECHO_REQ, id, seq, ts, pay, len));
	if (answer)
		feed(lab, icmp(s, c, IH_ICMP_ECHO_REP, id, seq, ts + 300000, pay, len));
}

/* ---------------------------------------------------------------- findings */

static void finish(struct lab *lab)
{
	ih_pipeline_finish(pl_of(lab));
}

static const struct ih_finding *find(struct lab *lab, const char *kind, const char *src, const char *dst)
{
	struct ih_pipeline *pl = pl_of(lab);
	for (size_t i = 0; i < pl->findings.n; i++) {
		const struct ih_finding *f = pl->findings.v[i];
		char a[IH_ADDR_STRLEN];
		if (strcmp(f->kind, kind) == 0 && (!src || strcmp(ih_addr_str(&f->src, a, sizeof(a)), src) == 0) &&
		    (!dst || strcmp(f->dst_key, dst) == 0))
			return f;
	}
	return NULL;
}

/* Nothing of severity low or above, of any kind. */
static void assert_quiet(struct lab *lab)
{
	struct ih_pipeline *pl = pl_of(lab);
	for (size_t i = 0; i < pl->findings.n; i++) {
		const struct ih_finding *f = pl->findings.v[i];
		if (f->severity >= IH_SEV_LOW) {
			char *s = json_dumps(f->obj, 0);
			print_error("unexpected finding: %s\n", s);
			free(s);
		}
		assert_true(f->severity < IH_SEV_LOW);
	}
}

static json_int_t ev_int(const struct ih_finding *f, const char *k)
{
	json_t *v = json_object_get(f->evidence, k);
	assert_non_null(v);
	return json_integer_value(v);
}

static double ev_real(const struct ih_finding *f, const char *k)
{
	json_t *v = json_object_get(f->evidence, k);
	assert_non_null(v);
	return json_number_value(v);
}

static const char *ev_str(const struct ih_finding *f, const char *k)
{
	json_t *v = json_object_get(f->evidence, k);
	assert_non_null(v);
	return json_string_value(v);
}

static bool ev_bool(const struct ih_finding *f, const char *k)
{
	json_t *v = json_object_get(f->evidence, k);
	assert_non_null(v);
	return json_is_true(v);
}

static bool has_indicator(const struct ih_finding *f, const char *name)
{
	json_t *a = json_object_get(f->evidence, "indicators"), *x;
	size_t i;
	json_array_foreach(a, i, x)
		if (strcmp(json_string_value(x), name) == 0)
			return true;
	return false;
}

/* The exfiltration finding f says its data rode in exactly one header field, `name`. */
static void assert_one_field(const struct ih_finding *f, const char *name)
{
	json_t *fl = json_object_get(f->evidence, "header_fields");
	assert_int_equal(json_array_size(fl), 1);
	assert_string_equal(json_string_value(json_array_get(fl, 0)), name);
}

/* ================================================================ statistics */

static void test_random_entropy_table(void **state)
{
	(void)state;
	/* the table itself at powers of two */
	assert_float_equal(ih_random_entropy(1024), 7.8080, 1e-9);
	assert_float_equal(ih_random_entropy(32), 4.8862, 1e-9);
	/* 96 = 2^6.585: 5.7653 + 0.58496 * (6.5493 - 5.7653) = 6.2239 (simulated mean: 6.236) */
	assert_float_equal(ih_random_entropy(96), 6.2239, 1e-3);
	/* large n: 8 - 184 / n */
	assert_float_equal(ih_random_entropy(16384), 8.0 - 184.0 / 16384, 1e-9);
	assert_float_equal(ih_random_entropy(1), 0.0, 1e-12);
}

static void test_payload_class(void **state)
{
	(void)state;
	uint8_t b[1024];
	const char *text = "Volume in drive C has no label.\r\n Directory of C:\\Users\r\n";
	assert_int_equal(ih_payload_class((const uint8_t *)text, (uint32_t)strlen(text), -1), IH_PC_TEXT);
	rng_state = 99;
	pl_base64(b, 700);
	assert_int_equal(ih_payload_class(b, 700, -1), IH_PC_ENCODED);
	pl_random(b, 1024);
	double e = ih_entropy(b, 1024);
	assert_true(e > 7.7);
	assert_int_equal(ih_payload_class(b, 1024, e), IH_PC_RANDOM);
	pl_random(b, 96);
	assert_int_equal(ih_payload_class(b, 96, -1), IH_PC_RANDOM);
	/* 56 bytes: a timestamp and zeros (an unknown monitoring tool): far below random */
	memset(b, 0, 56);
	b[0] = 0x12, b[1] = 0x34, b[2] = 0x56, b[3] = 0x78, b[8] = 0x9a;
	assert_int_equal(ih_payload_class(b, 56, -1), IH_PC_LOW);
	/* ptunnel's 28-byte ack header: structured binary */
	pl_ptunnel(b, 0x1badb002, 0x40000001, 0, 7, 0x662c);
	assert_int_equal(ih_payload_class(b, 28, -1), IH_PC_BINARY);
}

static void test_seen_estimate(void **state)
{
	(void)state;
	assert_float_equal(ih_seen_estimate(0, 10), 0.0, 1e-12);
	/* half the 512 bits set: -512 ln(1/2) = 354.89 */
	assert_float_equal(ih_seen_estimate(256, 1000), 354.891, 1e-3);
	/* never more than the payloads seen */
	assert_float_equal(ih_seen_estimate(256, 300), 300.0, 1e-12);
	assert_float_equal(ih_seen_estimate(IH_SEEN_BITS, 5000), 5000.0, 1e-12);
}

/* ================================================================ tunnel and exfiltration */

/* ptunnel-ng with its own magic (-m 0x1badb002): 200 data requests of 1024 bytes and 20 acks
 * to an outside proxy that ignores echo in the kernel and answers 30 of them with its own
 * 28-byte packets. */
static void test_tunnel_custom_magic(void **state)
{
	struct lab *lab = *state;
	rng_state = 12345;
	uint64_t t = 1000 * S;
	uint16_t seq = 0;
	for (int i = 0; i < 220; i++, seq++) {
		uint8_t *b = bufs[nbuf++ % 64];
		bool ack = i % 11 == 10;
		uint32_t len = pl_ptunnel(b, 0x1badb002, ack ? 0x40000001 : 0x40000002, ack ? 0 : 1024, seq, 0x662c);
		feed(lab, icmp("10.77.0.10", "203.0.113.7", IH_ICMP_ECHO_REQ, 0x662c, seq, t, b, len));
		if (i % 7 == 0 && i / 7 < 30) {
			uint8_t *r = bufs[nbuf++ % 64];
			uint32_t rl = pl_ptunnel(r, 0x1badb002, 0x80000001, 0, seq, 0x662c);
			feed(lab, icmp("203.0.113.7", "10.77.0.10", IH_ICMP_ECHO_REP, 0x662c, seq, t + 2 * MS, r, rl));
		}
		t += 20 * MS;
	}
	finish(lab);
	const struct ih_finding *f = find(lab, "tunnel", "10.77.0.10", "203.0.113.7");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_HIGH);
	assert_string_equal(ev_str(f, "tool"), "ptunnel-ng");
	assert_string_equal(ev_str(f, "common_prefix"), "0x1badb002");
	assert_true(has_indicator(f, "replies_differ_from_requests"));
	assert_true(has_indicator(f, "common_prefix"));
	assert_true(has_indicator(f, "requests_unanswered"));
	assert_true(has_indicator(f, "random_content"));
	assert_int_equal(ev_int(f, "requests"), 220);
	assert_int_equal(ev_int(f, "replies_differing"), 30);
	/* 200 x 1052 + 20 x 28 = 210,960 bytes out */
	assert_int_equal(ev_int(f, "data_bytes"), 210960);
	json_t *m = json_object_get(f->obj, "mitre");
	assert_string_equal(json_string_value(json_array_get(m, 0)), "T1095");
	assert_string_equal(json_string_value(json_array_get(m, 1)), "T1572");

	/* the same pair is exfiltration of about 210 kB: bytes of distinct payloads (all are),
	 * estimated from the bitmap within a few percent; medium (>= 16 KiB, +1 outside) */
	const struct ih_finding *x = find(lab, "exfiltration", "10.77.0.10", "203.0.113.7");
	assert_non_null(x);
	json_int_t leaked = ev_int(x, "leaked_bytes_est");
	assert_true(leaked > 200000 && leaked <= 210960);
	assert_int_equal(x->severity, IH_SEV_MEDIUM);
	assert_string_equal(ev_str(x, "content"), "random");
	/* a tunnel is not a flood */
	assert_null(find(lab, "volume_anomaly", NULL, NULL));
}

/* the same tunnel without its tool structure: random payloads behind an unknown 4-byte header,
 * a proxy answering with its own data. Found on behaviour alone. */
static void test_tunnel_unknown_tool(void **state)
{
	struct lab *lab = *state;
	rng_state = 777;
	uint64_t t = 1000 * S;
	for (int i = 0; i < 60; i++) {
		uint8_t *b = bufs[nbuf++ % 64], *r = bufs[nbuf++ % 64];
		uint32_t len = 100 + (uint32_t)(rnd() % 400);
		pl_random(b, len);
		be32(b, 0x7a11c0de);
		uint32_t rl = 40 + (uint32_t)(rnd() % 100);
		pl_random(r, rl);
		be32(r, 0x7a11c0de);
		feed(lab, icmp("10.77.0.10", "198.51.100.23", IH_ICMP_ECHO_REQ, 4242, (uint16_t)i, t, b, len));
		feed(lab, icmp("198.51.100.23", "10.77.0.10", IH_ICMP_ECHO_REP, 4242, (uint16_t)i, t + MS, r, rl));
		t += 500 * MS;
	}
	finish(lab);
	const struct ih_finding *f = find(lab, "tunnel", "10.77.0.10", "198.51.100.23");
	assert_non_null(f);
	assert_true(f->severity >= IH_SEV_MEDIUM);
	assert_null(json_object_get(f->evidence, "tool"));
	assert_true(has_indicator(f, "replies_differ_from_requests"));
	assert_true(has_indicator(f, "common_prefix"));
	assert_int_equal(ev_int(f, "replies_differing"), 60);
}

/* hping3 -1 -E file -d 1000 to an outside host: 40 base64 chunks, every one echoed back by
 * the kernel. Exfiltration (medium: 40,000 bytes >= 16 KiB, one level up for outside); not a
 * tunnel at low or above (varied and outside only: 2 points; the echoes add no volume). */
static void test_exfil_base64(void **state)
{
	struct lab *lab = *state;
	rng_state = 4;
	uint64_t t = 50 * S;
	for (int i = 0; i < 40; i++) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_base64(b, 1000);
		ping(lab, "10.77.0.10", "203.0.113.7", 3333, (uint16_t)i, t, b, 1000, true);
		t += 300 * MS;
	}
	finish(lab);
	const struct ih_finding *x = find(lab, "exfiltration", "10.77.0.10", "203.0.113.7");
	assert_non_null(x);
	assert_int_equal(x->severity, IH_SEV_MEDIUM);
	assert_string_equal(ev_str(x, "content"), "encoded");
	assert_int_equal(ev_int(x, "bytes_out"), 40000);
	/* 40 distinct payloads: the bitmap sees 38 to 40 of them */
	json_int_t leaked = ev_int(x, "leaked_bytes_est");
	assert_true(leaked >= 36000 && leaked <= 40000);
	assert_int_equal(ev_int(x, "replies_echoing"), 40);
	const struct ih_finding *t1 = find(lab, "tunnel", "10.77.0.10", NULL);
	assert_true(!t1 || t1->severity < IH_SEV_LOW);
	json_t *m = json_object_get(x->obj, "mitre");
	assert_string_equal(json_string_value(json_array_get(m, 1)), "T1048.003");
}

/* A small text file in 100-byte chunks (hping3 -E /etc/passwd -d 100): 2 KB is a finding when
 * it goes outside; inside, or as a ping tool's binary fill of counters, or in 16-byte
 * chunks, it is under the threshold. */
static void small_file(struct lab *lab, const char *dst, bool text, uint32_t chunk, int n)
{
	uint64_t t = 50 * S;
	for (int i = 0; i < n; i++, t += 500 * MS) {
		uint8_t *b = bufs[nbuf++ % 64];
		for (uint32_t k = 0; k < chunk; k++) /* "user7:x:1007:..." lines, or a counting fill */
			b[k] = text ? (uint8_t)("user:x:1000:1000:User,,,:/home/user:/bin/bash\n"[(k + 3u * (uint32_t)i) % 46])
				    : (uint8_t)(k + (uint32_t)i);
		b[0] = (uint8_t)(text ? 'a' + i % 26 : i); /* every chunk distinct */
		ping(lab, "10.77.0.10", dst, 4444, (uint16_t)i, t, b, chunk, true);
	}
	finish(lab);
}

static void test_exfil_small_text_file_outside(void **state)
{
	struct lab *lab = *state;
	small_file(lab, "203.0.113.7", true, 100, 20);
	const struct ih_finding *x = find(lab, "exfiltration", "10.77.0.10", "203.0.113.7");
	assert_non_null(x);
	assert_true(x->severity >= IH_SEV_LOW);
	assert_string_equal(ev_str(x, "content"), "text");
	assert_int_equal(ev_int(x, "bytes_out"), 2000);
}

static void test_exfil_small_file_inside_is_quiet(void **state)
{
	struct lab *lab = *state;
	small_file(lab, "10.78.0.40", true, 100, 20);
	assert_null(find(lab, "exfiltration", NULL, NULL));
}

static void test_exfil_small_binary_fill_is_quiet(void **state)
{
	struct lab *lab = *state;
	small_file(lab, "203.0.113.7", false, 100, 20);
	assert_null(find(lab, "exfiltration", NULL, NULL));
}

static void test_exfil_small_chunks_are_quiet(void **state)
{
	struct lab *lab = *state;
	small_file(lab, "203.0.113.7", true, 16, 80); /* 1280 bytes in 16-byte chunks */
	assert_null(find(lab, "exfiltration", NULL, NULL));
}

/* repeats are not leaks: one 1000-byte payload sent 100 times carries 1000 bytes. (Echo id 1
 * with printable text is icmpsh's structure: the tool alone, with an outside peer, is 3
 * points, short of a tunnel.) */
static void test_exfil_repeats_do_not_count(void **state)
{
	struct lab *lab = *state;
	uint8_t b[1000];
	rng_state = 5;
	pl_base64(b, sizeof(b));
	uint64_t t = 50 * S;
	for (int i = 0; i < 100; i++, t += S)
		ping(lab, "10.77.0.10", "203.0.113.7", 1, (uint16_t)i, t, b, sizeof(b), true);
	finish(lab);
	assert_null(find(lab, "exfiltration", NULL, NULL));
	const struct ih_finding *t1 = find(lab, "tunnel", "10.77.0.10", NULL);
	assert_true(!t1 || t1->severity < IH_SEV_LOW);
}

/* an outside controller asks (id 13170, icmpdoor), the inside implant answers with echoes and
 * with its own replies carrying output: the inside host is the finding's src */
static void test_reverse_channel_inside_is_src(void **state)
{
	struct lab *lab = *state;
	rng_state = 31;
	uint64_t t = 10 * S;
	for (int i = 0; i < 30; i++) {
		uint8_t *cmd = bufs[nbuf++ % 64], *out = bufs[nbuf++ % 64];
		pl_base64(cmd, 100);
		uint32_t olen = 300 + (uint32_t)(rnd() % 500);
		pl_base64(out, olen);
		ping(lab, "203.0.113.7", "10.77.0.10", 13170, 0, t, cmd, 100, true);
		feed(lab, icmp("10.77.0.10", "203.0.113.7", IH_ICMP_ECHO_REP, 13170, 0, t + 50 * MS, out, olen));
		t += 2 * S;
	}
	finish(lab);
	const struct ih_finding *f = find(lab, "tunnel", "10.77.0.10", "203.0.113.7");
	assert_non_null(f);
	assert_true(f->severity >= IH_SEV_MEDIUM);
	assert_string_equal(ev_str(f, "tool"), "icmpdoor");
	assert_true(has_indicator(f, "replies_without_requests"));
	assert_string_equal(ev_str(f, "direction"), "answers from the inside host");
	/* and nothing names the outside controller as the doer */
	assert_null(find(lab, "tunnel", "203.0.113.7", NULL));
}

/* a file sent 16 bytes a time in ping -p patterns, one ping -c 1 per chunk (a new echo id
 * each): n requests to dst, each answered */
static void pattern_exfil(struct lab *lab, const char *dst, int n)
{
	uint64_t t = 100 * S;
	for (int i = 0; i < n; i++) {
		uint8_t pat[16], *b = bufs[nbuf++ % 64];
		pl_random(pat, sizeof(pat));
		pl_pattern_of(b, 56, t, pat, sizeof(pat));
		ping(lab, "10.77.0.10", dst, (uint16_t)(4000 + 3 * i), 1, t, b, 56, true);
		t += 12 * MS;
	}
	finish(lab);
}

/* 40 chunks to an outside host: low by count, one level up for the outside peer */
static void test_exfil_ping_pattern(void **state)
{
	struct lab *lab = *state;
	pattern_exfil(lab, "203.0.113.7", 40);
	const struct ih_finding *f = find(lab, "exfiltration", "10.77.0.10", "203.0.113.7");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_MEDIUM);
	assert_string_equal(ev_str(f, "channel"), "ping_fill_pattern");
	assert_int_equal(ev_int(f, "pattern_requests"), 40);
	assert_int_equal(ev_int(f, "pattern_changes"), 39);
	assert_float_equal(ev_real(f, "distinct_patterns_est"), 40.0, 4.0);
	assert_true(ev_int(f, "leaked_bytes_est") >= 576 && ev_int(f, "leaked_bytes_est") <= 704);
}

/* 70 chunks inside the home networks: medium by count, nothing added */
static void test_exfil_ping_pattern_inside(void **state)
{
	struct lab *lab = *state;
	pattern_exfil(lab, "10.78.0.40", 70);
	const struct ih_finding *f = find(lab, "exfiltration", "10.77.0.10", "10.78.0.40");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_MEDIUM);
}

/* a tester's ping -c 5 -p 00, ff, aa, 55 (then the same four again): a handful of patterns,
 * each kept for a run of requests: no finding */
static void test_ping_pattern_tester_is_quiet(void **state)
{
	struct lab *lab = *state;
	static const uint8_t pats[4] = { 0x00, 0xff, 0xaa, 0x55 };
	uint64_t t = 100 * S;
	for (int run = 0; run < 8; run++)
		for (int i = 0; i < 5; i++) {
			uint8_t *b = bufs[nbuf++ % 64];
			pl_pattern_of(b, 56, t, &pats[run % 4], 1);
			ping(lab, "10.77.0.10", "10.78.0.40", (uint16_t)(700 + run), (uint16_t)(i + 1), t, b, 56, true);
			t += 1000 * MS;
		}
	finish(lab);
	assert_null(find(lab, "exfiltration", NULL, NULL));
}

/* Data in the echo header: `n` requests 100 ms apart with a fixed 32-byte payload, whose id
 * and seq are chosen by `hdr` (request i, text byte source); answered. */
static const char header_text[] = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
				  "bin:x:2:2:bin:/bin:/usr/sbin/nologin\nsys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
				  "sync:x:4:65534:sync:/bin:/bin/sync\ngames:x:5:60:games:/usr/games:/usr/sbin/nologin\n"
				  "man:x:6:12:man:/var/cache/man:/usr/sbin/nologin\nlp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin\n"
				  "mail:x:8:8:mail:/var/mail:/usr/sbin/nologin\nnews:x:9:9:news:/var/spool/news:/usr/sbin/nologin\n";

static uint16_t text16(int k)
{
	size_t n = sizeof(header_text) - 1, i = (size_t)k * 2 % n;
	return (uint16_t)((uint8_t)header_text[i] << 8 | (uint8_t)header_text[(i + 1) % n]);
}

enum hdr_kind { HDR_ID_SEQ, HDR_SEQ, HDR_LOOP, HDR_FPING };

static void header_run(struct lab *lab, const char *dst, enum hdr_kind k, int n)
{
	static const uint8_t fixed[32] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17 };
	uint64_t t = 100 * S;
	uint16_t fseq = 0;
	for (int i = 0; i < n; i++, t += 100 * MS) {
		uint16_t id, seq;
		switch (k) {
		case HDR_ID_SEQ: id = text16(2 * i); seq = text16(2 * i + 1); break;
		case HDR_SEQ: id = 4242; seq = text16(i); break;
		case HDR_LOOP: id = (uint16_t)(31000 + i * 7); seq = 1; break; /* ping -c 1 in a loop */
		default:
			/* fping over 40 hosts: one id, a counter shared by the hosts, a few retries */
			fseq = (uint16_t)(fseq + 40 + (i % 3));
			id = 555;
			seq = fseq;
			break;
		}
		ping(lab, "10.77.0.10", dst, id, seq, t, fixed, sizeof(fixed), true);
	}
	finish(lab);
}

static void test_exfil_header_id_seq(void **state)
{
	struct lab *lab = *state;
	header_run(lab, "203.0.113.7", HDR_ID_SEQ, 100);
	const struct ih_finding *f = find(lab, "exfiltration", "10.77.0.10", "203.0.113.7");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_MEDIUM); /* 400 bytes, one level up for outside */
	assert_string_equal(ev_str(f, "channel"), "echo_header_fields");
	assert_int_equal(ev_int(f, "data_bytes"), 400);
	assert_int_equal(json_array_size(json_object_get(f->evidence, "header_fields")), 2);
}

static void test_exfil_header_seq_inside(void **state)
{
	struct lab *lab = *state;
	header_run(lab, "10.78.0.40", HDR_SEQ, 60);
	const struct ih_finding *f = find(lab, "exfiltration", "10.77.0.10", "10.78.0.40");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW);
	assert_one_field(f, "sequence");
	assert_int_equal(ev_int(f, "data_bytes"), 120);
}

/* one-shot processes (a new id each time, seq 1) and fping's shared counter are not data;
 * neither are 31 requests of data (under exfil_header_min_requests) */
static void test_exfil_header_tools_are_quiet(void **state)
{
	struct lab *lab = *state;
	header_run(lab, "203.0.113.7", HDR_LOOP, 100);
	assert_null(find(lab, "exfiltration", NULL, NULL));
}

static void test_exfil_header_fping_is_quiet(void **state)
{
	struct lab *lab = *state;
	header_run(lab, "203.0.113.7", HDR_FPING, 100);
	assert_null(find(lab, "exfiltration", NULL, NULL));
}

static void test_exfil_header_short_is_quiet(void **state)
{
	struct lab *lab = *state;
	header_run(lab, "203.0.113.7", HDR_ID_SEQ, 31);
	assert_null(find(lab, "exfiltration", NULL, NULL));
}

/* Timestamp requests (RFC 792): `n` requests 200 ms apart from 10.77.0.10, id 4242 and seq
 * counting up (nothing in the echo fields), each answered, with the timestamps set by `kind`. */
enum ts_kind { TS_DATA, TS_DATA_RXTX, TS_CLOCK, TS_INETUTILS, TS_ZERO, TS_HIGHBIT };

static uint32_t text32(int k)
{
	return (uint32_t)text16(2 * k) << 16 | text16(2 * k + 1);
}

static void ts_run(struct lab *lab, const char *dst, enum ts_kind kind, int n)
{
	/* a sender's clock five hours ahead of UT (local time), starting 3 s before midnight */
	const uint32_t day = 86400000u, start = day - 3000u - 5u * 3600000u;
	uint64_t t = 100 * S;
	for (int i = 0; i < n; i++, t += 200 * MS) {
		uint32_t clock = (start + 5u * 3600000u + (uint32_t)i * 200u) % day, o = clock, rx = 0, tx = 0;
		switch (kind) {
		case TS_DATA: o = text32(i); break;
		case TS_DATA_RXTX: rx = text32(2 * i); tx = text32(2 * i + 1); break;
		case TS_INETUTILS: rx = tx = o; break;
		case TS_ZERO: o = 0; break;
		case TS_HIGHBIT: o = 0x80000000u | (12345u + (uint32_t)i * 200u); break;
		default: break;
		}
		uint8_t b[12];
		be32(b, o);
		be32(b + 4, rx);
		be32(b + 8, tx);
		feed(lab, icmp("10.77.0.10", dst, IH_ICMP_TSTAMP_REQ, 4242, (uint16_t)i, t, b, 12));
		be32(b + 4, clock);
		be32(b + 8, clock);
		feed(lab, icmp(dst, "10.77.0.10", IH_ICMP_TSTAMP_REP, 4242, (uint16_t)i, t + 300000, b, 12));
	}
	finish(lab);
}

/* data in originate: four bytes a request, however ordinary the identifier and sequence */
static void test_exfil_timestamp_originate(void **state)
{
	struct lab *lab = *state;
	ts_run(lab, "203.0.113.7", TS_DATA, 100);
	const struct ih_finding *f = find(lab, "exfiltration", "10.77.0.10", "203.0.113.7");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_MEDIUM); /* 400 bytes, one level up for outside */
	assert_string_equal(ev_str(f, "channel"), "timestamp_fields");
	assert_int_equal(ev_int(f, "data_bytes"), 400);
	assert_int_equal(ev_int(f, "timestamp_requests_not_a_clock"), 100);
	assert_one_field(f, "timestamps");
}

/* a real clock in originate, data in receive and transmit: twelve bytes a request */
static void test_exfil_timestamp_receive_transmit(void **state)
{
	struct lab *lab = *state;
	ts_run(lab, "10.78.0.40", TS_DATA_RXTX, 60);
	const struct ih_finding *f = find(lab, "exfiltration", "10.77.0.10", "10.78.0.40");
	assert_non_null(f);
	assert_int_equal(ev_int(f, "timestamp_requests_receive_transmit_set"), 60);
	assert_int_equal(ev_int(f, "data_bytes"), 60 * 12);
}

/* a clock that crosses midnight in local time, inetutils' copies, nmap's zeros and a
 * non-standard clock with the high bit set are no data; nor are 31 requests of data */
static void test_timestamp_clocks_are_quiet(void **state)
{
	struct lab *lab = *state;
	ts_run(lab, "203.0.113.7", TS_CLOCK, 100);
	ts_run(lab, "203.0.113.8", TS_INETUTILS, 100);
	ts_run(lab, "203.0.113.9", TS_ZERO, 100);
	ts_run(lab, "203.0.113.10", TS_HIGHBIT, 100);
	ts_run(lab, "203.0.113.11", TS_DATA, 31);
	assert_null(find(lab, "exfiltration", NULL, NULL));
}

/* ================================================================ beacon */

/* ping -i 3 -s 120 -p 4b21c0de5a5a to an outside host for 90 s: a strict period, custom
 * payload: low, one level up for strength (30 events, score ~1): medium */
static void test_beacon_pattern(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	for (int i = 0; i < 30; i++) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_pattern(b, 120, t);
		ping(lab, "10.77.0.10", "203.0.113.7", 9350, (uint16_t)(i + 1), t, b, 120, true);
		t += 3000 * MS + (i % 3) * MS;
	}
	finish(lab);
	const struct ih_finding *f = find(lab, "beacon", "10.77.0.10", "203.0.113.7");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_MEDIUM);
	assert_int_equal(ev_int(f, "events"), 30);
	assert_float_equal(ev_real(f, "period_s"), 3.001, 0.002);
	assert_true(ev_real(f, "score") >= 0.95);
	assert_string_equal(ev_str(f, "series_payload"), "custom");
	assert_null(find(lab, "exfiltration", NULL, NULL)); /* one pattern throughout: no data */
	assert_null(find(lab, "volume_anomaly", NULL, NULL));
	assert_null(find(lab, "sweep", NULL, NULL));
}

/* A slow beacon: 15 custom-pattern pings 45 s apart to an outside host (10.5 min) is strong
 * for the time it was kept though under beacon_strong_events: medium. The same 15 pings 20 s
 * apart (under 5 min) stay low. */
static void slow_beacon(struct lab *lab, uint64_t gap_ms)
{
	uint64_t t = 100 * S;
	for (int i = 0; i < 15; i++) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_pattern(b, 40, t);
		ping(lab, "10.77.0.10", "198.51.100.23", 4711, (uint16_t)(i + 1), t, b, 40, true);
		t += gap_ms * MS + (uint64_t)(i % 2) * MS;
	}
	finish(lab);
}

static void test_beacon_slow_kept_long(void **state)
{
	struct lab *lab = *state;
	slow_beacon(lab, 45000);
	const struct ih_finding *f = find(lab, "beacon", "10.77.0.10", "198.51.100.23");
	assert_non_null(f);
	assert_int_equal(ev_int(f, "events"), 15);
	assert_int_equal(f->severity, IH_SEV_MEDIUM);
}

static void test_beacon_slow_short(void **state)
{
	struct lab *lab = *state;
	slow_beacon(lab, 20000);
	const struct ih_finding *f = find(lab, "beacon", "10.77.0.10", "198.51.100.23");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW);
}

/* a new hping3 each time (new echo id, seq 0), a random 96-byte payload, 2 to 4 s apart: the
 * jitter is tolerated (median ~3 s, MAD ~0.5 s), and random payloads make it data */
static void test_beacon_jitter_random(void **state)
{
	struct lab *lab = *state;
	rng_state = 2024;
	uint64_t t = 100 * S;
	for (int i = 0; i < 30; i++) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_random(b, 96);
		ping(lab, "10.77.0.10", "203.0.113.7", (uint16_t)(20000 + i * 37), 0, t, b, 96, true);
		t += 2000 * MS + (rnd() % 2000) * MS;
	}
	finish(lab);
	const struct ih_finding *f = find(lab, "beacon", "10.77.0.10", "203.0.113.7");
	assert_non_null(f);
	assert_true(f->severity >= IH_SEV_MEDIUM);
	double period = ev_real(f, "period_s");
	assert_true(period > 2.5 && period < 3.5);
	assert_true(ev_real(f, "jitter_mad_s") > 0.2);
	assert_true(ev_real(f, "score") >= 0.85);
	assert_string_equal(ev_str(f, "series_payload"), "data");
	assert_int_equal(ev_int(f, "echo_id_changes"), 29);
}

/* ping -i 1 to an outside host for two minutes, default payload: periodic, but ordinary */
static void test_ping_left_running(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	for (int i = 0; i < 120; i++) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_iputils(b, 56, t);
		ping(lab, "10.77.0.11", "198.51.100.23", 77, (uint16_t)(i + 1), t, b, 56, true);
		t += S;
	}
	finish(lab);
	assert_quiet(lab);
	const struct ih_finding *f = find(lab, "beacon", "10.77.0.11", "198.51.100.23");
	assert_non_null(f); /* said, at info */
	assert_int_equal(f->severity, IH_SEV_INFO);
	const struct ih_finding *p = find(lab, "persistent_echo", "10.77.0.11", "198.51.100.23");
	assert_non_null(p);
	assert_int_equal(p->severity, IH_SEV_INFO);
	assert_int_equal(ev_int(p, "requests_after_first_answer"), 119);
	const struct ih_finding *e = find(lab, "external_icmp", "10.77.0.11", "198.51.100.23");
	assert_non_null(e);
	assert_int_equal(e->severity, IH_SEV_INFO);
}

/* a monitoring server: fping every 2 s to 16 servers for a minute, zero-filled payloads */
static void test_monitoring_is_quiet(void **state)
{
	struct lab *lab = *state;
	static const uint8_t zeros[56];
	uint64_t t = 100 * S;
	for (int r = 0; r < 30; r++) {
		for (int h = 0; h < 16; h++) {
			char dst[32];
			snprintf(dst, sizeof(dst), "10.78.0.%d", 33 + h * 4);
			ping(lab, "10.77.0.5", dst, (uint16_t)(500 + h), (uint16_t)r, t + (uint64_t)h * 10 * MS, zeros, 56, true);
		}
		t += 2 * S;
	}
	finish(lab);
	assert_quiet(lab);
}

/* A monitoring server looping fping -R (random fill) over `hosts` inside servers every 2 s for
 * 50 s; with `talk_back`, the first server answers with bytes of its own instead of echoes. */
static void random_fill_schedule(struct lab *lab, int hosts, bool talk_back)
{
	rng_state = 77;
	uint64_t t = 100 * S;
	for (int r = 0; r < 25; r++, t += 2 * S) {
		for (int h = 0; h < hosts; h++) {
			char dst[32];
			snprintf(dst, sizeof(dst), "10.78.0.%d", 33 + h);
			uint8_t *b = bufs[nbuf++ % 64];
			pl_random(b, 64);
			uint64_t ts = t + (uint64_t)h * 25 * MS;
			bool own = talk_back && h == 0;
			ping(lab, "10.77.0.5", dst, (uint16_t)(900 + h), (uint16_t)r, ts, b, 64, !own);
			if (own) {
				uint8_t *o = bufs[nbuf++ % 64];
				pl_random(o, 64);
				feed(lab, icmp(dst, "10.77.0.5", IH_ICMP_ECHO_REP, (uint16_t)(900 + h), (uint16_t)r,
					       ts + 300000, o, 64));
			}
		}
	}
	finish(lab);
}

/* four servers on one schedule, each only echoing the random bytes: monitoring (info), and
 * the evidence names the three others */
static void test_monitoring_random_fill_is_quiet(void **state)
{
	struct lab *lab = *state;
	random_fill_schedule(lab, 4, false);
	assert_quiet(lab);
	const struct ih_finding *f = find(lab, "beacon", "10.77.0.5", "10.78.0.33");
	assert_non_null(f);
	assert_true(ev_bool(f, "monitoring_like"));
	assert_int_equal(json_array_size(json_object_get(f->evidence, "same_schedule_peers")), 3);
	/* the server whose pair ended last sees the others through the detector's memory */
	f = find(lab, "beacon", "10.77.0.5", "10.78.0.36");
	assert_non_null(f);
	assert_int_equal(json_array_size(json_object_get(f->evidence, "same_schedule_peers")), 3);
}

/* the same schedule to one server is a beacon carrying data inside (low or above); to four,
 * one of which sends bytes back, that one is too: something answers it */
static void test_random_fill_one_peer_is_beacon(void **state)
{
	struct lab *lab = *state;
	random_fill_schedule(lab, 1, false);
	const struct ih_finding *f = find(lab, "beacon", "10.77.0.5", "10.78.0.33");
	assert_non_null(f);
	assert_true(f->severity >= IH_SEV_LOW);
	assert_null(json_object_get(f->evidence, "monitoring_like"));
}

static void test_random_fill_answered_is_beacon(void **state)
{
	struct lab *lab = *state;
	random_fill_schedule(lab, 4, true);
	const struct ih_finding *f = find(lab, "beacon", "10.77.0.5", "10.78.0.33");
	assert_non_null(f);
	assert_true(f->severity >= IH_SEV_LOW);
	f = find(lab, "beacon", "10.77.0.5", "10.78.0.34");
	assert_non_null(f);
	assert_true(f->severity < IH_SEV_LOW);
}

/* an outside uptime service pings an inside server every 10 s for 5 minutes: the inside host
 * only answers; nothing is its doing */
static void test_inbound_monitoring_is_quiet(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	for (int i = 0; i < 30; i++, t += 10 * S) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_pattern(b, 64, t);
		ping(lab, "198.51.100.23", "10.78.0.40", 5, (uint16_t)i, t, b, 64, true);
	}
	finish(lab);
	assert_quiet(lab);
	assert_null(find(lab, "beacon", NULL, NULL));
	assert_null(find(lab, "persistent_echo", NULL, NULL));
	assert_null(find(lab, "external_icmp", NULL, NULL));
}

/* ================================================================ persistent_echo */

/* custom payload to an outside host for 2 minutes, answered: low; the same to a home host: info */
static void test_persistent(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	for (int i = 0; i < 25; i++) {
		uint8_t *b = bufs[nbuf++ % 64], *c = bufs[nbuf++ % 64];
		pl_pattern(b, 64, t);
		pl_pattern(c, 64, t);
		ping(lab, "10.77.0.10", "203.0.113.7", 5, (uint16_t)i, t, b, 64, true);
		ping(lab, "10.77.0.10", "10.78.0.40", 6, (uint16_t)i, t + 1000, c, 64, true);
		t += 5 * S;
	}
	finish(lab);
	const struct ih_finding *f = find(lab, "persistent_echo", "10.77.0.10", "203.0.113.7");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW);
	assert_float_equal(ev_real(f, "duration_s"), 120.0, 1e-6);
	assert_int_equal(ev_int(f, "requests_after_first_answer"), 24);
	const struct ih_finding *g = find(lab, "persistent_echo", "10.77.0.10", "10.78.0.40");
	assert_non_null(g);
	assert_int_equal(g->severity, IH_SEV_INFO);
}

/* ================================================================ volume_anomaly */

/* ping -f -c 4000 at a server: 4000 requests in 0.8 s, each answered */
static void test_flood_single_source(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 500 * S + 100 * MS;
	for (int i = 0; i < 4000; i++) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_iputils(b, 56, t);
		ping(lab, "10.77.0.10", "10.78.0.40", 999, (uint16_t)i, t, b, 56, true);
		t += 200000; /* 0.2 ms */
	}
	finish(lab);
	const struct ih_finding *f = find(lab, "volume_anomaly", "10.77.0.10", "10.78.0.40");
	assert_non_null(f);
	/* 4000 in [500.1, 500.9): one second; 4000 >= 10 x 200 pps: medium */
	assert_int_equal(f->severity, IH_SEV_MEDIUM);
	assert_int_equal(ev_int(f, "peak_pps"), 4000);
	assert_int_equal(ev_int(f, "requests"), 4000);
	assert_int_equal(ev_int(f, "answers_from_victim"), 4000);
	assert_string_equal(ev_str(f, "sender"), "dominant source");
	/* the victim only answers; an ordinary-template flood is no tunnel */
	struct ih_pipeline *pl = pl_of(lab);
	for (size_t i = 0; i < pl->findings.n; i++) {
		char a[IH_ADDR_STRLEN];
		assert_string_not_equal(ih_addr_str(&pl->findings.v[i]->src, a, sizeof(a)), "10.78.0.40");
	}
	assert_null(find(lab, "tunnel", NULL, NULL));
	assert_null(find(lab, "exfiltration", NULL, NULL));
}

static struct ih_pkt with_mac(struct ih_pkt p, uint8_t last)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0 };
	memcpy(p.src_mac, mac, 6);
	p.src_mac[5] = last;
	p.has_mac = true;
	return p;
}

/* hping3 --rand-source at a server: 20,000 requests from random sources, all from one
 * hardware address; that address was seen earlier as 10.77.0.10 (pinging, answered) */
static void run_spoofed(struct lab *lab, bool learn)
{
	static const uint8_t none[1];
	uint64_t t = 300 * S;
	if (learn)
		for (int i = 0; i < 3; i++, t += S) {
			feed(lab, with_mac(icmp("10.77.0.10", "10.78.0.33", IH_ICMP_ECHO_REQ, 1, (uint16_t)i, t, none, 0), 2));
			feed(lab, with_mac(icmp("10.78.0.33", "10.77.0.10", IH_ICMP_ECHO_REP, 1, (uint16_t)i, t + MS, none, 0), 1));
		}
	rng_state = 8;
	for (int i = 0; i < 20000; i++) {
		uint32_t x = rnd();
		char src[32];
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 1 + (x >> 24) % 200, (x >> 16) & 255, (x >> 8) & 255, x & 255);
		feed(lab, with_mac(icmp(src, "10.78.0.40", IH_ICMP_ECHO_REQ, (uint16_t)x, (uint16_t)i, t, none, 0), 2));
		t += 100000; /* 0.1 ms: 10,000 per second */
	}
	finish(lab);
}

static void test_flood_spoofed_attributed(void **state)
{
	struct lab *lab = *state;
	run_spoofed(lab, true);
	const struct ih_finding *f = find(lab, "volume_anomaly", "10.77.0.10", "10.78.0.40");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_HIGH); /* spoofed at 10,000/s >= 10 x 200 */
	assert_true(json_is_true(json_object_get(f->evidence, "spoofed_sources")));
	assert_string_equal(ev_str(f, "sender_mac"), "02:00:00:00:00:02");
	assert_string_equal(ev_str(f, "sender_mac_seen_as"), "10.77.0.10");
	json_int_t distinct = ev_int(f, "distinct_sources_est");
	assert_true(distinct > 14000 && distinct < 26000); /* 64-register HLL: +/-13% */
	assert_int_equal(json_array_size(json_object_get(f->evidence, "source_sample")), 4);
}

static void test_flood_spoofed_unknown_sender(void **state)
{
	struct lab *lab = *state;
	run_spoofed(lab, false);
	const struct ih_finding *f = find(lab, "volume_anomaly", "0.0.0.0", "10.78.0.40");
	assert_non_null(f);
	assert_string_equal(ev_str(f, "sender"), "spoofed sources, sender unknown");
	assert_null(json_object_get(f->evidence, "sender_mac_seen_as"));
}

/* A smurf: `requests` echo requests to 10.77.0.255 with 10.77.0.11's address, sent from hardware
 * address ...:02, each answered by `responders` hosts of the LAN, 10 ms apart. When `victim_first`,
 * 10.77.0.11 pinged a server from its own hardware address (...:03) before; when `learn`, ...:02
 * was seen as 10.77.0.10 (pinging, answered). */
static void run_smurf(struct lab *lab, int requests, int responders, bool victim_first, bool learn)
{
	static const uint8_t none[1];
	uint64_t t = 400 * S;
	for (int i = 0; i < 3; i++, t += S) {
		if (victim_first) {
			feed(lab, with_mac(icmp("10.77.0.11", "10.78.0.40", IH_ICMP_ECHO_REQ, 7, (uint16_t)i, t, none, 0), 3));
			feed(lab, with_mac(icmp("10.78.0.40", "10.77.0.11", IH_ICMP_ECHO_REP, 7, (uint16_t)i, t + MS, none, 0), 1));
		}
		if (learn) {
			feed(lab, with_mac(icmp("10.77.0.10", "10.78.0.50", IH_ICMP_ECHO_REQ, 9, (uint16_t)i, t, none, 0), 2));
			feed(lab, with_mac(icmp("10.78.0.50", "10.77.0.10", IH_ICMP_ECHO_REP, 9, (uint16_t)i, t + MS, none, 0), 1));
		}
	}
	for (int i = 0; i < requests; i++, t += 10 * MS) {
		feed(lab, with_mac(icmp("10.77.0.11", "10.77.0.255", IH_ICMP_ECHO_REQ, 4242, (uint16_t)i, t, none, 0), 2));
		for (int r = 0; r < responders; r++) {
			char from[32];
			snprintf(from, sizeof(from), "10.77.0.%d", 1 + r * 4);
			feed(lab, with_mac(icmp(from, "10.77.0.11", IH_ICMP_ECHO_REP, 4242, (uint16_t)i, t + MS, none, 0),
					   (uint8_t)(10 + r)));
		}
	}
	finish(lab);
}

static void test_smurf_sender_named(void **state)
{
	struct lab *lab = *state;
	run_smurf(lab, 300, 2, true, true);
	const struct ih_finding *f = find(lab, "volume_anomaly", "10.77.0.10", "10.77.0.11");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_MEDIUM); /* twice as many answers as requests */
	assert_string_equal(ev_str(f, "reflection"), "smurf");
	assert_string_equal(ev_str(f, "group"), "10.77.0.255");
	assert_int_equal(ev_int(f, "forged_requests"), 300);
	assert_int_equal(ev_int(f, "answers_to_victim"), 600);
	assert_string_equal(ev_str(f, "sender_mac"), "02:00:00:00:00:02");
	assert_string_equal(ev_str(f, "sender_mac_seen_as"), "10.77.0.10");
	bool reflection = false;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(f->obj, "mitre"), i, m)
		reflection |= strcmp(json_string_value(m), "T1498.002") == 0;
	assert_true(reflection);
	/* the victim's forged requests are no discovery of its own */
	assert_null(find(lab, "sweep", NULL, NULL));
	struct ih_pipeline *pl = pl_of(lab);
	for (size_t k = 0; k < pl->findings.n; k++) {
		char a[IH_ADDR_STRLEN];
		assert_string_not_equal(ih_addr_str(&pl->findings.v[k]->src, a, sizeof(a)), "10.77.0.11");
	}
}

static void test_smurf_sender_unknown(void **state)
{
	struct lab *lab = *state;
	run_smurf(lab, 300, 1, true, false);
	const struct ih_finding *f = find(lab, "volume_anomaly", "0.0.0.0", "10.77.0.11");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW); /* one responder: no amplification */
	assert_string_equal(ev_str(f, "sender"), "forged source, sender unknown");
	assert_null(json_object_get(f->evidence, "sender_mac_seen_as"));
	assert_null(find(lab, "sweep", NULL, NULL));
}

static void test_smurf_few_requests_is_quiet(void **state)
{
	struct lab *lab = *state;
	run_smurf(lab, 9, 3, true, true); /* under volume_smurf_min (10) */
	assert_null(find(lab, "volume_anomaly", NULL, NULL));
	assert_null(find(lab, "sweep", NULL, NULL));
}

/* the same broadcast pings from 10.77.0.11's own hardware address are its discovery of the LAN
 * (the sweep detector's), not a reflection */
static void test_broadcast_ping_own_mac_is_no_smurf(void **state)
{
	struct lab *lab = *state;
	static const uint8_t none[1];
	uint64_t t = 400 * S;
	feed(lab, with_mac(icmp("10.77.0.11", "10.78.0.40", IH_ICMP_ECHO_REQ, 7, 1, t, none, 0), 3));
	for (int i = 0; i < 30; i++, t += S) {
		feed(lab, with_mac(icmp("10.77.0.11", "10.77.0.255", IH_ICMP_ECHO_REQ, 8, (uint16_t)i, t, none, 0), 3));
		for (int r = 0; r < 3; r++) {
			char from[32];
			snprintf(from, sizeof(from), "10.77.0.%d", 1 + r * 4);
			feed(lab, with_mac(icmp(from, "10.77.0.11", IH_ICMP_ECHO_REP, 8, (uint16_t)i, t + MS, none, 0),
					   (uint8_t)(10 + r)));
		}
	}
	finish(lab);
	assert_null(find(lab, "volume_anomaly", NULL, NULL));
	assert_non_null(find(lab, "sweep", "10.77.0.11", "10.77.0.255"));
}

/* seven busy hosts, each sending ~300 requests/s to its own server for 5 s: the population's
 * median peak (bucket [256, 512), taken as 362) times 10 is above every one of them */
static void test_flood_population_baseline(void **state)
{
	struct lab *lab = *state;
	static const uint8_t none[1];
	uint64_t t = 700 * S;
	for (int k = 0; k < 5 * 300; k++) {
		for (int h = 0; h < 7; h++) {
			char src[32], dst[32];
			snprintf(src, sizeof(src), "10.77.0.%d", 20 + h);
			snprintf(dst, sizeof(dst), "10.78.0.%d", 100 + h);
			feed(lab, icmp(src, dst, IH_ICMP_ECHO_REQ, 1, (uint16_t)k, t + (uint64_t)h * 1000, none, 0));
		}
		t += S / 300;
	}
	finish(lab);
	assert_null(find(lab, "volume_anomaly", NULL, NULL));
}

/* the same busy host alone: no population, min_pps alone decides: found */
static void test_flood_no_baseline(void **state)
{
	struct lab *lab = *state;
	static const uint8_t none[1];
	uint64_t t = 700 * S;
	for (int k = 0; k < 5 * 300; k++, t += S / 300)
		feed(lab, icmp("10.77.0.20", "10.78.0.100", IH_ICMP_ECHO_REQ, 1, (uint16_t)k, t, none, 0));
	finish(lab);
	const struct ih_finding *f = find(lab, "volume_anomaly", "10.77.0.20", "10.78.0.100");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW);
	assert_int_equal(ev_int(f, "burst_seconds"), 5);
}

/* a host pinging its server 150 times a second for a minute, then 1000 a second: the own
 * earlier rate (150) x 10 is above 1000: not an anomaly for this host */
static void test_flood_own_baseline(void **state)
{
	struct lab *lab = *state;
	static const uint8_t none[1];
	uint64_t t = 700 * S;
	uint16_t seq = 0;
	for (int k = 0; k < 60 * 150; k++, t += S / 150)
		feed(lab, icmp("10.77.0.20", "10.78.0.100", IH_ICMP_ECHO_REQ, 1, seq++, t, none, 0));
	for (int k = 0; k < 3 * 1000; k++, t += S / 1000)
		feed(lab, icmp("10.77.0.20", "10.78.0.100", IH_ICMP_ECHO_REQ, 1, seq++, t, none, 0));
	finish(lab);
	assert_null(find(lab, "volume_anomaly", NULL, NULL));
}

/* ================================================================ large_payload */

/* ping -M do -s 1472 (3, DF) and ping -s 4000 (2, reassembled): a test, info only */
static void test_large_pmtu_is_benign(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 10 * S;
	for (int i = 0; i < 3; i++, t += S) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_iputils(b, 1472, t);
		struct ih_pkt q = icmp("10.77.0.11", "10.78.0.40", IH_ICMP_ECHO_REQ, 8, (uint16_t)i, t, b, 1472);
		q.df = true;
		feed(lab, q);
		feed(lab, icmp("10.78.0.40", "10.77.0.11", IH_ICMP_ECHO_REP, 8, (uint16_t)i, t + MS, b, 1472));
	}
	for (int i = 0; i < 2; i++, t += S) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_iputils(b, 4000, t);
		struct ih_pkt q = icmp("10.77.0.11", "10.78.0.40", IH_ICMP_ECHO_REQ, 9, (uint16_t)i, t, b, 4000);
		q.reassembled = true;
		feed(lab, q);
		struct ih_pkt r = icmp("10.78.0.40", "10.77.0.11", IH_ICMP_ECHO_REP, 9, (uint16_t)i, t + MS, b, 4000);
		r.reassembled = true;
		feed(lab, r);
	}
	finish(lab);
	assert_quiet(lab);
	const struct ih_finding *f = find(lab, "large_payload", "10.77.0.11", "10.78.0.40");
	assert_non_null(f);
	assert_int_equal(ev_int(f, "large_requests"), 5);
	assert_int_equal(ev_int(f, "large_fragmented"), 2);
	assert_int_equal(ev_int(f, "large_nontemplate"), 0);
}

/* five 1400-byte random payloads to a home server: low */
static void test_large_nontemplate(void **state)
{
	struct lab *lab = *state;
	rng_state = 3;
	uint64_t t = 10 * S;
	for (int i = 0; i < 5; i++, t += S) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_random(b, 1400);
		ping(lab, "10.77.0.10", "10.78.0.50", 3, (uint16_t)i, t, b, 1400, true);
	}
	finish(lab);
	const struct ih_finding *f = find(lab, "large_payload", "10.77.0.10", "10.78.0.50");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW);
	assert_int_equal(ev_int(f, "large_nontemplate"), 5);
}

/* 30 ordinary 1400-byte pings: 200 ms apart (ping -s 1400 -i 0.2) sustained, low; 5 s apart
 * (a monitor's payload_size check) info; 30 random 1400-byte payloads 5 s apart still low */
static void test_large_ordinary_pace(void **state)
{
	struct lab *lab = *state;
	rng_state = 5;
	for (int i = 0; i < 30; i++) {
		uint64_t fast = 10 * S + (uint64_t)i * 200 * MS, slow = 10 * S + (uint64_t)i * 5 * S;
		uint8_t *b = bufs[nbuf++ % 64];
		pl_iputils(b, 1400, fast);
		ping(lab, "10.77.0.11", "10.78.0.40", 21, (uint16_t)i, fast, b, 1400, true);
		b = bufs[nbuf++ % 64];
		pl_iputils(b, 1400, slow);
		ping(lab, "10.77.0.5", "10.78.0.41", 22, (uint16_t)i, slow, b, 1400, true);
		b = bufs[nbuf++ % 64];
		pl_random(b, 1400);
		ping(lab, "10.77.0.10", "10.78.0.42", 23, (uint16_t)i, slow, b, 1400, true);
	}
	finish(lab);
	const struct ih_finding *f = find(lab, "large_payload", "10.77.0.11", "10.78.0.40");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW);
	assert_true(ev_real(f, "mean_gap_s") < 0.25);
	f = find(lab, "large_payload", "10.77.0.5", "10.78.0.41");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_INFO);
	assert_true(ev_real(f, "mean_gap_s") > 4.9);
	f = find(lab, "large_payload", "10.77.0.10", "10.78.0.42");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW);
}

/* ================================================================ external_icmp */

/* four ordinary pings outside: info; a Windows-style alphabet at home: nothing at all */
static void test_external_short_ping(void **state)
{
	struct lab *lab = *state;
	static const char win[] = "abcdefghijklmnopqrstuvwabcdefghi";
	uint64_t t = 10 * S;
	for (int i = 0; i < 4; i++, t += S) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_iputils(b, 56, t);
		ping(lab, "10.77.0.11", "198.51.100.23", 11, (uint16_t)i, t, b, 56, true);
		ping(lab, "10.77.0.11", "10.78.0.40", 1, (uint16_t)i, t, (const uint8_t *)win, 32, true);
	}
	finish(lab);
	assert_quiet(lab);
	const struct ih_finding *f = find(lab, "external_icmp", "10.77.0.11", "198.51.100.23");
	assert_non_null(f);
	assert_int_equal(ev_int(f, "requests"), 4);
	assert_null(find(lab, "external_icmp", "10.77.0.11", "10.78.0.40"));
	assert_null(find(lab, "tunnel", NULL, NULL));
}

/* the home list is configurable: with 203.0.113.0/24 at home, nothing is external */
static void test_external_home_list(void **state)
{
	struct lab *lab = *state;
	char err[128];
	assert_true(ih_config_set(&lab->cfg, "home", "10.0.0.0/8,203.0.113.0/24", err, sizeof(err)));
	assert_true(ih_config_set(&lab->cfg, "beacon_min_events", "5", err, sizeof(err)));
	assert_int_equal(lab->cfg.beacon_min_events, 5);
	uint64_t t = 10 * S;
	for (int i = 0; i < 4; i++, t += S) {
		uint8_t *b = bufs[nbuf++ % 64];
		pl_iputils(b, 56, t);
		ping(lab, "10.77.0.11", "203.0.113.7", 11, (uint16_t)i, t, b, 56, true);
	}
	finish(lab);
	assert_null(find(lab, "external_icmp", NULL, NULL));
}

/* ================================================================ bounds */

/* the detectors' own tables do not grow: memory before and after a flood to random victims */
static void test_memory_bounded(void **state)
{
	struct lab *lab = *state;
	static const uint8_t none[1];
	size_t before = ih_pipeline_memory(pl_of(lab));
	uint64_t t = 100 * S;
	rng_state = 77;
	for (int i = 0; i < 100000; i++, t += 10000) {
		uint32_t x = rnd();
		char dst[32];
		snprintf(dst, sizeof(dst), "10.%u.%u.%u", (x >> 16) & 255, (x >> 8) & 255, x & 255);
		feed(lab, icmp("10.77.0.10", dst, IH_ICMP_ECHO_REQ, 1, (uint16_t)i, t, none, 0));
	}
	assert_int_equal(ih_pipeline_memory(pl_of(lab)), before);
	json_t *st = ih_pipeline_stats(pl_of(lab), NULL, IH_SRC_OK, NULL);
	json_t *v = json_object_get(json_object_get(st, "detectors"), "volume_anomaly");
	assert_non_null(v);
	assert_true(json_integer_value(json_object_get(v, "destination_evictions")) > 0);
	json_decref(st);
	finish(lab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_entropy_table),
		cmocka_unit_test(test_payload_class),
		cmocka_unit_test(test_seen_estimate),
		cmocka_unit_test_setup_teardown(test_tunnel_custom_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel_unknown_tool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_base64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_header_id_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_header_seq_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_header_tools_are_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_header_fping_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_header_short_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_timestamp_originate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_timestamp_receive_transmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timestamp_clocks_are_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_small_text_file_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_small_file_inside_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_small_binary_fill_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_small_chunks_are_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_repeats_do_not_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_channel_inside_is_src, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_ping_pattern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exfil_ping_pattern_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_pattern_tester_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beacon_pattern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beacon_jitter_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beacon_slow_kept_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beacon_slow_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitoring_random_fill_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_fill_one_peer_is_beacon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_fill_answered_is_beacon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_left_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitoring_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbound_monitoring_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_single_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_spoofed_attributed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_spoofed_unknown_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smurf_sender_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smurf_sender_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smurf_few_requests_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_ping_own_mac_is_no_smurf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_population_baseline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_no_baseline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_own_baseline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_pmtu_is_benign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_nontemplate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_ordinary_pace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_external_short_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_external_home_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
