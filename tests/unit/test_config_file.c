/* test_config_file.c — the INI configuration file: sections to options, errors with their line,
 * lists, precedence of the command line, the default location, and the example file in docs/
 * staying what `--list-options=ini` prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/settings.h"
#include "core/config.h"
#include "core/config_file.h"

static struct ih_config cfg;
static char err[512];

static int setup(void **state)
{
	(void)state;
	ih_config_default(&cfg);
	err[0] = '\0';
	return 0;
}

static bool load(const char *text)
{
	return ih_config_load_mem(&cfg, "test.conf", text, strlen(text), err, sizeof(err));
}

static void test_sections_map_to_options(void **state)
{
	(void)state;
	assert_true(load("; a comment\n"
			 "# another\n"
			 "seed = 7\n"
			 "[general]\n"
			 "mem_cap_mb = 64\n"
			 "monitor = 10.77.0.5\n"
			 "[tables]\n"
			 "host_doorkeeper = 0\n"
			 "[sweep]\n"
			 "min_targets = 12\n"
			 "sweep_medium_targets = 30   ; the full name works too\n"
			 "[exfiltration]\n"
			 "min_bytes = 4096\n"
			 "[persistent_echo]\n"
			 "min_s = 120\n"
			 "[lateral_movement]\n"
			 "window_s = 600\n"
			 "[incident]\n"
			 "malicious_score = 70\n"
			 "[general]\n"
			 "beacon.min_events = 5\n"
			 "volume_anomaly.min_pps = 300\n"));
	assert_int_equal(cfg.track.seed, 7);
	assert_false(cfg.track.doorkeeper);
	assert_int_equal(cfg.mem_cap, 64ull << 20);
	assert_int_equal(cfg.nmonitors, 1);
	assert_int_equal(cfg.sweep_min_targets, 12);
	assert_int_equal(cfg.sweep_medium_targets, 30);
	assert_int_equal(cfg.exfil_min_bytes, 4096);
	assert_int_equal(cfg.persist_min_ns, 120ull * 1000000000ull);
	assert_int_equal(cfg.lateral_window_ns, 600ull * 1000000000ull);
	assert_int_equal(cfg.incident_malicious_score, 70);
	assert_int_equal(cfg.beacon_min_events, 5);
	assert_int_equal(cfg.volume_min_pps, 300);
	/* the same through ih_config_set_in, as --set does */
	assert_true(ih_config_set_in(&cfg, NULL, "sweep.high_targets", "50", err, sizeof(err)));
	assert_int_equal(cfg.sweep_high_targets, 50);
	assert_true(ih_config_set_in(&cfg, "large", "min_count", "9", err, sizeof(err)));
	assert_int_equal(cfg.large_min_count, 9);
	assert_true(ih_config_set_in(&cfg, "", "tunnel_low_score", "5", err, sizeof(err)));
	assert_int_equal(cfg.tunnel_low_score, 5);
}

static void expect_error(const char *text, const char *want)
{
	ih_config_default(&cfg);
	assert_false(load(text));
	if (strcmp(err, want) != 0)
		fail_msg("got \"%s\", want \"%s\"", err, want);
}

static void test_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_error("seed = 1\n[sweep]\nmin_target = 3\n", "test.conf:3: unknown option 'min_target' in [sweep]");
	expect_error("x = 1\n", "test.conf:1: unknown option 'x'");
	expect_error("\n\n[bogus]\nx = 1\n", "test.conf:4: unknown section [bogus]");
	expect_error("seed = 1\nbogus.x = 1\n", "test.conf:2: unknown section [bogus]");
	expect_error("[sweep]\nmin_targets = ten\n", "test.conf:2: sweep_min_targets: 'ten' is not a non-negative number");
	expect_error("[tables]\nhost_doorkeeper = 2\n", "test.conf:2: host_doorkeeper: '2' is not 0 or 1");
	expect_error("seed = 1\n\nseed = 2\n", "test.conf:3: 'seed' given twice (first on line 1)");
	expect_error("[sweep]\nmin_targets = 3\n[general]\nsweep_min_targets = 4\n",
		     "test.conf:4: 'sweep_min_targets' given twice (first on line 2)");
	expect_error("seed = 1\nthis is not ini\n", "test.conf:2: not a section header, a 'key = value' line or a comment");
	expect_error("[sweep\n", "test.conf:1: not a section header, a 'key = value' line or a comment");
	/* the first error is the one reported, whatever follows */
	expect_error("a = 1\nthis is not ini\nb = 2\n", "test.conf:1: unknown option 'a'");
	expect_error("seed = 1\nthis is not ini\nb = 2\n", "test.conf:2: not a section header, a 'key = value' line or a comment");
	expect_error("[sweep]\n  min_targets = 3\n  medium_targets = 9\n",
		     "test.conf:3: an indented line continues the value of 'min_targets' on the line before: do not "
		     "indent keys");
	expect_error("home = 10.0.0.0/33\n", "test.conf:1: home: '10.0.0.0/33' is not an address or CIDR");
	expect_error("[lateral]\nports = 22,0\n", "test.conf:2: lateral_ports: '0' is not a port (1-65535)");
	/* what inih would mangle silently: an over-long line, a NUL byte */
	char longline[400];
	snprintf(longline, sizeof(longline), "seed = 1\nhome = 10.0.0.0/8%0300d\n", 0);
	expect_error(longline, "test.conf:2: line longer than 198 characters (continue a list on indented lines)");
	static const char nul[] = "seed = 1\nmax_findings = 1\0 0\n";
	ih_config_default(&cfg);
	assert_false(ih_config_load_mem(&cfg, "test.conf", nul, sizeof(nul) - 1, err, sizeof(err)));
	assert_string_equal(err, "test.conf:2: NUL byte in the line");
	/* a file that is not there */
	ih_config_default(&cfg);
	assert_false(ih_config_load(&cfg, "/nonexistent/icmphound.conf", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/icmphound.conf: cannot read the configuration file: No such file or directory");
}

static void test_lists_accumulate(void **state)
{
	(void)state;
	assert_true(load("[general]\n"
			 "home = 10.0.0.0/8, 192.168.0.0/16\n"
			 "home = 172.16.0.0/12\n"
			 "monitor = 10.77.0.5,\n"
			 "    10.77.0.6\n"
			 "[lateral]\n"
			 "ports = 22\n"
			 "ports = \"3389\"\n"));
	assert_int_equal(cfg.nhome, 3);
	assert_int_equal(cfg.nmonitors, 2);
	struct ih_addr a;
	assert_true(ih_addr_parse("10.77.0.6", &a));
	assert_true(ih_config_is_monitor(&cfg, &a));
	assert_int_equal(cfg.nlateral_ports, 2);
	assert_int_equal(cfg.lateral_ports[1], 3389);
	/* an empty list empties it */
	ih_config_default(&cfg);
	assert_true(load("monitor =\n"));
	assert_int_equal(cfg.nmonitors, 0);
}

static char tmpdir[256];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_command_line_wins(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ih-conf-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	char path[512];
	snprintf(path, sizeof(path), "%s/given.conf", tmpdir);
	write_file(path, "[sweep]\nmin_targets = 12\nhigh_targets = 77\n");
	struct ih_cli_settings *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->config_path = path;
	char arg[] = "sweep.min_targets=5";
	assert_true(ih_cli_set_arg(s, arg, "test"));
	assert_true(ih_cli_setting(s, "seed", "9"));
	assert_true(ih_cli_configure(s, &cfg, "test"));
	assert_int_equal(cfg.sweep_min_targets, 5); /* the command line, though given before nothing */
	assert_int_equal(cfg.sweep_high_targets, 77);
	assert_int_equal(cfg.track.seed, 9);
	/* a bad command-line key fails after the file was read */
	assert_true(ih_cli_setting(s, "nope", "1"));
	assert_false(ih_cli_configure(s, &cfg, "test"));
	free(s);
	unlink(path);
}

static void test_default_location(void **state)
{
	(void)state;
	char dir[512], path[600], buf[1024];
	snprintf(dir, sizeof(dir), "%s/xdg", tmpdir[0] ? tmpdir : "/tmp");
	mkdir(dir, 0700);
	setenv("XDG_CONFIG_HOME", dir, 1);
	const char *found = ih_config_default_path(buf, sizeof(buf));
	if (found) /* only /etc/icmphound/icmphound.conf could be there */
		assert_string_equal(found, "/etc/icmphound/icmphound.conf");
	snprintf(path, sizeof(path), "%s/icmphound", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/icmphound/icmphound.conf", dir);
	write_file(path, "[incident]\nsuspicious_score = 33\n");
	found = ih_config_default_path(buf, sizeof(buf));
	assert_non_null(found);
	assert_string_equal(found, path);
	struct ih_cli_settings *s = calloc(1, sizeof(*s));
	assert_true(ih_cli_configure(s, &cfg, "test"));
	assert_int_equal(cfg.incident_suspicious_score, 33);
	s->no_config = true;
	assert_true(ih_cli_configure(s, &cfg, "test"));
	assert_int_equal(cfg.incident_suspicious_score, 10);
	free(s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/icmphound", dir);
	rmdir(path);
	rmdir(dir);
	rmdir(tmpdir);
	unsetenv("XDG_CONFIG_HOME");
}

static void test_written_file_reads_back(void **state)
{
	(void)state;
	struct ih_config want;
	ih_config_default(&want);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ih_config_write_ini(&want, f, false);
	fclose(f);
	ih_config_default(&cfg);
	assert_true(ih_config_set(&cfg, "home", "10.0.0.0/8", err, sizeof(err)));
	assert_true(ih_config_set(&cfg, "sweep_min_targets", "99", err, sizeof(err)));
	bool ok = ih_config_load_mem(&cfg, "written", buf, len, err, sizeof(err));
	free(buf);
	if (!ok)
		fail_msg("%s", err);
	const char *k1, *k2, *w;
	char v1[2048], v2[2048];
	bool l;
	for (size_t i = 0; ih_config_option(&want, i, &k1, v1, sizeof(v1), &l, &w); i++) {
		assert_true(ih_config_option(&cfg, i, &k2, v2, sizeof(v2), &l, &w));
		assert_string_equal(k1, k2);
		assert_string_equal(v1, v2);
	}
}

static void test_example_file_is_current(void **state)
{
	(void)state;
	const char *data = getenv("IH_TEST_DATA");
	if (!data)
		skip();
	char path[1024];
	snprintf(path, sizeof(path), "%s/../../docs/icmphound.conf.example", data);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char have[1 << 16];
	size_t n = fread(have, 1, sizeof(have) - 1, f);
	fclose(f);
	have[n] = '\0';
	struct ih_config def;
	ih_config_default(&def);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ih_config_write_ini(&def, m, true);
	fclose(m);
	bool current = strcmp(have, buf) == 0;
	if (!current) {
		free(buf);
		fail_msg("docs/icmphound.conf.example is out of date: icmphound analyze --no-config --list-options=ini "
			 "> docs/icmphound.conf.example");
	}
	/* and every commented-out setting, uncommented, is accepted */
	size_t k = 0;
	for (size_t i = 0; i < len; i++)
		if (!(buf[i] == '#' && (i == 0 || buf[i - 1] == '\n') && buf[i + 1] >= 'a' && buf[i + 1] <= 'z'))
			buf[k++] = buf[i];
	ih_config_default(&cfg);
	bool ok = ih_config_load_mem(&cfg, "example", buf, k, err, sizeof(err));
	free(buf);
	if (!ok)
		fail_msg("%s", err);
}

/* The default tables fit the default memory cap as they are: fitting them must not halve them.
 * A record that grows past the budget (ih_pair gained 16 bytes once and the default hosts and
 * pairs silently fell to 32,768) fails here, not in a golden file's capacity field. */
static void test_defaults_fit_the_cap(void **state)
{
	(void)state;
	struct ih_config def, fit;
	ih_config_default(&def);
	fit = def;
	ih_config_fit_memory(&fit);
	assert_int_equal(fit.track.host_capacity, def.track.host_capacity);
	assert_int_equal(fit.track.pair_capacity, def.track.pair_capacity);
	assert_int_equal(fit.sweep_capacity, def.sweep_capacity);
	assert_int_equal(fit.lateral_capacity, def.lateral_capacity);
	assert_true(def.track.pair_capacity >= 65536);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sections_map_to_options, setup),
		cmocka_unit_test_setup(test_errors_name_file_and_line, setup),
		cmocka_unit_test_setup(test_lists_accumulate, setup),
		cmocka_unit_test_setup(test_command_line_wins, setup),
		cmocka_unit_test_setup(test_default_location, setup),
		cmocka_unit_test_setup(test_written_file_reads_back, setup),
		cmocka_unit_test_setup(test_example_file_is_current, setup),
		cmocka_unit_test(test_defaults_fit_the_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
