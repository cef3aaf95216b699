/*
 * ddos-mitigate.h - run the configured mitigation commands without ever blocking capture.
 *
 * On an attack's start and end the detector submits the configured argv (no shell: the
 * operator's own arguments, nothing from the traffic is ever parsed as a command) with the
 * attack in BONGSU_DDOS_* environment variables. Submitting copies into a bounded queue and
 * returns at once; when the queue is full the job is dropped and counted, never waited for.
 * One runner thread takes jobs in order (so an announce is never overtaken by its withdraw),
 * posix_spawn()s each in its own process group and kills the group when it outlives the
 * timeout. Examples: examples/mitigation/.
 */
#ifndef BONGSU_DDOS_MITIGATE_H
#define BONGSU_DDOS_MITIGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddos/ddos-config.h"

#define DDOS_ENV_MAX 16
#define DDOS_ENV_LEN 512

typedef struct DdosMitigator DdosMitigator;

/* Starts the runner thread. Returns NULL on failure. */
DdosMitigator *ddos_mitigator_new(uint32_t queue_len, uint32_t timeout_sec);
/* Queues cmd (which must outlive the mitigator) with up to DDOS_ENV_MAX "NAME=value"
 * strings added to the environment. Returns false when the queue is full (dropped). */
bool ddos_mitigator_submit(DdosMitigator *m, const DdosCommand *cmd, const char *const *env,
                           size_t env_count);
/* Runs what is queued (each within its timeout), then stops the thread and frees. */
void ddos_mitigator_free(DdosMitigator *m);

#endif
