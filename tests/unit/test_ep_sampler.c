/* test_ep_sampler.c — the live socket sampler, on a /proc built in a temporary directory (net
 * files, PID directories with stat, status, cmdline, an exe link to a real file and fd links to
 * sockets) and on the real /proc:
 *   - echo-id (ping socket port), pid-as-id (raw socket of a classic tool), raw-socket (the only
 *     owner left once the others are explained), ambiguity, a socket whose process is gone, a
 *     shared socket (lowest pid), times outside the window;
 *   - process description: ppid, uid -> user, command line, exe and its SHA-256, start time;
 *   - hostile trees: a FIFO where /proc/net/icmp should be, garbage links, missing files, a
 *     full cache (evictions counted);
 *   - the real /proc: this process, a deleted executable, and (as root) a raw ICMP socket of
 *     our own found by pid-as-id; the sampling thread starts and stops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "endpoint/sampler.h"

static char tmpdir[64], proc[128];
static long hz;

static void put(const char *rel, const char *content)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", proc, rel);
	char dir[sizeof path];
	snprintf(dir, sizeof dir, "%s", path);
	for (char *s = dir + strlen(proc) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(dir, 0755);
		*s = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void link_to(const char *rel, const char *target)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", proc, rel);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

static const char *const hdr4 =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";
static const char *const hdr6 =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";

static void sock4(char *buf, size_t len, int sl, unsigned port, unsigned uid, unsigned long inode)
{
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%5d: 00000000:%04X 00000000:0000 07 00000000:00000000 00:00000000 00000000 %5u        0 %lu 2 0000000000000000 0\n",
		 sl, port, uid, inode);
}

static void make_proc(const char *name, int pid, int ppid, unsigned uid, const char *cmdline, size_t cmdlen,
		      const char *exe_target, const unsigned long *inodes, unsigned ninodes)
{
	char rel[600], buf[512];
	snprintf(rel, sizeof rel, "%d/stat", pid);
	snprintf(buf, sizeof buf, "%d (%s) S %d %d 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 4242 100 10 0\n", pid, name, ppid, ppid);
	put(rel, buf);
	snprintf(rel, sizeof rel, "%d/status", pid);
	snprintf(buf, sizeof buf, "Name:\t%s\nPid:\t%d\nPPid:\t%d\nUid:\t%u\t%u\t%u\t%u\n", name, pid, ppid, uid, uid, uid, uid);
	put(rel, buf);
	snprintf(rel, sizeof rel, "%s/%d/cmdline", proc, pid);
	FILE *f = fopen(rel, "w");
	assert_non_null(f);
	fwrite(cmdline, 1, cmdlen, f);
	fclose(f);
	if (exe_target) {
		snprintf(rel, sizeof rel, "%d/exe", pid);
		link_to(rel, exe_target);
	}
	snprintf(rel, sizeof rel, "%s/%d/fd", proc, pid);
	mkdir(rel, 0755);
	snprintf(rel, sizeof rel, "%d/fd/0", pid);
	link_to(rel, "/dev/null");
	for (unsigned i = 0; i < ninodes; i++) {
		char target[64];
		snprintf(rel, sizeof rel, "%d/fd/%u", pid, 3 + i);
		snprintf(target, sizeof target, "socket:[%lu]", inodes[i]);
		link_to(rel, target);
	}
}

static char updater[512], tunnel_bin[512], ping_bin[512];

static int setup(void **state)
{
	(void)state;
	hz = sysconf(_SC_CLK_TCK);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ih_test_sampler.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(proc, sizeof proc, "%s/proc", tmpdir);
	mkdir(proc, 0755);
	char d[512];
	snprintf(d, sizeof d, "%s/home", tmpdir);
	mkdir(d, 0755);
	snprintf(d, sizeof d, "%s/home/.cache", tmpdir);
	mkdir(d, 0755);
	snprintf(updater, sizeof updater, "%s/home/.cache/updater", tmpdir);
	snprintf(tunnel_bin, sizeof tunnel_bin, "%s/ptunnel-ng", tmpdir);
	snprintf(ping_bin, sizeof ping_bin, "%s/ping", tmpdir);
	FILE *f = fopen(updater, "w");
	fputs("hello\n", f);
	fclose(f);
	f = fopen(tunnel_bin, "w");
	fputs("tunnel\n", f);
	fclose(f);
	f = fopen(ping_bin, "w");
	fputs("ping\n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The lab of the tests below. */
static void build_lab(void)
{
	put("stat", "cpu  1 2 3\nbtime 1795560000\nprocesses 7\n");
	char net[4096] = "";
	strcat(net, hdr4);
	sock4(net, sizeof net, 1, 0x0F50, 65534, 5001); /* the beacon's ping socket: id 3920 */
	sock4(net, sizeof net, 2, 0x1111, 1000, 5005);  /* a ping socket whose process is gone */
	sock4(net, sizeof net, 3, 0x2222, 0, 5006);     /* shared by two processes after fork */
	put("net/icmp", net);
	put("net/icmp6", hdr6);
	strcpy(net, hdr4);
	sock4(net, sizeof net, 1, 1, 0, 5002);   /* ptunnel-ng: raw ICMP */
	sock4(net, sizeof net, 2, 1, 0, 5003);   /* classic ping on a raw socket */
	sock4(net, sizeof net, 3, 6, 0, 5099);   /* raw TCP: not ICMP, ignored */
	put("net/raw", net);
	char net6[1024];
	snprintf(net6, sizeof net6, "%s  9: 00000000000000000000000000000000:003A 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5004 2 0 0\n", hdr6);
	put("net/raw6", net6);
	static const unsigned long b[] = { 5001 }, t[] = { 5002 }, p[] = { 5003, 5004 }, s[] = { 5006 };
	make_proc("updater", 2001, 1900, 65534, "updater\0-p\0" "4b21c0de\0", 21, updater, b, 1);
	make_proc("ptunnel-ng", 2002, 1, 0, "ptunnel-ng\0-p203.0.113.7\0", 25, tunnel_bin, t, 1);
	make_proc("ping", 2003, 1900, 0, "ping\0-c\0" "3\0", 10, ping_bin, p, 2);
	make_proc("worker", 2011, 2010, 0, "worker\0", 7, ping_bin, s, 1);
	make_proc("worker", 2010, 1, 0, "worker\0", 7, ping_bin, s, 1);
	/* a process whose fd directory holds junk links */
	make_proc("junk", 2020, 1, 0, "junk\0", 5, NULL, NULL, 0);
	link_to("2020/fd/5", "socket:[notanumber]");
	link_to("2020/fd/6", "socket:[99999999999999999999999999]");
	link_to("2020/fd/7", "anon_inode:[eventfd]");
	/* a directory that looks like a pid but holds nothing */
	char d[256];
	snprintf(d, sizeof d, "%s/2030", proc);
	mkdir(d, 0755);
	put("self", "not a directory\n");
}

static struct ih_sampler *new_sampler(unsigned cap)
{
	struct ih_sampler_config c;
	ih_sampler_config_default(&c);
	c.proc_root = proc;
	c.capacity = cap;
	c.owner_tries = 2;
	struct ih_sampler *s = ih_sampler_new(&c);
	assert_non_null(s);
	return s;
}

static struct ih_ep_query query(uint16_t id, uint8_t family)
{
	static struct ih_addr dst;
	ih_addr_parse(family == IH_AF_INET ? "203.0.113.7" : "fd78::28", &dst);
	struct ih_ep_query q = { .family = family, .dsts = &dst, .ndst = 1, .has_id = true, .id = id };
	ih_addr_parse(family == IH_AF_INET ? "10.77.0.10" : "fd77::a", &q.src);
	q.t0 = ih_ep_now_ns() - 100000000ull;
	q.t1 = q.t0 + 200000000ull;
	return q;
}

static void test_echo_id_and_process(void **state)
{
	(void)state;
	build_lab();
	struct ih_sampler *s = new_sampler(64);
	ih_sampler_sample_once(s);
	struct ih_ep_query q = query(3920, IH_AF_INET);
	struct ih_ep_answer a;
	assert_true(ih_sampler_match(s, &q, &a));
	assert_int_equal(a.match, IH_EP_MATCH_ECHO_ID);
	assert_int_equal(a.sock, IH_EP_SOCK_PING);
	assert_true(a.owner_known);
	assert_int_equal(a.inode, 5001);
	assert_int_equal(a.proc.pid, 2001);
	assert_int_equal(a.proc.ppid, 1900);
	assert_int_equal(a.proc.uid, 65534);
	char want_user[IH_EP_USER_MAX];
	ih_ep_user_name(65534, want_user, sizeof want_user);
	assert_string_equal(a.proc.user, want_user);
	assert_string_equal(a.proc.comm, "updater");
	assert_string_equal(a.proc.cmdline, "updater -p 4b21c0de");
	assert_string_equal(a.proc.exe, updater);
	assert_false(a.proc.exe_deleted);
	/* sha256("hello\n") */
	assert_string_equal(a.proc.exe_sha256, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	assert_int_equal(a.proc.exe_size, 6);
	uint64_t want = 1795560000ull * 1000000000ull + 4242ull * 1000000000ull / (uint64_t)hz;
	assert_true(a.proc.start_ns + 1000000000ull / (uint64_t)hz >= want && a.proc.start_ns <= want);
	json_t *j = ih_proc_json(&a.proc, a.sock, a.match);
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 2001);
	assert_string_equal(json_string_value(json_object_get(j, "match")), "echo-id");
	assert_string_equal(json_string_value(json_object_get(j, "socket")), "ping");
	json_decref(j);
	ih_sampler_free(s);
}

static void test_raw_sockets(void **state)
{
	(void)state;
	build_lab();
	struct ih_sampler *s = new_sampler(64);
	ih_sampler_sample_once(s);
	struct ih_ep_answer a;
	/* classic ping: id = pid */
	struct ih_ep_query q = query(2003, IH_AF_INET);
	assert_true(ih_sampler_match(s, &q, &a));
	assert_int_equal(a.match, IH_EP_MATCH_PID_AS_ID);
	assert_int_equal(a.proc.pid, 2003);
	/* two raw ICMP owners, nothing explains either: ambiguous, both named */
	q = query(7777, IH_AF_INET);
	assert_false(ih_sampler_match(s, &q, &a));
	assert_int_equal(a.match, IH_EP_MATCH_NONE);
	assert_int_equal(a.candidates, 2);
	assert_non_null(strstr(a.reason, "ambiguous"));
	/* the ping's raw socket is explained by its own conversation (id 2003): the tunnel is left */
	uint16_t others[] = { 2003 };
	q.other_ids = others;
	q.n_other = 1;
	assert_true(ih_sampler_match(s, &q, &a));
	assert_int_equal(a.match, IH_EP_MATCH_RAW_SOCKET);
	assert_int_equal(a.sock, IH_EP_SOCK_RAW);
	assert_int_equal(a.proc.pid, 2002);
	assert_string_equal(a.proc.exe, tunnel_bin);
	/* IPv6: the only raw6 ICMPv6 socket is the classic ping's second one */
	q = query(4444, IH_AF_INET6);
	assert_true(ih_sampler_match(s, &q, &a));
	assert_int_equal(a.match, IH_EP_MATCH_RAW_SOCKET);
	assert_int_equal(a.proc.pid, 2003);
	ih_sampler_free(s);
}

static void test_gone_shared_and_time(void **state)
{
	(void)state;
	build_lab();
	struct ih_sampler *s = new_sampler(64);
	ih_sampler_sample_once(s);
	ih_sampler_sample_once(s); /* owner_tries = 2: given up after this one */
	struct ih_ep_answer a;
	struct ih_ep_query q = query(0x1111, IH_AF_INET);
	assert_true(ih_sampler_match(s, &q, &a));
	assert_false(a.owner_known);
	assert_int_equal(a.sock_uid, 1000);
	assert_non_null(strstr(a.reason, "exited"));
	q = query(0x2222, IH_AF_INET);
	assert_true(ih_sampler_match(s, &q, &a));
	assert_int_equal(a.proc.pid, 2010); /* the lowest of the two holders */
	/* a conversation long before the socket was seen */
	q = query(3920, IH_AF_INET);
	q.t0 -= 3600ull * 1000000000ull;
	q.t1 = q.t0 + 1000000000ull;
	assert_false(ih_sampler_match(s, &q, &a));
	assert_non_null(strstr(a.reason, "no ping socket with local port 3920"));
	struct ih_sampler_stats st;
	ih_sampler_get_stats(s, &st);
	assert_int_equal(st.samples, 2);
	assert_int_equal(st.sockets_seen, 6);
	assert_int_equal(st.live_sockets, 6);
	assert_int_equal(st.owners_missed, 1);
	assert_int_equal(st.exe_hashed, 3); /* updater, ptunnel-ng, ping (shared by three) */
	json_t *j = ih_sampler_stats_json(s);
	assert_int_equal(json_integer_value(json_object_get(j, "sockets_seen")), 6);
	json_decref(j);
	ih_sampler_free(s);
}

static void test_hostile_tree(void **state)
{
	(void)state;
	build_lab();
	/* a FIFO where /proc/net/icmp should be: refused, not read (a read would block) */
	char path[512];
	snprintf(path, sizeof path, "%s/net/icmp", proc);
	unlink(path);
	assert_int_equal(mkfifo(path, 0644), 0);
	/* garbage in raw6, a dangling exe link, a missing status */
	put("net/raw6", "\x01\x02\x03 garbage\n  1: zz\n");
	link_to("2002/exe", "/nonexistent/ptunnel-ng");
	snprintf(path, sizeof path, "%s/2002/status", proc);
	unlink(path);
	struct ih_sampler *s = new_sampler(64);
	ih_sampler_sample_once(s);
	struct ih_sampler_stats st;
	ih_sampler_get_stats(s, &st);
	assert_int_equal(st.net_read_errors, 1);
	assert_int_equal(st.net_lines_bad, 2);
	struct ih_ep_query q = query(7777, IH_AF_INET);
	uint16_t others[] = { 2003 };
	q.other_ids = others;
	q.n_other = 1;
	struct ih_ep_answer a;
	assert_true(ih_sampler_match(s, &q, &a));
	assert_int_equal(a.proc.pid, 2002);
	assert_string_equal(a.proc.exe, "/nonexistent/ptunnel-ng"); /* as the link says */
	assert_string_equal(a.proc.exe_sha256, "");
	assert_int_equal(a.proc.uid, -1);
	ih_sampler_free(s);
	unlink(path);
	snprintf(path, sizeof path, "%s/net/icmp", proc);
	unlink(path);
}

static void test_cache_bounded(void **state)
{
	(void)state;
	build_lab();
	struct ih_sampler *s = new_sampler(16);
	for (int round = 0; round < 3; round++) {
		char net[8192] = "";
		strcat(net, hdr4);
		for (int i = 0; i < 20; i++)
			sock4(net, sizeof net, i, 0x3000u + (unsigned)(round * 20 + i), 0, 9000ul + (unsigned long)(round * 20 + i));
		put("net/icmp", net);
		ih_sampler_sample_once(s);
	}
	struct ih_sampler_stats st;
	ih_sampler_get_stats(s, &st);
	/* 60 ping sockets and the lab's 3 raw ones; a live one evicted by a full cache comes back
	 * as new, so at least that many */
	assert_true(st.sockets_seen >= 63);
	assert_true(st.evictions >= 63 - 16);
	assert_int_equal(st.evictions, st.sockets_seen - 16);
	ih_sampler_free(s);
}

static void test_real_proc(void **state)
{
	(void)state;
	int fd = open("/proc", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	struct ih_proc p;
	assert_true(ih_ep_describe_pid(fd, getpid(), 0, 100, &p));
	assert_int_equal(p.pid, getpid());
	assert_int_equal(p.ppid, getppid());
	assert_int_equal(p.uid, (int64_t)getuid());
	assert_non_null(strstr(p.exe, "test_ep_sampler"));
	assert_false(p.exe_deleted);
	assert_false(ih_ep_describe_pid(fd, 0x7ffffff0, 0, 100, &p)); /* no such process */

	/* a running executable that was deleted: flagged, the " (deleted)" suffix gone */
	char copy[512];
	snprintf(copy, sizeof copy, "%s/sleep copy", tmpdir);
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "cp /bin/sleep '%s'", copy);
	assert_int_equal(system(cmd), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		execl(copy, "sleep", "5", (char *)NULL);
		_exit(127);
	}
	/* wait until the child has exec'd (its exe link names the copy) */
	char link[64], target[600];
	snprintf(link, sizeof link, "/proc/%d/exe", (int)child);
	for (int i = 0; i < 200; i++) {
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n > 0 && (target[n] = '\0', strstr(target, "sleep copy")))
			break;
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	unlink(copy);
	assert_true(ih_ep_describe_pid(fd, child, 0, 100, &p));
	assert_true(p.exe_deleted);
	assert_string_equal(p.exe, copy);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(fd);
}

static void test_real_raw_socket(void **state)
{
	(void)state;
	int sfd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (sfd < 0)
		skip(); /* needs CAP_NET_RAW */
	struct ih_sampler_config c;
	ih_sampler_config_default(&c);
	c.interval_ms = 50;
	struct ih_sampler *s = ih_sampler_new(&c);
	assert_non_null(s);
	assert_true(ih_sampler_start(s));
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	ih_sampler_stop(s);
	struct ih_sampler_stats st;
	ih_sampler_get_stats(s, &st);
	assert_true(st.samples >= 2);
	struct ih_ep_query q = query((uint16_t)(getpid() & 0xffff), IH_AF_INET);
	q.t0 -= 1000000000ull;
	struct ih_ep_answer a;
	assert_true(ih_sampler_match(s, &q, &a));
	assert_int_equal(a.match, IH_EP_MATCH_PID_AS_ID);
	assert_int_equal(a.proc.pid, getpid());
	assert_int_equal(strlen(a.proc.exe_sha256), 64);
	ih_sampler_free(s);
	close(sfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_id_and_process),
		cmocka_unit_test(test_raw_sockets),
		cmocka_unit_test(test_gone_shared_and_time),
		cmocka_unit_test(test_hostile_tree),
		cmocka_unit_test(test_cache_bounded),
		cmocka_unit_test(test_real_proc),
		cmocka_unit_test(test_real_raw_socket),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
