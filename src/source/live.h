/* live.h — frames from a network interface through libpcap (pcap_create / pcap_activate).
 *
 * The capture is opened (and the BPF filter compiled and set) before anything else, so that a
 * bad interface or filter fails before any output and before privileges are dropped.
 * Not immediate mode: the kernel packs frames into blocks handed over when full or after
 * tick_ms, which keeps up with a flood (live.c says why); a packet may so reach the callback
 * up to tick_ms after it arrived, with the kernel's timestamp. The handle is non-blocking and the run
 * loop waits in its own poll() for at most `tick_ms`, so that the caller's tick runs during
 * quiet periods too (timers, expiry, periodic stats): libpcap's read timeout is not
 * guaranteed to return when no packet arrives, and on Linux it does not. Under load tick()
 * still runs every tick_ms. Timestamps are nanoseconds when the platform offers them, else
 * microseconds scaled. ih_live_stop is async-signal-safe (a flag and pcap_breakloop); a
 * signal also interrupts the poll(). */
#ifndef IH_LIVE_H
#define IH_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "source/source.h"

struct ih_live_config {
	const char *iface;        /* "eth0", "any" */
	const char *filter;       /* BPF expression, NULL or "" for everything */
	int snaplen;              /* 262144 */
	bool promisc;             /* true */
	int buffer_mb;            /* kernel buffer; 8 */
	int tick_ms;              /* the longest the loop stays away from tick(); 100 */
};
void ih_live_config_default(struct ih_live_config *c);

struct ih_live_stats {
	/* libpcap's counters since the capture opened, kept in 64 bits past their 32-bit wrap */
	uint64_t received;     /* ps_recv */
	uint64_t dropped;      /* ps_drop: no room in the buffer */
	uint64_t ifdropped;    /* ps_ifdrop: dropped by the interface or driver */
	bool valid;            /* pcap_stats answered */
};

struct ih_live;

/* Opens and activates the capture. On failure returns NULL with a message naming the
 * interface (or the filter) in err. A warning from pcap_activate (promiscuous mode refused...)
 * goes into warn (may be empty). */
struct ih_live *ih_live_open(const struct ih_live_config *cfg, char *err, size_t errlen, char *warn,
			     size_t warnlen);
int ih_live_linktype(const struct ih_live *l);
const char *ih_live_iface(const struct ih_live *l);

/* Reads until stopped or the capture fails. fn gets every frame (frame.file is the interface
 * name, number counts from 1); tick(ctx) is called when nothing was ready and, under load,
 * every tick_ms. Returns IH_SRC_STOPPED after ih_live_stop, IH_SRC_READ_ERROR with err when
 * the capture failed (the interface went away). */
enum ih_source_status ih_live_run(struct ih_live *l, ih_frame_fn fn, void *ctx,
				  void (*tick)(void *ctx), char *err, size_t errlen);
void ih_live_stop(struct ih_live *l); /* async-signal-safe */
bool ih_live_stopped(const struct ih_live *l);
void ih_live_stats(struct ih_live *l, struct ih_live_stats *st);
void ih_live_close(struct ih_live *l);

#endif
