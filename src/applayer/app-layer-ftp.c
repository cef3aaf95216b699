/*
 * app-layer-ftp.c - the FTP control connection ("ftp"): commands, replies, transactions,
 * the data connections they announce, and EVE "ftp" events in Suricata 7's layout.
 *
 * Both directions are CRLF (or LF) terminated lines. A command line opens a transaction
 * (verb and argument); reply lines go to the oldest transaction still waiting for its reply,
 * or open one of their own when none waits (the server's greeting, a transfer's final 226).
 * A reply ends at its last line: three digits and a space (a multi-line reply's other lines
 * have a '-' after the code, RFC 959 4.2), so "150-...\r\n150 ..." is one reply, and the 226
 * that follows a download is a transaction of its own, as Suricata logs it.
 *
 * Data connections: PORT/EPRT (active mode: the server connects to the client's port) and the
 * 227/229 replies to PASV/EPSV (passive mode: the client connects to the server's port) name
 * the port; RETR and STOR then register the expected connection with the file's name
 * (app-layer-ftp-expect.c). Addresses are the control connection's own, not the ones a PORT
 * command names, so a bounce to a third host is not followed.
 *
 * Bounds: a line keeps at most FTP_LINE_MAX bytes (the rest is dropped and the transaction
 * marked command_truncated/reply_truncated), a transaction at most FTP_MAX_REPLY_LINES reply
 * lines, a flow at most APP_TX_RING_MAX unlogged transactions; each limit hit counts ftp.memcap.
 */
#include <ctype.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-ftp.h"
#include "applayer/app-layer-txring.h"

#define FTP_LINE_MAX 4096u
#define FTP_MAX_REPLY_LINES 64u
#define FTP_VERB_MAX 15u

CounterId ftp_memcap_counter = -1;

typedef struct FtpLine {
    uint8_t *buf;            /* FTP_LINE_MAX bytes, allocated on first use */
    uint32_t len;
    bool truncated;          /* bytes were dropped from the line being gathered */
} FtpLine;

typedef struct FtpTx {
    uint64_t id;
    char verb[FTP_VERB_MAX + 1];   /* "" for a reply nobody asked for */
    uint8_t *arg;
    uint32_t arg_len;
    bool command_truncated;
    char *replies[FTP_MAX_REPLY_LINES];  /* each a NUL-terminated line without its CRLF */
    uint32_t reply_count;
    bool reply_done, reply_truncated;
    uint16_t dyn_port;             /* the data port this exchange named */
    bool dyn_active;
} FtpTx;

typedef struct FtpState {
    AppTxRing txs;                 /* first: app_tx_ring_state_* serve as the tx hooks */
    FtpLine line[2];               /* [to_server] */
    uint16_t dyn_port;             /* the last data port named, 0 when none */
    bool active;
    bool pasv_pending, epsv_pending; /* a PASV/EPSV waits for its reply */
} FtpState;
_Static_assert(offsetof(FtpState, txs) == 0, "app_tx_ring_state_* read the ring at offset 0");

void ftp_count_limit(AppLayerCtx *ctx)
{
    if (ftp_memcap_counter >= 0 && ctx->thread && ctx->thread->counters)
        counter_incr(ctx->thread->counters, ftp_memcap_counter);
}

/* ---- port arguments ------------------------------------------------------------------ */

/* Up to `max` comma-separated decimal numbers, each below 256. */
static int parse_bytes(const uint8_t *d, uint32_t len, unsigned *out, int max)
{
    int n = 0;
    uint32_t i = 0;
    while (i < len && n < max) {
        if (!isdigit(d[i]))
            return -1;
        unsigned v = 0;
        while (i < len && isdigit(d[i]) && v < 256)
            v = v * 10 + (unsigned)(d[i++] - '0');
        if (v > 255)
            return -1;
        out[n++] = v;
        if (i < len && d[i] == ',')
            i++;
        else
            break;
    }
    return n;
}

static uint16_t port_from_six(const uint8_t *d, uint32_t len)
{
    unsigned v[6];
    if (parse_bytes(d, len, v, 6) != 6)
        return 0;
    return (uint16_t)(v[4] << 8 | v[5]);
}

uint16_t ftp_parse_port_args(const uint8_t *data, uint32_t len)
{
    while (len && *data == ' ') {
        data++;
        len--;
    }
    return port_from_six(data, len);
}

uint16_t ftp_parse_pasv_reply(const uint8_t *data, uint32_t len)
{
    const uint8_t *open = memchr(data, '(', len);
    if (!open)
        return 0;
    uint32_t off = (uint32_t)(open - data) + 1;
    return port_from_six(data + off, len - off);
}

/* A decimal port between two delimiters, after `skip` delimiters (EPRT: |af|addr|port|,
 * EPSV reply: (|||port|)). */
static uint16_t port_after_delims(const uint8_t *d, uint32_t len, int skip)
{
    if (!len)
        return 0;
    uint8_t delim = d[0];
    uint32_t i = 0;
    for (int seen = 0; seen < skip; i++) {
        if (i >= len)
            return 0;
        if (d[i] == delim)
            seen++;
    }
    unsigned v = 0;
    uint32_t digits = 0;
    while (i < len && isdigit(d[i]) && digits < 6) {
        v = v * 10 + (unsigned)(d[i++] - '0');
        digits++;
    }
    if (!digits || v == 0 || v > 65535 || i >= len || d[i] != delim)
        return 0;
    return (uint16_t)v;
}

uint16_t ftp_parse_eprt_args(const uint8_t *data, uint32_t len)
{
    while (len && *data == ' ') {
        data++;
        len--;
    }
    return port_after_delims(data, len, 3);
}

uint16_t ftp_parse_epsv_reply(const uint8_t *data, uint32_t len)
{
    const uint8_t *open = memchr(data, '(', len);
    if (!open)
        return 0;
    uint32_t off = (uint32_t)(open - data) + 1;
    return port_after_delims(data + off, len - off, 3);
}

/* ---- transactions -------------------------------------------------------------------- */

static FtpTx *tx_at(FtpState *s, uint64_t id)
{
    return app_tx_ring_get(&s->txs, id);
}

static void tx_release(void *txp)
{
    FtpTx *tx = txp;
    if (!tx)
        return;
    free(tx->arg);
    for (uint32_t i = 0; i < tx->reply_count; i++)
        free(tx->replies[i]);
    free(tx);
}

static FtpTx *tx_new(FtpState *s, AppLayerCtx *ctx)
{
    FtpTx *tx = calloc(1, sizeof(*tx));
    if (!tx)
        return NULL;
    if (!app_tx_ring_add(&s->txs, tx, &tx->id)) {
        ftp_count_limit(ctx);
        free(tx);
        return NULL;
    }
    return tx;
}

/* The oldest transaction whose reply has not ended, or a new one. */
static FtpTx *tx_for_reply(FtpState *s, AppLayerCtx *ctx)
{
    for (uint64_t id = s->txs.base; id < s->txs.next; id++) {
        FtpTx *tx = tx_at(s, id);
        if (tx && !tx->reply_done)
            return tx;
    }
    return tx_new(s, ctx);
}

/* ---- commands ------------------------------------------------------------------------ */

static void expect_transfer(FtpState *s, AppLayerCtx *ctx, const FtpTx *tx)
{
    if (!s->dyn_port || !ctx->flow)
        return;
    FtpExpectInfo info = {.parent_flow_id = ctx->flow->flow_id};
    info.name_len = tx->arg_len < FILE_NAME_MAX ? tx->arg_len : FILE_NAME_MAX;
    if (info.name_len)
        memcpy(info.name, tx->arg, info.name_len);
    memcpy(info.command, tx->verb, 4); /* RETR or STOR */
    const FlowKey *k = &ctx->flow->key;
    /* active: the server connects to the client; passive: the client to the server */
    const Address *client = s->active ? &k->dst : &k->src;
    const Address *server = s->active ? &k->src : &k->dst;
    if (!ftp_expect_add(client, server, s->dyn_port, &info, ctx->now_usec))
        ftp_count_limit(ctx);
}

static void command_effects(FtpState *s, AppLayerCtx *ctx, FtpTx *tx)
{
    bool port = strcmp(tx->verb, "PORT") == 0, eprt = strcmp(tx->verb, "EPRT") == 0;
    if (port || eprt) {
        uint16_t p = port ? ftp_parse_port_args(tx->arg, tx->arg_len)
                          : ftp_parse_eprt_args(tx->arg, tx->arg_len);
        if (p) {
            s->dyn_port = tx->dyn_port = p;
            s->active = tx->dyn_active = true;
        }
    }
    s->pasv_pending = strcmp(tx->verb, "PASV") == 0;
    s->epsv_pending = strcmp(tx->verb, "EPSV") == 0;
    if (strcmp(tx->verb, "RETR") == 0 || strcmp(tx->verb, "STOR") == 0)
        expect_transfer(s, ctx, tx);
}

static void command_line(FtpState *s, AppLayerCtx *ctx, const uint8_t *d, uint32_t len,
                         bool truncated)
{
    FtpTx *tx = tx_new(s, ctx);
    if (!tx)
        return;
    uint32_t v = 0;
    while (v < len && d[v] != ' ' && v < FTP_VERB_MAX) {
        tx->verb[v] = (char)toupper(d[v]);
        v++;
    }
    while (v < len && d[v] != ' ')
        v++;  /* an overlong verb is cut */
    if (v < len) {
        v++;
        tx->arg_len = len - v;
        tx->arg = malloc(tx->arg_len ? tx->arg_len : 1);
        if (tx->arg)
            memcpy(tx->arg, d + v, tx->arg_len);
        else
            tx->arg_len = 0;
        tx->command_truncated = truncated;
    }
    command_effects(s, ctx, tx);
}

/* ---- replies ------------------------------------------------------------------------- */

/* The last line of a reply: its code and a space (or the code alone). */
static bool reply_final(const uint8_t *d, uint32_t len)
{
    if (len < 3 || !isdigit(d[0]) || !isdigit(d[1]) || !isdigit(d[2]))
        return false;
    return len == 3 || d[3] == ' ';
}

static void passive_port(FtpState *s, FtpTx *tx, const uint8_t *d, uint32_t len)
{
    uint16_t p = 0;
    if (s->pasv_pending && len >= 4 && memcmp(d, "227 ", 4) == 0)
        p = ftp_parse_pasv_reply(d, len);
    else if (s->epsv_pending && len >= 4 && memcmp(d, "229 ", 4) == 0)
        p = ftp_parse_epsv_reply(d, len);
    if (!p)
        return;
    s->dyn_port = tx->dyn_port = p;
    s->active = tx->dyn_active = false;
}

static void reply_line(FtpState *s, AppLayerCtx *ctx, const uint8_t *d, uint32_t len,
                       bool truncated)
{
    FtpTx *tx = tx_for_reply(s, ctx);
    if (!tx)
        return;
    tx->reply_truncated |= truncated;
    passive_port(s, tx, d, len);
    if (len && tx->reply_count < FTP_MAX_REPLY_LINES) {
        char *copy = malloc(len + 1);
        if (copy) {
            memcpy(copy, d, len);
            copy[len] = '\0';
            tx->replies[tx->reply_count++] = copy;
        }
    } else if (len) {
        ftp_count_limit(ctx);
    }
    if (reply_final(d, len)) {
        tx->reply_done = true;
        s->pasv_pending = s->epsv_pending = false;
    }
}

/* ---- line framing -------------------------------------------------------------------- */

static void line_done(FtpState *s, AppLayerCtx *ctx, bool to_server)
{
    FtpLine *l = &s->line[to_server];
    uint32_t len = l->len;
    if (len && l->buf[len - 1] == '\r')
        len--;
    if (to_server && len)
        command_line(s, ctx, l->buf, len, l->truncated);
    else if (!to_server && len)
        reply_line(s, ctx, l->buf, len, l->truncated);
    l->len = 0;
    l->truncated = false;
}

static bool line_append(FtpLine *l, AppLayerCtx *ctx, const uint8_t *d, uint32_t n)
{
    if (!l->buf && !(l->buf = malloc(FTP_LINE_MAX)))
        return false;
    uint32_t room = FTP_LINE_MAX - l->len;
    if (n > room) {
        if (!l->truncated)
            ftp_count_limit(ctx);
        l->truncated = true;
        n = room;
    }
    memcpy(l->buf + l->len, d, n);
    l->len += n;
    return true;
}

static int ftp_parse(void *state, AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                     uint32_t len, uint32_t flags)
{
    FtpState *s = state;
    FtpLine *l = &s->line[to_server];
    if (flags & APP_FLAG_GAP) {
        l->len = 0;          /* the line in progress is lost; the next one starts afresh */
        l->truncated = false;
        return 0;
    }
    while (len && data) {
        const uint8_t *nl = memchr(data, '\n', len);
        uint32_t n = nl ? (uint32_t)(nl - data) : len;
        if (!line_append(l, ctx, data, n))
            return -1;
        if (nl)
            line_done(s, ctx, to_server);
        uint32_t used = nl ? n + 1 : n;
        data += used;
        len -= used;
    }
    return 0;
}

/* ---- framework hooks ----------------------------------------------------------------- */

static void *ftp_state_new(void)
{
    return calloc(1, sizeof(FtpState));
}

static void ftp_state_free(void *state)
{
    FtpState *s = state;
    app_tx_ring_clear(&s->txs, tx_release);
    free(s->line[0].buf);
    free(s->line[1].buf);
    free(s);
}

static bool ftp_tx_done(void *tx, bool to_server)
{
    return to_server || ((FtpTx *)tx)->reply_done;
}

static void ftp_tx_free(void *state, uint64_t id)
{
    FtpTx *tx = app_tx_ring_take(&((FtpState *)state)->txs, id);
    if (tx)
        tx_release(tx);
}

/* Suricata's FTP patterns: what a client's first command looks like. The server's greeting
 * is not looked at (Suricata recognises FTP from the client's side only). */
static AppProto ftp_probe(const uint8_t *data, uint32_t len, bool to_server)
{
    static const char *const patterns[] = {"USER ", "PASS ", "PORT ", "AUTH SSL", "AUTH TLS"};
    if (!to_server)
        return ALPROTO_FAILED;
    bool need_more = false;
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        size_t plen = strlen(patterns[i]);
        size_t n = len < plen ? len : plen;
        if (strncasecmp((const char *)data, patterns[i], n) != 0)
            continue;
        if (n == plen)
            return ALPROTO_FTP;
        need_more = true;
    }
    return need_more ? ALPROTO_UNKNOWN : ALPROTO_FAILED;
}

/* The "ftp" object, Suricata's field order. */
static json_t *ftp_tx_json(const FtpTx *tx)
{
    json_t *o = json_object();
    if (tx->verb[0]) {
        json_object_set_new(o, "command", json_string(tx->verb));
        if (tx->arg) {
            json_object_set_new(o, "command_data", file_json_bytes(tx->arg, tx->arg_len));
            json_object_set_new(o, "command_truncated", json_boolean(tx->command_truncated));
        }
    }
    if (tx->reply_count) {
        json_t *codes = json_array(), *texts = json_array();
        for (uint32_t i = 0; i < tx->reply_count; i++) {
            const char *r = tx->replies[i];
            size_t rl = strlen(r);
            json_array_append_new(codes, file_json_bytes((const uint8_t *)r, rl < 3 ? rl : 3));
            json_array_append_new(texts, file_json_bytes((const uint8_t *)r + (rl > 4 ? 4 : rl),
                                                         rl > 4 ? rl - 4 : 0));
        }
        json_object_set_new(o, "completion_code", codes);
        json_object_set_new(o, "reply", texts);
    }
    if (tx->dyn_port) {
        json_object_set_new(o, "dynamic_port", json_integer(tx->dyn_port));
        json_object_set_new(o, "mode", json_string(tx->dyn_active ? "active" : "passive"));
    }
    json_object_set_new(o, "reply_received", json_string(tx->reply_count ? "yes" : "no"));
    json_object_set_new(o, "reply_truncated", json_boolean(tx->reply_truncated));
    return o;
}

static json_t *ftp_tx_alert_json(void *state, void *tx)
{
    (void)state;
    return ftp_tx_json(tx);
}

static void ftp_log_tx(AppLayerCtx *ctx, void *state, void *tx, uint64_t tx_id)
{
    (void)state;
    EveWriter *w = ctx->thread->eve;
    if (!w || !eve_enabled(w->log, EVE_FTP))
        return;
    json_t *obj = applayer_eve_header(ctx, "ftp", tx_id);
    json_object_set_new(obj, "ftp", ftp_tx_json(tx));
    eve_write(w, EVE_FTP, obj);
}

void ftp_register_counters(void)
{
    ftp_memcap_counter = counters_register("ftp.memcap");
}

static void ftp_configure(const struct ConfNode *conf)
{
    (void)conf;
    ftp_register_counters();
}

const AppLayerParser app_layer_ftp_parser = {
    .proto = ALPROTO_FTP,
    .name = "ftp",
    .on_tcp = true,
    .default_ports = "",
    .probe = ftp_probe,
    .state_new = ftp_state_new,
    .state_free = ftp_state_free,
    .parse = ftp_parse,
    .tx_count = app_tx_ring_state_count,
    .tx_get = app_tx_ring_state_get,
    .tx_done = ftp_tx_done,
    .tx_free = ftp_tx_free,
    .log_tx = ftp_log_tx,
    .tx_alert_json = ftp_tx_alert_json,
    .configure = ftp_configure,
    .no_raw_trigger = true, /* Suricata's FTP parsers never ask for raw inspection */
};
