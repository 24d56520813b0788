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
};

/* Builds tables and detectors from cfg (already filled and fitted). Returns false on
 * allocation failure. */
bool ih_pipeline_init(struct ih_pipeline *pl, const struct ih_config *cfg);
/* The frame callback to hand to ih_source_run (ctx = the pipeline). */
void ih_pipeline_frame(void *ctx, const struct ih_frame *fr);
/* A packet view that did not come from a frame (a flow record turned into views, see
 * source/zeek.h): counted as a frame that decoded, then tracked like one. `file` and `number`
 * name where it came from (the file and line of the flow). ctx = the pipeline. */
void ih_pipeline_view(void *ctx, const struct ih_pkt *pkt, const char *file, uint64_t number);
/* Ends every record and flushes detectors; findings are then complete and sorted. */
void ih_pipeline_finish(struct ih_pipeline *pl);
/* The stats line ("type":"stats"). `src` may be NULL. */
json_t *ih_pipeline_stats(const struct ih_pipeline *pl, const struct ih_source *src,
			  enum ih_source_status st, const char *error);
size_t ih_pipeline_memory(const struct ih_pipeline *pl);
void ih_pipeline_free(struct ih_pipeline *pl);

#endif
