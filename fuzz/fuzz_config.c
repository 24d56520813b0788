/* fuzz_config.c — libFuzzer target for the INI configuration loader (core/config_file.c).
 *
 * Input: the bytes of a config file. Besides "no crash": a load either succeeds or fails with
 * a message that names the file ("fuzz:" or "fuzz:LINE:"), and a configuration that loaded,
 * written back as INI (ih_config_write_ini) and loaded again into defaults, gives the same
 * value for every option — the file format can say everything the options hold.
 *
 * Built with -DIH_FUZZER by fuzz/meson.build. Without it, this file has a main() that replays
 * inputs (files, or every file of the directories given): `fuzz_config_replay fuzz/regress/config`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_file.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	static struct ih_config cfg, again;
	char err[512];
	/* a copy of exactly the input's length, so that a read past it is seen */
	char *text = malloc(size ? size : 1);
	CHECK(text);
	memcpy(text, data, size);
	ih_config_default(&cfg);
	bool ok = ih_config_load_mem(&cfg, "fuzz", text, size, err, sizeof err);
	free(text);
	if (!ok) {
		CHECK(strncmp(err, "fuzz:", 5) == 0);
		return 0;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(f);
	ih_config_write_ini(&cfg, f, false);
	CHECK(fclose(f) == 0);
	ih_config_default(&again);
	ok = ih_config_load_mem(&again, "written", buf, len, err, sizeof err);
	if (!ok)
		fprintf(stderr, "%s\n", err);
	CHECK(ok);
	free(buf);
	const char *k1, *k2, *w;
	bool l;
	static char v1[4096], v2[4096];
	for (size_t i = 0; ih_config_option(&cfg, i, &k1, v1, sizeof v1, &l, &w); i++) {
		CHECK(ih_config_option(&again, i, &k2, v2, sizeof v2, &l, &w));
		if (strcmp(v1, v2) != 0)
			fprintf(stderr, "%s: %s became %s\n", k1, v1, v2);
		CHECK(strcmp(v1, v2) == 0);
	}
	return 0;
}

#ifndef IH_FUZZER
#include "replay_main.h"
#endif
