/* slice.c — the rule that says which packets belong to an incident (slice.h has it in full). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeparse.h"
#include "evidence/slice.h"
#include "report/finding.h"

static const char *str_or_empty(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

static bool unspecified(const struct ih_addr *a)
{
	for (size_t i = 0; i < sizeof(a->b); i++)
		if (a->b[i])
			return false;
	return true;
}

/* "445/tcp" -> port, proto. */
static bool parse_port(const char *s, uint16_t *port, uint8_t *proto)
{
	char *end;
	if (!s)
		return false;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || v > 65535 || *end != '/')
		return false;
	if (strcmp(end + 1, "tcp") == 0)
		*proto = IH_PROTO_TCP;
	else if (strcmp(end + 1, "udp") == 0)
		*proto = IH_PROTO_UDP;
	else
		return false;
	*port = (uint16_t)v;
	return true;
}

/* The hosts and ports of a lateral_movement finding's evidence. False (any host in dst, any
 * port) when the list is partial or unreadable: a wider slice, never a narrower one. */
static bool lateral_hosts(struct ih_slice_rule *r, const json_t *ev)
{
	const json_t *hosts = json_object_get(ev, "hosts");
	json_int_t not_listed = json_integer_value(json_object_get(ev, "hosts_not_listed"));
	if (!json_is_array(hosts) || !json_array_size(hosts) || not_listed > 0 ||
	    json_array_size(hosts) > IH_SLICE_MAX_HOSTS)
		return false;
	r->hosts = calloc(json_array_size(hosts), sizeof(*r->hosts));
	if (!r->hosts)
		return false;
	size_t i;
	const json_t *h;
	json_array_foreach(hosts, i, h) {
		struct ih_slice_host *x = &r->hosts[r->nhosts];
		const json_t *ports = json_object_get(h, "ports");
		if (!ih_addr_parse(json_string_value(json_object_get(h, "addr")), &x->addr) || !json_is_array(ports) ||
		    !json_array_size(ports) || json_array_size(ports) > IH_SLICE_MAX_PORTS)
			goto any;
		size_t j;
		const json_t *pt;
		json_array_foreach(ports, j, pt) {
			if (!parse_port(json_string_value(pt), &x->port[x->nports], &x->proto[x->nports]))
				goto any;
			x->nports++;
		}
		r->nhosts++;
	}
	return true;
any:
	free(r->hosts);
	r->hosts = NULL;
	r->nhosts = 0;
	return false;
}

bool ih_slice_build(struct ih_slice *s, const json_t *findings, uint64_t grace_us, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->grace_us = grace_us;
	size_t n = json_array_size(findings);
	if (!n)
		return true;
	s->r = calloc(n, sizeof(*s->r));
	if (!s->r) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	size_t i;
	const json_t *f;
	json_array_foreach(findings, i, f) {
		struct ih_slice_rule *r = &s->r[s->n];
		const char *id = json_string_value(json_object_get(f, "id"));
		const char *kind = json_string_value(json_object_get(f, "kind"));
		const char *dst = json_string_value(json_object_get(f, "dst"));
		uint64_t first, last;
		snprintf(r->finding, sizeof(r->finding), "%.39s", id ? id : "?");
		if (!id || !kind || !ih_addr_parse(json_string_value(json_object_get(f, "src")), &r->src) ||
		    !ih_time_parse(str_or_empty(json_object_get(f, "first_seen")), &first) ||
		    !ih_time_parse(str_or_empty(json_object_get(f, "last_seen")), &last) || last < first) {
			snprintf(err, errlen, "finding %s: needs id, kind, an address as src, first_seen <= last_seen",
				 r->finding);
			ih_slice_free(s);
			return false;
		}
		r->first_us = first / 1000u;
		r->last_us = last / 1000u + grace_us;
		r->src_unknown = unspecified(&r->src);
		r->any_peer = !dst || !ih_cidr_parse(dst, &r->peer);
		if (strcmp(kind, "lateral_movement") == 0) {
			r->kind = IH_SLICE_L4;
			lateral_hosts(r, json_object_get(f, "evidence"));
		}
		s->n++;
	}
	return true;
}

void ih_slice_free(struct ih_slice *s)
{
	for (size_t i = 0; s->r && i < s->n; i++)
		free(s->r[i].hosts);
	free(s->r);
	memset(s, 0, sizeof(*s));
}

static bool in_peer(const struct ih_slice_rule *r, const struct ih_addr *a)
{
	return r->any_peer || ih_cidr_contains(&r->peer, a);
}

/* An exchange between the rule's src and a peer, either direction (addresses only). */
static bool pair_matches(const struct ih_slice_rule *r, const struct ih_addr *x, const struct ih_addr *y)
{
	if (r->src_unknown)
		return (!r->any_peer && (in_peer(r, x) || in_peer(r, y)));
	return (ih_addr_eq(x, &r->src) && in_peer(r, y)) || (ih_addr_eq(y, &r->src) && in_peer(r, x));
}

/* A TCP/UDP packet from x:sport to y:dport of protocol proto, against a lateral rule. ports:
 * false for a fragment (no header: addresses and protocol only). */
static bool l4_matches(const struct ih_slice_rule *r, const struct ih_addr *x, const struct ih_addr *y, uint8_t proto,
		       bool ports, uint16_t sport, uint16_t dport)
{
	if (proto != IH_PROTO_TCP && proto != IH_PROTO_UDP)
		return false;
	if (!r->hosts)
		return !r->src_unknown && pair_matches(r, x, y);
	bool out = ih_addr_eq(x, &r->src);
	const struct ih_addr *peer = out ? y : x;
	if (!out && !ih_addr_eq(y, &r->src))
		return false;
	for (unsigned h = 0; h < r->nhosts; h++) {
		if (!ih_addr_eq(&r->hosts[h].addr, peer))
			continue;
		if (!ports)
			return true;
		for (unsigned k = 0; k < r->hosts[h].nports; k++)
			if (r->hosts[h].proto[k] == proto && r->hosts[h].port[k] == (out ? dport : sport))
				return true;
	}
	return false;
}

static bool icmp_proto(uint8_t proto)
{
	return proto == IH_PROTO_ICMP || proto == IH_PROTO_ICMP6;
}

static bool rule_matches(const struct ih_slice_rule *r, enum ih_dec_result res, const struct ih_pkt *p)
{
	uint64_t us = p->ts_ns / 1000u;
	if (us < r->first_us || us > r->last_us)
		return false;
	if (res == IH_DEC_SKIP_FRAGMENT) {
		uint8_t proto = p->frag.next_header ? p->frag.next_header : p->proto;
		if (r->kind == IH_SLICE_L4)
			return l4_matches(r, &p->src, &p->dst, proto, false, 0, 0);
		return icmp_proto(proto) && pair_matches(r, &p->src, &p->dst);
	}
	if (r->kind == IH_SLICE_L4 && p->has_ports &&
	    l4_matches(r, &p->src, &p->dst, p->proto, true, p->sport, p->dport))
		return true;
	if (!p->has_icmp)
		return false;
	if (r->kind == IH_SLICE_ICMP && pair_matches(r, &p->src, &p->dst))
		return true;
	/* an error about a packet of the rule, sent to or by src */
	if (!ih_icmp_is_error(p->icmp_class) || !p->quoted.present)
		return false;
	const struct ih_quoted *q = &p->quoted;
	if (!r->src_unknown && !ih_addr_eq(&p->src, &r->src) && !ih_addr_eq(&p->dst, &r->src))
		return false;
	if (r->kind == IH_SLICE_L4)
		return l4_matches(r, &q->src, &q->dst, q->proto, !q->truncated, q->sport, q->dport);
	return icmp_proto(q->proto) && pair_matches(r, &q->src, &q->dst);
}

unsigned ih_slice_match(struct ih_slice *s, enum ih_dec_result res, const struct ih_pkt *p, bool count)
{
	unsigned n = 0;
	if (res != IH_DEC_OK && res != IH_DEC_SKIP_FRAGMENT)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (rule_matches(&s->r[i], res, p)) {
			n++;
			if (count)
				s->r[i].matched++;
		}
	return n;
}

json_t *ih_slice_json(const struct ih_slice *s)
{
	json_t *a = json_array();
	char b[IH_ADDR_STRLEN + 8], t1[40], t2[40];
	for (size_t i = 0; i < s->n; i++) {
		const struct ih_slice_rule *r = &s->r[i];
		json_t *o = json_object();
		json_object_set_new(o, "finding", json_string(r->finding));
		json_object_set_new(o, "traffic", json_string(r->kind == IH_SLICE_L4 ? "tcp/udp" : "icmp"));
		json_object_set_new(o, "src", r->src_unknown ? json_string("any (spoofed sources)")
							    : json_string(ih_addr_str(&r->src, b, sizeof(b))));
		json_object_set_new(o, "peers", r->any_peer ? json_string("any")
							    : json_string(ih_cidr_str(&r->peer, b, sizeof(b))));
		if (r->hosts) {
			json_t *hs = json_array();
			for (unsigned h = 0; h < r->nhosts; h++) {
				json_t *ports = json_array();
				for (unsigned k = 0; k < r->hosts[h].nports; k++) {
					snprintf(b, sizeof(b), "%u/%s", r->hosts[h].port[k],
						 r->hosts[h].proto[k] == IH_PROTO_TCP ? "tcp" : "udp");
					json_array_append_new(ports, json_string(b));
				}
				char a2[IH_ADDR_STRLEN];
				json_array_append_new(hs, json_pack("{s:s,s:o}", "addr",
								    ih_addr_str(&r->hosts[h].addr, a2, sizeof(a2)), "ports",
								    ports));
			}
			json_object_set_new(o, "hosts", hs);
		}
		json_object_set_new(o, "from", json_string(ih_time_str(r->first_us * 1000u, t1, sizeof(t1))));
		json_object_set_new(o, "until", json_string(ih_time_str(r->last_us * 1000u, t2, sizeof(t2))));
		json_object_set_new(o, "packets", json_integer((json_int_t)r->matched));
		json_array_append_new(a, o);
	}
	return a;
}
