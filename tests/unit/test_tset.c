/* test_tset.c — a record's target set that grows in place (detect/tset.c):
 *   - 1,500 targets in a set reserved at 2,048 slots: each is found again, order[] lists them in
 *     the order they were added, and the slots in use double only when more than half full;
 *   - the limit: past it nothing is added, and what is there is still found;
 *   - a set cleared by its order[] (as the detectors reuse them) is all zero again and takes a
 *     new series of targets from its first size;
 *   - a set reserved smaller than the first size works within its reservation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/tset.h"

struct elem {
	struct ih_addr addr;
	uint8_t used;
	uint32_t payload;
};

struct fixture {
	struct ih_tset_shape sh;
	struct elem *slots;
	uint32_t *order;
	uint32_t n, mask;
	struct ih_tset set;
};

static struct fixture *fixture_new(uint32_t max_mask, uint32_t limit)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->slots = calloc((size_t)max_mask + 1, sizeof(*f->slots));
	f->order = calloc((size_t)max_mask + 1, sizeof(*f->order));
	f->sh = (struct ih_tset_shape){ .esize = sizeof(struct elem), .used_off = offsetof(struct elem, used),
					.max_mask = max_mask, .limit = limit, .seed = 42 };
	f->sh.scratch = calloc((size_t)(max_mask + 1) / 2 + 1, sizeof(struct elem));
	f->set = (struct ih_tset){ f->slots, f->order, &f->n, &f->mask };
	return f;
}

static void fixture_free(struct fixture *f)
{
	free(f->slots);
	free(f->order);
	free(f->sh.scratch);
	free(f);
}

static struct ih_addr addr_of(uint32_t i)
{
	char s[32];
	snprintf(s, sizeof s, "10.%u.%u.%u", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
	struct ih_addr a;
	assert_true(ih_addr_parse(s, &a));
	return a;
}

static struct elem *find(struct fixture *f, uint32_t i, bool insert)
{
	struct ih_addr a = addr_of(i);
	return ih_tset_find(&f->sh, &f->set, &a, insert);
}

static void test_grows_and_keeps_order(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(2047, 1536);
	for (uint32_t i = 0; i < 1500; i++) {
		struct elem *e = find(f, i, true);
		assert_non_null(e);
		assert_int_equal(e->payload, 0);
		e->payload = i + 1;
		assert_int_equal(f->n, i + 1);
		/* in use: a power of two, at most half full below the reservation */
		uint32_t in_use = f->mask + 1;
		assert_int_equal(in_use & (in_use - 1), 0);
		assert_true(in_use <= 2048);
		if (in_use < 2048)
			assert_true(f->n * 2 <= in_use);
		if (i == 3)
			assert_int_equal(f->mask, 15); /* still the first size */
	}
	assert_int_equal(f->mask, 2047);
	for (uint32_t i = 0; i < 1500; i++) {
		struct elem *e = find(f, i, false);
		assert_non_null(e);
		assert_int_equal(e->payload, i + 1);
		assert_ptr_equal(&f->slots[f->order[i]], e);
	}
	assert_null(find(f, 99999, false));
	/* a second insert of a present target finds it, adds nothing */
	assert_int_equal(find(f, 7, true)->payload, 8);
	assert_int_equal(f->n, 1500);
	fixture_free(f);
}

static void test_limit(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(255, 100);
	for (uint32_t i = 0; i < 100; i++)
		assert_non_null(find(f, i, true));
	assert_null(find(f, 100, true));
	assert_null(find(f, 5000, true));
	assert_int_equal(f->n, 100);
	for (uint32_t i = 0; i < 100; i++)
		assert_non_null(find(f, i, false));
	fixture_free(f);
}

static void test_reuse_after_clear(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(1023, 768);
	for (uint32_t i = 0; i < 600; i++)
		assert_non_null(find(f, i, true));
	for (uint32_t k = 0; k < f->n; k++)
		memset(&f->slots[f->order[k]], 0, sizeof(f->slots[0]));
	f->n = 0;
	f->mask = 0;
	static const struct elem zero;
	for (uint32_t i = 0; i <= 1023; i++)
		assert_memory_equal(&f->slots[i], &zero, sizeof(zero));
	for (uint32_t i = 1000; i < 1010; i++)
		assert_non_null(find(f, i, true));
	assert_int_equal(f->n, 10);
	assert_int_equal(f->mask, 31);
	assert_null(find(f, 3, false));
	fixture_free(f);
}

static void test_small_reservation(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(7, 6);
	for (uint32_t i = 0; i < 6; i++)
		assert_non_null(find(f, i, true));
	assert_null(find(f, 6, true));
	assert_int_equal(f->mask, 7);
	for (uint32_t i = 0; i < 6; i++)
		assert_non_null(find(f, i, false));
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_and_keeps_order),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_reuse_after_clear),
		cmocka_unit_test(test_small_reservation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
