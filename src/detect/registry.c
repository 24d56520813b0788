/* registry.c — every detector, in the order they hear packets. */
#include <stdlib.h>

#include "detect/detector.h"

const struct ih_detector_entry ih_detectors[] = {
	{ "sweep", ih_detector_sweep, "host discovery: many targets probed once, none revisited" },
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
