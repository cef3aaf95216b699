/*
 * fuzz-yara-scan.c - libFuzzer target: any bytes as a file carried over HTTP, through the
 * file layer into the YARA scanner thread with the shipped DPRK rules, then the alert and
 * fileinfo output. Whatever the file, chunking and limits, nothing may crash, hang or leak.
 *
 * Input: byte 0 flags (bit 0: closed truncated, bit 1: freed unclosed, bit 2: fileinfo off),
 * bits 6-7: scanner threads - 1), byte 1 the chunk size, byte 2 the max-file-size, byte 3 the
 * memcap (low 4 bits) and buffer-size (high 4 bits, past which the file is spooled to disk);
 * the rest is the file. The rules go through the prefilter, so both rule sets get inputs.
 * The rules load once; each input gets its own scanner, stopped (drained) at the end, so
 * every scan of the input has finished before the next one starts.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "applayer/app-layer.h"
#include "build-info.h"
#include "file/file.h"
#include "yara/yara-scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static YaraRuleSet *rules;
static EveLog *eve;

static void setup(void)
{
    static const char *const paths[] = {BONGSU_DATA_DIR "/yara"};
    rules = yara_rules_load(paths, 1, NULL, NULL, NULL, NULL);
    EveConfig cfg;
    eve_config_default(&cfg);
    cfg.enabled = true;
    snprintf(cfg.path, sizeof(cfg.path), "/dev/null");
    cfg.types[EVE_ALERT] = cfg.types[EVE_FILES] = true;
    eve = eve_log_open(&cfg);
    counters_register("detect.alert");
}

static json_t *empty_object(const void *tx)
{
    (void)tx;
    return json_object();
}

static void transfer(const uint8_t *body, size_t len, uint8_t flags, size_t chunk)
{
    EveWriter w;
    eve_writer_init(&w, eve);
    CounterSet counters;
    counter_set_init(&counters);
    AppLayerThread th = {.counters = &counters, .eve = (flags & 4) ? NULL : &w};
    AppLayerFlow app = {.proto = ALPROTO_HTTP};
    Flow flow = {.flow_id = 1, .app = &app};
    flow.key.proto = 6;
    flow.key.src.family = flow.key.dst.family = AF_INET;
    flow.key.sp = 40000;
    flow.key.dp = 80;
    AppLayerCtx ctx = {.thread = &th, .flow = &flow, .now_usec = 1};
    FileThread ft = {.counters = &counters, .ctx = &ctx};
    File *f = file_open(&ft, (const uint8_t *)"/dl/f.exe", 9, 0, false);
    for (size_t off = 0; f && off < len; off += chunk)
        file_append(&ft, f, body + off, (uint32_t)(len - off < chunk ? len - off : chunk));
    if (f && !(flags & 2)) {
        file_close(&ft, f, (flags & 1) ? FILE_STATE_TRUNCATED : FILE_STATE_CLOSED);
        file_log(&ctx, f, "http", empty_object, NULL);
    }
    file_free(f);
    eve_writer_destroy(&w);
    counter_set_free(&counters);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!eve)
        setup();
    if (!rules || !eve || size < 4)
        return 0;
    YaraScanConfig cfg;
    yara_scan_config_default(&cfg);
    cfg.max_file_size = (uint64_t)64 << (data[2] % 16);
    cfg.memcap = (uint64_t)256 << (data[3] % 16);
    cfg.buffer_size = (uint64_t)32 << (data[3] >> 4);  /* larger files go through a spool */
    cfg.threads = 1 + (data[0] >> 6);
    cfg.scan_timeout = 2;
    YaraScanner *s = yara_scanner_new(&rules, &cfg, eve, NULL, NULL);
    if (!s)
        return 0;
    transfer(data + 4, size - 4, data[0], 1 + (size_t)data[1] * 16);
    yara_scanner_free(s);
    return 0;
}
