/* live.c — \summary: live capture through libpcap; see live.h. */
#include "source/live.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/decode.h"

struct ih_live {
	pcap_t *p;
	char *iface;
	int linktype;
	bool nano;
	int fd;              /* pcap_get_selectable_fd */
	int tick_ms;
	volatile sig_atomic_t stop;
	/* during ih_live_run */
	ih_frame_fn fn;
	void *ctx;
	uint64_t number;
	/* libpcap's counters are 32-bit (struct pcap_stat: u_int) and wrap after 2^32 packets,
	 * about 12 hours of a 100,000 packets/s flood: they are read at least every 10 s and
	 * their differences added up in 64 bits */
	uint32_t last_recv, last_drop, last_ifdrop;
	uint64_t recv, drop, ifdrop;
	bool stats_ok;
	uint64_t stats_ms;   /* when they were read last */
};

void ih_live_config_default(struct ih_live_config *c)
{
	memset(c, 0, sizeof(*c));
	c->snaplen = 262144;
	c->promisc = true;
	c->buffer_mb = 8;
	c->tick_ms = 100;
}

static uint64_t ts_ns(const struct timeval *tv, bool nano)
{
	if (tv->tv_sec < 0)
		return 0;
	uint64_t sec = (uint64_t)tv->tv_sec;
	uint64_t sub = tv->tv_usec < 0 ? 0 : (uint64_t)tv->tv_usec;
	if (!nano)
		sub *= 1000u;
	return sec * 1000000000u + sub;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ih_live *l = (struct ih_live *)(void *)user;
	l->number++;
	struct ih_frame fr = {
		.data = bytes,
		.cap_len = h->caplen,
		.wire_len = h->len,
		.ts_ns = ts_ns(&h->ts, l->nano),
		.linktype = l->linktype,
		.number = l->number,
		.file = l->iface,
	};
	l->fn(l->ctx, &fr);
	if (l->stop)
		pcap_breakloop(l->p);
}

struct ih_live *ih_live_open(const struct ih_live_config *cfg, char *err, size_t errlen, char *warn,
			     size_t warnlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	if (warnlen)
		warn[0] = '\0';
	if (errlen)
		err[0] = '\0';
	struct ih_live *l = calloc(1, sizeof(*l));
	if (!l || !(l->iface = strdup(cfg->iface))) {
		snprintf(err, errlen, "%s: out of memory", cfg->iface);
		free(l);
		return NULL;
	}
	l->p = pcap_create(cfg->iface, ebuf);
	if (!l->p) {
		snprintf(err, errlen, "%s: cannot capture: %s", cfg->iface, ebuf);
		goto fail;
	}
	pcap_set_snaplen(l->p, cfg->snaplen > 0 ? cfg->snaplen : 262144);
	pcap_set_promisc(l->p, cfg->promisc ? 1 : 0);
	pcap_set_timeout(l->p, cfg->tick_ms > 0 ? cfg->tick_ms : 100);
	/* Not immediate mode: with it, the kernel ring is cut into one slot per snaplen-sized
	 * frame (128 slots for 262,144 bytes in 8 MB), which a flood of 100,000 packets/s fills
	 * in about a millisecond; without it, frames are packed into blocks and a block is handed
	 * over when full or after the read timeout (tick_ms). A packet then reaches the
	 * detectors at most tick_ms later; its timestamp is the kernel's either way. Measured by
	 * bench/live.sh (docs/PERFORMANCE.md): no drops at the flood rates hping3 reaches. */
	pcap_set_immediate_mode(l->p, 0);
	if (cfg->buffer_mb > 0)
		pcap_set_buffer_size(l->p, cfg->buffer_mb << 20);
	l->nano = pcap_set_tstamp_precision(l->p, PCAP_TSTAMP_PRECISION_NANO) == 0;
	int rc = pcap_activate(l->p);
	if (rc != 0) {
		/* libpcap's message, when it has one, already says what the status says */
		const char *why = pcap_geterr(l->p);
		const char *st = pcap_statustostr(rc);
		bool both = why && *why && strcmp(why, st) != 0;
		snprintf(rc < 0 ? err : warn, rc < 0 ? errlen : warnlen, "%s: %s%s%s%s", cfg->iface,
			 rc < 0 ? "cannot capture: " : "", st, both ? ": " : "", both ? why : "");
		if (rc < 0)
			goto fail;
	}
	l->nano = pcap_get_tstamp_precision(l->p) == PCAP_TSTAMP_PRECISION_NANO;
	l->linktype = pcap_datalink(l->p);
	if (!ih_link_supported(l->linktype)) {
		const char *name = pcap_datalink_val_to_name(l->linktype);
		snprintf(err, errlen, "%s: link type %d (%s) is not supported", cfg->iface, l->linktype,
			 name ? name : "unknown");
		goto fail;
	}
	/* Non-blocking, with our own poll(): libpcap's read timeout is not guaranteed to return
	 * when no packet arrives (on Linux 1.10 it does not), and the tick must run on a quiet
	 * link too. */
	if (pcap_setnonblock(l->p, 1, ebuf) != 0 || (l->fd = pcap_get_selectable_fd(l->p)) < 0) {
		snprintf(err, errlen, "%s: cannot read without blocking: %s", cfg->iface,
			 ebuf[0] ? ebuf : "no selectable descriptor");
		goto fail;
	}
	l->tick_ms = cfg->tick_ms > 0 ? cfg->tick_ms : 100;
	if (cfg->filter && cfg->filter[0]) {
		struct bpf_program prog;
		if (pcap_compile(l->p, &prog, cfg->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errlen, "filter '%s': %s", cfg->filter, pcap_geterr(l->p));
			goto fail;
		}
		rc = pcap_setfilter(l->p, &prog);
		pcap_freecode(&prog);
		if (rc != 0) {
			snprintf(err, errlen, "%s: cannot set the filter: %s", cfg->iface, pcap_geterr(l->p));
			goto fail;
		}
	}
	return l;
fail:
	ih_live_close(l);
	return NULL;
}

int ih_live_linktype(const struct ih_live *l)
{
	return l->linktype;
}

const char *ih_live_iface(const struct ih_live *l)
{
	return l->iface;
}

static void stats_update(struct ih_live *l);

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

enum ih_source_status ih_live_run(struct ih_live *l, ih_frame_fn fn, void *ctx,
				  void (*tick)(void *ctx), char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	l->fn = fn;
	l->ctx = ctx;
	uint64_t last_tick = mono_ms();
	for (;;) {
		if (l->stop)
			return IH_SRC_STOPPED;
		/* cnt = -1: whatever one buffer holds, so that tick() is never starved by a flood */
		int n = pcap_dispatch(l->p, -1, on_packet, (u_char *)(void *)l);
		if (n == PCAP_ERROR_BREAK || l->stop)
			return IH_SRC_STOPPED;
		if (n == PCAP_ERROR) {
			snprintf(err, errlen, "%s: capture failed after %llu packets: %s", l->iface,
				 (unsigned long long)l->number, pcap_geterr(l->p));
			return IH_SRC_READ_ERROR;
		}
		if (n == 0) {
			/* nothing ready: wait for the next packet, at most one tick; a signal (the
			 * stop) interrupts the wait */
			struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
			int rc = poll(&pfd, 1, l->tick_ms);
			if (rc < 0 && errno != EINTR) {
				snprintf(err, errlen, "%s: poll: %s", l->iface, strerror(errno));
				return IH_SRC_READ_ERROR;
			}
			if (rc > 0 && (pfd.revents & (POLLERR | POLLNVAL))) {
				/* let pcap_dispatch report what went wrong (an interface that went away) */
				n = pcap_dispatch(l->p, -1, on_packet, (u_char *)(void *)l);
				if (n == PCAP_ERROR) {
					snprintf(err, errlen, "%s: capture failed after %llu packets: %s", l->iface,
						 (unsigned long long)l->number, pcap_geterr(l->p));
					return IH_SRC_READ_ERROR;
				}
			}
		}
		uint64_t now = mono_ms();
		if (now - l->stats_ms >= 10000)
			stats_update(l); /* before the 32-bit counters can wrap */
		if (tick && (n == 0 || now - last_tick >= (uint64_t)l->tick_ms)) {
			last_tick = now;
			tick(ctx);
		}
	}
}

void ih_live_stop(struct ih_live *l)
{
	l->stop = 1;
	if (l->p)
		pcap_breakloop(l->p);
}

bool ih_live_stopped(const struct ih_live *l)
{
	return l->stop;
}

/* Reads libpcap's counters into the 64-bit totals (the difference since the last read, modulo
 * 2^32). */
static void stats_update(struct ih_live *l)
{
	struct pcap_stat ps;
	l->stats_ms = mono_ms();
	if (!l->p || pcap_stats(l->p, &ps) != 0)
		return;
	l->recv += (uint32_t)((uint32_t)ps.ps_recv - l->last_recv);
	l->drop += (uint32_t)((uint32_t)ps.ps_drop - l->last_drop);
	l->ifdrop += (uint32_t)((uint32_t)ps.ps_ifdrop - l->last_ifdrop);
	l->last_recv = (uint32_t)ps.ps_recv;
	l->last_drop = (uint32_t)ps.ps_drop;
	l->last_ifdrop = (uint32_t)ps.ps_ifdrop;
	l->stats_ok = true;
}

void ih_live_stats(struct ih_live *l, struct ih_live_stats *st)
{
	memset(st, 0, sizeof(*st));
	stats_update(l);
	if (l->stats_ok) {
		st->received = l->recv;
		st->dropped = l->drop;
		st->ifdropped = l->ifdrop;
		st->valid = true;
	}
}

void ih_live_close(struct ih_live *l)
{
	if (!l)
		return;
	if (l->p)
		pcap_close(l->p);
	free(l->iface);
	free(l);
}
