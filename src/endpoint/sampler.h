/* sampler.h — this host's ICMP sockets, sampled from /proc, and the processes holding them.
 *
 * Every interval (150 ms by default) the sampler reads /proc/net/{icmp,icmp6,raw,raw6}
 * (the network namespace of the calling process) and remembers each ICMP-capable socket by
 * inode with the first and last time it was seen. A socket not seen before is looked up in
 * /proc/PID/fd ("socket:[INODE]") and its owner is described: pid, parent, user, command
 * line, executable (path, deleted or not, SHA-256), start time. The cache is bounded and keeps
 * sockets after they close, so a ping that lived for one second is still known when the
 * finding about it is made, minutes later. The sampler runs on its own thread (so that a slow
 * /proc scan never stalls the capture) and can be driven by hand for tests
 * (ih_sampler_sample_once), with any directory standing in for /proc.
 *
 * Matching a conversation (ih_sampler_match), in order:
 *   echo-id     a ping socket whose local port is the echo id, of the same family, bound to
 *               the source (or unbound), seen around the conversation's time;
 *   pid-as-id   a raw ICMP socket whose owner's pid & 0xffff is the echo id (iputils ping and
 *               most classic tools set id = pid);
 *   raw-socket  the only process with a raw ICMP socket of that family at the time, once the
 *               raw sockets explained by pid-as-id on other conversations are set aside.
 * Times are the packets' clock (CLOCK_REALTIME) on both sides; a slack of two intervals plus
 * half a second covers the sampling delay. */
#ifndef IH_SAMPLER_H
#define IH_SAMPLER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "endpoint/endpoint.h"
#include "endpoint/procparse.h"

struct ih_sampler_config {
	const char *proc_root;    /* "/proc" */
	unsigned interval_ms;     /* between samples; 150 */
	unsigned capacity;        /* sockets remembered (live and closed); 1024 */
	uint64_t hash_max_bytes;  /* executables above this size are not hashed; 128 MiB */
	unsigned owner_tries;     /* samples in which a socket's owner is searched for; 5 */
	uint32_t max_pids;        /* processes visited per owner scan; 65536 */
	uint32_t max_fds;         /* fd entries visited per owner scan; 1 << 20 */
};
void ih_sampler_config_default(struct ih_sampler_config *c);

struct ih_sampler_stats {
	uint64_t samples, overruns;       /* overruns: a sample took longer than the interval */
	uint64_t sample_us_max;
	uint64_t sockets_seen;            /* distinct sockets remembered */
	uint64_t owners_found, owners_missed;
	uint64_t owner_scans, evictions;
	uint64_t exe_hashed, exe_hash_skipped;
	uint64_t net_lines_bad, net_read_errors;
	uint32_t live_sockets;
};

struct ih_sampler;

struct ih_sampler *ih_sampler_new(const struct ih_sampler_config *cfg);
/* One sample now (reads /proc; safe while the thread is not running, or from it). */
void ih_sampler_sample_once(struct ih_sampler *s);
/* Starts the sampling thread; false (errno set) if it could not. */
bool ih_sampler_start(struct ih_sampler *s);
/* Stops and joins the thread; the cache stays usable. */
void ih_sampler_stop(struct ih_sampler *s);
void ih_sampler_free(struct ih_sampler *s);

/* Looks the query up in the cache (thread-safe). Returns true when a socket matched (even if
 * its owner is unknown: a->owner_known says); false with a->reason otherwise. */
bool ih_sampler_match(struct ih_sampler *s, const struct ih_ep_query *q, struct ih_ep_answer *a);
/* Slack used around a query's times. */
uint64_t ih_sampler_slack_ns(const struct ih_sampler *s);
void ih_sampler_get_stats(struct ih_sampler *s, struct ih_sampler_stats *out);
json_t *ih_sampler_stats_json(struct ih_sampler *s);

/* The SHA-256 of an open regular file of at most max_bytes, as lowercase hex (65 bytes with
 * the NUL). Reads from the current offset to the end. False if unreadable or too big. */
bool ih_ep_sha256_fd(int fd, uint64_t max_bytes, char out[65]);
/* Process description from /proc/PID/... under proc_root (dirfd open on it). Fills what it
 * can; returns false when the process is gone. No hashing (the caller decides). */
bool ih_ep_describe_pid(int proc_dirfd, int32_t pid, uint64_t btime, long hz, struct ih_proc *p);

#endif
