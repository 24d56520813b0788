/* test_progress.c — the progress bar's text (cli/progress.c): percent, bar, sizes, rate, time
 * left; fitted to the terminal width; sane with an unknown total, nothing read, or more read
 * than the total said. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/progress.h"

static void test_format(void **state)
{
	(void)state;
	char b[256];
	size_t n = ih_progress_format(b, sizeof(b), 120300000, 290000000, 1.412, 100);
	assert_int_equal(n, strlen(b));
	assert_true(n <= 99);
	assert_non_null(strstr(b, " 41%"));
	assert_non_null(strstr(b, "["));
	assert_non_null(strstr(b, "120.3 MB of 290.0 MB"));
	assert_non_null(strstr(b, "85.2 MB/s"));
	assert_non_null(strstr(b, "0:02 left"));
	/* long reads: hours */
	ih_progress_format(b, sizeof(b), 1000000, 40000000000ull, 1.0, 120);
	assert_non_null(strstr(b, "11:06:39 left"));
	/* unknown total: no percent, no bar, no time left */
	ih_progress_format(b, sizeof(b), 5000000, 0, 2.0, 80);
	assert_null(strchr(b, '%'));
	assert_null(strchr(b, '['));
	assert_non_null(strstr(b, "5.0 MB read"));
	assert_non_null(strstr(b, "2.5 MB/s"));
	/* nothing read yet, no time passed */
	ih_progress_format(b, sizeof(b), 0, 1000, 0, 80);
	assert_non_null(strstr(b, "  0%"));
	assert_null(strstr(b, "left"));
	/* more read than the total said (a file that grew): capped at 100 % */
	ih_progress_format(b, sizeof(b), 2000, 1000, 1, 80);
	assert_non_null(strstr(b, "100%"));
	/* a narrow terminal: one line, never wrapped */
	for (unsigned w = 1; w < 120; w++) {
		n = ih_progress_format(b, sizeof(b), 120300000, 290000000, 1.412, w);
		assert_true(n == strlen(b));
		assert_true(w < 2 || n <= w - 1 || n <= 1);
	}
	/* a tiny buffer is never overrun */
	char t[8];
	n = ih_progress_format(t, sizeof(t), 120300000, 290000000, 1.412, 200);
	assert_true(n < sizeof(t));
	assert_int_equal(n, strlen(t));
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_format) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
