/* classify.c — is this executable one that ought to send ICMP?
 *
 * Two questions, asked of the path only (a name is cheap to fake, so neither answer alone
 * clears a process):
 *   where it lives — system directories are written by the package manager; a home
 *   directory, /tmp, /dev/shm or a deleted file are where dropped tools run from (the seed's
 *   step 5: "executable located in user directory");
 *   what it is — the basename against a table of tools that send ICMP for a living.
 *
 * Verdicts (docs/ENDPOINT.md has the table):
 *   home, temporary, memory-backed or deleted ........................ high
 *   a known tunnel or packet-crafting tool, wherever it lives ............ high
 *   a known recon tool (nmap...) in a system directory ................... medium, named
 *   an unknown program in a system directory (python3, perl, ...) ........ medium
 *   an unknown program in /usr/local, /opt, /srv or elsewhere ............ medium
 *   a known diagnostic or monitoring tool in a system or local directory . not suspicious
 *   a known diagnostic tool anywhere else (/var/lib/x/ping) .............. medium
 * A path component that starts with '.' (~/.cache/updater) is named as a reason. */
#include <string.h>

#include "endpoint/endpoint.h"

const char *ih_ep_loc_name(enum ih_ep_loc l)
{
	switch (l) {
	case IH_LOC_SYSTEM: return "system";
	case IH_LOC_LOCAL: return "local";
	case IH_LOC_HOME: return "home";
	case IH_LOC_TEMP: return "temporary";
	case IH_LOC_SHM: return "memory-backed";
	case IH_LOC_OTHER: return "other";
	case IH_LOC_UNKNOWN: break;
	}
	return "unknown";
}

const char *ih_ep_tool_name(enum ih_ep_tool t)
{
	switch (t) {
	case IH_TOOLC_DIAGNOSTIC: return "diagnostic";
	case IH_TOOLC_MONITORING: return "monitoring";
	case IH_TOOLC_RECON: return "recon";
	case IH_TOOLC_OFFENSIVE: return "offensive";
	case IH_TOOLC_TUNNEL: return "tunnel";
	case IH_TOOLC_UNKNOWN: break;
	}
	return "unknown";
}

static const struct {
	const char *prefix;
	enum ih_ep_loc loc;
} locations[] = {
	{ "/usr/bin/", IH_LOC_SYSTEM },     { "/usr/sbin/", IH_LOC_SYSTEM },
	{ "/bin/", IH_LOC_SYSTEM },         { "/sbin/", IH_LOC_SYSTEM },
	{ "/usr/lib/", IH_LOC_SYSTEM },     { "/usr/lib32/", IH_LOC_SYSTEM },
	{ "/usr/lib64/", IH_LOC_SYSTEM },   { "/usr/libx32/", IH_LOC_SYSTEM },
	{ "/usr/libexec/", IH_LOC_SYSTEM }, { "/lib/", IH_LOC_SYSTEM },
	{ "/lib32/", IH_LOC_SYSTEM },       { "/lib64/", IH_LOC_SYSTEM },
	{ "/usr/local/", IH_LOC_LOCAL },    { "/opt/", IH_LOC_LOCAL },
	{ "/srv/", IH_LOC_LOCAL },          { "/snap/", IH_LOC_LOCAL },
	{ "/home/", IH_LOC_HOME },          { "/root/", IH_LOC_HOME },
	{ "/var/home/", IH_LOC_HOME },      { "/tmp/", IH_LOC_TEMP },
	{ "/var/tmp/", IH_LOC_TEMP },       { "/dev/shm/", IH_LOC_SHM },
	{ "/run/shm/", IH_LOC_SHM },        { "/run/user/", IH_LOC_SHM },
};

static const struct {
	const char *name;
	enum ih_ep_tool cls;
} tools[] = {
	/* diagnostics (iputils, fping, mtr, traceroute, busybox applets run as busybox) */
	{ "ping", IH_TOOLC_DIAGNOSTIC },         { "ping4", IH_TOOLC_DIAGNOSTIC },
	{ "ping6", IH_TOOLC_DIAGNOSTIC },        { "fping", IH_TOOLC_DIAGNOSTIC },
	{ "fping6", IH_TOOLC_DIAGNOSTIC },       { "mtr", IH_TOOLC_DIAGNOSTIC },
	{ "mtr-packet", IH_TOOLC_DIAGNOSTIC },   { "traceroute", IH_TOOLC_DIAGNOSTIC },
	{ "traceroute6", IH_TOOLC_DIAGNOSTIC },  { "traceroute.db", IH_TOOLC_DIAGNOSTIC },
	{ "tracepath", IH_TOOLC_DIAGNOSTIC },    { "tracepath6", IH_TOOLC_DIAGNOSTIC },
	{ "arping", IH_TOOLC_DIAGNOSTIC },       { "clockdiff", IH_TOOLC_DIAGNOSTIC },
	{ "ndisc6", IH_TOOLC_DIAGNOSTIC },       { "rdisc6", IH_TOOLC_DIAGNOSTIC },
	{ "rltraceroute6", IH_TOOLC_DIAGNOSTIC },{ "busybox", IH_TOOLC_DIAGNOSTIC },
	{ "oping", IH_TOOLC_DIAGNOSTIC },        { "noping", IH_TOOLC_DIAGNOSTIC },
	{ "gping", IH_TOOLC_DIAGNOSTIC },
	/* monitoring agents and checks */
	{ "zabbix_agentd", IH_TOOLC_MONITORING }, { "zabbix_agent2", IH_TOOLC_MONITORING },
	{ "zabbix_server", IH_TOOLC_MONITORING }, { "zabbix_proxy", IH_TOOLC_MONITORING },
	{ "check_icmp", IH_TOOLC_MONITORING },    { "check_ping", IH_TOOLC_MONITORING },
	{ "check_fping", IH_TOOLC_MONITORING },   { "check_host", IH_TOOLC_MONITORING },
	{ "smokeping", IH_TOOLC_MONITORING },     { "blackbox_exporter", IH_TOOLC_MONITORING },
	{ "prometheus-blackbox-exporter", IH_TOOLC_MONITORING },
	{ "telegraf", IH_TOOLC_MONITORING },      { "icinga2", IH_TOOLC_MONITORING },
	{ "monit", IH_TOOLC_MONITORING },         { "netdata", IH_TOOLC_MONITORING },
	{ "go.d.plugin", IH_TOOLC_MONITORING },   { "keepalived", IH_TOOLC_MONITORING },
	/* reconnaissance: known, named, not diagnostics */
	{ "nmap", IH_TOOLC_RECON },              { "nping", IH_TOOLC_RECON },
	{ "masscan", IH_TOOLC_RECON },           { "zmap", IH_TOOLC_RECON },
	{ "netdiscover", IH_TOOLC_RECON },       { "unicornscan", IH_TOOLC_RECON },
	/* packet crafting */
	{ "hping", IH_TOOLC_OFFENSIVE },         { "hping2", IH_TOOLC_OFFENSIVE },
	{ "hping3", IH_TOOLC_OFFENSIVE },        { "nemesis", IH_TOOLC_OFFENSIVE },
	{ "sing", IH_TOOLC_OFFENSIVE },
	/* ICMP tunnels and shells */
	{ "ptunnel", IH_TOOLC_TUNNEL },          { "ptunnel-ng", IH_TOOLC_TUNNEL },
	{ "icmptunnel", IH_TOOLC_TUNNEL },       { "icmpsh", IH_TOOLC_TUNNEL },
	{ "icmpsh_m", IH_TOOLC_TUNNEL },         { "icmpsh-s", IH_TOOLC_TUNNEL },
	{ "hans", IH_TOOLC_TUNNEL },             { "pingtunnel", IH_TOOLC_TUNNEL },
	{ "icmptx", IH_TOOLC_TUNNEL },           { "icmpdoor", IH_TOOLC_TUNNEL },
	{ "udp2raw", IH_TOOLC_TUNNEL },
};

/* A path we can reason about: absolute, and without "//", "/./" or "/../" (a log can carry
 * anything; readlink of /proc/PID/exe never gives these). */
static bool canonical(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *s = p; *s; s++) {
		if (s[0] != '/')
			continue;
		if (s[1] == '/')
			return false;
		if (s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
			return false;
		if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == '\0'))
			return false;
	}
	return true;
}

void ih_ep_classify(const char *exe, bool deleted, struct ih_ep_verdict *v)
{
	memset(v, 0, sizeof(*v));
	unsigned nr = 0;
#define REASON(s)                                                                                \
	do {                                                                                     \
		if (nr < sizeof(v->reasons) / sizeof(v->reasons[0]) - 1)                         \
			v->reasons[nr++] = (s);                                                  \
	} while (0)
	if (!exe || !exe[0])
		return; /* nothing to judge: never suspicious on no evidence */

	v->loc = IH_LOC_OTHER;
	if (canonical(exe))
		for (size_t i = 0; i < sizeof(locations) / sizeof(locations[0]); i++)
			if (strncmp(exe, locations[i].prefix, strlen(locations[i].prefix)) == 0) {
				v->loc = locations[i].loc;
				break;
			}
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (strcmp(base, tools[i].name) == 0) {
			v->tool = tools[i].cls;
			v->tool_name = tools[i].name;
			break;
		}
	/* a directory (not the last component) whose name starts with '.', other than . and .. */
	for (const char *s = exe; *s;) {
		if (*s == '/') {
			s++;
			continue;
		}
		const char *e = strchr(s, '/');
		if (!e)
			break;
		size_t n = (size_t)(e - s);
		if (s[0] == '.' && n > 1 && !(n == 2 && s[1] == '.')) {
			v->hidden_dir = true;
			break;
		}
		s = e;
	}

	enum ih_sev sev = IH_SEV_INFO;
	double conf = 0;
	bool known_benign = v->tool == IH_TOOLC_DIAGNOSTIC || v->tool == IH_TOOLC_MONITORING;
	if (deleted) {
		REASON("executable deleted while running");
		sev = IH_SEV_HIGH;
		conf = 0.9;
	}
	switch (v->loc) {
	case IH_LOC_HOME:
	case IH_LOC_TEMP:
	case IH_LOC_SHM:
		REASON("executable outside system directories, in a user-writable place");
		sev = IH_SEV_HIGH;
		conf = conf > 0.9 ? conf : 0.9;
		break;
	case IH_LOC_OTHER:
		REASON("executable outside system directories");
		if (sev < IH_SEV_MEDIUM) {
			sev = IH_SEV_MEDIUM;
			conf = 0.7;
		}
		break;
	case IH_LOC_LOCAL:
		if (!known_benign && sev < IH_SEV_MEDIUM) {
			REASON("executable outside system directories (locally installed)");
			sev = IH_SEV_MEDIUM;
			conf = 0.6;
		}
		break;
	case IH_LOC_SYSTEM:
	case IH_LOC_UNKNOWN:
		break;
	}
	switch (v->tool) {
	case IH_TOOLC_TUNNEL:
		REASON("a known ICMP tunnel tool");
		sev = IH_SEV_HIGH;
		conf = 0.95;
		break;
	case IH_TOOLC_OFFENSIVE:
		REASON("a known packet-crafting tool");
		sev = IH_SEV_HIGH;
		conf = conf > 0.85 ? conf : 0.85;
		break;
	case IH_TOOLC_RECON:
		REASON("a known reconnaissance tool, not a diagnostic one");
		if (sev < IH_SEV_MEDIUM) {
			sev = IH_SEV_MEDIUM;
			conf = 0.8;
		}
		break;
	case IH_TOOLC_UNKNOWN:
		REASON("not a known diagnostic or monitoring tool");
		if (sev < IH_SEV_MEDIUM) {
			sev = IH_SEV_MEDIUM;
			conf = 0.6;
		}
		break;
	case IH_TOOLC_DIAGNOSTIC:
	case IH_TOOLC_MONITORING:
		break;
	}
	if (v->hidden_dir && sev >= IH_SEV_MEDIUM)
		REASON("runs from a hidden directory");
	v->suspicious = sev >= IH_SEV_MEDIUM;
	v->severity = v->suspicious ? sev : IH_SEV_INFO;
	v->confidence = v->suspicious ? conf : 0;
	v->reasons[nr] = NULL;
#undef REASON
}
