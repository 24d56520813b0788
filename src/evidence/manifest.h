/* manifest.h — the chain-of-custody record of an evidence package: SHA-256 of files, and the
 * check that a package is still what was collected (`icmphound evidence --verify`).
 * docs/EVIDENCE.md has the MANIFEST format. */
#ifndef IH_EVIDENCE_MANIFEST_H
#define IH_EVIDENCE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IH_MANIFEST_NAME "MANIFEST"
#define IH_MANIFEST_FORMAT 1
#define IH_MANIFEST_MAX_BYTES (16 * 1024 * 1024)

/* SHA-256 (OpenSSL EVP) of a regular file, as 64 lower-case hex digits, and its size. A
 * symbolic link or anything but a regular file is refused (O_NOFOLLOW). False with err naming
 * the file. */
bool ih_sha256_file(const char *path, char hex[65] /* OUT */, uint64_t *size /* OUT */, char *err, size_t errlen);

/* What --verify found. */
struct ih_verify_result {
	unsigned files_ok, changed, missing, extra, sources_ok, sources_changed, sources_missing;
};

/* Checks the package in dir against its MANIFEST: every listed file present with its size and
 * SHA-256, no file that is not listed; with `sources`, the source captures at the paths the
 * manifest names too. Writes one line per file to out ("ok", "CHANGED", "MISSING", "EXTRA").
 * Returns false with err when the MANIFEST itself cannot be read or is not a manifest (the
 * package cannot be checked at all); true otherwise, with r saying what was found. */
bool ih_evidence_verify(const char *dir, bool sources, FILE *out, struct ih_verify_result *r /* OUT */, char *err,
			size_t errlen);

static inline bool ih_verify_intact(const struct ih_verify_result *r)
{
	return !r->changed && !r->missing && !r->extra && !r->sources_changed && !r->sources_missing;
}

#endif
