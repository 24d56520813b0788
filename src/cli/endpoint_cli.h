/* endpoint_cli.h — the endpoint options shared by `analyze` and `watch`, and the wiring of the
 * endpoint stage (src/endpoint/attrib.h) into a pipeline.
 *
 *   --endpoint-log FILE      auditd log or osquery socket_events JSON lines (repeatable, 8)
 *   --endpoint-format F      auto (default), auditd, osquery
 *   --endpoint-host ADDR     the host the log belongs to: its conversations may be matched to
 *                            socket-open records; without it only records that name the peer
 *                            (remote address) match
 *   --endpoint-slack S       clock difference allowed between capture and log (2)
 *   --endpoint-window S      a socket opened this long before a conversation counts (3600) */
#ifndef IH_ENDPOINT_CLI_H
#define IH_ENDPOINT_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "cli/pipeline.h"
#include "endpoint/attrib.h"
#include "endpoint/eplog.h"
#include "endpoint/sampler.h"

#define IH_EP_CLI_MAX_LOGS 8

/* getopt_long values of the endpoint options (commands keep theirs below 0x1000). */
enum {
	IH_EP_OPT_LOG = 0x1000,
	IH_EP_OPT_FORMAT,
	IH_EP_OPT_HOST,
	IH_EP_OPT_SLACK,
	IH_EP_OPT_WINDOW,
};
/* The long options themselves, to copy into a command's table. */
#define IH_EP_CLI_LONGOPTS                                                                       \
	{ "endpoint-log", required_argument, NULL, IH_EP_OPT_LOG },                               \
	{ "endpoint-format", required_argument, NULL, IH_EP_OPT_FORMAT },                         \
	{ "endpoint-host", required_argument, NULL, IH_EP_OPT_HOST },                             \
	{ "endpoint-slack", required_argument, NULL, IH_EP_OPT_SLACK },                           \
	{ "endpoint-window", required_argument, NULL, IH_EP_OPT_WINDOW }

#define IH_EP_CLI_USAGE                                                                          \
	"      --endpoint-log FILE   auditd log or osquery socket_events JSON lines: name the\n"    \
	"                            process behind each finding (docs/ENDPOINT.md); repeatable\n" \
	"      --endpoint-format F   auto (default), auditd or osquery\n"                           \
	"      --endpoint-host ADDR  the host the log belongs to (default: match the log's remote\n" \
	"                            addresses to the findings' destinations)\n"                   \
	"      --endpoint-slack S    clock difference allowed between capture and log (2)\n"        \
	"      --endpoint-window S   a socket opened up to S before a conversation counts (3600)\n"

struct ih_ep_cli {
	const char *logs[IH_EP_CLI_MAX_LOGS];
	unsigned nlogs;
	enum ih_eplog_format fmt;
	bool have_host;
	struct ih_addr host;
	double slack_s, window_s;

	/* built by ih_ep_cli_attach */
	struct ih_eplog *log;
	struct ih_endpoint *ep;
};

void ih_ep_cli_init(struct ih_ep_cli *c);
/* Handles one of the IH_EP_OPT_* options; false with a message in err on a bad value. */
bool ih_ep_cli_option(struct ih_ep_cli *c, int opt, const char *val, char *err, size_t errlen);
/* Is any endpoint option in use (offline correlation wanted)? */
bool ih_ep_cli_wanted(const struct ih_ep_cli *c);
/* Reads the logs (messages about malformed lines to stderr) and adds the endpoint stage to
 * the pipeline. sampler: the live resolver or NULL. live_local: "local" means this host's
 * interface addresses. Returns false with err when a log cannot be read or memory ran out. */
bool ih_ep_cli_attach(struct ih_ep_cli *c, struct ih_pipeline *pl, struct ih_sampler *sampler,
		      bool live_local, char *err, size_t errlen);
/* Offline end: attribution of every finding, suspicious_process findings, sort again. */
void ih_ep_cli_finish(struct ih_ep_cli *c, struct ih_pipeline *pl);
/* After ih_pipeline_free. */
void ih_ep_cli_free(struct ih_ep_cli *c);

#endif
