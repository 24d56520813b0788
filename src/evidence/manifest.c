/* manifest.c — SHA-256 of files and the check of an evidence package against its MANIFEST.
 *
 * The MANIFEST is read like any other input: bounded in size, every field checked before use,
 * file names that are not plain names (a '/', "..", a leading '.') refused, so that a forged
 * manifest cannot make --verify read outside the package. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "evidence/manifest.h"

bool ih_sha256_file(const char *path, char hex[65], uint64_t *size, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return false;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return false;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	static unsigned char buf[1 << 16];
	uint64_t total = 0;
	ssize_t n;
	while (ok && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
			EVP_MD_CTX_free(ctx);
			close(fd);
			return false;
		}
		ok = EVP_DigestUpdate(ctx, buf, (size_t)n) == 1;
		total += (uint64_t)n;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (!ok) {
		snprintf(err, errlen, "%s: SHA-256 failed", path);
		return false;
	}
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	*size = total;
	return true;
}

static bool plain_name(const char *s)
{
	if (!s || !*s || s[0] == '.' || strlen(s) > 255)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20)
			return false;
	return true;
}

static bool hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* Compares one file with its manifest entry; one line to out. kind: "file" or "source". */
static void check_one(FILE *out, const char *path, const char *shown, const char *want_hex, json_int_t want_size,
		      unsigned *ok, unsigned *changed, unsigned *missing)
{
	char hex[65], err[600];
	uint64_t size;
	struct stat st;
	if (lstat(path, &st) != 0) {
		fprintf(out, "MISSING  %s\n", shown);
		(*missing)++;
		return;
	}
	if (!ih_sha256_file(path, hex, &size, err, sizeof(err))) {
		fprintf(out, "CHANGED  %s: %s\n", shown, err);
		(*changed)++;
		return;
	}
	if (strcmp(hex, want_hex) != 0 || (want_size >= 0 && size != (uint64_t)want_size)) {
		fprintf(out, "CHANGED  %s: sha256 %s, %llu bytes (the manifest says %s, %lld bytes)\n", shown, hex,
			(unsigned long long)size, want_hex, (long long)want_size);
		(*changed)++;
		return;
	}
	fprintf(out, "ok       %s\n", shown);
	(*ok)++;
}

bool ih_evidence_verify(const char *dir, bool sources, FILE *out, struct ih_verify_result *r, char *err,
			size_t errlen)
{
	memset(r, 0, sizeof(*r));
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, IH_MANIFEST_NAME);
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return false;
	}
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > IH_MANIFEST_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file of at most 16 MiB");
		if (fd >= 0)
			close(fd);
		return false;
	}
	json_error_t je;
	json_t *m = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	close(fd);
	json_t *files = json_object_get(m, "files");
	if (!m || !json_is_object(m) || json_integer_value(json_object_get(m, "format")) != IH_MANIFEST_FORMAT ||
	    !json_is_array(files)) {
		snprintf(err, errlen, "%s: not an icmphound evidence manifest (format %d)%s%s", path, IH_MANIFEST_FORMAT,
			 m ? "" : ": ", m ? "" : je.text);
		json_decref(m);
		return false;
	}
	/* check every entry before reading any file: a forged name is refused whole */
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));
		if (!plain_name(name) || strcmp(name, IH_MANIFEST_NAME) == 0 ||
		    !hex64(json_string_value(json_object_get(f, "sha256"))) ||
		    !json_is_integer(json_object_get(f, "size"))) {
			snprintf(err, errlen, "%s: files[%zu]: needs a plain name, a sha256 of 64 hex digits and a size", path, i);
			json_decref(m);
			return false;
		}
	}
	json_array_foreach(files, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		check_one(out, path, name, json_string_value(json_object_get(f, "sha256")),
			  json_integer_value(json_object_get(f, "size")), &r->files_ok, &r->changed, &r->missing);
	}
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strcmp(e->d_name, IH_MANIFEST_NAME) == 0)
			continue;
		bool listed = false;
		json_array_foreach(files, i, f)
			if (strcmp(json_string_value(json_object_get(f, "name")), e->d_name) == 0)
				listed = true;
		if (!listed) {
			fprintf(out, "EXTRA    %s\n", e->d_name);
			r->extra++;
		}
	}
	if (d)
		closedir(d);
	if (sources) {
		json_t *src;
		json_array_foreach(json_object_get(m, "sources"), i, src) {
			const char *p = json_string_value(json_object_get(src, "path"));
			const char *h = json_string_value(json_object_get(src, "sha256"));
			if (!p || !hex64(h)) {
				fprintf(out, "CHANGED  source %zu: no path or sha256 in the manifest\n", i);
				r->sources_changed++;
				continue;
			}
			char shown[4200];
			snprintf(shown, sizeof(shown), "source %s", p);
			json_t *sz = json_object_get(src, "size");
			check_one(out, p, shown, h, json_is_integer(sz) ? json_integer_value(sz) : -1, &r->sources_ok,
				  &r->sources_changed, &r->sources_missing);
		}
	}
	json_decref(m);
	return true;
}
