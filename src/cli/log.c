/* log.c — `icmphound log`: the ICMP traffic itself, for the analyst to read before trusting a
 * verdict (step 2 of the playbook).
 *
 *   icmphound log FILE...            one line per conversation (src, dst, echo id — or type and
 *                                    code for messages that are not request/answer)
 *   icmphound log --packets FILE...  one line per ICMP message
 *
 * Conversations come from the tracker's bounded conversation table and are written as they
 * end (idle expiry, eviction, or the end of input), in batches sorted by first time seen, so
 * memory stays bounded on long captures and small captures print in a stable order. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "cli/sandbox.h"
#include "cli/settings.h"
#include "report/sink.h"

#define BATCH 4096

struct logger {
	FILE *out;
	bool jsonl;
	bool packets;
	const struct ih_config *cfg;
	const struct ih_pipeline *pl;
	json_t *batch[BATCH];
	uint64_t batch_key[BATCH];
	unsigned nbatch;
	uint64_t lines;
	bool write_failed;
};

static double round3(double x)
{
	return (double)(long long)(x * 1000 + (x >= 0 ? 0.5 : -0.5)) / 1000;
}

static const char *addr_s(const struct ih_addr *a, char *buf)
{
	return ih_addr_str(a, buf, IH_ADDR_STRLEN);
}

/* Escapes a payload prefix for reading: printable ASCII as is, the rest as \xNN. */
static void preview(const uint8_t *p, uint32_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (uint32_t i = 0; i < len && o + 5 < outlen; i++) {
		uint8_t c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static void put(struct logger *lg, json_t *o)
{
	char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (!s || fputs(s, lg->out) < 0 || fputc('\n', lg->out) == EOF)
		lg->write_failed = true;
	free(s);
	lg->lines++;
}

/* ---------------------------------------------------------------- conversations */

static const char *kind_of(const struct ih_conv *c)
{
	bool v6 = c->key.client.family == IH_AF_INET6;
	return ih_icmp_type_name(v6 ? 6 : 4, c->key.type);
}

static json_t *conv_json(const struct logger *lg, const struct ih_conv *c)
{
	const struct ih_pair *st = &c->st;
	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN], t[40];
	bool v6 = c->key.client.family == IH_AF_INET6;
	bool reqans = st->probes || st->answers;
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("conversation"));
	json_object_set_new(o, "proto", json_string(v6 ? "icmpv6" : "icmp"));
	json_object_set_new(o, "src", json_string(addr_s(&c->key.client, a)));
	json_object_set_new(o, "dst", json_string(addr_s(&c->key.server, b)));
	json_object_set_new(o, "kind", json_string(kind_of(c)));
	json_object_set_new(o, "icmp_type", json_integer(c->key.type));
	if (reqans)
		json_object_set_new(o, "id", json_integer(c->key.id));
	else {
		json_object_set_new(o, "icmp_code", json_integer(c->key.code));
		json_object_set_new(o, "code_name", json_string(ih_icmp_code_name(v6 ? 6 : 4, c->key.type, c->key.code)));
	}
	json_object_set_new(o, "first_seen", json_string(ih_time_str(st->first_ns, t, sizeof(t))));
	json_object_set_new(o, "last_seen", json_string(ih_time_str(st->last_ns, t, sizeof(t))));
	json_object_set_new(o, "duration_s", json_real(round3((double)(st->last_ns - st->first_ns) / 1e9)));
	json_object_set_new(o, "messages", json_integer(c->messages));
	if (reqans) {
		json_object_set_new(o, "requests", json_integer(st->probes));
		json_object_set_new(o, "replies", json_integer(st->answers));
		if (st->probes) {
			json_object_set_new(o, "seq_first", json_integer(c->seq_first));
			json_object_set_new(o, "seq_last", json_integer(c->seq_last));
			json_object_set_new(o, "seq_gaps", json_integer(c->seq_gaps));
		}
		json_object_set_new(o, "replies_matched", json_integer(st->reply_matched));
		json_object_set_new(o, "replies_not_echoing", json_integer(st->reply_mismatch));
		json_object_set_new(o, "replies_unpaired", json_integer(st->reply_unpaired));
		uint32_t unanswered = st->probes > st->reply_matched + st->reply_mismatch
					      ? st->probes - st->reply_matched - st->reply_mismatch : 0;
		json_object_set_new(o, "requests_unanswered", json_integer(unanswered));
	}
	json_object_set_new(o, "bytes_out", json_integer((json_int_t)st->bytes_out));
	json_object_set_new(o, "bytes_in", json_integer((json_int_t)st->bytes_in));
	if (st->probes) {
		json_t *p = json_object();
		json_object_set_new(p, "min", json_integer(st->psize_min));
		json_object_set_new(p, "mean", json_real(round3((double)st->psize_sum / st->probes)));
		json_object_set_new(p, "max", json_integer(st->psize_max));
		json_object_set_new(p, "distinct_sizes", json_integer(st->distinct_sizes));
		json_t *tp = json_object();
		unsigned best = IH_TPL_COUNT;
		for (unsigned i = 0; i < IH_TPL_COUNT; i++) {
			if (!st->tpl_hits[i])
				continue;
			json_object_set_new(tp, ih_tpl_name((enum ih_tpl)i), json_integer(st->tpl_hits[i]));
			if (best == IH_TPL_COUNT || st->tpl_hits[i] > st->tpl_hits[best])
				best = i;
		}
		json_object_set_new(p, "template", best < IH_TPL_COUNT ? json_string(ih_tpl_name((enum ih_tpl)best)) : json_null());
		json_object_set_new(p, "templates", tp);
		json_object_set_new(p, "non_template", json_integer(st->nontpl_out));
		if (st->entropy_n_out)
			json_object_set_new(p, "entropy_mean", json_real(round3(st->entropy_sum_out / st->entropy_n_out)));
		if (st->nontpl_out)
			json_object_set_new(p, "distinct_payloads", json_integer(st->distinct_payloads));
		if (st->preview_len) {
			char pv[128];
			preview(st->preview, st->preview_len, pv, sizeof(pv));
			json_object_set_new(p, "first_non_template", json_string(pv));
		}
		json_object_set_new(o, "payload", p);
	}
	json_t *flags = json_array();
	if (st->nontpl_out || st->nontpl_in)
		json_array_append_new(flags, json_string("non_template_payload"));
	if (st->reply_mismatch)
		json_array_append_new(flags, json_string("reply_not_echoing"));
	if (st->probes && !st->answers)
		json_array_append_new(flags, json_string("unanswered"));
	if (!st->probes && st->answers)
		json_array_append_new(flags, json_string("replies_without_requests"));
	if (st->big_payloads)
		json_array_append_new(flags, json_string("large_payload"));
	if (st->frag_probes)
		json_array_append_new(flags, json_string("fragmented"));
	if (st->df_probes)
		json_array_append_new(flags, json_string("dont_fragment"));
	if (st->ttl_changes)
		json_array_append_new(flags, json_string("ttl_varies"));
	if (!ih_config_is_home(lg->cfg, &c->key.server))
		json_array_append_new(flags, json_string("external_dst"));
	if (st->magic_hits >= 3 && st->magic_hits * 2 >= st->nontpl_out + st->nontpl_in)
		json_array_append_new(flags, json_string("repeated_magic"));
	json_object_set_new(o, "flags", flags);
	return o;
}

static int cmp_batch(const void *x, const void *y)
{
	const json_t *const *a = x, *const *b = y;
	const char *fa = json_string_value(json_object_get(*a, "first_seen"));
	const char *fb = json_string_value(json_object_get(*b, "first_seen"));
	int c = strcmp(fa ? fa : "", fb ? fb : "");
	if (c)
		return c;
	char *sa = json_dumps(*a, JSON_PRESERVE_ORDER | JSON_COMPACT);
	char *sb = json_dumps(*b, JSON_PRESERVE_ORDER | JSON_COMPACT);
	c = strcmp(sa ? sa : "", sb ? sb : "");
	free(sa);
	free(sb);
	return c;
}

static void flush_batch(struct logger *lg)
{
	qsort(lg->batch, lg->nbatch, sizeof(lg->batch[0]), cmp_batch);
	for (unsigned i = 0; i < lg->nbatch; i++) {
		json_t *o = lg->batch[i];
		if (lg->jsonl) {
			put(lg, o);
		} else {
			json_t *p = json_object_get(o, "payload");
			json_t *flags = json_object_get(o, "flags");
			char fl[256] = "";
			size_t k;
			json_t *f;
			json_array_foreach(flags, k, f) {
				size_t l = strlen(fl);
				snprintf(fl + l, sizeof(fl) - l, "%s%s", l ? "," : "", json_string_value(f));
			}
			fprintf(lg->out, "%s  %-15s -> %-15s %-14s", json_string_value(json_object_get(o, "first_seen")),
				json_string_value(json_object_get(o, "src")), json_string_value(json_object_get(o, "dst")),
				json_string_value(json_object_get(o, "kind")));
			if (json_object_get(o, "id"))
				fprintf(lg->out, " id %-5lld req %-5lld rep %-5lld", (long long)json_integer_value(json_object_get(o, "id")),
					(long long)json_integer_value(json_object_get(o, "requests")),
					(long long)json_integer_value(json_object_get(o, "replies")));
			else
				fprintf(lg->out, " %-28s", json_string_value(json_object_get(o, "code_name")));
			fprintf(lg->out, " %6.1fs", json_real_value(json_object_get(o, "duration_s")));
			if (p)
				fprintf(lg->out, " size %lld-%lld %s", (long long)json_integer_value(json_object_get(p, "min")),
					(long long)json_integer_value(json_object_get(p, "max")),
					json_string_value(json_object_get(p, "template")) ? json_string_value(json_object_get(p, "template")) : "-");
			fprintf(lg->out, "%s%s\n", fl[0] ? "  " : "", fl);
			lg->lines++;
		}
		json_decref(o);
	}
	lg->nbatch = 0;
}

static void log_on_conv_end(struct ih_detector *d, const struct ih_conv *c)
{
	struct logger *lg = d->state;
	if (lg->nbatch == BATCH)
		flush_batch(lg);
	lg->batch[lg->nbatch++] = conv_json(lg, c);
}

static void log_on_flush(struct ih_detector *d)
{
	flush_batch(d->state);
}

/* ---------------------------------------------------------------- packets */

static void quoted_json(json_t *o, const struct ih_pkt *pkt)
{
	const struct ih_quoted *q = &pkt->quoted;
	if (!q->present)
		return;
	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	json_t *qo = json_object();
	json_object_set_new(qo, "src", json_string(addr_s(&q->src, a)));
	json_object_set_new(qo, "dst", json_string(addr_s(&q->dst, b)));
	json_object_set_new(qo, "proto", json_integer(q->proto));
	json_object_set_new(qo, "ttl", json_integer(q->ttl));
	if (q->proto == IH_PROTO_TCP || q->proto == IH_PROTO_UDP) {
		json_object_set_new(qo, "sport", json_integer(q->sport));
		json_object_set_new(qo, "dport", json_integer(q->dport));
	}
	if (q->proto == IH_PROTO_ICMP || q->proto == IH_PROTO_ICMP6) {
		json_object_set_new(qo, "icmp_type", json_integer(q->icmp_type));
		if (q->has_echo) {
			json_object_set_new(qo, "id", json_integer(q->icmp_id));
			json_object_set_new(qo, "seq", json_integer(q->icmp_seq));
		}
	}
	if (q->truncated)
		json_object_set_new(qo, "truncated", json_true());
	json_object_set_new(o, "quoted", qo);
}

static void log_packet(void *ctx, const struct ih_pkt *pkt)
{
	struct logger *lg = ctx;
	if (!pkt->has_icmp)
		return;
	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN], t[40], pv[200];
	uint8_t v = pkt->ip_ver;
	uint32_t n = pkt->payload_len < 32 ? pkt->payload_len : 32;
	preview(pkt->payload, n, pv, sizeof(pv));
	if (!lg->jsonl) {
		fprintf(lg->out, "%6llu %s %s > %s %s", (unsigned long long)lg->pl->frame_no, ih_time_str(pkt->ts_ns, t, sizeof(t)),
			addr_s(&pkt->src, a), addr_s(&pkt->dst, b), ih_icmp_type_name(v, pkt->icmp_type));
		if (pkt->has_echo_fields)
			fprintf(lg->out, " id %u seq %u", pkt->icmp_id, pkt->icmp_seq);
		else
			fprintf(lg->out, " %s", ih_icmp_code_name(v, pkt->icmp_type, pkt->icmp_code));
		fprintf(lg->out, " len %u", pkt->payload_wire_len);
		if (pkt->quoted.present) {
			char qa[IH_ADDR_STRLEN], qb[IH_ADDR_STRLEN];
			fprintf(lg->out, " [quotes %s > %s proto %u", addr_s(&pkt->quoted.src, qa), addr_s(&pkt->quoted.dst, qb),
				pkt->quoted.proto);
			if (pkt->quoted.proto == IH_PROTO_TCP || pkt->quoted.proto == IH_PROTO_UDP)
				fprintf(lg->out, " port %u > %u", pkt->quoted.sport, pkt->quoted.dport);
			if (pkt->quoted.has_echo)
				fprintf(lg->out, " id %u seq %u", pkt->quoted.icmp_id, pkt->quoted.icmp_seq);
			fprintf(lg->out, "]");
		}
		if (n)
			fprintf(lg->out, " \"%s\"", pv);
		fprintf(lg->out, "\n");
		lg->lines++;
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("packet"));
	json_object_set_new(o, "frame", json_integer((json_int_t)lg->pl->frame_no));
	json_object_set_new(o, "time", json_string(ih_time_str(pkt->ts_ns, t, sizeof(t))));
	json_object_set_new(o, "src", json_string(addr_s(&pkt->src, a)));
	json_object_set_new(o, "dst", json_string(addr_s(&pkt->dst, b)));
	json_object_set_new(o, "proto", json_string(v == 6 ? "icmpv6" : "icmp"));
	json_object_set_new(o, "ttl", json_integer(pkt->ttl));
	json_object_set_new(o, "icmp_type", json_integer(pkt->icmp_type));
	json_object_set_new(o, "icmp_code", json_integer(pkt->icmp_code));
	json_object_set_new(o, "type_name", json_string(ih_icmp_type_name(v, pkt->icmp_type)));
	json_object_set_new(o, "code_name", json_string(ih_icmp_code_name(v, pkt->icmp_type, pkt->icmp_code)));
	if (pkt->has_echo_fields) {
		json_object_set_new(o, "id", json_integer(pkt->icmp_id));
		json_object_set_new(o, "seq", json_integer(pkt->icmp_seq));
	}
	json_object_set_new(o, "payload_len", json_integer(pkt->payload_wire_len));
	if (pkt->payload_len != pkt->payload_wire_len)
		json_object_set_new(o, "payload_captured", json_integer(pkt->payload_len));
	if (pkt->reassembled)
		json_object_set_new(o, "reassembled", json_true());
	if (n)
		json_object_set_new(o, "preview", json_string(pv));
	quoted_json(o, pkt);
	put(lg, o);
	json_decref(o);
}

/* A frame that did not decode: said, so that a reader knows why it is not in the view. */
static void log_error(void *ctx, enum ih_dec_result r)
{
	struct logger *lg = ctx;
	if (!lg->jsonl) {
		fprintf(lg->out, "%6llu (not decoded: %s)\n", (unsigned long long)lg->pl->frame_no, ih_dec_result_text(r));
		lg->lines++;
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("decode_error"));
	json_object_set_new(o, "frame", json_integer((json_int_t)lg->pl->frame_no));
	json_object_set_new(o, "reason", json_string(ih_dec_result_name(r)));
	json_object_set_new(o, "what", json_string(ih_dec_result_text(r)));
	put(lg, o);
	json_decref(o);
}

/* ---------------------------------------------------------------- command */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: icmphound log [options] FILE...\n"
		"\n"
		"Shows the ICMP traffic of captures: one line per conversation, or per message.\n"
		"\n"
		"  -p, --packets             one line per ICMP message instead of per conversation\n"
		"  -f, --format text|jsonl   readable lines (default) or JSON lines\n"
		"  -o, --output FILE         write there instead of standard output\n"
		"      --set KEY=VALUE       any option by name (see analyze --list-options)\n"
		"      --config FILE         read options from this INI file (default location as for analyze)\n"
		"      --no-config           read no config file\n"
		"  -h, --help\n"
		"\n"
		"Exit status as for analyze: 0, 1 usage, 2 cannot open, 3 truncated or corrupt input.\n");
}

int ih_cmd_log(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "packets", no_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "set", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'C' },
		{ "no-config", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ih_config cfg;
	static struct ih_cli_settings settings;
	memset(&settings, 0, sizeof(settings));
	struct logger *lg = calloc(1, sizeof(*lg));
	if (!lg)
		return IH_EXIT_INTERNAL;
	const char *outpath = NULL;
	char err[512];
	int c, rc = IH_EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "pf:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': lg->packets = true; break;
		case 'f':
			if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
				lg->jsonl = true;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "icmphound log: unknown format '%s' (text or jsonl)\n", optarg);
				free(lg);
				return IH_EXIT_USAGE;
			}
			break;
		case 'o': outpath = optarg; break;
		case 's':
			if (!ih_cli_set_arg(&settings, optarg, "log")) {
				free(lg);
				return IH_EXIT_USAGE;
			}
			break;
		case 'C': settings.config_path = optarg; break;
		case 'N': settings.no_config = true; break;
		case 'h': usage(stdout); free(lg); return IH_EXIT_OK;
		default: usage(stderr); free(lg); return IH_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "icmphound log: no capture file given\n");
		free(lg);
		return IH_EXIT_USAGE;
	}
	if (!ih_cli_configure(&settings, &cfg, "log")) {
		free(lg);
		return IH_EXIT_USAGE;
	}
	cfg.track.conv_capacity = lg->packets ? 0 : 1u << 16;
	ih_config_fit_memory(&cfg);
	struct ih_source *src = ih_source_open_files(argv + optind, (size_t)(argc - optind), err, sizeof(err));
	if (!src) {
		fprintf(stderr, "icmphound: %s\n", err);
		free(lg);
		return IH_EXIT_OPEN;
	}
	ih_cli_seed_from_inputs(&cfg, argv + optind, (size_t)(argc - optind));
	lg->out = stdout;
	if (outpath && !(lg->out = fopen(outpath, "w"))) {
		fprintf(stderr, "icmphound: cannot write %s: %m\n", outpath);
		ih_source_close(src);
		free(lg);
		return IH_EXIT_OPEN;
	}
	lg->cfg = &cfg;
	struct ih_pipeline *pl = calloc(1, sizeof(*pl));
	struct ih_detector *sink = calloc(1, sizeof(*sink));
	if (!pl || !sink || !ih_pipeline_init(pl, &cfg)) {
		fprintf(stderr, "icmphound: out of memory\n");
		rc = IH_EXIT_INTERNAL;
		goto out;
	}
	lg->pl = pl;
	lg->cfg = &pl->cfg;
	if (lg->packets) {
		pl->on_packet = log_packet;
		pl->on_error = log_error;
		pl->on_packet_ctx = lg;
	} else {
		sink->name = "log";
		sink->state = lg;
		sink->on_conv_end = log_on_conv_end;
		sink->on_flush = log_on_flush;
		ih_track_add_detector(pl->track, sink);
	}
	/* a progress bar on standard error for long reads (cli/progress.h) */
	ih_pipeline_prepare_on(pl, src); /* decode on the reader's thread */
	ih_sandbox_enter("log", &cfg, 0);
	struct ih_progress *pg = ih_progress_new(src, ih_pipeline_frame, pl, IH_PROGRESS_AUTO);
	enum ih_source_status st = pg ? ih_source_run(src, ih_progress_frame, pg, err, sizeof(err))
				      : ih_source_run(src, ih_pipeline_frame, pl, err, sizeof(err));
	ih_progress_done(pg);
	ih_pipeline_finish(pl);
	if (lg->jsonl) {
		json_t *stats = ih_pipeline_stats(pl, src, st, st == IH_SRC_OK ? NULL : err);
		json_object_set_new(stats, "lines", json_integer((json_int_t)lg->lines));
		put(lg, stats);
		json_decref(stats);
	}
	if (fflush(lg->out) != 0 || lg->write_failed) {
		fprintf(stderr, "icmphound: could not write the output\n");
		rc = IH_EXIT_INTERNAL;
	} else if (st == IH_SRC_READ_ERROR) {
		fprintf(stderr, "icmphound: %s\n", err);
		rc = IH_EXIT_READ;
	}
out:
	if (pl->track)
		ih_pipeline_free(pl);
	free(pl);
	free(sink);
	ih_source_close(src);
	if (lg->out && lg->out != stdout)
		fclose(lg->out);
	free(lg);
	return rc;
}
