/* registry.c — every detector, in the order they hear packets. */
#include <stdlib.h>

#include "detect/detector.h"

const struct ih_detector_entry ih_detectors[] = {
	{ "sweep", ih_detector_sweep, "host discovery: many targets probed once, none revisited" },
	{ "tunnel", ih_detector_tunnel, "data carried in echo payloads that no ping tool sends" },
	{ "exfiltration", ih_detector_exfil, "bytes of distinct non-template payloads sent out" },
	{ "beacon", ih_detector_beacon, "requests to one destination on a schedule (RITA-style score)" },
	{ "persistent_echo", ih_detector_persistent, "echo that goes on long after the destination answered" },
	{ "volume_anomaly", ih_detector_volume, "floods against a destination, spoofed or not" },
	{ "large_payload", ih_detector_large_payload, "payloads larger than ordinary tools send" },
	{ "external_icmp", ih_detector_external, "ICMP to destinations outside the home networks" },
	{ "lateral_movement", ih_detector_lateral, "connections to the hosts that answered a sweep, soon after it" },
	{ NULL, NULL, NULL },
};

void ih_detector_destroy(struct ih_detector *d)
{
	if (!d)
		return;
	if (d->destroy)
		d->destroy(d);
	free(d);
}
