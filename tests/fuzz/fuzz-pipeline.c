/*
 * fuzz-pipeline.c - libFuzzer target: the input is a capture file (pcap or pcapng) and goes
 * through the whole sensor pipeline as `bongsu -r` would run it: libpcap reading, every
 * decoder, defrag, tunnels, flows, and EVE formatting (written to /dev/null).
 *
 * The file lives in a memfd so fuzzing never touches the disk.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "runtime/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialised;
    if (!initialised) {
        log_set_level(LOG_NONE); /* keep libFuzzer's output readable */
        engine_init(NULL);
        initialised = 1;
    }
    int fd = memfd_create("fuzz-capture", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    EngineSettings settings;
    engine_settings_default(&settings);
    settings.runmode = RUNMODE_SINGLE;
    settings.max_pending_packets = 64;
    settings.flow.memcap = 1 << 20;
    settings.flow.hash_size = 256;
    snprintf(settings.eve.path, sizeof(settings.eve.path), "/dev/null");
    settings.eve.anomaly_decode = true;
    settings.eve.anomaly_stream = true;
    settings.eve.community_id = true;
    settings.eve.ethernet = true;

    CaptureSource src;
    char err[512];
    if (capture_open_path(&src, path, NULL, err, sizeof(err)) == 0) {
        EngineSummary summary;
        engine_run(&settings, &src, &summary);
    }
    capture_close(&src);
    close(fd);
    return 0;
}
