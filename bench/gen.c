/*
 * gen.c — writes large synthetic Ethernet pcap files for the benchmark, fast and reproducibly.
 *
 *   gen [-n PACKETS] [-t mixed|flood|tunnel] [-s SEED] [-c CONVERSATIONS] -o FILE
 *
 * The same options and seed always give the same file, byte for byte. Packet time starts at
 * 2024-01-01T00:00:00Z and advances with every packet (never the wall clock). Profiles:
 *
 *   mixed   ICMP-heavy enterprise traffic: 2000 hosts in 10.20.0.0/21 talking to 250 servers in
 *           10.30.0.0/24; ~5000 echo conversations (iputils-like 56-byte payloads, each request
 *           answered); one host (10.20.0.66) sweeping 10.40.0.0/16 slowly in order; ~12% TCP and
 *           UDP; a small high-entropy tunnel-like conversation (10.20.0.77 <-> 203.0.113.7).
 *           About 10,000 packets per second of packet time. -c sets the number of echo
 *           conversations (default 5000; hosts are 2/5 of it, counted on from 10.20.0.10), to
 *           measure how cost grows with conversations and hosts (bench/run.sh, scaling).
 *   flood   echo requests from random spoofed sources to one victim (10.30.0.40), 60-byte
 *           frames, 100,000 packets per second: the worst case for per-host state.
 *   tunnel  many conversations carrying large random payloads (600..1400 bytes) in echo requests
 *           and replies between 200 inside hosts and 20 outside peers.
 *
 * Frames are written with libpcap's dump writer (pcap_dump) over a large stdio buffer.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SNAPLEN 65535
#define T0_SEC 1704067200u /* 2024-01-01T00:00:00Z */

/* ---- deterministic random numbers (splitmix64 seeded xoshiro256**) ---- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* A number in [0, n), n > 0 (the tiny modulo bias does not matter here). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)((rng_next(r) >> 32) % n);
}

static void rng_fill(struct rng *r, uint8_t *p, size_t len)
{
	while (len >= 8) {
		uint64_t v = rng_next(r);
		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	if (len > 0) {
		uint64_t v = rng_next(r);
		memcpy(p, &v, len);
	}
}

/* ---- frame building ---- */

struct out {
	pcap_dumper_t *dumper;
	uint64_t usec; /* packet time, microseconds since T0 */
	uint64_t written;
	uint8_t frame[2048];
};

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t inet_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A MAC address derived from an IPv4 address (locally administered). */
static void put_mac(uint8_t *p, uint32_t ip)
{
	p[0] = 0x02;
	p[1] = 0x00;
	put32(p + 2, ip);
}

/*
 * Writes Ethernet + IPv4 headers for a datagram of l4len bytes and returns the L4 pointer.
 * The MAC addresses are derived from the IP addresses: the benchmark does not care about L2.
 */
static uint8_t *put_eth_ip(struct out *o, uint32_t src, uint32_t dst, uint8_t proto,
			   size_t l4len, uint8_t ttl, uint16_t ipid)
{
	uint8_t *f = o->frame;
	put_mac(f, dst);
	put_mac(f + 6, src);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 4, ipid);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = ttl;
	ip[9] = proto;
	put16(ip + 10, 0);
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, inet_csum(ip, 20, 0));
	return ip + 20;
}

static void emit(struct out *o, size_t caplen)
{
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(T0_SEC + o->usec / 1000000u);
	h.ts.tv_usec = (suseconds_t)(o->usec % 1000000u);
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)caplen;
	pcap_dump((u_char *)o->dumper, &h, o->frame);
	o->written++;
}

/* ICMP echo (type 8 request / 0 reply) with the given payload already placed after the header. */
static void emit_echo(struct out *o, uint32_t src, uint32_t dst, uint8_t type, uint16_t id,
		      uint16_t seq, const uint8_t *payload, size_t plen, uint8_t ttl)
{
	uint8_t *icmp = put_eth_ip(o, src, dst, 1, 8 + plen, ttl, (uint16_t)(seq * 7 + id));
	icmp[0] = type;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	if (payload != icmp + 8)
		memcpy(icmp + 8, payload, plen);
	put16(icmp + 2, inet_csum(icmp, 8 + plen, 0));
	emit(o, 14 + 20 + 8 + plen);
}

/* iputils ping payload: a struct timeval then bytes 0x10, 0x11, ... (56 bytes by default). */
static void iputils_payload(uint8_t *p, size_t len, uint64_t usec)
{
	uint64_t sec = T0_SEC + usec / 1000000u, us = usec % 1000000u;
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(sec >> (8 * i));     /* little-endian, as on x86 */
		p[8 + i] = (uint8_t)(us >> (8 * i));
	}
	for (size_t i = 16; i < len; i++)
		p[i] = (uint8_t)i;
}

static void emit_tcp(struct out *o, struct rng *r, uint32_t src, uint32_t dst, uint16_t sport,
		     uint16_t dport, uint8_t flags, size_t plen)
{
	uint8_t *tcp = put_eth_ip(o, src, dst, 6, 20 + plen, 64, (uint16_t)rng_next(r));
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, (uint32_t)rng_next(r));
	put32(tcp + 8, (uint32_t)rng_next(r));
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 64240);
	put16(tcp + 16, 0); /* checksum left zero: offloaded, as often seen on captures */
	put16(tcp + 18, 0);
	rng_fill(r, tcp + 20, plen);
	emit(o, 14 + 20 + 20 + plen);
}

static void emit_udp(struct out *o, struct rng *r, uint32_t src, uint32_t dst, uint16_t sport,
		     uint16_t dport, size_t plen)
{
	uint8_t *udp = put_eth_ip(o, src, dst, 17, 8 + plen, 64, (uint16_t)rng_next(r));
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)(8 + plen));
	put16(udp + 6, 0);
	rng_fill(r, udp + 8, plen);
	emit(o, 14 + 20 + 8 + plen);
}

/* ---- profiles ---- */

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

struct conv {
	uint32_t src, dst;
	uint16_t id, seq;
};

static uint32_t mixed_convs = 5000; /* -c */

static void gen_mixed(struct out *o, struct rng *r, uint64_t n)
{
	enum { SERVERS = 250 };
	const uint32_t CONVS = mixed_convs, HOSTS = mixed_convs * 2 / 5 < 10 ? 10 : mixed_convs * 2 / 5;
	const uint32_t host0 = IP4(10, 20, 0, 10), server0 = IP4(10, 30, 0, 2);
	const uint32_t sweeper = IP4(10, 20, 0, 66), sweep_net = IP4(10, 40, 0, 0);
	const uint32_t tun_in = IP4(10, 20, 0, 77), tun_out = IP4(203, 0, 113, 7);
	struct conv *conv = calloc(CONVS, sizeof *conv);
	if (!conv) {
		perror("gen: calloc");
		exit(1);
	}
	for (unsigned i = 0; i < CONVS; i++) {
		conv[i].src = host0 + rng_below(r, HOSTS);
		conv[i].dst = rng_below(r, 4) ? server0 + rng_below(r, SERVERS) : host0 + rng_below(r, HOSTS);
		conv[i].id = (uint16_t)rng_next(r);
		conv[i].seq = 1;
	}
	uint32_t sweep_next = 1;
	uint16_t tun_seq = 0;
	uint8_t payload[1500];

	while (o->written < n) {
		o->usec += 50 + rng_below(r, 100); /* ~10,000 packets/s */
		uint32_t dice = rng_below(r, 1000);
		if (dice < 2) {
			/* the slow sweep: one probe every ~50 ms, in address order, mostly unanswered */
			uint32_t dst = sweep_net + sweep_next;
			sweep_next = sweep_next % 65534 + 1;
			iputils_payload(payload, 56, o->usec);
			emit_echo(o, sweeper, dst, 8, 0x4242, (uint16_t)sweep_next, payload, 56, 64);
			if ((dst & 0xff) % 16 == 1 && o->written < n) {
				o->usec += 300;
				emit_echo(o, dst, sweeper, 0, 0x4242, (uint16_t)sweep_next, payload, 56, 63);
			}
		} else if (dice < 7) {
			/* the tunnel: random payloads both ways */
			size_t len = 200 + rng_below(r, 1000);
			rng_fill(r, payload, len);
			emit_echo(o, tun_in, tun_out, 8, 0x1234, ++tun_seq, payload, len, 64);
			if (o->written < n) {
				o->usec += 2000;
				rng_fill(r, payload, len);
				emit_echo(o, tun_out, tun_in, 0, 0x1234, tun_seq, payload, len, 52);
			}
		} else if (dice < 127) {
			/* TCP and UDP between hosts and servers */
			uint32_t h = host0 + rng_below(r, HOSTS), s = server0 + rng_below(r, SERVERS);
			uint16_t eph = (uint16_t)(32768 + rng_below(r, 28000));
			switch (rng_below(r, 4)) {
			case 0:
				emit_tcp(o, r, h, s, eph, 443, 0x02, 0);
				break;
			case 1:
				emit_tcp(o, r, s, h, 443, eph, 0x18, rng_below(r, 1200));
				break;
			case 2:
				emit_tcp(o, r, h, s, eph, 445, 0x10, 0);
				break;
			default:
				emit_udp(o, r, h, s, eph, 53, 30 + rng_below(r, 30));
				break;
			}
		} else {
			/* ordinary ping: request, then its reply a little later */
			struct conv *c = &conv[rng_below(r, CONVS)];
			iputils_payload(payload, 56, o->usec);
			emit_echo(o, c->src, c->dst, 8, c->id, c->seq, payload, 56, 64);
			if (o->written < n) {
				o->usec += 100 + rng_below(r, 900);
				emit_echo(o, c->dst, c->src, 0, c->id, c->seq, payload, 56, 64);
			}
			c->seq++;
		}
	}
	free(conv);
}

static void gen_flood(struct out *o, struct rng *r, uint64_t n)
{
	const uint32_t victim = IP4(10, 30, 0, 40);
	uint8_t payload[18];
	memset(payload, 0, sizeof payload);
	uint16_t seq = 0;
	while (o->written < n) {
		o->usec += 10; /* 100,000 packets/s */
		uint32_t src = (uint32_t)rng_next(r);
		emit_echo(o, src, victim, 8, (uint16_t)(src >> 7), seq++, payload, sizeof payload, 64);
	}
}

static void gen_tunnel(struct out *o, struct rng *r, uint64_t n)
{
	enum { INSIDE = 200, OUTSIDE = 20, CONVS = 400 };
	struct conv conv[CONVS];
	for (unsigned i = 0; i < CONVS; i++) {
		conv[i].src = IP4(10, 20, 1, 0) + rng_below(r, INSIDE);
		conv[i].dst = IP4(198, 51, 100, 1) + rng_below(r, OUTSIDE);
		conv[i].id = (uint16_t)rng_next(r);
		conv[i].seq = 0;
	}
	uint8_t payload[1400];
	while (o->written < n) {
		o->usec += 100 + rng_below(r, 200);
		struct conv *c = &conv[rng_below(r, CONVS)];
		size_t len = 600 + rng_below(r, 801);
		rng_fill(r, payload, len);
		c->seq++;
		emit_echo(o, c->src, c->dst, 8, c->id, c->seq, payload, len, 64);
		if (o->written < n) {
			o->usec += 500 + rng_below(r, 2000);
			len = 600 + rng_below(r, 801);
			rng_fill(r, payload, len);
			emit_echo(o, c->dst, c->src, 0, c->id, c->seq, payload, len, 50);
		}
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gen [-n PACKETS] [-t mixed|flood|tunnel] [-s SEED] [-c CONVERSATIONS] -o FILE\n");
}

int main(int argc, char **argv)
{
	uint64_t n = 10000000, seed = 20240101;
	const char *type = "mixed", *path = NULL;
	int c;
	while ((c = getopt(argc, argv, "n:t:s:c:o:h")) != -1) {
		char *end;
		switch (c) {
		case 'n':
			errno = 0;
			n = strtoull(optarg, &end, 10);
			if (errno || *end || n == 0) {
				fprintf(stderr, "gen: bad packet count '%s'\n", optarg);
				return 1;
			}
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end) {
				fprintf(stderr, "gen: bad seed '%s'\n", optarg);
				return 1;
			}
			break;
		case 'c':
			errno = 0;
			mixed_convs = (uint32_t)strtoul(optarg, &end, 10);
			if (errno || *end || mixed_convs == 0 || mixed_convs > 1000000) {
				fprintf(stderr, "gen: bad conversation count '%s' (1..1000000)\n", optarg);
				return 1;
			}
			break;
		case 't':
			type = optarg;
			break;
		case 'o':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	void (*profile)(struct out *, struct rng *, uint64_t);
	if (strcmp(type, "mixed") == 0)
		profile = gen_mixed;
	else if (strcmp(type, "flood") == 0)
		profile = gen_flood;
	else if (strcmp(type, "tunnel") == 0)
		profile = gen_tunnel;
	else {
		fprintf(stderr, "gen: unknown type '%s' (mixed, flood or tunnel)\n", type);
		return 1;
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 1;
	}

	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	static char buf[1 << 22];
	setvbuf(f, buf, _IOFBF, sizeof buf);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	if (!dead) {
		fprintf(stderr, "gen: pcap_open_dead failed\n");
		return 1;
	}
	static struct out o;
	o.dumper = pcap_dump_fopen(dead, f);
	if (!o.dumper) {
		fprintf(stderr, "gen: %s: %s\n", path, pcap_geterr(dead));
		return 1;
	}
	struct rng r;
	rng_seed(&r, seed);
	profile(&o, &r, n);

	int bad = pcap_dump_flush(o.dumper) != 0 || ferror(f);
	pcap_dump_close(o.dumper); /* closes f */
	pcap_close(dead);
	if (bad) {
		fprintf(stderr, "gen: %s: write failed\n", path);
		return 1;
	}
	fprintf(stderr, "gen: %s: %" PRIu64 " packets (%s, seed %" PRIu64 ")\n", path, o.written,
		type, seed);
	return 0;
}
