/* mitre.c — every ATT&CK technique a detector can put in a finding's "mitre" list.
 *
 * The seed case names "Discovery – Network Service Scanning" (T1046, since renamed Network
 * Service Discovery) and "Command and Control – ICMP" (T1095 Non-Application Layer Protocol);
 * the rest follow the detectors: T1018 for sweeps, T1572 and T1048(.003) for tunnels and data
 * carried out, T1021.x for the connections after a sweep, T1498(.001) for floods and T1498.002 for a smurf reflection, T1036.003
 * for a renamed copy of a system tool sending ICMP (the endpoint stage). A detector
 * that adds a technique adds its line here (test_incident checks that every id a detector
 * emits on the corpus is known). */
#include "report/mitre.h"

#include <string.h>

/* tactic order: the kill chain as ATT&CK lists it */
enum { T_DEFENSE_EVASION = 6, T_DISCOVERY = 9, T_LATERAL = 10, T_C2 = 12, T_EXFIL = 13, T_IMPACT = 14 };

const struct ih_mitre ih_mitre_table[] = {
	{ "T1036", "Masquerading", "Defense Evasion", T_DEFENSE_EVASION },
	{ "T1036.003", "Rename System Utilities", "Defense Evasion", T_DEFENSE_EVASION },
	{ "T1018", "Remote System Discovery", "Discovery", T_DISCOVERY },
	{ "T1046", "Network Service Discovery", "Discovery", T_DISCOVERY },
	{ "T1021", "Remote Services", "Lateral Movement", T_LATERAL },
	{ "T1021.001", "Remote Desktop Protocol", "Lateral Movement", T_LATERAL },
	{ "T1021.002", "SMB/Windows Admin Shares", "Lateral Movement", T_LATERAL },
	{ "T1021.003", "Distributed Component Object Model", "Lateral Movement", T_LATERAL },
	{ "T1021.004", "SSH", "Lateral Movement", T_LATERAL },
	{ "T1021.005", "VNC", "Lateral Movement", T_LATERAL },
	{ "T1021.006", "Windows Remote Management", "Lateral Movement", T_LATERAL },
	{ "T1095", "Non-Application Layer Protocol", "Command and Control", T_C2 },
	{ "T1572", "Protocol Tunneling", "Command and Control", T_C2 },
	{ "T1048", "Exfiltration Over Alternative Protocol", "Exfiltration", T_EXFIL },
	{ "T1048.003", "Exfiltration Over Unencrypted Non-C2 Protocol", "Exfiltration", T_EXFIL },
	{ "T1498", "Network Denial of Service", "Impact", T_IMPACT },
	{ "T1498.001", "Direct Network Flood", "Impact", T_IMPACT },
	{ "T1498.002", "Reflection Amplification", "Impact", T_IMPACT },
	{ NULL, NULL, NULL, 0 },
};

const struct ih_mitre *ih_mitre_lookup(const char *id)
{
	if (!id)
		return NULL;
	for (const struct ih_mitre *m = ih_mitre_table; m->id; m++)
		if (strcmp(m->id, id) == 0)
			return m;
	return NULL;
}
