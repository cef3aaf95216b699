/*
 * fuzz-smtp.c - libFuzzer target for the SMTP parser.
 *
 * Input: the records of fuzz-applayer-util.h; flags bit 2 ends that direction (EOF) after the
 * record. Every record also goes through the probe. Transactions are asked for their events,
 * logged (to /dev/null) with their alert object and freed once their request side is done (all
 * of them at the end), as the framework does, so the transaction window and the command queue
 * are exercised at their limits. DATA reaches the MIME parser (the corpus has a nested
 * multipart message with quoted-printable and base64 parts): attachments become files, asked
 * for through tx_file, their bytes kept for file.data (as when a rule reads it). The eve-log
 * smtp options are on (custom fields of each kind, subject_md5), so the message headers they
 * keep are exercised and logged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-smtp.h"
#include "file/file.h"

#include "fuzz-applayer-util.h"
#include "fuzz-conf-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each transaction's events (a MIME one too) and its attachments, as detection asks. */
static void ask_events(void *state, void *tx)
{
    (void)state;
    (void)app_layer_smtp_parser.tx_has_event(tx, "invalid_reply");
    (void)app_layer_smtp_parser.tx_has_event(tx, "mime_invalid_base64");
    const File *f;
    for (uint32_t i = 0; (f = app_layer_smtp_parser.tx_file(tx, true, i)); i++)
        (void)f->size;
}

static void configure_once(void)
{
    static const char *const sets[] = {
        "outputs.1.eve-log.types.7.smtp.custom.0=subject",
        "outputs.1.eve-log.types.7.smtp.custom.1=received",
        "outputs.1.eve-log.types.7.smtp.custom.2=bcc",
        "outputs.1.eve-log.types.7.smtp.md5.0=subject",
    };
    fuzz_configure_once(app_layer_smtp_parser.configure, sets, sizeof(sets) / sizeof(sets[0]));
    file_data_request();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FuzzAppEnv env;
    fuzz_app_env_ready(&env, smtp_register_counters);
    configure_once();
    AppLayerThread thread = {.counters = &env.counters, .eve = &env.writer};
    AppLayerFlow app = {.proto = ALPROTO_SMTP};
    Flow flow;
    fuzz_app_flow_init(&flow, &app, IPPROTO_TCP, 1, 40000, 25);
    Packet packet;
    memset(&packet, 0, sizeof(packet));
    const AppLayerParser *p = &app_layer_smtp_parser;
    void *state = p->state_new();
    if (!state)
        return 0;
    uint64_t logged = 0;
    FuzzRecord r;
    while (fuzz_app_next_record(&data, &size, true, &r)) {
        packet.ts_usec += 1000;
        AppLayerCtx ctx = {&thread, &flow, &packet, packet.ts_usec};
        uint32_t pflags = (r.gap ? APP_FLAG_GAP : 0) | ((r.flags & 4) ? APP_FLAG_EOF : 0);
        if (!r.gap)
            p->probe(r.bytes, r.len, r.to_server);
        p->parse(state, &ctx, r.to_server, r.bytes, r.len, pflags);
        fuzz_app_log(&ctx, p, state, &logged, false, FUZZ_TX_REQUEST, ask_events);
    }
    AppLayerCtx ctx = {&thread, &flow, NULL, packet.ts_usec};
    fuzz_app_log(&ctx, p, state, &logged, true, FUZZ_TX_REQUEST, ask_events);
    p->state_free(state);
    eve_writer_flush(&env.writer);
    return 0;
}
