/* test_source.c — the libpcap file source: opening (missing, not a capture, unsupported link
 * type, all files before any read), reading the corpus captures (frame counts as capinfos
 * says), timestamps at micro and nano precision, a truncated file (READ_ERROR naming file,
 * packet and offset), stopping from the callback, and byte progress.
 *
 * Captures are found under $IH_TEST_DATA (set by tests/meson.build to the source tree's
 * tests/data), else ../tests/data from the build directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "source/source.h"

static char tmpdir[64];

static void data_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("IH_TEST_DATA");
	snprintf(buf, len, "%s/%s", dir && *dir ? dir : "../tests/data", name);
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ih_test_source.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

struct counter {
	uint64_t frames;
	uint64_t last_number;
	uint64_t first_ts, last_ts;
	uint64_t icmp;
	int linktype;
	char file[512]; /* a copy: the source's string dies with it */
	uint64_t stop_after;
	struct ih_source *src;
	uint64_t progress_max;
};

static void count_frame(void *ctx, const struct ih_frame *fr)
{
	struct counter *c = ctx;
	c->frames++;
	if (c->frames == 1)
		c->first_ts = fr->ts_ns;
	c->last_ts = fr->ts_ns;
	c->last_number = fr->number;
	c->linktype = fr->linktype;
	snprintf(c->file, sizeof c->file, "%s", fr->file);
	assert_non_null(fr->data);
	assert_true(fr->cap_len <= fr->wire_len);
	struct ih_pkt p;
	if (ih_decode(fr->linktype, fr->data, fr->cap_len, fr->wire_len, fr->ts_ns, &p) ==
		    IH_DEC_OK &&
	    p.has_icmp)
		c->icmp++;
	if (c->src) {
		uint64_t b = ih_source_bytes_read(c->src);
		assert_true(b >= c->progress_max);
		assert_true(b <= ih_source_bytes_total(c->src));
		c->progress_max = b;
	}
	if (c->stop_after && c->frames == c->stop_after)
		ih_source_stop(c->src);
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

static struct counter read_one(const char *path, enum ih_source_status want)
{
	char err[512];
	char *files[1] = { (char *)path };
	struct ih_source *s = ih_source_open_files(files, 1, err, sizeof err);
	if (!s)
		fail_msg("open %s: %s", path, err);
	struct counter c = { .src = s };
	assert_int_equal(ih_source_bytes_total(s), file_size(path));
	assert_true(ih_source_bytes_read(s) < ih_source_bytes_total(s)); /* the file header */
	enum ih_source_status st = ih_source_run(s, count_frame, &c, err, sizeof err);
	if (st != want)
		fail_msg("run %s: status %d: %s", path, st, err);
	if (st == IH_SRC_OK) {
		assert_string_equal(err, "");
		assert_int_equal(ih_source_bytes_read(s), ih_source_bytes_total(s));
	}
	ih_source_close(s);
	c.src = NULL;
	return c;
}

/* ===================================================================================== */
/* Opening                                                                               */
/* ===================================================================================== */

static void test_open_missing(void **state)
{
	(void)state;
	char err[512], good[512];
	data_path(good, sizeof good, "corpus/case_seed.pcap");
	char *files[2] = { good, (char *)"/nonexistent/dir/missing.pcap" };
	struct ih_source *s = ih_source_open_files(files, 2, err, sizeof err);
	assert_null(s);
	assert_non_null(strstr(err, "/nonexistent/dir/missing.pcap"));
	assert_ptr_equal(strstr(err, "/nonexistent/dir/missing.pcap"), err); /* starts with it */
	/* a tiny error buffer is not overrun */
	char tiny[8];
	memset(tiny, 'x', sizeof tiny);
	assert_null(ih_source_open_files(files + 1, 1, tiny, sizeof tiny));
	assert_int_equal(tiny[7], '\0');
}

static void test_open_not_a_capture(void **state)
{
	(void)state;
	char path[256], err[512];
	tmp_path(path, sizeof path, "text.pcap");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a capture file at all\n", f);
	fclose(f);
	char *files[1] = { path };
	assert_null(ih_source_open_files(files, 1, err, sizeof err));
	assert_ptr_equal(strstr(err, path), err);
	/* an empty file */
	f = fopen(path, "w");
	fclose(f);
	assert_null(ih_source_open_files(files, 1, err, sizeof err));
	assert_ptr_equal(strstr(err, path), err);
}

/* A classic pcap file: header with the given magic and link type, then frames. */
static FILE *pcap_create(const char *path, uint32_t magic, uint32_t linktype)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	uint32_t h[6] = { magic, 0 /* version: written below */, 0, 0, 262144,
			  linktype };
	/* version is two uint16: major 2 then minor 4 in host order */
	uint16_t ver[2] = { 2, 4 };
	assert_int_equal(fwrite(&h[0], 4, 1, f), 1);
	assert_int_equal(fwrite(ver, 2, 2, f), 2);
	assert_int_equal(fwrite(&h[2], 4, 4, f), 4);
	return f;
}

static void pcap_add(FILE *f, uint32_t sec, uint32_t frac, const uint8_t *data, uint32_t caplen,
		     uint32_t len)
{
	uint32_t r[4] = { sec, frac, caplen, len };
	assert_int_equal(fwrite(r, 4, 4, f), 4);
	assert_int_equal(fwrite(data, 1, caplen, f), caplen);
}

static void test_open_unsupported_link(void **state)
{
	(void)state;
	char path[256], err[512];
	tmp_path(path, sizeof path, "wifi.pcap");
	FILE *f = pcap_create(path, 0xa1b2c3d4u, 105);
	fclose(f);
	char *files[1] = { path };
	assert_null(ih_source_open_files(files, 1, err, sizeof err));
	assert_ptr_equal(strstr(err, path), err);
	assert_non_null(strstr(err, "link type 105"));
	assert_non_null(strstr(err, "not supported"));
}

/* ===================================================================================== */
/* Reading                                                                               */
/* ===================================================================================== */

static void test_read_corpus(void **state)
{
	(void)state;
	char path[512];
	/* frame counts and first/last times as capinfos -c and tshark report them */
	data_path(path, sizeof path, "corpus/sweep_fping.pcapng");
	struct counter c = read_one(path, IH_SRC_OK);
	assert_int_equal(c.frames, 73);
	assert_int_equal(c.last_number, 73);
	assert_int_equal(c.linktype, IH_LINK_EN10MB);
	assert_string_equal(c.file, path);
	assert_int_equal(c.first_ts, 1795569063180379000ull);
	assert_int_equal(c.last_ts, 1795569063804571000ull);
	assert_true(c.icmp > 0);

	data_path(path, sizeof path, "corpus/case_seed.pcap");
	c = read_one(path, IH_SRC_OK);
	assert_int_equal(c.frames, 523);
	assert_int_equal(c.first_ts, 1795569273035478000ull);
	assert_int_equal(c.last_ts, 1795569343060882000ull);
}

static void test_read_several(void **state)
{
	(void)state;
	char a[512], b[512], err[512];
	data_path(a, sizeof a, "corpus/sweep_fping.pcapng");
	data_path(b, sizeof b, "corpus/case_seed.pcap");
	char *files[3] = { a, b, a };
	struct ih_source *s = ih_source_open_files(files, 3, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(ih_source_bytes_total(s), 2 * file_size(a) + file_size(b));
	struct counter c = { .src = s };
	assert_int_equal(ih_source_run(s, count_frame, &c, err, sizeof err), IH_SRC_OK);
	assert_int_equal(c.frames, 73 + 523 + 73);
	assert_int_equal(c.last_number, 73); /* numbering restarts with each file */
	assert_int_equal(ih_source_bytes_read(s), ih_source_bytes_total(s));
	ih_source_close(s);
	ih_source_close(NULL);
}

static void test_timestamps(void **state)
{
	(void)state;
	char path[256];
	static const uint8_t frame[60] = { 0 };
	tmp_path(path, sizeof path, "usec.pcap");
	FILE *f = pcap_create(path, 0xa1b2c3d4u, IH_LINK_EN10MB);
	pcap_add(f, 1, 123, frame, 60, 60);
	pcap_add(f, 2000000000u, 999999, frame, 20, 60); /* libpcap: signed 32-bit seconds */
	fclose(f);
	struct counter c = read_one(path, IH_SRC_OK);
	assert_int_equal(c.frames, 2);
	assert_int_equal(c.first_ts, 1000123000ull);
	assert_int_equal(c.last_ts, 2000000000999999000ull);

	tmp_path(path, sizeof path, "nsec.pcap");
	f = pcap_create(path, 0xa1b23c4du, IH_LINK_RAW);
	pcap_add(f, 1, 123, frame, 60, 60);
	fclose(f);
	c = read_one(path, IH_SRC_OK);
	assert_int_equal(c.first_ts, 1000000123ull);
	assert_int_equal(c.linktype, IH_LINK_DLT_RAW1); /* libpcap maps LINKTYPE_RAW to DLT_RAW */
}

static void copy_prefix(const char *from, const char *to, uint64_t len)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	static uint8_t buf[1 << 16];
	while (len > 0) {
		size_t want = len < sizeof buf ? (size_t)len : sizeof buf;
		size_t got = fread(buf, 1, want, in);
		assert_int_equal(got, want);
		assert_int_equal(fwrite(buf, 1, got, out), got);
		len -= got;
	}
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void check_truncated(const char *name, uint64_t cut)
{
	char src[512], dst[256], err[512];
	data_path(src, sizeof src, name);
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	tmp_path(dst, sizeof dst, base);
	uint64_t size = file_size(src);
	copy_prefix(src, dst, size - cut);
	char *files[1] = { dst };
	struct ih_source *s = ih_source_open_files(files, 1, err, sizeof err);
	assert_non_null(s);
	struct counter c = { .src = s };
	assert_int_equal(ih_source_run(s, count_frame, &c, err, sizeof err), IH_SRC_READ_ERROR);
	/* "FILE: packet N at byte offset O: libpcap's message" */
	char want[600];
	snprintf(want, sizeof want, "%s: packet %llu at byte offset %llu: ", dst,
		 (unsigned long long)(c.frames + 1), (unsigned long long)(size - cut));
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("got \"%s\", want a message starting \"%s\"", err, want);
	assert_true(strlen(err) > strlen(want));
	ih_source_close(s);
}

static void test_truncated(void **state)
{
	(void)state;
	/* the last frame of case_seed.pcap is 98 bytes plus a 16-byte record header */
	check_truncated("corpus/case_seed.pcap", 50);
	check_truncated("corpus/case_seed.pcap", 98 + 16 - 3); /* inside the record header */
	check_truncated("corpus/sweep_fping.pcapng", 40);
}

static void test_stop(void **state)
{
	(void)state;
	char a[512], b[512], err[512];
	data_path(a, sizeof a, "corpus/case_seed.pcap");
	data_path(b, sizeof b, "corpus/sweep_fping.pcapng");
	char *files[2] = { a, b };
	struct ih_source *s = ih_source_open_files(files, 2, err, sizeof err);
	assert_non_null(s);
	struct counter c = { .src = s, .stop_after = 5 };
	assert_int_equal(ih_source_run(s, count_frame, &c, err, sizeof err), IH_SRC_STOPPED);
	assert_int_equal(c.frames, 5);
	assert_true(ih_source_bytes_read(s) < ih_source_bytes_total(s));
	ih_source_close(s);

	/* stopped before running */
	s = ih_source_open_files(files, 2, err, sizeof err);
	ih_source_stop(s);
	struct counter d = { 0 };
	assert_int_equal(ih_source_run(s, count_frame, &d, err, sizeof err), IH_SRC_STOPPED);
	assert_int_equal(d.frames, 0);
	ih_source_close(s);
}

/* ===================================================================================== */
/* Order across batches                                                   */
/* ===================================================================================== */

#define ORDER_FRAMES 3000

struct order {
	uint32_t next;       /* the tag expected next */
	uint32_t large;      /* frames of 200,000 bytes seen */
};

static uint32_t tag_of(const uint8_t *d)
{
	uint32_t t;
	memcpy(&t, d, 4);
	return t;
}

static void order_frame(void *ctx, const struct ih_frame *fr)
{
	struct order *o = ctx;
	assert_true(fr->cap_len >= 64);
	uint32_t tag = tag_of(fr->data);
	assert_int_equal(tag, o->next); /* in file order, every frame once */
	assert_int_equal(fr->number, tag % ORDER_FRAMES + 1);
	/* the bytes are this frame's, whole (the arena kept them apart) */
	assert_int_equal(fr->data[fr->cap_len - 1], (uint8_t)tag);
	assert_int_equal(fr->data[fr->cap_len / 2], (uint8_t)tag);
	if (fr->cap_len == 200000)
		o->large++;
	o->next++;
}

/* The prepare hook: run on the reader's thread for each frame, its slot carried to the
 * callback with the frame. */
struct prepared {
	uint32_t tag, len;
	uint64_t number;
	enum ih_prep_effort effort;
};

static void prepare_frame(void *ctx, const struct ih_frame *fr, void *prep, enum ih_prep_effort effort)
{
	(*(uint32_t *)ctx)++; /* only the reader thread writes it, read after the run */
	struct prepared *p = prep;
	p->tag = tag_of(fr->data);
	p->len = fr->cap_len;
	p->number = fr->number;
	p->effort = effort;
}

struct prep_check {
	struct order o;
	int mode;                 /* the mode the source was given */
	uint32_t without;         /* frames delivered unprepared */
	uint32_t all;             /* ... prepared with IH_PREP_ALL */
	uint32_t first_prepared;  /* the number in the run (1-based) of the first prepared frame */
	bool slow;                /* the callback sleeps 1 ms every 64 frames */
};

static void check_prepared(void *ctx, const struct ih_frame *fr)
{
	struct prep_check *c = ctx;
	order_frame(&c->o, fr);
	if (c->slow && c->o.next % 64 == 0)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	const struct prepared *p = fr->prep;
	if (p && !c->first_prepared)
		c->first_prepared = c->o.next;
	if (p && p->effort == IH_PREP_ALL)
		c->all++;
	if (c->mode == IH_PREP_NONE || (c->mode == IH_PREP_AUTO && !p)) {
		assert_null(p); /* the callback does all the work on this frame */
		c->without++;
		return;
	}
	assert_non_null(p);
	assert_int_equal(p->tag, tag_of(fr->data));
	assert_int_equal(p->len, fr->cap_len);
	assert_int_equal(p->number, fr->number);
	if (c->mode == IH_PREP_AUTO)
		assert_true(p->effort == IH_PREP_SOME || p->effort == IH_PREP_ALL);
	else
		assert_int_equal(p->effort, c->mode);
}

static uint32_t order_len(uint32_t i)
{
	return i % 500 == 250 ? 200000 : 64 + (i * 37) % 1400;
}

static void test_order_across_batches(void **state)
{
	(void)state;
	char a[256], b[256], err[512];
	static uint8_t frame[200000];
	tmp_path(a, sizeof a, "order1.pcap");
	tmp_path(b, sizeof b, "order2.pcap");
	for (uint32_t f = 0; f < 2; f++) {
		FILE *out = pcap_create(f ? b : a, 0xa1b2c3d4u, IH_LINK_EN10MB);
		for (uint32_t i = 0; i < ORDER_FRAMES; i++) {
			uint32_t tag = f * ORDER_FRAMES + i, len = order_len(i);
			memset(frame, (uint8_t)tag, len);
			memcpy(frame, &tag, 4);
			pcap_add(out, 1000 + tag, 0, frame, len, len);
		}
		assert_int_equal(fclose(out), 0);
	}
	char *files[2] = { a, b };
	struct ih_source *s = ih_source_open_files(files, 2, err, sizeof err);
	assert_non_null(s);
	struct order o = { 0 };
	assert_int_equal(ih_source_run(s, order_frame, &o, err, sizeof err), IH_SRC_OK);
	assert_int_equal(o.next, 2 * ORDER_FRAMES);
	assert_int_equal(o.large, 2 * (ORDER_FRAMES / 500));
	assert_int_equal(ih_source_bytes_read(s), ih_source_bytes_total(s));
	ih_source_close(s);

	/* again with a prepare function, in each mode: every frame delivered once, in order,
	 * prepared once with the effort it was given (in the balanced mode, frames read while few
	 * waited for the consumer come unprepared), its slot its own */
	const int modes[] = { IH_PREP_ALL, IH_PREP_SOME, IH_PREP_NONE, IH_PREP_AUTO };
	for (unsigned m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		s = ih_source_open_files(files, 2, err, sizeof err);
		assert_non_null(s);
		uint32_t prepared = 0;
		assert_false(ih_source_set_prepare(s, prepare_frame, &prepared, 1u << 20, modes[m]));
		assert_false(ih_source_set_prepare(s, prepare_frame, &prepared, sizeof(struct prepared), 7));
		assert_true(ih_source_set_prepare(s, prepare_frame, &prepared, sizeof(struct prepared), modes[m]));
		struct prep_check c = { .mode = modes[m] };
		assert_int_equal(ih_source_run(s, check_prepared, &c, err, sizeof err), IH_SRC_OK);
		assert_int_equal(c.o.next, 2 * ORDER_FRAMES);
		assert_int_equal(prepared + c.without, 2 * ORDER_FRAMES);
		if (modes[m] != IH_PREP_AUTO)
			assert_int_equal(c.without, modes[m] == IH_PREP_NONE ? 2 * ORDER_FRAMES : 0);
		ih_source_close(s);
	}

	/* balanced, with a consumer slower than the reader: nothing waits for it at the start,
	 * so the first frames come unprepared; then the ring fills, and the reader takes all the
	 * work (the effort follows the frames waiting, counted from the consumer's position) */
	s = ih_source_open_files(files, 2, err, sizeof err);
	assert_non_null(s);
	uint32_t prepared = 0;
	assert_true(ih_source_set_prepare(s, prepare_frame, &prepared, sizeof(struct prepared), IH_PREP_AUTO));
	struct prep_check c = { .mode = IH_PREP_AUTO, .slow = true };
	assert_int_equal(ih_source_run(s, check_prepared, &c, err, sizeof err), IH_SRC_OK);
	assert_int_equal(c.o.next, 2 * ORDER_FRAMES);
	assert_int_equal(prepared + c.without, 2 * ORDER_FRAMES);
	assert_true(c.first_prepared > 64);
	assert_true(c.all > ORDER_FRAMES);
	ih_source_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_open_not_a_capture),
		cmocka_unit_test(test_open_unsupported_link),
		cmocka_unit_test(test_read_corpus),
		cmocka_unit_test(test_read_several),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_order_across_batches),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
