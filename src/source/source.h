/* source.h — where frames come from: capture files (pcap, pcapng) through libpcap.
 *
 * A source is opened for all its files before anything is read, so that a missing file or an
 * unsupported link type fails before any output. Reading hands each frame to a callback with
 * its timestamp in nanoseconds and its link type. A file that ends early or is corrupt stops
 * the read with a message naming the file, the packet number and the byte offset. */
#ifndef IH_SOURCE_H
#define IH_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ih_frame {
	const uint8_t *data;
	uint32_t cap_len, wire_len;
	uint64_t ts_ns;
	int linktype;
	uint64_t number;     /* 1-based packet number within its file */
	const char *file;
	/* What the source's prepare function (ih_source_set_prepare) made of this frame on the
	 * reader's thread, or NULL: valid during the callback only. */
	void *prep;
	/* A frame of the same batch delivered a few frames after this one (IH_SOURCE_AHEAD), or
	 * NULL: the callback may read its prep, not write it, to start fetching the memory that
	 * frame will need while it works on this one. */
	const struct ih_frame *ahead;
};
#define IH_SOURCE_AHEAD 4

typedef void (*ih_frame_fn)(void *ctx, const struct ih_frame *fr);
/* How much of the work on a frame the reader does ahead of its delivery; the callback does
 * what is left (a frame prepared with IH_PREP_NONE comes with prep NULL). */
enum ih_prep_effort {
	IH_PREP_NONE = 0,
	IH_PREP_SOME = 1,
	IH_PREP_ALL = 2,
};
/* Work on one frame ahead of its delivery, as much as effort says: reads the frame, writes
 * `prep` (and nothing else: it runs on the reader's thread while the callback works on
 * earlier frames). */
typedef void (*ih_prepare_fn)(void *ctx, const struct ih_frame *fr, void *prep, enum ih_prep_effort effort);
/* How the reader picks the effort: by how far ahead of the callback it is, per batch (two
 * batches or more waiting: all; one: some; none: none), or always the same. */
#define IH_PREP_AUTO (-1)

enum ih_source_status {
	IH_SRC_OK = 0,        /* every file read to its end */
	IH_SRC_OPEN_ERROR,    /* a file could not be opened or its link type is not supported */
	IH_SRC_READ_ERROR,    /* a file was truncated or corrupt: read stopped there */
	IH_SRC_STOPPED,       /* the caller asked to stop */
};

struct ih_source;

/* Opens every file (pcap or pcapng, any timestamp precision). On failure returns NULL and
 * writes a message naming the file into err. */
struct ih_source *ih_source_open_files(char *const *files, size_t nfiles, char *err, size_t errlen);
/* Has fn prepare every frame on the reader's thread, into prep_size bytes that the frame then
 * carries to the callback (ih_frame.prep), with the effort `mode` says (IH_PREP_AUTO or an
 * enum ih_prep_effort). Call before ih_source_run. False when prep_size is too big (over
 * 64 KiB). */
bool ih_source_set_prepare(struct ih_source *s, ih_prepare_fn fn, void *ctx, size_t prep_size, int mode);
/* Reads all files in order, calling fn for every frame. On a read error, stops and writes
 * "FILE: packet N at byte offset O: what was expected, what was found" into err. */
enum ih_source_status ih_source_run(struct ih_source *s, ih_frame_fn fn, void *ctx, char *err,
				    size_t errlen);
void ih_source_stop(struct ih_source *s);   /* safe from a signal handler */
uint64_t ih_source_bytes_read(const struct ih_source *s);
uint64_t ih_source_bytes_total(const struct ih_source *s);
void ih_source_close(struct ih_source *s);

#endif
