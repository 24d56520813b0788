/* pcap_source.c — \summary: frames from capture files (pcap and pcapng) through libpcap.
 *
 * Files are opened with nanosecond precision, so libpcap scales microsecond pcap, nanosecond
 * pcap and pcapng timestamps alike to ns. Every file is opened (and its link type checked)
 * before the first frame is read, so that a missing file fails before any output; all stay
 * open until ih_source_close, which costs one descriptor per file.
 *
 * Link type: one per file, pcap_datalink(). libpcap takes a pcapng file's link type from its
 * first interface and refuses, as a read error, a packet from an interface of another link
 * type; such a file stops at that packet with libpcap's message.
 *
 * Frames are read with pcap_dispatch(cnt = -1), which for a savefile runs through the whole
 * file in one call; ih_source_stop breaks out of it at the next frame.
 *
 * Read-ahead: libpcap reuses one buffer for every frame of a savefile, so each frame is copied
 * into a small window of AHEAD held frames and delivered, in file order, once AHEAD - 1 newer
 * ones have been read; the frame delivered carries a pointer to the newest held one
 * (ih_frame.ahead) so that the consumer can prefetch the table entries that frame will touch
 * while it works on the current one. The window is drained at the end of each file and before a
 * read error is reported, so every frame read is delivered, in order, exactly as without it;
 * only a stop (a signal) drops the frames still held. */
#include "source/source.h"

#include <inttypes.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode/decode.h"

struct src_file {
	char *name;
	pcap_t *p;
	int linktype;
	uint64_t size;       /* bytes, 0 when not a regular file */
};

/* Frames held for read-ahead (a power of two). 16 frames of ~100 bytes are read while the
 * oldest is analysed: far enough ahead for its table lines to arrive from memory. */
#define AHEAD 16

struct held_frame {
	struct ih_frame fr;
	uint8_t *buf;        /* a copy of the frame's bytes (libpcap reuses its buffer) */
	uint32_t cap;        /* bytes allocated at buf */
};

struct ih_source {
	struct src_file *files;
	size_t nfiles;
	size_t cur;          /* the file being read */
	uint64_t done_bytes; /* sizes of the files read to their end */
	uint64_t total_bytes;
	volatile sig_atomic_t stop;

	/* during ih_source_run */
	ih_frame_fn fn;
	void *ctx;
	uint64_t number;     /* frames read from the current file */
	struct held_frame held[AHEAD];
	uint64_t nheld_in, nheld_out; /* frames put into / delivered from the window */
};

static uint64_t file_offset(pcap_t *p)
{
	FILE *fp = pcap_file(p);
	long off = fp ? ftell(fp) : -1;
	return off < 0 ? 0 : (uint64_t)off;
}

/* Seconds and nanoseconds (libpcap puts ns in tv_usec at nanosecond precision) to ns since
 * the epoch; times before 1970 are taken as 0 and times past 2554 saturate. */
static uint64_t ts_to_ns(const struct timeval *tv)
{
	if (tv->tv_sec < 0)
		return 0;
	uint64_t sec = (uint64_t)tv->tv_sec;
	uint64_t ns = tv->tv_usec < 0 ? 0 : (uint64_t)tv->tv_usec;
	if (sec > (UINT64_MAX - ns) / 1000000000u)
		return UINT64_MAX;
	return sec * 1000000000u + ns;
}

/* Delivers the oldest held frame, telling it of the newest one still held. */
static void deliver_held(struct ih_source *s)
{
	struct held_frame *hf = &s->held[s->nheld_out % AHEAD];
	uint64_t newest = s->nheld_in - 1;
	hf->fr.ahead = newest > s->nheld_out ? &s->held[newest % AHEAD].fr : NULL;
	s->nheld_out++;
	s->fn(s->ctx, &hf->fr);
}

/* Delivers every held frame, oldest first (end of a file, or before a read error is told);
 * stops early if a stop was asked for. */
static void drain_held(struct ih_source *s)
{
	while (s->nheld_out < s->nheld_in && !s->stop)
		deliver_held(s);
	s->nheld_in = s->nheld_out = 0;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ih_source *s = (struct ih_source *)(void *)user;
	struct src_file *f = &s->files[s->cur];
	s->number++;
	struct ih_frame fr = {
		.data = bytes,
		.cap_len = h->caplen,
		.wire_len = h->len,
		.ts_ns = ts_to_ns(&h->ts),
		.linktype = f->linktype,
		.number = s->number,
		.file = f->name,
	};
	if (s->nheld_in - s->nheld_out == AHEAD)
		deliver_held(s); /* frees the slot the new frame takes */
	if (s->stop) {
		pcap_breakloop(f->p);
		return;
	}
	struct held_frame *hf = &s->held[s->nheld_in % AHEAD];
	if (fr.cap_len > hf->cap) {
		uint32_t want = fr.cap_len < 2048 ? 2048 : fr.cap_len;
		uint8_t *nb = realloc(hf->buf, want);
		if (!nb) {
			/* cannot hold it: deliver everything held, then this frame from libpcap's
			 * own buffer (order kept, no read-ahead for it) */
			drain_held(s);
			if (!s->stop)
				s->fn(s->ctx, &fr);
			if (s->stop)
				pcap_breakloop(f->p);
			return;
		}
		hf->buf = nb;
		hf->cap = want;
	}
	if (fr.cap_len)
		memcpy(hf->buf, bytes, fr.cap_len);
	fr.data = hf->buf;
	hf->fr = fr;
	s->nheld_in++;
}

struct ih_source *ih_source_open_files(char *const *files, size_t nfiles, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];

	if (errlen)
		err[0] = '\0';
	struct ih_source *s = calloc(1, sizeof *s);
	if (!s || (nfiles && !(s->files = calloc(nfiles, sizeof *s->files)))) {
		snprintf(err, errlen, "out of memory opening %zu files", nfiles);
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < nfiles; i++) {
		struct src_file *f = &s->files[i];
		ebuf[0] = '\0';
		f->p = pcap_open_offline_with_tstamp_precision(files[i], PCAP_TSTAMP_PRECISION_NANO,
							       ebuf);
		if (!f->p) {
			/* libpcap's message usually names the file already; say it once more at
			 * the front so that every message starts the same way. */
			snprintf(err, errlen, "%s: cannot open: %s", files[i], ebuf);
			goto fail;
		}
		s->nfiles = i + 1;
		f->name = strdup(files[i]);
		if (!f->name) {
			snprintf(err, errlen, "%s: out of memory", files[i]);
			goto fail;
		}
		f->linktype = pcap_datalink(f->p);
		if (!ih_link_supported(f->linktype)) {
			const char *name = pcap_datalink_val_to_name(f->linktype);
			snprintf(err, errlen, "%s: link type %d (%s) is not supported", files[i],
				 f->linktype, name ? name : "unknown");
			goto fail;
		}
		struct stat st;
		FILE *fp = pcap_file(f->p);
		if (fp && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
			f->size = (uint64_t)st.st_size;
		s->total_bytes += f->size;
	}
	return s;
fail:
	ih_source_close(s);
	return NULL;
}

enum ih_source_status ih_source_run(struct ih_source *s, ih_frame_fn fn, void *ctx, char *err,
				    size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	s->fn = fn;
	s->ctx = ctx;
	for (; s->cur < s->nfiles; s->cur++) {
		struct src_file *f = &s->files[s->cur];
		s->number = 0;
		for (;;) {
			if (s->stop)
				return IH_SRC_STOPPED;
			int n = pcap_dispatch(f->p, -1, on_packet, (u_char *)(void *)s);
			if (n == PCAP_ERROR_BREAK || s->stop)
				return IH_SRC_STOPPED;
			if (n == PCAP_ERROR || n == 0)
				drain_held(s); /* the frames read before the end or the error */
			if (s->stop)
				return IH_SRC_STOPPED;
			if (n == PCAP_ERROR) {
				snprintf(err, errlen, "%s: packet %" PRIu64 " at byte offset %" PRIu64
					 ": %s", f->name, s->number + 1, file_offset(f->p),
					 pcap_geterr(f->p));
				return IH_SRC_READ_ERROR;
			}
			if (n == 0)
				break; /* end of file */
		}
		s->done_bytes += f->size;
	}
	return IH_SRC_OK;
}

void ih_source_stop(struct ih_source *s)
{
	/* Only a flag store and pcap_breakloop, which for a savefile is a flag store too:
	 * async-signal-safe. Every handle is told, so no race with the switch to the next file. */
	s->stop = 1;
	for (size_t i = 0; i < s->nfiles; i++)
		if (s->files[i].p)
			pcap_breakloop(s->files[i].p);
}

uint64_t ih_source_bytes_read(const struct ih_source *s)
{
	if (s->cur >= s->nfiles)
		return s->done_bytes;
	uint64_t off = file_offset(s->files[s->cur].p);
	uint64_t size = s->files[s->cur].size;
	return s->done_bytes + (size && off > size ? size : off);
}

uint64_t ih_source_bytes_total(const struct ih_source *s)
{
	return s->total_bytes;
}

void ih_source_close(struct ih_source *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfiles; i++) {
		if (s->files[i].p)
			pcap_close(s->files[i].p);
		free(s->files[i].name);
	}
	for (unsigned i = 0; i < AHEAD; i++)
		free(s->held[i].buf);
	free(s->files);
	free(s);
}
