/* pipeline.c — one pass, one direction: frames in, findings out. */
#include "cli/pipeline.h"

#include <stdlib.h>
#include <string.h>

bool ih_pipeline_init(struct ih_pipeline *pl, const struct ih_config *cfg)
{
	memset(pl, 0, sizeof(*pl));
	pl->cfg = *cfg;
	ih_config_index_home(&pl->cfg);
	ih_findings_init(&pl->findings, pl->cfg.max_findings);
	pl->track = ih_track_new(&pl->cfg.track);
	pl->reasm = ih_reasm_new(pl->cfg.reasm_slots, pl->cfg.reasm_max_len, pl->cfg.reasm_timeout_ns,
				 pl->cfg.track.seed);
	if (!pl->track || !pl->reasm)
		return false;
	ih_track_get_seeds(pl->track, &pl->reader.seeds);
	pl->reader.track = pl->track;
	/* detectors that read payload bytes: flow records carry none */
	static const char *const payload_detectors[] = { "tunnel", "exfiltration", "large_payload" };
	for (const struct ih_detector_entry *e = ih_detectors; e->name; e++) {
		bool skip = false;
		for (size_t k = 0; pl->cfg.flow_input && k < sizeof(payload_detectors) / sizeof(payload_detectors[0]); k++)
			skip = skip || strcmp(e->name, payload_detectors[k]) == 0;
		if (skip) {
			if (pl->nnot_run < sizeof(pl->not_run) / sizeof(pl->not_run[0]))
				pl->not_run[pl->nnot_run++] = e->name;
			pl->not_run_reason = "conn.log has no payloads";
			continue;
		}
		struct ih_detector *d = e->ctor(&pl->cfg, &pl->findings);
		if (!d)
			return false;
		pl->det[pl->ndet++] = d;
		ih_track_add_detector(pl->track, d);
	}
	return true;
}

static void feed(struct ih_pipeline *pl, const struct ih_pkt *pkt)
{
	if (pl->on_packet)
		pl->on_packet(pl->on_packet_ctx, pkt);
	ih_track_packet(pl->track, pkt);
}

void ih_pipeline_view(void *ctx, const struct ih_pkt *pkt, const char *file, uint64_t number)
{
	struct ih_pipeline *pl = ctx;
	pl->frames++;
	pl->bytes += pkt->wire_len;
	pl->frame_no = number;
	pl->frame_file = file;
	if (!pl->first_ns || pkt->ts_ns < pl->first_ns)
		pl->first_ns = pkt->ts_ns;
	if (pkt->ts_ns > pl->last_ns)
		pl->last_ns = pkt->ts_ns;
	pl->dec[IH_DEC_OK]++;
	feed(pl, pkt);
}

void ih_pipeline_prepare(void *ctx, const struct ih_frame *fr, void *prep, enum ih_prep_effort effort)
{
	struct ih_reader_side *rs = ctx;
	struct ih_prep *pp = prep;
	/* The analysing thread's first write to each page of a table waits for the kernel to
	 * zero it (0.2-0.3 s over the 160 MB a spoofed flood fills); this thread has time to
	 * spare for it. */
	if ((rs->frames++ & 1023) == 0 && !rs->commit.off)
		ih_track_commit_ahead(rs->track, &rs->commit);
	pp->r = ih_decode(fr->linktype, fr->data, fr->cap_len, fr->wire_len, fr->ts_ns, &pp->pkt);
	/* IH_PREP_SOME: decoding and the keys' hashes (so that the analysing thread can fetch the
	 * records ahead); the tracker works out the payload's facts itself */
	if (pp->r == IH_DEC_OK && !pp->pkt.frag.is_frag) {
		if (effort == IH_PREP_ALL)
			ih_payload_facts(&pp->pkt);
		ih_track_key_hashes(&rs->seeds, &pp->pkt);
	}
}

bool ih_pipeline_prepare_on(struct ih_pipeline *pl, struct ih_source *src)
{
	static const int modes[] = { IH_PREP_AUTO, IH_PREP_NONE, IH_PREP_SOME, IH_PREP_ALL };
	int mode = pl->cfg.reader_work < sizeof(modes) / sizeof(modes[0]) ? modes[pl->cfg.reader_work] : IH_PREP_AUTO;
	return ih_source_set_prepare(src, ih_pipeline_prepare, &pl->reader, sizeof(struct ih_prep), mode);
}

#define PREFETCH_INDEX_BYTES (1u << 20)

void ih_pipeline_frame(void *ctx, const struct ih_frame *fr)
{
	struct ih_pipeline *pl = ctx;
	struct ih_pkt local;
	struct ih_pkt *pkt = &local;
	enum ih_dec_result r;
	pl->frames++;
	pl->bytes += fr->wire_len;
	pl->frame_no = fr->number;
	pl->frame_file = fr->file;
	if (!pl->first_ns || fr->ts_ns < pl->first_ns)
		pl->first_ns = fr->ts_ns;
	if (fr->ts_ns > pl->last_ns)
		pl->last_ns = fr->ts_ns;
	/* Start the memory reads of a frame a few ahead. Once the tables' indexes outgrow the
	 * core's second-level cache (a flood of sources), most lookups wait on the index itself:
	 * prefetch its slots (7 % faster on the 10M-source flood; 3-7 % slower on the mixed
	 * capture, whose indexes stay cached). Below that size, the records the index points to
	 * are what misses (a pair record is about 2 KB, so a few thousand conversations outgrow
	 * the cache): prefetch their first lines, which every packet updates (without it the 1M
	 * mixed capture took 1.22-1.24 times as long, paired runs). The choice stays here,
	 * refreshed every 1,024 frames: folded into one ih_track_prefetch that chose on every
	 * frame, the 10M flood ran 16 % slower in paired runs (cause not found). */
	if ((pl->frames & 1023) == 1)
		pl->prefetch = ih_track_index_bytes(pl->track) > PREFETCH_INDEX_BYTES;
	const struct ih_pair *guess = NULL;
	if (fr->ahead && fr->ahead->prep) {
		const struct ih_pkt *ap = &((const struct ih_prep *)fr->ahead->prep)->pkt;
		if (pl->prefetch)
			ih_track_prefetch(pl->track, ap);
		else
			guess = ih_track_prefetch_records(pl->track, ap);
	}
	/* then, two frames later (the record's lines have come meanwhile), its tail's entry */
	pl->guess[pl->frames % IH_SOURCE_AHEAD] = guess; /* frame frames + IH_SOURCE_AHEAD's */
	ih_track_prefetch_tail(pl->guess[(pl->frames + IH_SOURCE_AHEAD / 2) % IH_SOURCE_AHEAD]);
	if (fr->prep) { /* decoded on the reader's thread (ih_pipeline_prepare) */
		struct ih_prep *pp = fr->prep;
		r = pp->r;
		pkt = &pp->pkt;
	} else {
		r = ih_decode(fr->linktype, fr->data, fr->cap_len, fr->wire_len, fr->ts_ns, pkt);
	}
	if (r == IH_DEC_OK && !pkt->frag.is_frag) {
		pl->dec[r]++;
		feed(pl, pkt);
		return;
	}
	if ((r == IH_DEC_OK || r == IH_DEC_SKIP_FRAGMENT) && pkt->frag.is_frag) {
		pl->dec[IH_DEC_SKIP_FRAGMENT]++;
		struct ih_pkt whole;
		enum ih_dec_result wr;
		if (ih_reasm_offer(pl->reasm, pkt, &whole, &wr) == 1) {
			pl->dec[wr]++;
			if (wr == IH_DEC_OK)
				feed(pl, &whole);
		}
		return;
	}
	pl->dec[(unsigned)r < IH_DEC_NRESULTS ? r : IH_DEC_BAD_LINK]++;
	if (r == IH_DEC_SKIP_NOT_IP && pkt->has_arp)
		ih_track_arp(pl->track, pkt);
	if (pl->on_error && ih_dec_is_error(r))
		pl->on_error(pl->on_packet_ctx, r);
}

/* Detectors that judge only when a pair record ends, and see no packet: a fresh instance of
 * one judges a live record exactly as the running one would if the record ended now. */
static bool judges_pairs_only(const struct ih_detector *d)
{
	return d->on_pair_end && !d->on_icmp && !d->on_transport && !d->on_arp && !d->on_host_end &&
	       !d->on_conv_end && !d->on_flush;
}

static bool judge_init(struct ih_pipeline *pl)
{
	pl->judge_ready = true;
	ih_findings_init(&pl->judged, pl->cfg.max_findings);
	for (unsigned i = 0; i < pl->ndet; i++) {
		if (!judges_pairs_only(pl->det[i]))
			continue;
		for (const struct ih_detector_entry *e = ih_detectors; e->name; e++) {
			if (strcmp(e->name, pl->det[i]->name) != 0)
				continue;
			struct ih_detector *j = e->ctor(&pl->cfg, &pl->judged);
			if (!j)
				return false;
			j->track = pl->track;
			pl->judge[pl->njudge++] = j;
			break;
		}
	}
	return true;
}

static void judge_pair(void *ctx, const struct ih_pair *p)
{
	struct ih_pipeline *pl = ctx;
	for (unsigned i = 0; i < pl->njudge; i++)
		pl->judge[i]->on_pair_end(pl->judge[i], p);
}

bool ih_pipeline_judge_live(struct ih_pipeline *pl)
{
	if (!pl->judge_ready && !judge_init(pl))
		return false;
	pl->judge_passes++;
	ih_track_each_pair(pl->track, judge_pair, pl);
	/* episodes still open (sweeps, floods): judged by the running detectors, unchanged */
	for (unsigned i = 0; i < pl->ndet; i++)
		if (pl->det[i]->judge_open)
			pl->det[i]->judge_open(pl->det[i], &pl->judged);
	/* hand them over after the visit: adding may write (live output), and writing must not
	 * happen while the pair table is being walked */
	size_t n = pl->judged.n;
	struct ih_finding **v = pl->judged.v;
	pl->judged.v = NULL;
	pl->judged.n = pl->judged.cap_alloc = 0;
	for (size_t i = 0; i < n; i++)
		ih_findings_add(&pl->findings, v[i]);
	free(v);
	return true;
}

void ih_pipeline_finish(struct ih_pipeline *pl)
{
	ih_track_flush(pl->track);
	ih_findings_sort(&pl->findings);
}

size_t ih_pipeline_memory(const struct ih_pipeline *pl)
{
	size_t m = ih_track_memory(pl->track) + ih_reasm_memory(pl->reasm);
	for (unsigned i = 0; i < pl->ndet; i++)
		if (pl->det[i]->memory)
			m += pl->det[i]->memory(pl->det[i]);
	return m;
}

json_t *ih_pipeline_stats(const struct ih_pipeline *pl, const struct ih_source *src,
			  enum ih_source_status st, const char *error)
{
	json_t *o = json_object();
	char t[40];
	json_object_set_new(o, "type", json_string("stats"));
	json_object_set_new(o, "version", json_string(IH_VERSION));
	json_object_set_new(o, "packets", json_integer((json_int_t)pl->frames));
	json_object_set_new(o, "bytes", json_integer((json_int_t)pl->bytes));
	if (src)
		json_object_set_new(o, "file_bytes_read", json_integer((json_int_t)ih_source_bytes_read(src)));
	if (pl->frames) {
		json_object_set_new(o, "first_packet", json_string(ih_time_str(pl->first_ns, t, sizeof(t))));
		json_object_set_new(o, "last_packet", json_string(ih_time_str(pl->last_ns, t, sizeof(t))));
	}
	const struct ih_track_stats *ts = ih_track_stats(pl->track);
	json_object_set_new(o, "ip_packets", json_integer((json_int_t)ts->ip_packets));
	json_object_set_new(o, "icmp_packets", json_integer((json_int_t)ts->icmp_packets));

	json_t *dec = json_object(), *errs = json_object();
	uint64_t nerr = 0;
	for (unsigned r = 0; r < IH_DEC_NRESULTS; r++) {
		if (!pl->dec[r])
			continue;
		json_t *into = ih_dec_is_error((enum ih_dec_result)r) ? errs : dec;
		json_object_set_new(into, ih_dec_result_name((enum ih_dec_result)r), json_integer((json_int_t)pl->dec[r]));
		if (ih_dec_is_error((enum ih_dec_result)r))
			nerr += pl->dec[r];
	}
	json_object_set_new(o, "decoded", dec);
	json_object_set_new(o, "decode_errors", errs);
	json_object_set_new(o, "decode_errors_total", json_integer((json_int_t)nerr));

	const struct ih_reasm_stats *rs = ih_reasm_stats(pl->reasm);
	json_t *ro = json_object();
	json_object_set_new(ro, "fragments", json_integer((json_int_t)rs->fragments));
	json_object_set_new(ro, "reassembled", json_integer((json_int_t)rs->reassembled));
	json_object_set_new(ro, "timed_out", json_integer((json_int_t)rs->timed_out));
	json_object_set_new(ro, "evicted", json_integer((json_int_t)rs->evicted));
	json_object_set_new(ro, "too_big", json_integer((json_int_t)rs->too_big));
	json_object_set_new(ro, "bad", json_integer((json_int_t)rs->bad));
	json_object_set_new(o, "reassembly", ro);

	json_t *tables = json_object();
	json_t *h = json_object(), *p = json_object();
	json_object_set_new(h, "capacity", json_integer(pl->cfg.track.host_capacity));
	json_object_set_new(h, "evictions", json_integer((json_int_t)ts->host_evictions));
	json_object_set_new(h, "expired", json_integer((json_int_t)ts->host_expired));
	json_object_set_new(h, "not_admitted", json_integer((json_int_t)ts->hosts_not_admitted));
	json_object_set_new(p, "capacity", json_integer(pl->cfg.track.pair_capacity));
	json_object_set_new(p, "evictions", json_integer((json_int_t)ts->pair_evictions));
	json_object_set_new(p, "expired", json_integer((json_int_t)ts->pair_expired));
	json_object_set_new(tables, "hosts", h);
	json_object_set_new(tables, "pairs", p);
	json_object_set_new(o, "tables", tables);
	json_t *dets = json_object();
	for (unsigned i = 0; i < pl->ndet; i++)
		if (pl->det[i]->add_stats)
			pl->det[i]->add_stats(pl->det[i], dets);
	json_object_set_new(o, "detectors", dets);
	if (pl->nnot_run) {
		json_t *nr = json_array();
		for (unsigned i = 0; i < pl->nnot_run; i++)
			json_array_append_new(nr, json_pack("{s:s,s:s}", "detector", pl->not_run[i], "reason",
							    pl->not_run_reason ? pl->not_run_reason : ""));
		json_object_set_new(o, "detectors_not_run", nr);
	}
	json_object_set_new(o, "memory_bytes", json_integer((json_int_t)ih_pipeline_memory(pl)));
	json_object_set_new(o, "memory_cap_bytes", json_integer((json_int_t)pl->cfg.mem_cap));
	json_object_set_new(o, "findings", json_integer((json_int_t)pl->findings.n));
	json_object_set_new(o, "findings_dropped", json_integer((json_int_t)pl->findings.dropped));
	json_object_set_new(o, "clean", json_boolean(st == IH_SRC_OK));
	if (error)
		json_object_set_new(o, "error", json_string(error));
	return o;
}

void ih_pipeline_free(struct ih_pipeline *pl)
{
	for (unsigned i = 0; i < pl->ndet; i++)
		ih_detector_destroy(pl->det[i]);
	for (unsigned i = 0; i < pl->njudge; i++)
		ih_detector_destroy(pl->judge[i]);
	ih_track_free(pl->track);
	ih_reasm_free(pl->reasm);
	ih_findings_free(&pl->findings);
	ih_findings_free(&pl->judged);
}
