/* test_addr.c — the address type, CIDR parsing, covering ranges, and options by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/addr.h"
#include "core/config.h"
#include "detect/detector.h"

static void test_parse_format(void **state)
{
	(void)state;
	struct ih_addr a;
	char buf[IH_ADDR_STRLEN];
	assert_true(ih_addr_parse("10.77.0.10", &a));
	assert_int_equal(a.family, IH_AF_INET);
	assert_string_equal(ih_addr_str(&a, buf, sizeof(buf)), "10.77.0.10");
	assert_true(ih_addr_parse("fd77::a", &a));
	assert_int_equal(a.family, IH_AF_INET6);
	assert_string_equal(ih_addr_str(&a, buf, sizeof(buf)), "fd77::a");
	assert_false(ih_addr_parse("10.77.0.256", &a));
	assert_false(ih_addr_parse("", &a));
	assert_false(ih_addr_parse("fd77:::a", &a));
}

static void test_cidr(void **state)
{
	(void)state;
	struct ih_cidr c;
	struct ih_addr a;
	char buf[64];
	assert_true(ih_cidr_parse("10.78.0.37/27", &c));
	assert_string_equal(ih_cidr_str(&c, buf, sizeof(buf)), "10.78.0.32/27");
	ih_addr_parse("10.78.0.63", &a);
	assert_true(ih_cidr_contains(&c, &a));
	ih_addr_parse("10.78.0.64", &a);
	assert_false(ih_cidr_contains(&c, &a));
	ih_addr_parse("fd78::20", &a);
	assert_false(ih_cidr_contains(&c, &a)); /* other family */
	assert_false(ih_cidr_parse("10.0.0.0/33", &c));
	assert_false(ih_cidr_parse("10.0.0.0/", &c));
	assert_false(ih_cidr_parse("10.0.0.0/8x", &c));
	assert_true(ih_cidr_parse("fe80::/10", &c));
	ih_addr_parse("fe80::ff:fe00:2", &a);
	assert_true(ih_cidr_contains(&c, &a));
	assert_true(ih_cidr_parse("0.0.0.0/0", &c));
	ih_addr_parse("203.0.113.7", &a);
	assert_true(ih_cidr_contains(&c, &a));
}

static void test_cover(void **state)
{
	(void)state;
	struct ih_addr lo, hi;
	struct ih_cidr c;
	char buf[64];
	ih_addr_parse("10.78.0.33", &lo);
	ih_addr_parse("10.78.0.62", &hi);
	ih_cidr_cover(&lo, &hi, &c);
	assert_string_equal(ih_cidr_str(&c, buf, sizeof(buf)), "10.78.0.32/27");
	ih_addr_parse("10.78.0.32", &lo);
	ih_addr_parse("10.78.0.95", &hi);
	ih_cidr_cover(&lo, &hi, &c);
	assert_string_equal(ih_cidr_str(&c, buf, sizeof(buf)), "10.78.0.0/25");
	ih_cidr_cover(&lo, &lo, &c);
	assert_string_equal(ih_cidr_str(&c, buf, sizeof(buf)), "10.78.0.32/32");
	ih_addr_parse("fd78::20", &lo);
	ih_addr_parse("fd78::5f", &hi);
	ih_cidr_cover(&lo, &hi, &c);
	assert_string_equal(ih_cidr_str(&c, buf, sizeof(buf)), "fd78::/121");
}

static void test_order(void **state)
{
	(void)state;
	struct ih_addr a, b, c;
	ih_addr_parse("10.0.0.2", &a);
	ih_addr_parse("10.0.0.10", &b);
	ih_addr_parse("::1", &c);
	assert_true(ih_addr_cmp(&a, &b) < 0);
	assert_true(ih_addr_cmp(&b, &c) < 0); /* v4 before v6 */
	assert_true(ih_addr_cmp(&a, &a) == 0);
	assert_true(ih_addr_eq(&a, &a));
	assert_false(ih_addr_eq(&a, &b));
}

static void test_config_options(void **state)
{
	(void)state;
	struct ih_config cfg;
	char err[256];
	struct ih_addr a;
	ih_config_default(&cfg);
	ih_addr_parse("10.1.2.3", &a);
	assert_true(ih_config_is_home(&cfg, &a));
	ih_addr_parse("203.0.113.7", &a);
	assert_false(ih_config_is_home(&cfg, &a));
	assert_true(ih_config_set(&cfg, "sweep_min_targets", "12", err, sizeof(err)));
	assert_int_equal(cfg.sweep_min_targets, 12);
	assert_true(ih_config_set(&cfg, "sweep_gap_s", "60", err, sizeof(err)));
	assert_true(cfg.sweep_gap_ns == 60ull * 1000000000ull);
	assert_false(ih_config_set(&cfg, "sweep_min_targets", "-1", err, sizeof(err)));
	assert_false(ih_config_set(&cfg, "sweep_min_targets", "12x", err, sizeof(err)));
	assert_false(ih_config_set(&cfg, "no_such_option", "1", err, sizeof(err)));
	assert_non_null(strstr(err, "no_such_option"));
	assert_false(ih_config_set(&cfg, "mem_cap_mb", "0", err, sizeof(err)));
	assert_true(ih_config_set(&cfg, "home", "203.0.113.0/24, 10.0.0.0/8", err, sizeof(err)));
	assert_int_equal(cfg.nhome, 2);
	assert_true(ih_config_is_home(&cfg, &a));
	assert_false(ih_config_set(&cfg, "home", "203.0.113.0/99", err, sizeof(err)));
	/* a small memory cap shrinks the tables under it */
	assert_true(ih_config_set(&cfg, "mem_cap_mb", "16", err, sizeof(err)));
	ih_config_fit_memory(&cfg);
	uint64_t tables = (uint64_t)cfg.track.host_capacity * sizeof(struct ih_host) +
			  (uint64_t)cfg.track.pair_capacity * (sizeof(struct ih_pair) + sizeof(struct ih_pair_tail));
	assert_true(tables < cfg.mem_cap);
}

/* ih_is_home with its first-byte index gives ih_config_is_home's answer: the defaults and odd
 * lists (prefixes under 8 bits, /0, a base with bits past its prefix, both families), on
 * addresses drawn near and far from the networks; an option that changes home[] drops the
 * index until it is built again. */
static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void check_home_index(struct ih_config *cfg)
{
	ih_config_index_home(cfg);
	for (int i = 0; i < 200000; i++) {
		struct ih_addr a;
		memset(&a, 0, sizeof(a));
		uint64_t r = next_rand(), r2 = next_rand();
		a.family = r & 1 ? IH_AF_INET6 : IH_AF_INET;
		memcpy(a.b, &r2, 8);
		if (a.family == IH_AF_INET6)
			memcpy(a.b + 8, &r, 8);
		else
			memset(a.b + 4, 0, 12);
		if (cfg->nhome && (r >> 8) & 1) { /* near a network: its base with a few bits changed */
			const struct ih_cidr *n = &cfg->home[(r >> 16) % cfg->nhome];
			if (n->base.family == a.family) {
				memcpy(a.b, n->base.b, 16);
				a.b[(r >> 24) % (a.family == IH_AF_INET6 ? 16 : 4)] ^= (uint8_t)(r >> 32);
			}
		}
		assert_int_equal(ih_is_home(cfg, &a), ih_config_is_home(cfg, &a));
	}
}

static void test_home_index(void **state)
{
	(void)state;
	struct ih_config cfg;
	char err[256];
	ih_config_default(&cfg);
	assert_false(cfg.home_indexed);
	check_home_index(&cfg);
	assert_true(ih_config_set(&cfg, "home", "0.0.0.0/0,::/0", err, sizeof(err)));
	assert_false(cfg.home_indexed);
	check_home_index(&cfg);
	assert_true(ih_config_set(&cfg, "home", "8.0.0.0/5,10.1.0.0/4,200.0.0.0/7,2001:db8::/32,fc00::/6,::/1,255.255.255.255/32",
				  err, sizeof(err)));
	check_home_index(&cfg);
	assert_true(ih_config_set(&cfg, "home", "", err, sizeof(err)));
	check_home_index(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_cover),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_config_options),
		cmocka_unit_test(test_home_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
