/* fuzz_incident_doc.c — libFuzzer target for the JSON lines loader of one incident
 * (src/report/incident_doc.c), what `contain --from` and `evidence --from` read.
 *
 * Input: one byte choosing what to look for (bit 0: by host 10.77.0.10 instead of by id; the
 * id is I-00000000000000a1), then the bytes of a JSON lines file, read from memory (fmemopen,
 * seekable as the loader needs). Whatever the bytes, the load either fails with a message naming
 * the file, or returns an incident object with a findings array that holds exactly the
 * findings it lists, in its order.
 *
 * Built with -DIH_FUZZER by fuzz/meson.build. Without it, replay_main.h's main() replays inputs
 * (files, or every file of the directories given): `fuzz_incident_doc fuzz/regress/incident_doc`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/incident_doc.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *id = (data[0] & 1) ? "10.77.0.10" : "I-00000000000000a1";
	data++;
	size--;
	/* fmemopen of zero bytes is an error on some libcs: an empty file is one blank line */
	static const uint8_t nl = '\n';
	FILE *f = fmemopen(size ? (void *)data : (void *)&nl, size ? size : 1, "r");
	if (!f)
		return 0;
	struct ih_incident_doc d;
	char err[512];
	err[0] = '\0';
	bool ok = ih_incident_doc_load_stream(&d, id, f, "fuzz.jsonl", err, sizeof(err));
	fclose(f);
	if (!ok) {
		CHECK(strncmp(err, "fuzz.jsonl", 10) == 0 || strstr(err, "fuzz.jsonl"));
		CHECK(d.incident == NULL && d.findings == NULL && d.inputs == NULL);
		return 0;
	}
	CHECK(json_is_object(d.incident));
	CHECK(json_is_array(d.findings));
	CHECK(json_is_array(d.inputs));
	json_t *ids = json_object_get(d.incident, "findings");
	CHECK(json_array_size(ids) == json_array_size(d.findings));
	for (size_t i = 0; i < json_array_size(ids); i++) {
		const char *want = json_string_value(json_array_get(ids, i));
		const char *got = json_string_value(json_object_get(json_array_get(d.findings, i), "id"));
		CHECK(want && got && strcmp(want, got) == 0);
	}
	ih_incident_doc_free(&d);
	return 0;
}

#ifndef IH_FUZZER
#include "replay_main.h"
#endif
