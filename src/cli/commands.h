/* commands.h — the subcommands main() dispatches to. Each returns the process exit status. */
#ifndef IH_COMMANDS_H
#define IH_COMMANDS_H

enum ih_exit {
	IH_EXIT_OK = 0,          /* input read to its end */
	IH_EXIT_USAGE = 1,       /* bad command line or configuration */
	IH_EXIT_OPEN = 2,        /* an input could not be opened, or its link type is unsupported */
	IH_EXIT_READ = 3,        /* an input was truncated or corrupt; findings so far were written */
	IH_EXIT_INTERNAL = 4,    /* out of memory, or the output could not be written */
	IH_EXIT_STORE = 5,       /* the output was written but the store (--store) was not */
};

int ih_cmd_analyze(int argc, char **argv);
int ih_cmd_log(int argc, char **argv);
int ih_cmd_watch(int argc, char **argv);
int ih_cmd_explain(int argc, char **argv);
int ih_cmd_report(int argc, char **argv);
int ih_cmd_hunt(int argc, char **argv);
int ih_cmd_evidence(int argc, char **argv);
int ih_cmd_contain(int argc, char **argv);

#endif
