/* endpoint_cli.c — endpoint options and wiring; see endpoint_cli.h. */
#include "cli/endpoint_cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ih_ep_cli_init(struct ih_ep_cli *c)
{
	memset(c, 0, sizeof(*c));
	c->slack_s = 2;
	c->window_s = 3600;
}

static bool seconds(const char *val, double max, double *out)
{
	char *end;
	double d = strtod(val, &end);
	if (end == val || *end || !isfinite(d) || d < 0 || d > max)
		return false;
	*out = d;
	return true;
}

bool ih_ep_cli_option(struct ih_ep_cli *c, int opt, const char *val, char *err, size_t errlen)
{
	switch (opt) {
	case IH_EP_OPT_LOG:
		if (c->nlogs >= IH_EP_CLI_MAX_LOGS) {
			snprintf(err, errlen, "at most %d --endpoint-log files", IH_EP_CLI_MAX_LOGS);
			return false;
		}
		c->logs[c->nlogs++] = val;
		return true;
	case IH_EP_OPT_FORMAT:
		if (!ih_eplog_format_parse(val, &c->fmt)) {
			snprintf(err, errlen, "--endpoint-format: '%s' is not auto, auditd or osquery", val);
			return false;
		}
		return true;
	case IH_EP_OPT_HOST:
		if (!ih_addr_parse(val, &c->host)) {
			snprintf(err, errlen, "--endpoint-host: '%s' is not an IPv4 or IPv6 address", val);
			return false;
		}
		c->have_host = true;
		return true;
	case IH_EP_OPT_SLACK:
		if (!seconds(val, 3600, &c->slack_s)) {
			snprintf(err, errlen, "--endpoint-slack: '%s' is not a number of seconds (0..3600)", val);
			return false;
		}
		return true;
	case IH_EP_OPT_WINDOW:
		if (!seconds(val, 30 * 86400, &c->window_s)) {
			snprintf(err, errlen, "--endpoint-window: '%s' is not a number of seconds (0..2592000)", val);
			return false;
		}
		return true;
	default:
		snprintf(err, errlen, "unknown endpoint option");
		return false;
	}
}

bool ih_ep_cli_wanted(const struct ih_ep_cli *c)
{
	return c->nlogs > 0;
}

bool ih_ep_cli_attach(struct ih_ep_cli *c, struct ih_pipeline *pl, struct ih_sampler *sampler,
		      bool live_local, char *err, size_t errlen)
{
	if (c->nlogs) {
		c->log = ih_eplog_new();
		if (!c->log) {
			snprintf(err, errlen, "out of memory for the endpoint log tables");
			return false;
		}
		for (unsigned i = 0; i < c->nlogs; i++)
			if (!ih_eplog_load(c->log, c->logs[i], c->fmt, stderr, err, errlen))
				return false;
	}
	struct ih_ep_config ec;
	ih_ep_config_default(&ec);
	ec.sampler = sampler;
	ec.log = c->log;
	ec.have_host = c->have_host;
	ec.host = c->host;
	ec.live_local = live_local;
	ec.live = live_local;
	ec.slack_ns = (uint64_t)llround(c->slack_s * 1e9);
	ec.lookback_ns = (uint64_t)llround(c->window_s * 1e9);
	ec.seed = pl->cfg.track.seed;
	c->ep = ih_endpoint_new(&ec, &pl->cfg, &pl->findings);
	if (!c->ep || pl->ndet >= sizeof(pl->det) / sizeof(pl->det[0])) {
		snprintf(err, errlen, "out of memory for the endpoint stage");
		return false;
	}
	/* last: it hears each packet after the detectors, and its stats join theirs */
	struct ih_detector *d = ih_endpoint_detector(c->ep);
	pl->det[pl->ndet++] = d;
	ih_track_add_detector(pl->track, d);
	return true;
}

void ih_ep_cli_finish(struct ih_ep_cli *c, struct ih_pipeline *pl)
{
	if (!c->ep)
		return;
	ih_endpoint_finish(c->ep, &pl->findings);
	ih_findings_sort(&pl->findings);
}

void ih_ep_cli_free(struct ih_ep_cli *c)
{
	ih_endpoint_free(c->ep);
	ih_eplog_free(c->log);
	c->ep = NULL;
	c->log = NULL;
}
