/*
 * intel-cli.h - `bongsu intel ...` (see intel-cli.c).
 */
#ifndef BONGSU_INTEL_CLI_H
#define BONGSU_INTEL_CLI_H

/* argv[0] is "intel". Returns the process exit status. */
int intel_cli_main(int argc, char **argv);

#endif
