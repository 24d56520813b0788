/* markup_check.h — checks on generated HTML, SVG and Markdown for the report tests: a small
 * strict tokenizer, not a browser. What it enforces is what the report promises:
 *   - the bytes are valid UTF-8 with no control character but tab, newline and CR, and none of
 *     the invisible reordering characters (U+202A..U+202E, U+2066..U+2069, U+200B..U+200F);
 *   - text never holds a raw '<' or a '&' that does not start an entity (&name; &#N; &#xH;);
 *   - tags nest and close (HTML void elements and self-closed SVG elements aside), element
 *     names come from an allow-list (no script, img, iframe, object, embed, link, base, form,
 *     meta refresh...), attribute values are quoted, no attribute is an event handler (on*),
 *     no src, href only to "#fragment", and no style value calls url();
 *   - ids are unique.
 * Header-only (static functions) so each test program includes it once. */
#ifndef MARKUP_CHECK_H
#define MARKUP_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static char mc_err[512];

static bool mc_fail(const char *what, const char *at, const char *base)
{
	snprintf(mc_err, sizeof(mc_err), "%s at byte %ld: %.60s", what, (long)(at - base), at);
	return false;
}

/* Valid UTF-8, no controls, no invisible reordering characters. */
static bool mc_text_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				return mc_fail("control byte", s + i, s);
			i++;
			continue;
		}
		size_t need = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : 9;
		if (need == 9 || need > n - i - 1)
			return mc_fail("bad or cut UTF-8 sequence", s + i, s);
		uint32_t cp = c & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);
		for (size_t k = 1; k <= need; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return mc_fail("bad UTF-8 continuation", s + i, s);
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		uint32_t min = need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000;
		if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return mc_fail("overlong, surrogate or out of range", s + i, s);
		if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF || cp == 0x2028 || cp == 0x2029)
			return mc_fail("invisible or control character", s + i, s);
		i += need + 1;
	}
	return true;
}

static bool mc_entity(const char *p, const char *end)
{
	/* p at '&' */
	const char *q = p + 1;
	if (q < end && *q == '#') {
		q++;
		bool hex = q < end && (*q == 'x' || *q == 'X');
		if (hex)
			q++;
		const char *d = q;
		while (q < end && ((*q >= '0' && *q <= '9') || (hex && ((*q >= 'a' && *q <= 'f') || (*q >= 'A' && *q <= 'F')))))
			q++;
		return q > d && q < end && *q == ';';
	}
	const char *d = q;
	while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
		q++;
	return q > d && q < end && *q == ';';
}

static const char *const mc_allowed[] = {
	"html", "head", "meta", "title", "style", "body", "header", "nav", "main", "section", "article", "footer", "div",
	"span", "p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "thead", "tbody",
	"tr", "th", "td", "b", "i", "small", "br", "code", "a", "figure", "figcaption", "details", "summary",
	/* svg */
	"svg", "desc", "g", "line", "polyline", "path", "rect", "circle", "text", NULL
};
static const char *const mc_void[] = { "meta", "br", NULL };

static bool mc_in(const char *const *list, const char *name, size_t n)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], name, n) == 0)
			return true;
	return false;
}

#define MC_DEPTH 256
#define MC_IDS 4096

/* Checks a whole document or a fragment (an <svg> element). */
static bool mc_markup_ok(const char *s, size_t n)
{
	if (!mc_text_ok(s, n))
		return false;
	const char *end = s + n;
	const char *stack[MC_DEPTH];
	size_t len[MC_DEPTH];
	int depth = 0;
	static char ids[MC_IDS][96];
	size_t nids = 0;
	bool in_style = false;
	for (const char *p = s; p < end;) {
		if (in_style) {
			const char *q = strstr(p, "</style>");
			if (!q || q >= end)
				return mc_fail("unclosed style", p, s);
			for (const char *c = p; c < q; c++)
				if (*c == '<')
					return mc_fail("'<' in style", c, s);
			for (const char *c = p; c < q; c++)
				if (strncmp(c, "url(", 4) == 0 || strncmp(c, "@import", 7) == 0 || strncmp(c, "//", 2) == 0)
					return mc_fail("url(, @import or // in style", c, s);
			p = q;
			in_style = false;
			continue;
		}
		if (*p == '&') {
			if (!mc_entity(p, end))
				return mc_fail("bare '&'", p, s);
			p++;
			continue;
		}
		if (*p != '<') {
			p++; /* a bare '>' in text is legal HTML (the escaper writes &gt; anyway) */
			continue;
		}
		/* a tag */
		if (end - p >= 9 && strncmp(p, "<!DOCTYPE", 9) == 0) {
			const char *q = memchr(p, '>', (size_t)(end - p));
			if (!q)
				return mc_fail("unclosed doctype", p, s);
			p = q + 1;
			continue;
		}
		bool closing = p + 1 < end && p[1] == '/';
		const char *nm = p + (closing ? 2 : 1);
		const char *q = nm;
		while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
			q++;
		size_t nl = (size_t)(q - nm);
		if (!nl)
			return mc_fail("'<' not starting a tag", p, s);
		if (!mc_in(mc_allowed, nm, nl))
			return mc_fail("element not allowed", p, s);
		if (closing) {
			if (q >= end || *q != '>')
				return mc_fail("bad closing tag", p, s);
			if (depth == 0 || len[depth - 1] != nl || strncasecmp(stack[depth - 1], nm, nl) != 0)
				return mc_fail("closing tag does not match", p, s);
			depth--;
			p = q + 1;
			continue;
		}
		/* attributes */
		bool self_closed = false;
		for (;;) {
			while (q < end && (*q == ' ' || *q == '\n' || *q == '\t'))
				q++;
			if (q >= end)
				return mc_fail("unclosed tag", p, s);
			if (*q == '>') {
				q++;
				break;
			}
			if (*q == '/' && q + 1 < end && q[1] == '>') {
				self_closed = true;
				q += 2;
				break;
			}
			const char *an = q;
			while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '-' ||
					   *q == ':'))
				q++;
			size_t al = (size_t)(q - an);
			if (!al)
				return mc_fail("bad attribute name", q, s);
			if (al >= 2 && strncasecmp(an, "on", 2) == 0)
				return mc_fail("event handler attribute", an, s);
			if (al == 3 && strncasecmp(an, "src", 3) == 0)
				return mc_fail("src attribute", an, s);
			if (q >= end || *q != '=' || q + 1 >= end || q[1] != '"')
				return mc_fail("attribute value not double-quoted", an, s);
			const char *v = q + 2;
			const char *ve = memchr(v, '"', (size_t)(end - v));
			if (!ve)
				return mc_fail("unclosed attribute value", an, s);
			for (const char *c = v; c < ve; c++) {
				if (*c == '<')
					return mc_fail("'<' in attribute value", c, s);
				if (*c == '&' && !mc_entity(c, ve + 1))
					return mc_fail("bare '&' in attribute value", c, s);
			}
			if (al == 4 && strncasecmp(an, "href", 4) == 0 && (ve == v || *v != '#'))
				return mc_fail("href that is not a #fragment", an, s);
			for (const char *c = v; al == 5 && strncasecmp(an, "style", 5) == 0 && c + 4 <= ve; c++)
				if (strncmp(c, "url(", 4) == 0)
					return mc_fail("url( in a style attribute", an, s);
			if (al == 2 && strncasecmp(an, "id", 2) == 0) {
				size_t il = (size_t)(ve - v);
				if (il >= sizeof(ids[0]))
					il = sizeof(ids[0]) - 1;
				for (size_t k = 0; k < nids; k++)
					if (strlen(ids[k]) == il && strncmp(ids[k], v, il) == 0)
						return mc_fail("duplicate id", an, s);
				if (nids < MC_IDS) {
					memcpy(ids[nids], v, il);
					ids[nids][il] = '\0';
					nids++;
				}
			}
			q = ve + 1;
		}
		if (!self_closed && !mc_in(mc_void, nm, nl)) {
			if (depth == MC_DEPTH)
				return mc_fail("too deep", p, s);
			stack[depth] = nm;
			len[depth] = nl;
			depth++;
			if (nl == 5 && strncasecmp(nm, "style", 5) == 0)
				in_style = true;
		}
		p = q;
	}
	if (depth)
		return mc_fail("unclosed element", stack[depth - 1], s);
	return true;
}

#endif
