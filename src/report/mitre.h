/* mitre.h — the ATT&CK techniques icmphound's detectors name, with their names and tactics.
 *
 * One static table (mitre.c), so that incidents, reports and the terminal agree on how a
 * technique id reads. Names and tactics are ATT&CK Enterprise v15's. */
#ifndef IH_MITRE_H
#define IH_MITRE_H

struct ih_mitre {
	const char *id;      /* "T1021.002" */
	const char *name;    /* "SMB/Windows Admin Shares" (a sub-technique's own name) */
	const char *tactic;  /* "Lateral Movement" */
	unsigned order;      /* the tactic's place in the kill chain, for sorting */
};

/* The technique with that id, or NULL when the table does not know it. */
const struct ih_mitre *ih_mitre_lookup(const char *id);
/* The whole table, NULL-terminated (for documentation and tests). */
extern const struct ih_mitre ih_mitre_table[];

#endif
