/* pipeline.h — source → decode → (reassembly) → track → detectors, wired once for every
 * command that reads traffic (analyze now; log, watch and report later). */
#ifndef IH_PIPELINE_H
#define IH_PIPELINE_H

#include <jansson.h>
#include <stdint.h>

#include "core/config.h"
#include "decode/decode.h"
#include "decode/reasm.h"
#include "detect/detector.h"
#include "report/finding.h"
#include "source/source.h"
#include "track/track.h"

struct ih_pipeline {
	struct ih_config cfg;
	struct ih_findings findings;
	struct ih_track *track;
	struct ih_reasm *reasm;
	struct ih_detector *det[32];
	unsigned ndet;
	uint64_t frames, bytes;
	uint64_t frame_no;        /* number of the frame being handled, within its file */
	const char *frame_file;
	uint64_t dec[IH_DEC_NRESULTS];
	uint64_t first_ns, last_ns;
	/* optional: sees every decoded IP packet before tracking (the log command) */
	void (*on_packet)(void *ctx, const struct ih_pkt *pkt);
	void *on_packet_ctx;
	/* optional: hears of every frame that did not decode (truncated or malformed) */
	void (*on_error)(void *ctx, enum ih_dec_result r);
	/* detectors left out because the input cannot feed them (flows have no payloads) */
	const char *not_run[8];
	unsigned nnot_run;
	const char *not_run_reason;
	/* live judgement (watch only; see ih_pipeline_judge_live): a second instance of each
	 * detector that judges pair records, fed nothing, so that judging a live record touches
	 * neither the detectors' state nor their counters */
	struct ih_detector *judge[32];
	unsigned njudge;
	bool judge_ready;
	struct ih_findings judged;
	uint64_t judge_passes;
	bool prefetch;            /* ih_pipeline_frame looks ahead (the indexes are large) */
	/* the pair records guessed for the next IH_SOURCE_AHEAD frames (ih_pipeline_frame), by
	 * frame number modulo IH_SOURCE_AHEAD */
	const struct ih_pair *guess[IH_SOURCE_AHEAD];
	/* What the reader thread uses here (ih_pipeline_prepare), padded so that no cache line
	 * it sits on holds anything the analysing thread writes per packet: read from the
	 * tracker's table headers, the hash seeds shared a line with counters written for every
	 * new record, and each read stalled on a line held by the other core (14 % of the
	 * reader's samples on a spoofed flood). */
	char reader_pad_before[64];
	struct ih_reader_side {
		struct ih_track_seeds seeds;  /* a copy of the tracker's */
		const struct ih_track *track; /* for ih_track_commit_ahead only */
		struct ih_track_commit commit;
		uint32_t frames;              /* prepared */
	} reader;
	char reader_pad_after[64];
};

/* Builds tables and detectors from cfg (already filled and fitted). Returns false on
 * allocation failure. */
bool ih_pipeline_init(struct ih_pipeline *pl, const struct ih_config *cfg);
/* The frame callback to hand to ih_source_run (ctx = the pipeline). */
void ih_pipeline_frame(void *ctx, const struct ih_frame *fr);
/* A frame decoded ahead: the decoder's outcome and view, with the payload's facts worked out
 * (ih_payload_facts) when it is a whole ICMP message. */
struct ih_prep {
	enum ih_dec_result r;
	struct ih_pkt pkt;
};
/* The source's prepare function (source.h: ih_source_set_prepare): decodes the frame and works
 * out its payload's facts and the hashes of its table keys on the capture reader's thread, so
 * that ih_pipeline_frame, on the analysing thread, starts from them; the same decode, facts and
 * hashes, so the output is the same; now and then it also has the tracker's tables committed
 * ahead of their use (ih_track_commit_ahead). ctx = &pipeline->reader (ih_pipeline_prepare_on). */
void ih_pipeline_prepare(void *ctx, const struct ih_frame *fr, void *prep, enum ih_prep_effort effort);
/* Has src prepare every frame so for pl, which must be initialised, as much as
 * pl->cfg.reader_work says (false: the source refused the slot size). */
bool ih_pipeline_prepare_on(struct ih_pipeline *pl, struct ih_source *src);
/* A packet view that did not come from a frame (a flow record turned into views, see
 * source/zeek.h): counted as a frame that decoded, then tracked like one. `file` and `number`
 * name where it came from (the file and line of the flow). ctx = the pipeline. */
void ih_pipeline_view(void *ctx, const struct ih_pkt *pkt, const char *file, uint64_t number);
/* Lets the detectors that judge a pair record when it ends (tunnel, exfiltration, beacon,
 * persistent_echo, large_payload, external_icmp) judge every pair still live, as if it ended
 * now, and adds what they find to pl->findings (so findings.on_add sees it). The records are
 * not ended or changed, and the detectors' own state and counters are not touched: a second
 * instance of each judges. The same record judged again, or ending later, gives a finding with
 * the same id (kind, src, dst, first time): a live consumer that keeps the ids it wrote writes
 * each once (watch does). Then the detectors with episodes (sweep, volume_anomaly,
 * lateral_movement, in that order, so the sweeps judged are there to relate to) judge the
 * episodes still open (detector.h: judge_open); their findings carry ih_finding.episode, the
 * same for every judgement of one episode while the id changes as the sweep's range grows.
 * Only watch calls this; analyze never does, so its output does not change. Returns false on
 * allocation failure (nothing judged). */
bool ih_pipeline_judge_live(struct ih_pipeline *pl);
/* Ends every record and flushes detectors; findings are then complete and sorted. */
void ih_pipeline_finish(struct ih_pipeline *pl);
/* The stats line ("type":"stats"). `src` may be NULL. */
json_t *ih_pipeline_stats(const struct ih_pipeline *pl, const struct ih_source *src,
			  enum ih_source_status st, const char *error);
size_t ih_pipeline_memory(const struct ih_pipeline *pl);
void ih_pipeline_free(struct ih_pipeline *pl);

#endif
