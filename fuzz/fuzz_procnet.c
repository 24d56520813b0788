/* fuzz_procnet.c — libFuzzer target for the /proc parsers of endpoint attribution
 * (endpoint/procparse.h) and the helpers every /proc string goes through.
 *
 * Input: one byte that picks the parser, then the file's bytes (copied into a heap block of
 * exactly that length, so that AddressSanitizer sees a read one byte past it):
 *   0..3  /proc/net/icmp, icmp6, raw, raw6 (whole file, line by line)
 *   4     /proc/PID/stat        5  /proc/PID/status      6  /proc/stat (btime)
 *   7     an fd link            8  ih_ep_sanitize        9  ih_ep_classify (as a path)
 * Besides "no crash", what procparse.h promises is checked: families and kinds match the file,
 * counts add up, output strings are printable ASCII and NUL-terminated.
 *
 * Built with -DIH_FUZZER by fuzz/meson.build. Without it, a main() replays inputs (files or
 * directories), as fuzz_decode.c does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint/endpoint.h"
#include "endpoint/procparse.h"

#include "fuzz_check.h"

static void check_printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	CHECK(n < cap);
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] >= 0x20 && s[i] < 0x7f);
}

struct ctx {
	enum ih_procnet_file f;
	uint64_t n;
};

static void on_sock(void *vctx, const struct ih_pn_sock *s)
{
	struct ctx *c = vctx;
	c->n++;
	bool v4 = c->f == IH_PN_ICMP || c->f == IH_PN_RAW;
	bool ping = c->f == IH_PN_ICMP || c->f == IH_PN_ICMP6;
	CHECK(s->family == (v4 ? IH_AF_INET : IH_AF_INET6));
	CHECK(s->local.family == s->family && s->remote.family == s->family);
	CHECK(s->kind == (ping ? IH_EP_SOCK_PING : IH_EP_SOCK_RAW));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned which = data[0] % 10;
	data++;
	size--;
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	switch (which) {
	case 0: case 1: case 2: case 3: {
		struct ctx c = { (enum ih_procnet_file)which, 0 };
		struct ih_pn_counts n = { 0 };
		ih_procnet_parse(c.f, buf, size, on_sock, &c, &n);
		CHECK(n.sockets == c.n);
		CHECK(n.sockets + n.bad + n.too_long <= n.lines);
		break;
	}
	case 4: {
		int32_t ppid = -2;
		uint64_t start = 0;
		char comm[IH_EP_COMM_MAX];
		if (ih_proc_parse_stat(buf, size, &ppid, &start, comm, sizeof comm))
			CHECK(ppid >= 0);
		check_printable(comm, sizeof comm);
		break;
	}
	case 5: {
		int64_t uid = -1, euid = -1;
		if (ih_proc_parse_status_uid(buf, size, &uid, &euid))
			CHECK(uid >= 0 && uid <= 0xffffffffLL && euid >= 0 && euid <= 0xffffffffLL);
		break;
	}
	case 6: {
		uint64_t bt = 0;
		if (ih_proc_parse_btime(buf, size, &bt))
			CHECK(bt >= 631152000ull && bt <= 7258118400ull);
		break;
	}
	case 7: {
		uint64_t ino;
		ih_proc_parse_socket_link(buf, size, &ino);
		break;
	}
	case 8: {
		char out[64];
		ih_ep_sanitize(buf, size, out, sizeof out, false);
		check_printable(out, sizeof out);
		ih_ep_sanitize(buf, size, out, sizeof out, true);
		check_printable(out, sizeof out);
		break;
	}
	case 9: {
		char *path = malloc(size + 1);
		if (!path)
			break;
		memcpy(path, buf, size);
		path[size] = '\0';
		struct ih_ep_verdict v;
		ih_ep_classify(path, size & 1, &v);
		CHECK(!v.suspicious || v.severity >= IH_SEV_MEDIUM);
		CHECK(v.suspicious || v.severity == IH_SEV_INFO);
		for (unsigned i = 0; v.reasons[i]; i++)
			CHECK(i < 6);
		free(path);
		break;
	}
	}
	free(buf);
	return 0;
}

#ifndef IH_FUZZER
#include "replay_main.h"
#endif
