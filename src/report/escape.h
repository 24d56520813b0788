/* escape.h — writing strings that came from a capture into HTML, SVG and Markdown.
 *
 * Everything a report prints that was not written by icmphound itself — addresses, payload
 * previews, process names and command lines, summaries built from them — goes through one of
 * these. They never fail halfway through a character and never pass through:
 *   - bytes that are not well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 *     past U+10FFFF): each offending byte becomes U+FFFD;
 *   - control characters (C0 but tab, newline and carriage return; DEL; C1), noncharacters
 *     (U+FDD0..U+FDEF, U+xxFFFE/U+xxFFFF) and the invisible characters that can reorder or hide
 *     text in a reader's eyes (bidirectional overrides and isolates U+202A..U+202E,
 *     U+2066..U+2069, zero-width and directional marks U+200B..U+200F, U+2028/U+2029, U+FEFF):
 *     U+FFFD, so that a process name cannot display as something else;
 *   - NUL inside the given length: U+FFFD (strings are taken with their length, so an embedded
 *     NUL from a JSON "\u0000" cannot cut the rest off silently).
 * The result is valid UTF-8 and valid XML 1.0 character data. */
#ifndef IH_ESCAPE_H
#define IH_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads one character from s[0..len) (len >= 1). Returns the bytes consumed (1..4) and the
 * code point in *cp; a byte that does not start a well-formed sequence is consumed alone and
 * gives *cp = 0xFFFD with *bad = true. */
size_t ih_utf8_next(const unsigned char *s, size_t len, uint32_t *cp /* OUT */, bool *bad /* OUT */);

/* Is cp safe to show as itself (see above)? */
bool ih_char_displayable(uint32_t cp);

/* THE escaping function for HTML and XML (SVG): writes s[0..len) sanitised as above, with
 * & < > " ' written as &amp; &lt; &gt; &quot; &#39;. Safe in element content and in attribute
 * values quoted with either quote. Newlines and tabs are kept (callers that need one line
 * use ih_xml_escape_line). */
void ih_xml_escape(FILE *out, const char *s, size_t len);
/* The same on a NUL-terminated string; NULL writes nothing. */
void ih_xml_escape_str(FILE *out, const char *s);
/* The same, with tab, newline and carriage return written as a space. */
void ih_xml_escape_line(FILE *out, const char *s, size_t len);

/* Markdown (CommonMark / GitHub): text that stays text. Sanitised as above, newlines become
 * spaces, and every character that could start markup is backslash-escaped: \ ` * _ [ ] < > &
 * | ~ everywhere, # + - = ! at the start, the . or ) of a leading "12. " (an ordered list),
 * and the ':' of "://", the '.' of "www." and '@' (GitHub's automatic links), so that nothing
 * from a capture becomes a link, an image, HTML or a table cell boundary. */
void ih_md_escape(FILE *out, const char *s, size_t len);
void ih_md_escape_str(FILE *out, const char *s);
/* A code span holding s literally: sanitised, newlines as spaces, delimited by a run of
 * backticks longer than any inside it (padded with a space when s starts or ends with a
 * backtick). In a table cell (in_table) '|' is written "\|": GitHub splits cells before it
 * reads code spans and removes that backslash; outside a table a backslash would show. */
void ih_md_code(FILE *out, const char *s, size_t len, bool in_table);
void ih_md_code_str(FILE *out, const char *s, bool in_table);

#endif
