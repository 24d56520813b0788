/* fuzz_check.h — CHECK(cond): an invariant a fuzz target asserts about what the code under test
 * returned; abort() when it does not hold, so libFuzzer (or the replay main) reports the input.
 * Not assert(): it must stay in every build. */
#ifndef IH_FUZZ_CHECK_H
#define IH_FUZZ_CHECK_H

#include <stdlib.h>

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#endif
