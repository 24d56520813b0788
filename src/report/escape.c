/* escape.c — sanitising and escaping strings from a capture for HTML, SVG and Markdown. */
#include "report/escape.h"

#include <string.h>

#define REPLACEMENT 0xFFFDu

size_t ih_utf8_next(const unsigned char *s, size_t len, uint32_t *cp, bool *bad)
{
	unsigned char c = s[0];
	*bad = false;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t need;
	uint32_t v, min;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		v = c & 0x1Fu;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		v = c & 0x0Fu;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		v = c & 0x07u;
		min = 0x10000;
	} else {
		/* 0x80..0xC1 (continuation, overlong two-byte lead), 0xF5..0xFF */
		*cp = REPLACEMENT;
		*bad = true;
		return 1;
	}
	if (len - 1 < need) {
		*cp = REPLACEMENT;
		*bad = true;
		return 1;
	}
	for (size_t i = 1; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = REPLACEMENT;
			*bad = true;
			return 1;
		}
		v = v << 6 | (s[i] & 0x3Fu);
	}
	/* overlong, surrogate, beyond Unicode */
	if (v < min || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) {
		*cp = REPLACEMENT;
		*bad = true;
		return 1;
	}
	*cp = v;
	return need + 1;
}

bool ih_char_displayable(uint32_t cp)
{
	if (cp == '\t' || cp == '\n' || cp == '\r')
		return true;
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
		return false;                          /* C0, DEL, C1 */
	if (cp >= 0x200B && cp <= 0x200F)
		return false;                          /* zero-width space/joiners, LRM, RLM */
	if (cp == 0x2028 || cp == 0x2029)
		return false;                          /* line and paragraph separators */
	if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
		return false;                          /* bidi embeddings, overrides, isolates */
	if (cp == 0xFEFF)
		return false;                          /* zero-width no-break space (BOM) */
	if (cp >= 0xFDD0 && cp <= 0xFDEF)
		return false;                          /* noncharacters */
	if ((cp & 0xFFFEu) == 0xFFFEu)
		return false;                          /* U+xxFFFE, U+xxFFFF */
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return false;
	return true;
}

/* The next character of s, sanitised: its bytes (when kept as they are) or U+FFFD. */
struct ch {
	uint32_t cp;
	const char *bytes; /* the original bytes when kept */
	size_t n;          /* bytes consumed */
	bool keep;
};

static void next_char(const char *s, size_t len, struct ch *c)
{
	bool bad;
	c->n = ih_utf8_next((const unsigned char *)s, len, &c->cp, &bad);
	c->bytes = s;
	c->keep = !bad && ih_char_displayable(c->cp);
	if (!c->keep)
		c->cp = REPLACEMENT;
}

static void put_char(FILE *out, const struct ch *c)
{
	if (c->keep)
		fwrite(c->bytes, 1, c->n, out);
	else
		fputs("\xEF\xBF\xBD", out); /* U+FFFD */
}

/* ------------------------------------------------------------------------------ HTML / XML */

static void xml_escape(FILE *out, const char *s, size_t len, bool one_line)
{
	size_t i = 0;
	while (i < len) {
		struct ch c;
		next_char(s + i, len - i, &c);
		i += c.n;
		switch (c.cp) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		case '\t':
		case '\n':
		case '\r':
			fputc(one_line ? ' ' : (int)c.cp, out);
			break;
		default: put_char(out, &c); break;
		}
	}
}

void ih_xml_escape(FILE *out, const char *s, size_t len)
{
	xml_escape(out, s, len, false);
}

void ih_xml_escape_str(FILE *out, const char *s)
{
	if (s)
		xml_escape(out, s, strlen(s), false);
}

void ih_xml_escape_line(FILE *out, const char *s, size_t len)
{
	xml_escape(out, s, len, true);
}

/* ------------------------------------------------------------------------------ Markdown */

static bool ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool starts_ci(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);
	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = s[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != w[i])
			return false;
	}
	return true;
}

void ih_md_escape(FILE *out, const char *s, size_t len)
{
	/* an ordered-list marker at the start: a run of digits then '.' or ')' */
	size_t digits = 0;
	while (digits < len && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	size_t i = 0;
	while (i < len) {
		struct ch c;
		next_char(s + i, len - i, &c);
		size_t at = i;
		i += c.n;
		bool esc = false;
		switch (c.cp) {
		case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
		case '&': case '|': case '~': case '@':
			esc = true;
			break;
		case '#': case '+': case '-': case '=': case '!':
			esc = at == 0;
			break;
		case '.': case ')':
			/* "1. " / "12) ": a list item only when a space or the end follows */
			esc = digits > 0 && at == digits && (i == len || s[i] == ' ' || s[i] == '\t');
			if (c.cp == '.' && at >= 3 && starts_ci(s + at - 3, 4, "www.") &&
			    (at == 3 || !ascii_alpha(s[at - 4])))
				esc = true;
			break;
		case ':':
			esc = len - i >= 2 && s[i] == '/' && s[i + 1] == '/';
			break;
		case '\t': case '\n': case '\r':
			fputc(' ', out);
			continue;
		default:
			break;
		}
		if (esc)
			fputc('\\', out);
		put_char(out, &c);
	}
}

void ih_md_escape_str(FILE *out, const char *s)
{
	if (s)
		ih_md_escape(out, s, strlen(s));
}

void ih_md_code(FILE *out, const char *s, size_t len, bool in_table)
{
	size_t run = 0, longest = 0;
	for (size_t i = 0; i < len; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	if (len == 0)
		return;
	bool pad = s[0] == '`' || s[len - 1] == '`' || (s[0] == ' ' && s[len - 1] == ' ');
	for (size_t k = 0; k <= longest; k++)
		fputc('`', out);
	if (pad)
		fputc(' ', out);
	size_t i = 0;
	while (i < len) {
		struct ch c;
		next_char(s + i, len - i, &c);
		i += c.n;
		if (c.cp == '\t' || c.cp == '\n' || c.cp == '\r')
			fputc(' ', out);
		else if (c.cp == '|' && in_table)
			fputs("\\|", out);
		else
			put_char(out, &c);
	}
	if (pad)
		fputc(' ', out);
	for (size_t k = 0; k <= longest; k++)
		fputc('`', out);
}

void ih_md_code_str(FILE *out, const char *s, bool in_table)
{
	if (s)
		ih_md_code(out, s, strlen(s), in_table);
}
