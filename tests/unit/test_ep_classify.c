/* test_ep_classify.c — the verdict on an executable that sent ICMP: where it lives, what tool
 * it is, and whether that earns a suspicious_process finding (never for ordinary tools in
 * system directories; high for user-writable places, deleted files, tunnel tools). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "endpoint/endpoint.h"

struct want {
	const char *exe;
	bool deleted;
	enum ih_ep_loc loc;
	enum ih_ep_tool tool;
	bool suspicious;
	enum ih_sev sev;
};

static void test_table(void **state)
{
	(void)state;
	static const struct want w[] = {
		/* benign: diagnostics and monitoring where packages put them */
		{ "/usr/bin/ping", false, IH_LOC_SYSTEM, IH_TOOLC_DIAGNOSTIC, false, IH_SEV_INFO },
		{ "/bin/ping", false, IH_LOC_SYSTEM, IH_TOOLC_DIAGNOSTIC, false, IH_SEV_INFO },
		{ "/usr/bin/fping", false, IH_LOC_SYSTEM, IH_TOOLC_DIAGNOSTIC, false, IH_SEV_INFO },
		{ "/usr/bin/mtr-packet", false, IH_LOC_SYSTEM, IH_TOOLC_DIAGNOSTIC, false, IH_SEV_INFO },
		{ "/usr/sbin/traceroute", false, IH_LOC_SYSTEM, IH_TOOLC_DIAGNOSTIC, false, IH_SEV_INFO },
		{ "/usr/sbin/zabbix_agentd", false, IH_LOC_SYSTEM, IH_TOOLC_MONITORING, false, IH_SEV_INFO },
		{ "/usr/lib/nagios/plugins/check_icmp", false, IH_LOC_SYSTEM, IH_TOOLC_MONITORING, false, IH_SEV_INFO },
		{ "/opt/zabbix/sbin/zabbix_agent2", false, IH_LOC_LOCAL, IH_TOOLC_MONITORING, false, IH_SEV_INFO },
		{ "/usr/local/bin/fping", false, IH_LOC_LOCAL, IH_TOOLC_DIAGNOSTIC, false, IH_SEV_INFO },
		/* known but not diagnostics */
		{ "/usr/bin/nmap", false, IH_LOC_SYSTEM, IH_TOOLC_RECON, true, IH_SEV_MEDIUM },
		{ "/usr/sbin/hping3", false, IH_LOC_SYSTEM, IH_TOOLC_OFFENSIVE, true, IH_SEV_HIGH },
		{ "/usr/bin/ptunnel-ng", false, IH_LOC_SYSTEM, IH_TOOLC_TUNNEL, true, IH_SEV_HIGH },
		/* unknown programs */
		{ "/usr/bin/python3.11", false, IH_LOC_SYSTEM, IH_TOOLC_UNKNOWN, true, IH_SEV_MEDIUM },
		{ "/opt/vendor/agent", false, IH_LOC_LOCAL, IH_TOOLC_UNKNOWN, true, IH_SEV_MEDIUM },
		{ "/var/lib/app/ping", false, IH_LOC_OTHER, IH_TOOLC_DIAGNOSTIC, true, IH_SEV_MEDIUM },
		/* the seed's step 5: user directories, temporary and memory-backed places, deleted */
		{ "/home/alice/.cache/updater", false, IH_LOC_HOME, IH_TOOLC_UNKNOWN, true, IH_SEV_HIGH },
		{ "/root/ping", false, IH_LOC_HOME, IH_TOOLC_DIAGNOSTIC, true, IH_SEV_HIGH },
		{ "/tmp/x", false, IH_LOC_TEMP, IH_TOOLC_UNKNOWN, true, IH_SEV_HIGH },
		{ "/var/tmp/.x/ping", false, IH_LOC_TEMP, IH_TOOLC_DIAGNOSTIC, true, IH_SEV_HIGH },
		{ "/dev/shm/k", false, IH_LOC_SHM, IH_TOOLC_UNKNOWN, true, IH_SEV_HIGH },
		{ "/run/user/1000/a", false, IH_LOC_SHM, IH_TOOLC_UNKNOWN, true, IH_SEV_HIGH },
		{ "/usr/bin/ping", true, IH_LOC_SYSTEM, IH_TOOLC_DIAGNOSTIC, true, IH_SEV_HIGH },
		/* paths that only pretend to be under a system directory */
		{ "/usr/bin/../../tmp/x", false, IH_LOC_OTHER, IH_TOOLC_UNKNOWN, true, IH_SEV_MEDIUM },
		{ "/usr/bin//ping", false, IH_LOC_OTHER, IH_TOOLC_DIAGNOSTIC, true, IH_SEV_MEDIUM },
		{ "/usr/bin/./ping", false, IH_LOC_OTHER, IH_TOOLC_DIAGNOSTIC, true, IH_SEV_MEDIUM },
		{ "ping", false, IH_LOC_OTHER, IH_TOOLC_DIAGNOSTIC, true, IH_SEV_MEDIUM },
		{ "/usr/binx/ping", false, IH_LOC_OTHER, IH_TOOLC_DIAGNOSTIC, true, IH_SEV_MEDIUM },
		{ "/tmpfoo/ping", false, IH_LOC_OTHER, IH_TOOLC_DIAGNOSTIC, true, IH_SEV_MEDIUM },
		/* nothing to judge */
		{ "", false, IH_LOC_UNKNOWN, IH_TOOLC_UNKNOWN, false, IH_SEV_INFO },
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
		struct ih_ep_verdict v;
		ih_ep_classify(w[i].exe, w[i].deleted, &v);
		print_message("%s%s\n", w[i].exe, w[i].deleted ? " (deleted)" : "");
		assert_int_equal(v.loc, w[i].loc);
		assert_int_equal(v.tool, w[i].tool);
		assert_int_equal(v.suspicious, w[i].suspicious);
		assert_int_equal(v.severity, w[i].sev);
		if (v.suspicious) {
			assert_non_null(v.reasons[0]);
			assert_true(v.confidence > 0.5 && v.confidence < 1.0);
		} else {
			assert_null(v.reasons[0]);
		}
	}
	struct ih_ep_verdict v;
	ih_ep_classify(NULL, false, &v);
	assert_false(v.suspicious);
}

static void test_hidden_and_names(void **state)
{
	(void)state;
	struct ih_ep_verdict v;
	ih_ep_classify("/home/alice/.cache/updater", false, &v);
	assert_true(v.hidden_dir);
	bool named = false;
	for (unsigned i = 0; v.reasons[i]; i++)
		named |= strstr(v.reasons[i], "hidden") != NULL;
	assert_true(named);
	ih_ep_classify("/home/alice/bin/.updater", false, &v); /* a hidden file, not a directory */
	assert_false(v.hidden_dir);
	ih_ep_classify("/home/alice/../bob/x", false, &v);
	assert_false(v.hidden_dir);
	ih_ep_classify("/usr/bin/ptunnel-ng", false, &v);
	assert_string_equal(v.tool_name, "ptunnel-ng");
	assert_string_equal(ih_ep_tool_name(v.tool), "tunnel");
	assert_string_equal(ih_ep_loc_name(v.loc), "system");
	assert_string_equal(ih_ep_loc_name(IH_LOC_SHM), "memory-backed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_hidden_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
