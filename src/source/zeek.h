/* zeek.h — Zeek conn.log as an input: flow records turned into packet views.
 *
 * Reads conn.log as Zeek writes it: tab-separated with its header (#separator, #unset_field,
 * #empty_field, #path, #fields; \xHH escapes) or JSON lines (one object per line, the same
 * field names: "ts", "id.orig_h", ...; "ts" a number or an ISO 8601 string). gzip is not read.
 *
 * A flow becomes the packet views the detectors already understand (struct ih_pkt with
 * from_flow set, headers synthesised and decoded by ih_decode_l4, no payload bytes):
 *   - ICMP (proto icmp; type in id.orig_p, code in id.resp_p): orig_pkts views of that type from
 *     orig to resp, spread evenly over the flow's duration, and resp_pkts views of the
 *     counterpart type back (echo request 8 -> reply 0, timestamp 13 -> 14 ...), each a short
 *     time after the request it answers (answered requests spread evenly, the last one always
 *     answered: a retried probe is answered on its last try). Sizes are the flow's mean
 *     (orig_ip_bytes / orig_pkts). Echo id: a hash of the two addresses; sequence counts up.
 *   - TCP: the originator's SYN at ts when the history (S) or the state (S0, S1, SF, REJ, RSTO,
 *     ...) says one was sent, otherwise one ACK; and the responder's answer: SYN-ACK (history h,
 *     or an established state) or RST (history r, state REJ).
 *   - UDP: one datagram each way that had packets.
 * Only a flow's first view (flow_start) has a true time; the tracker times beacons on those.
 *
 * Order. Zeek writes a row when its connection ends, so rows are not in start-time order. The
 * views of flows held in a heap are released in time order once no later row can come before
 * them: a row starting more than reorder_ns before the latest end seen so far is late (counted,
 * released at once). At most `pending` flows are held; past that the earliest is released early
 * (counted).
 *
 * Malformed lines (a wrong number of fields, a bad address, time or count, bad JSON, a line over
 * 64 KiB) are reported with file and line ("FILE:LINE: expected ..., found ...") on errf, at
 * most max_errors of them, counted in the stats and skipped. A file whose header says it is
 * another Zeek log (#path dns) or lacks a field icmphound needs is refused before anything is
 * read. */
#ifndef IH_ZEEK_H
#define IH_ZEEK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addr.h"
#include "decode/decode.h"
#include "source/source.h"

/* What a file holds, from its first bytes. */
enum ih_input_format { IH_FMT_UNKNOWN = 0, IH_FMT_PCAP, IH_FMT_ZEEK_TSV, IH_FMT_ZEEK_JSON };
enum ih_input_format ih_input_sniff_mem(const uint8_t *p, size_t n);
/* IH_FMT_UNKNOWN also when the file cannot be read (the caller's open reports why). */
enum ih_input_format ih_input_sniff(const char *path);
const char *ih_input_format_name(enum ih_input_format f); /* "pcap", "zeek-tsv", "zeek-json" */
/* The format of a run's inputs: IH_FMT_PCAP (captures, or anything the pcap source is to
 * report on, such as a missing file) or a Zeek one (every file a conn.log, TSV and JSON may
 * mix). False, with a message in err, when captures and conn.logs are mixed. */
bool ih_inputs_detect(char *const *files, size_t n, enum ih_input_format *fmt, char *err, size_t errlen);

/* The fields of one conn.log row that icmphound reads. */
struct ih_flow {
	uint64_t ts_ns, duration_ns;
	struct ih_addr orig, resp;
	uint16_t orig_p, resp_p;
	uint8_t proto;                 /* IH_PROTO_ICMP (ICMPv6 when the addresses are v6), TCP, UDP */
	bool has_pkts;                 /* orig_pkts / resp_pkts were set */
	uint64_t orig_pkts, resp_pkts, orig_ip_bytes, resp_ip_bytes;
	char conn_state[8];            /* "" when unset */
	char history[24];
};

/* Header state of one file while its lines are parsed. */
#define IH_ZEEK_NFIELDS 13
struct ih_zeek_parser {
	bool json;
	bool have_fields;
	char sep;
	char unset[16], empty[16];
	int col[IH_ZEEK_NFIELDS];      /* column of each field icmphound reads; -1 absent */
	int ncols;
};

enum ih_zeek_line {
	IH_ZL_ROW,    /* *out holds a flow */
	IH_ZL_SKIP,   /* a header, a comment, a blank line, a protocol icmphound does not read */
	IH_ZL_BAD,    /* malformed: err says what was expected and found */
	IH_ZL_FATAL,  /* the file is not a usable conn.log (err says why): stop reading it */
};

void ih_zeek_parser_init(struct ih_zeek_parser *zp, bool json);
/* Parses one line (without its newline; modified in place). */
enum ih_zeek_line ih_zeek_parse_line(struct ih_zeek_parser *zp, char *line, size_t len, struct ih_flow *out,
				     char *err, size_t errlen);

struct ih_zeek_opts {
	uint64_t reorder_ns;    /* 0: one hour */
	uint32_t max_views;     /* views per flow at most (0: 1000000) */
	uint32_t pending;       /* flows held for ordering (0: 65536) */
	unsigned max_errors;    /* malformed lines reported on errf (the rest are only counted) */
	FILE *errf;             /* NULL: not reported */
};

struct ih_zeek;
/* The view callback: one packet view, the file and line of its flow. */
typedef void (*ih_view_fn)(void *ctx, const struct ih_pkt *pkt, const char *file, uint64_t line);

/* Opens every file and reads its header (a TSV file up to its #fields line). NULL with
 * "FILE: what" in err when a file cannot be opened or is not a conn.log. */
struct ih_zeek *ih_zeek_open(char *const *files, size_t nfiles, const struct ih_zeek_opts *o, char *err,
			     size_t errlen);
/* The same over one buffer in memory (fuzzing, tests); `name` stands for the file. */
struct ih_zeek *ih_zeek_open_mem(const char *name, const uint8_t *data, size_t len, const struct ih_zeek_opts *o,
				 char *err, size_t errlen);
/* Reads every file, handing views to fn in time order. IH_SRC_OK when every file was read to
 * its end (malformed lines do not change that), IH_SRC_READ_ERROR on an I/O error or a file
 * refused mid-way (err says which), IH_SRC_STOPPED after ih_zeek_stop. */
enum ih_source_status ih_zeek_run(struct ih_zeek *z, ih_view_fn fn, void *ctx, char *err, size_t errlen);
void ih_zeek_stop(struct ih_zeek *z); /* safe from a signal handler */
uint64_t ih_zeek_bytes_read(const struct ih_zeek *z);
uint64_t ih_zeek_malformed(const struct ih_zeek *z);
/* "zeek": lines, rows, flows by protocol, malformed lines, views, late rows... */
json_t *ih_zeek_stats(const struct ih_zeek *z);
void ih_zeek_close(struct ih_zeek *z);

#endif
