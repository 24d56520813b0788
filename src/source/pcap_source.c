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
 * A reader thread: frames are read with pcap_next_ex on a thread of their own, copied out of
 * libpcap's buffer (it reuses one buffer for every frame of a savefile) into batches of up to
 * 512 frames, and handed through a ring of 8 batches to the thread that called ih_source_run,
 * which delivers them one by one, in file order, to the callback. Reading and copying (a good
 * part of the cost of a packet) so run on the second core while the first analyses; the
 * order, and so everything the callback does, is exactly that of a plain read loop. The
 * reader only reads files and the ring; the callback never runs on it. When no thread can be
 * started, the same batches are read and delivered in turn on the calling thread.
 *
 * Prepare: a caller may have the reader also work on each frame before it is delivered
 * (ih_source_set_prepare: the pipeline decodes it, works out its payload's facts and its
 * table keys' hashes there), into a slot the frame carries (ih_frame.prep): the second core
 * then does that part too. How much, the reader decides every few frames by how much work
 * waits for the consumer (prep_effort), so that neither thread waits for the other whichever
 * processor is the slower at the moment. Frames prepared with no effort, or without memory
 * for the slots, go without (prep NULL): the callback does the work itself.
 *
 * Ends: a batch says how its file goes on after its last frame: more, the end of the file, a
 * read error (the message, made by the reader when it met the error: file, packet number,
 * byte offset), or a stop. The frames before an error are all delivered before the error is
 * told; a stop (a signal) drops the frames still in the ring.
 */
#include "source/source.h"

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#if defined(__x86_64__)
#include <emmintrin.h> /* _mm_clflush, _mm_pause */
#endif

#include "decode/decode.h"

struct src_file {
	char *name;
	pcap_t *p;
	int linktype;
	uint64_t size;       /* bytes, 0 when not a regular file */
	char *iobuf;         /* the stream's buffer (READ_BUFFER), freed after pcap_close */
};

/* A batch: frames read in a row from one file, their bytes copied into one arena (libpcap
 * reuses its buffer for every frame of a savefile). A batch is closed at BATCH_FRAMES frames
 * or BATCH_BYTES bytes; the arena has room for one more frame of libpcap's largest size past
 * that, and grows for a larger one. */
#define BATCH_FRAMES 512
/* The stdio buffer of a capture file. stdio's default is the file system's block size (4 KB):
 * a read(2) every 40 records of 100 bytes. Measured with libpcap's own loop over the 10M mixed
 * capture (best of 5): 4 KB 0.77 s (0.30 s in the kernel), 32-128 KB 0.58-0.65 s (0.16-0.23),
 * 256 KB and 1 MB 1.06-1.21 s (0.63-0.69: a buffer that no longer stays in the core's cache). */
#define READ_BUFFER (64u << 10)
#define READ_BUFFER_BUDGET (16u << 20) /* of all files' buffers together (they are open at once) */
#define BATCH_BYTES (256u * 1024u)
#define BATCH_ARENA (BATCH_BYTES + 262144u)
#define FETCH_AHEAD (2 * IH_SOURCE_AHEAD) /* frames: deliver_batch */
#define NBATCH 8             /* batches in the ring: up to 4096 frames, about 4 MB */

enum batch_end {
	B_MORE,      /* the file goes on in the next batch */
	B_EOF,       /* the last frames of file `file` (or no file at all) */
	B_ERROR,     /* a read error follows the last frame: err */
	B_STOPPED,   /* the reader stopped (a stop was asked for) */
};

struct batch {
	struct ih_frame fr[BATCH_FRAMES];
	uint8_t *prep;       /* BATCH_FRAMES slots of prep_size bytes (ih_source_set_prepare) */
	uint32_t n;
	uint8_t *bytes;      /* the arena */
	size_t cap, used;
	size_t file;         /* the file these frames come from */
	uint64_t offset;     /* that file's read offset after the last frame (progress) */
	enum batch_end end;
	bool prepped;        /* the reader prepared some of its frames (their prep slots are written) */
	char err[512];
};

struct ih_source {
	struct src_file *files;
	size_t nfiles;
	volatile sig_atomic_t stop;
	uint64_t total_bytes;
	ih_prepare_fn prep_fn;   /* run by the reader on each frame, into the batch's prep slots */
	void *prep_ctx;
	size_t prep_size;
	int prep_mode;           /* IH_PREP_AUTO or a fixed enum ih_prep_effort */

	/* the consumer's position (the thread that calls ih_source_run) */
	size_t cur;          /* the file being delivered */
	uint64_t cur_offset; /* its offset after the last batch delivered */
	uint64_t done_bytes; /* sizes of the files delivered to their end */

	/* the reader's position */
	size_t rfile;
	uint64_t rnumber;    /* frames read from file rfile */

	/* the ring, between the reader thread and the consumer */
	struct batch ring[NBATCH];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t produced, consumed; /* batches, under mu */
	bool quit;           /* the consumer has left: the reader must too (under mu) */
	bool reader_done;    /* the reader has put its last batch (under mu) */
	bool reader_waits;   /* the reader sleeps until the ring is half empty (under mu) */
	bool consumer_waits; /* the consumer sleeps until a batch is put (under mu) */
	bool spin;           /* the consumer may spin before it sleeps (two processors or more) */
	/* Positions in the ring, in BATCH_FRAMES units a batch, whatever the number of frames in
	 * it (prep_effort): */
	uint64_t put_units;  /* reader: of the batches put */
	uint64_t cbase;      /* consumer: of the batches delivered before its current one */
	/* consumer: how far it is, stored every PREP_STEP frames (its current batch counted in
	 * proportion to the frames delivered); on a line of its own, the only one both threads
	 * write to outside the lock */
	_Alignas(64) uint64_t cpos;
	char cpos_line[64 - sizeof(uint64_t)];
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

/* ---------------------------------------------------------------- the reader */

/* The reader's share of the per-frame work, chosen every PREP_STEP frames by the work waiting
 * for the consumer: the batches put that it has not delivered yet, the one it is delivering
 * counted in proportion to the frames left (it stores how far it is every PREP_STEP frames:
 * cpos). In batches, not frames: a batch of large frames ends at BATCH_BYTES with few frames,
 * and the ring then holds fewer frames than any fixed number. The two threads run on
 * processors whose speed changes with what else the machine runs: a fixed split leaves one
 * of them waiting. With two batches or more waiting the reader is ahead and takes all the
 * work it can; with one, part; with less, none. The frames' outcome is the same either way
 * (the callback does what the reader left). Chosen once a batch instead, by the batches
 * waiting (the one being delivered counted whole), the reader went on preparing a whole batch
 * for a consumer that had nearly finished its last one: on the 10M flood 81 % of the batches
 * were prepared in part, and the consumer spun waiting in 13 % of its samples (perf); chosen
 * so, in 1 %. Paired runs against the choice once a batch (medians): tunnel 0.93 times as
 * long, 1M mixed 0.96, 10M flood 0.97 and 0.98 (docs/PERFORMANCE.md). */
#define PREP_STEP 64
static enum ih_prep_effort prep_effort(const struct ih_source *s)
{
	if (s->prep_mode != IH_PREP_AUTO)
		return (enum ih_prep_effort)s->prep_mode;
	uint64_t waiting = s->put_units - __atomic_load_n(&s->cpos, __ATOMIC_RELAXED);
	return waiting >= 2 * BATCH_FRAMES ? IH_PREP_ALL : waiting >= BATCH_FRAMES ? IH_PREP_SOME : IH_PREP_NONE;
}

/* Fills b with the next frames of the reader's file: until the batch is full, the file ends
 * (the reader moves on to the next file), a read error or a stop. Touches only the reader's
 * fields and b, and reads the consumer's position (cpos). Each frame is prepared with the effort
 * prep_effort chooses, at most `most`. Returns false when this was the reader's last batch. */
static bool fill_batch(struct ih_source *s, struct batch *b, enum ih_prep_effort most)
{
	b->n = 0;
	b->used = 0;
	b->end = B_MORE;
	b->err[0] = '\0';
	b->file = s->rfile;
	b->offset = 0;
	b->prepped = false;
	enum ih_prep_effort effort = IH_PREP_NONE;
	if (s->rfile >= s->nfiles) {
		b->end = B_EOF;
		return false;
	}
	if (!b->bytes) {
		b->bytes = malloc(BATCH_ARENA);
		b->cap = b->bytes ? BATCH_ARENA : 0;
	}
	struct src_file *f = &s->files[s->rfile];
	size_t offs[BATCH_FRAMES];
	uint8_t effs[BATCH_FRAMES];
	if (s->prep_fn && !b->prep)
		b->prep = malloc(BATCH_FRAMES * s->prep_size);
	bool moved = false; /* the arena was reallocated: frames prepared before point into the old one */
	while (b->n < BATCH_FRAMES && b->used < BATCH_BYTES) {
		if (s->stop) {
			b->end = B_STOPPED;
			break;
		}
		struct pcap_pkthdr *h;
		const u_char *bytes;
		int rc = pcap_next_ex(f->p, &h, &bytes);
		if (rc == PCAP_ERROR_BREAK) { /* the end of the file */
			b->end = B_EOF;
			break;
		}
		if (rc == 1 && h->caplen > b->cap - b->used) {
			size_t want = b->used + h->caplen;
			uint8_t *nb = realloc(b->bytes, want);
			if (!nb) {
				snprintf(b->err, sizeof(b->err), "%s: packet %" PRIu64 ": no memory to hold a %"
					 PRIu32 "-byte frame", f->name, s->rnumber + 1, h->caplen);
				b->end = B_ERROR;
				break;
			}
			moved |= nb != b->bytes;
			b->bytes = nb;
			b->cap = want;
		}
		if (rc != 1) {
			snprintf(b->err, sizeof(b->err), "%s: packet %" PRIu64 " at byte offset %" PRIu64 ": %s",
				 f->name, s->rnumber + 1, file_offset(f->p), pcap_geterr(f->p));
			b->end = B_ERROR;
			break;
		}
		s->rnumber++;
		if (b->n % PREP_STEP == 0) {
			enum ih_prep_effort e = prep_effort(s);
			effort = e < most ? e : most;
		}
		effs[b->n] = (uint8_t)effort;
		if (h->caplen)
			memcpy(b->bytes + b->used, bytes, h->caplen);
		offs[b->n] = b->used;
		struct ih_frame *fr = &b->fr[b->n++];
		*fr = (struct ih_frame){
			.data = b->bytes + b->used,
			.cap_len = h->caplen,
			.wire_len = h->len,
			.ts_ns = ts_to_ns(&h->ts),
			.linktype = f->linktype,
			.number = s->rnumber,
			.file = f->name,
			.prep = b->prep && effort ? b->prep + (size_t)(b->n - 1) * s->prep_size : NULL,
		};
		b->used += h->caplen;
		b->prepped |= fr->prep != NULL;
		if (b->n > IH_SOURCE_AHEAD)
			b->fr[b->n - 1 - IH_SOURCE_AHEAD].ahead = fr;
		/* prepared now, while the bytes just copied are in this core's first-level cache */
		if (fr->prep)
			s->prep_fn(s->prep_ctx, fr, fr->prep, effort);
	}
	if (moved) { /* rare: a frame bigger than the arena's spare room */
		for (uint32_t i = 0; i < b->n; i++) {
			b->fr[i].data = b->bytes + offs[i];
			if (b->fr[i].prep)
				s->prep_fn(s->prep_ctx, &b->fr[i], b->fr[i].prep, (enum ih_prep_effort)effs[i]);
		}
	}
	b->offset = file_offset(f->p);
	if (b->end == B_EOF) {
		s->rfile++;
		s->rnumber = 0;
		return s->rfile < s->nfiles;
	}
	return b->end == B_MORE;
}

/* The reader is usually the faster side, so the ring is usually full. Woken each time a batch
 * is freed, the reader would sleep and wake once per batch: in a virtual machine each of those
 * is a halt and an interrupt between the two processors, tens of microseconds. Once the ring
 * is full it sleeps until half of it is free (RING_LOW), then fills that half in one go; each
 * side wakes the other only when it sleeps. */
#define RING_LOW (NBATCH / 2)

/* When the consumer finds the ring empty, the reader is usually a few microseconds from putting
 * the next batch; sleeping on the condition variable costs a halt and a wake-up interrupt each
 * time (above), thousands of times a run when the reader is the slower side (the 10M flood:
 * 2,600-3,200). So the consumer first spins for about 0.1 ms (PAUSE is 40-140 cycles) on the
 * count of batches put, which the reader stores atomically (under the lock too), then sleeps
 * as before. Only with two processors or more to run on: on one, spinning would hold up the
 * reader it waits for. Paired runs (12, 10M flood): 0.95 times as long, quartiles 0.94-0.98;
 * the mixed and tunnel captures, where the consumer seldom waits, within the noise. */
#define SPIN_ROUNDS 5000u
#if defined(__x86_64__)
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

/* Before the reader fills a batch again, the batch's lines leave every cache, the consumer's
 * included. The reader writes the memory the consumer read a ring before; finding a line still
 * held by the other processor costs it a round of the coherence protocol per line, and on the
 * reference machine that was most of the reader's time: with a consumer that only read one
 * byte of each frame, the reader's loop took 1.3 s of CPU on the 10M flood, against 0.3 s
 * with a consumer that read nothing, and 0.3 s again when the lines were flushed
 * (docs/PERFORMANCE.md). The reader flushes them rather than the consumer: on the mixed
 * capture the consumer is the busier thread and the flush was an eighth of its time (paired
 * runs: the reader flushing took 0.86-0.91 times as long on the 10M mixed capture, 0.96 on
 * the tunnel one, the same on the flood). CLFLUSH is in every x86-64 processor (SSE2);
 * elsewhere this does nothing. */
static void flush_range(const void *p, size_t n)
{
#if defined(__x86_64__)
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)63, end = (uintptr_t)p + n;
	for (; n && a < end; a += 64)
		_mm_clflush((const void *)a);
#else
	(void)p;
	(void)n;
#endif
}

/* b as its last fill left it (its frames, arena and prep slots) */
static void flush_batch(const struct ih_source *s, const struct batch *b)
{
	flush_range(b->fr, (size_t)b->n * sizeof(b->fr[0]));
	flush_range(b->bytes, b->used);
	if (b->n && b->prepped)
		flush_range(b->prep, (size_t)b->n * s->prep_size);
}

static void *reader_main(void *arg)
{
	struct ih_source *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (!s->quit && s->produced - s->consumed == NBATCH) {
			s->reader_waits = true;
			while (!s->quit && s->produced - s->consumed > RING_LOW)
				pthread_cond_wait(&s->cv, &s->mu);
			s->reader_waits = false;
		}
		if (s->quit)
			break;
		struct batch *b = &s->ring[s->produced % NBATCH];
		pthread_mutex_unlock(&s->mu);
		flush_batch(s, b);
		bool more = fill_batch(s, b, IH_PREP_ALL);
		pthread_mutex_lock(&s->mu);
		s->put_units += BATCH_FRAMES; /* before the batch is put: cpos never passes it */
		__atomic_store_n(&s->produced, s->produced + 1, __ATOMIC_RELEASE); /* see SPIN_ROUNDS */
		if (s->consumer_waits)
			pthread_cond_broadcast(&s->cv);
		if (!more) {
			s->reader_done = true;
			break;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---------------------------------------------------------------- the consumer */

/* Delivers the frames of b in order. Returns false on a stop. The reader wrote the frames and
 * their prep slots on the other processor: they are fetched FETCH_AHEAD frames before their
 * delivery, so that they are here when the callback looks IH_SOURCE_AHEAD frames ahead. */
static bool deliver_batch(struct ih_source *s, const struct batch *b, ih_frame_fn fn, void *ctx)
{
	size_t psize = b->n && b->prepped ? s->prep_size : 0;
	for (uint32_t i = 0; i < b->n; i++) {
		if (s->stop)
			return false;
		if (i % PREP_STEP == PREP_STEP - 1) /* see prep_effort */
			__atomic_store_n(&s->cpos, s->cbase + (uint64_t)(i + 1) * BATCH_FRAMES / b->n, __ATOMIC_RELAXED);
		if (i + FETCH_AHEAD < b->n) {
			__builtin_prefetch(&b->fr[i + FETCH_AHEAD]);
			for (size_t o = 0; o < psize; o += 64) /* psize 0: b->prep may be NULL */
				__builtin_prefetch(b->prep + (size_t)(i + FETCH_AHEAD) * psize + o);
		}
		fn(ctx, &b->fr[i]);
	}
	s->cbase += BATCH_FRAMES;
	__atomic_store_n(&s->cpos, s->cbase, __ATOMIC_RELAXED);
	return !s->stop;
}

/* After a batch is delivered: where the consumer is, and what the batch's end means. */
static enum ih_source_status after_batch(struct ih_source *s, const struct batch *b, char *err,
					 size_t errlen, bool *last)
{
	*last = true;
	if (s->stop || b->end == B_STOPPED)
		return IH_SRC_STOPPED;
	if (b->file < s->nfiles) {
		s->cur = b->file;
		s->cur_offset = b->offset;
	}
	if (b->end == B_ERROR) {
		snprintf(err, errlen, "%s", b->err);
		return IH_SRC_READ_ERROR;
	}
	if (b->end == B_EOF && b->file < s->nfiles) {
		s->done_bytes += s->files[b->file].size;
		s->cur = b->file + 1;
		s->cur_offset = 0;
	}
	*last = s->cur >= s->nfiles;
	return IH_SRC_OK;
}

/* Without a thread (none could be started): read a batch, deliver it, and so on. */
static enum ih_source_status run_inline(struct ih_source *s, ih_frame_fn fn, void *ctx, char *err,
					size_t errlen)
{
	struct batch *b = &s->ring[0];
	for (;;) {
		/* one thread: nothing is gained by preparing ahead */
		fill_batch(s, b, IH_PREP_NONE);
		if (!deliver_batch(s, b, fn, ctx))
			return IH_SRC_STOPPED;
		bool last;
		enum ih_source_status st = after_batch(s, b, err, errlen, &last);
		if (st != IH_SRC_OK || last)
			return st;
	}
}

struct ih_source *ih_source_open_files(char *const *files, size_t nfiles, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];

	if (errlen)
		err[0] = '\0';
	struct ih_source *s = calloc(1, sizeof *s);
	if (s) {
		pthread_mutex_init(&s->mu, NULL);
		pthread_cond_init(&s->cv, NULL);
		/* asked here: the sandbox entered after opening forbids it (cli/sandbox.c) */
		cpu_set_t cpus;
		s->spin = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) >= 2;
	}
	if (!s || (nfiles && !(s->files = calloc(nfiles, sizeof *s->files)))) {
		snprintf(err, errlen, "out of memory opening %zu files", nfiles);
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < nfiles; i++) {
		struct src_file *f = &s->files[i];
		ebuf[0] = '\0';
		if (strcmp(files[i], "-") == 0) {
			f->p = pcap_open_offline_with_tstamp_precision(files[i], PCAP_TSTAMP_PRECISION_NANO,
								       ebuf);
		} else {
			/* Opened here so that the stream gets a large buffer before libpcap's first
			 * read (READ_BUFFER). */
			FILE *fp = fopen(files[i], "rb");
			if (!fp) {
				snprintf(err, errlen, "%s: cannot open: %s", files[i], strerror(errno));
				goto fail;
			}
			/* glibc ignores the size unless it is given the buffer; all files are open at
			 * once, so the buffers share a budget */
			size_t want = READ_BUFFER_BUDGET / nfiles;
			if (want > READ_BUFFER)
				want = READ_BUFFER;
			if (want >= 16384 && (f->iobuf = malloc(want)))
				(void)setvbuf(fp, f->iobuf, _IOFBF, want);
			f->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
			if (!f->p) {
				fclose(fp); /* pcap_close closes it once libpcap has taken it */
				free(f->iobuf);
				f->iobuf = NULL;
			}
		}
		if (!f->p) {
			/* libpcap's message usually names the file already; say it once more at
			 * the front so that every message starts the same way. */
			snprintf(err, errlen, "%s: cannot open: %s", files[i], ebuf);
			goto fail;
		}
		/* Only one thread at a time uses the stream (the reader, or the caller before the
		 * reader starts and after it has ended), so stdio need not lock it: libpcap reads a
		 * savefile with two fread calls per frame, and with a second thread running glibc
		 * takes and releases the stream's lock in each. Measured on the 10M mixed capture
		 * (libpcap's loop on a thread of its own, 64 KB buffer): 0.49 s locked, 0.27 s not. */
		if (pcap_file(f->p))
			(void)__fsetlocking(pcap_file(f->p), FSETLOCKING_BYCALLER);
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

bool ih_source_set_prepare(struct ih_source *s, ih_prepare_fn fn, void *ctx, size_t prep_size, int mode)
{
	if (prep_size > 65536 || mode < IH_PREP_AUTO || mode > IH_PREP_ALL)
		return false;
	s->prep_mode = mode;
	s->prep_fn = fn;
	s->prep_ctx = ctx;
	s->prep_size = (prep_size + 15) / 16 * 16; /* each slot aligned for any member */
	return true;
}

enum ih_source_status ih_source_run(struct ih_source *s, ih_frame_fn fn, void *ctx, char *err,
				    size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (s->stop)
		return IH_SRC_STOPPED;
	if (s->cur >= s->nfiles)
		return IH_SRC_OK;
	s->produced = s->consumed = 0;
	s->quit = s->reader_done = s->reader_waits = s->consumer_waits = false;
	s->rfile = s->cur;
	s->rnumber = 0;
	s->put_units = s->cbase = s->cpos = 0;
	pthread_t th;
	if (pthread_create(&th, NULL, reader_main, s) != 0)
		return run_inline(s, fn, ctx, err, errlen);

	enum ih_source_status st = IH_SRC_OK;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (s->produced == s->consumed && s->spin) {
			pthread_mutex_unlock(&s->mu);
			for (unsigned k = 0; k < SPIN_ROUNDS; k++) {
				if (__atomic_load_n(&s->produced, __ATOMIC_ACQUIRE) != s->consumed)
					break;
				cpu_relax();
			}
			pthread_mutex_lock(&s->mu);
		}
		if (s->produced == s->consumed) {
			s->consumer_waits = true;
			while (s->produced == s->consumed)
				pthread_cond_wait(&s->cv, &s->mu);
			s->consumer_waits = false;
		}
		struct batch *b = &s->ring[s->consumed % NBATCH];
		pthread_mutex_unlock(&s->mu);
		bool last = true;
		if (!deliver_batch(s, b, fn, ctx))
			st = IH_SRC_STOPPED;
		else
			st = after_batch(s, b, err, errlen, &last);
		pthread_mutex_lock(&s->mu);
		s->consumed++;
		if (s->reader_waits && s->produced - s->consumed <= RING_LOW)
			pthread_cond_broadcast(&s->cv);
		if (st != IH_SRC_OK || last)
			break;
	}
	s->quit = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(th, NULL);
	return st;
}

void ih_source_stop(struct ih_source *s)
{
	/* A flag store only: async-signal-safe. The reader sees it before its next frame, the
	 * consumer before it delivers the next frame. */
	s->stop = 1;
}

uint64_t ih_source_bytes_read(const struct ih_source *s)
{
	if (s->cur >= s->nfiles)
		return s->done_bytes;
	uint64_t off = s->cur_offset;
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
		free(s->files[i].iobuf);
		free(s->files[i].name);
	}
	for (unsigned i = 0; i < NBATCH; i++) {
		free(s->ring[i].bytes);
		free(s->ring[i].prep);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->files);
	free(s);
}
