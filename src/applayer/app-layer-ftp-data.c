/*
 * app-layer-ftp-data.c - an FTP data connection ("ftp-data"): the bytes are one file.
 *
 * Protocol detection makes a flow ftp-data when the control connection announced it
 * (app-layer-ftp-expect.c) and leaves what the control connection said in the flow's
 * AppLayerFlow.expect: the file's name, the command (RETR or STOR) and the control flow's
 * flow_id. The file is opened on the first data, in the direction the data flows, and closed
 * when that direction ends (CLOSED), or TRUNCATED when the file-store stream-depth stops it
 * or the stream had gaps. A data connection that carries no data has no file.
 *
 * The flow has one transaction: its EVE "ftp_data" event (file name and command) is written
 * when the flow ends; the file's "fileinfo" when the file closes.
 */
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-ftp.h"

typedef struct FtpDataState {
    FtpExpectInfo info;
    bool have_info;
    File *file;
    bool file_done;           /* closed and logged: later data is not looked at */
    bool eof;
} FtpDataState;

static void take_info(FtpDataState *s, AppLayerCtx *ctx)
{
    if (s->have_info || !ctx->flow || !ctx->flow->app || !ctx->flow->app->expect)
        return;
    s->info = *(const FtpExpectInfo *)ctx->flow->app->expect;
    s->have_info = true;
}

static void file_finish(FtpDataState *s, AppLayerCtx *ctx, FileState state)
{
    if (!s->file || s->file_done)
        return;
    FileThread th = file_thread_of(ctx);
    file_close(&th, s->file, state);
    file_log(ctx, s->file, NULL, NULL, NULL);
    s->file_done = true;
}

/* The first chunk that would take the file past the file-store stream-depth ends it. */
static bool depth_allows(const FtpDataState *s, uint32_t len)
{
    uint64_t depth = file_store_stream_depth();
    return !depth || s->file->size + len <= depth;
}

static void file_data(FtpDataState *s, AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                      uint32_t len)
{
    FileThread th = file_thread_of(ctx);
    if (!s->file) {
        s->file = file_open(&th, s->info.name, s->info.name_len, 0, to_server);
        file_keep_data(s->file);
    }
    if (!s->file || s->file_done || s->file->to_server != to_server)
        return;
    if (!depth_allows(s, len)) {
        file_finish(s, ctx, FILE_STATE_TRUNCATED);
        return;
    }
    file_append(&th, s->file, data, len);
}

static int ftpdata_parse(void *state, AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                         uint32_t len, uint32_t flags)
{
    FtpDataState *s = state;
    take_info(s, ctx);
    if ((flags & APP_FLAG_GAP) && s->file && !s->file_done && s->file->to_server == to_server) {
        FileThread th = file_thread_of(ctx);
        file_gap(&th, s->file, len);
    } else if (data && len) {
        file_data(s, ctx, to_server, data, len);
    }
    if (flags & APP_FLAG_EOF) {
        if (s->file && s->file->to_server == to_server)
            file_finish(s, ctx, FILE_STATE_CLOSED);
        s->eof = true;
    }
    return 0;
}

static void *ftpdata_state_new(void)
{
    return calloc(1, sizeof(FtpDataState));
}

static void ftpdata_state_free(void *state)
{
    FtpDataState *s = state;
    file_free(s->file);
    free(s);
}

/* One transaction, the flow itself. */
static uint64_t ftpdata_tx_count(void *state)
{
    (void)state;
    return 1;
}

static void *ftpdata_tx_get(void *state, uint64_t id)
{
    return id == 0 ? state : NULL;
}

static bool ftpdata_tx_done(void *tx, bool to_server)
{
    (void)to_server;
    return ((FtpDataState *)tx)->eof;
}

static void ftpdata_tx_free(void *state, uint64_t id)
{
    (void)state;
    (void)id;  /* the state holds it; freed with the flow */
}

static json_t *ftpdata_json(const FtpDataState *s)
{
    json_t *o = json_object();
    if (s->have_info) {
        json_object_set_new(o, "filename", file_json_bytes(s->info.name, s->info.name_len));
        json_object_set_new(o, "command", json_string(s->info.command));
    }
    return o;
}

static json_t *ftpdata_tx_alert_json(void *state, void *tx)
{
    (void)state;
    return ftpdata_json(tx);
}

static void ftpdata_log_tx(AppLayerCtx *ctx, void *state, void *tx, uint64_t tx_id)
{
    (void)state;
    FtpDataState *s = tx;
    /* a flow ending with its file still open: the transfer did not finish */
    file_finish(s, ctx, FILE_STATE_TRUNCATED);
    EveWriter *w = ctx->thread->eve;
    if (!w || !eve_enabled(w->log, EVE_FTP))
        return;
    json_t *obj = applayer_eve_header(ctx, "ftp_data", tx_id);
    json_object_set_new(obj, "ftp_data", ftpdata_json(s));
    eve_write(w, EVE_FTP, obj);
}

static const File *ftpdata_tx_file(void *tx, bool to_server, uint32_t idx)
{
    const FtpDataState *s = tx;
    if (idx != 0 || !s->file || s->file->to_server != to_server)
        return NULL;
    return s->file;
}

const AppLayerParser app_layer_ftpdata_parser = {
    .proto = ALPROTO_FTPDATA,
    .name = "ftp-data",
    .on_tcp = true,
    .default_ports = "",
    .state_new = ftpdata_state_new,
    .state_free = ftpdata_state_free,
    .parse = ftpdata_parse,
    .tx_count = ftpdata_tx_count,
    .tx_get = ftpdata_tx_get,
    .tx_done = ftpdata_tx_done,
    .tx_free = ftpdata_tx_free,
    .log_tx = ftpdata_log_tx,
    .tx_alert_json = ftpdata_tx_alert_json,
    .tx_file = ftpdata_tx_file,
    .alert_key = "ftp_data",
    .no_raw_trigger = true, /* Suricata's FTP parsers never ask for raw inspection */
};
