/*
 * app-layer-smtp.c - SMTP: commands and replies, pipelining, DATA and BDAT, STARTTLS.
 *
 * Why: mail is how Kimsuky delivers its lures; the sensor has to know an SMTP flow as such
 * (app_proto "smtp", as Suricata logs it), follow it through STARTTLS into TLS (so the TLS
 * parser sees the handshake, as Suricata hands the flow over), and raise Suricata's SMTP
 * anomaly events.
 *
 * How: each direction is cut into lines (LF ends one, a CR before it is dropped). The client
 * may pipeline: its commands wait in a queue, and each final reply line ("250 ok", not the
 * "250-..." continuation lines) answers the oldest. A reply before any command is the
 * server's welcome; replies to commands while no welcome was seen raise
 * NO_SERVER_WELCOME_MESSAGE, each time, as Suricata 7 does. DATA puts the client side into
 * message mode at once (as Suricata: it does not wait for the 354) until a line holding a
 * lone ".", which the server answers as a command; BDAT <n> skips n raw bytes. A 220 answering STARTTLS hands the flow back to
 * protocol detection expecting TLS; the bytes after the 220's line in the same chunk (a
 * server that does not wait, or a capture that merged segments) go to detection with it
 * (applayer_change_protocol_expect_rest), so the hand-over does not depend on chunking.
 *
 * A transaction is one mail exchange: it opens at the first command after the previous one
 * ended and ends with the message (end of DATA, BDAT ... LAST) or the reply to RSET, as
 * Suricata's (QUIT does not end it: the flow's end does); the anomaly
 * events are kept on it for app-layer-event rules. EVE `smtp` gives, as Suricata 7, the
 * flow's first HELO/EHLO argument, the transaction's MAIL FROM and its RCPT TO list (each
 * argument up to the first space after it: SIZE=... and other options are left out).
 *
 * Memory: a line longer than SMTP_LINE_MAX is cut there (MAX_COMMAND_LINE_LEN_EXCEEDED /
 * MAX_REPLY_LINE_LEN_EXCEEDED, the rest up to its LF skipped); at most SMTP_CMD_QUEUE_MAX
 * commands wait for replies, SMTP_RCPT_MAX recipients are kept per transaction and
 * APP_TX_RING_MAX transactions live at once (smtp.memcap counts what is refused).
 *
 * Not yet: the message itself (MIME parts, attachments as files, EVE `email`).
 */
#include "applayer/app-layer-smtp.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applayer/app-layer-txring.h"
#include "file/file.h"

#define SMTP_LINE_MAX 4096
#define SMTP_CMD_QUEUE_MAX 64
#define SMTP_RCPT_MAX 256

typedef enum SmtpCmd {
    SMTP_CMD_OTHER,
    SMTP_CMD_STARTTLS,
    SMTP_CMD_DATA,
    SMTP_CMD_BDAT,
    SMTP_CMD_DATA_END,  /* the "." ending a message: the server answers it too */
    SMTP_CMD_RSET,
} SmtpCmd;

/* Suricata's SMTP event names; bit n of SmtpTx.events is smtp_event_names[n]. */
static const char *const smtp_event_names[] = {
    [SMTP_EV_INVALID_REPLY] = "invalid_reply",
    [SMTP_EV_UNABLE_TO_MATCH_REPLY_WITH_REQUEST] = "unable_to_match_reply_with_request",
    [SMTP_EV_MAX_COMMAND_LINE_LEN_EXCEEDED] = "max_command_line_len_exceeded",
    [SMTP_EV_MAX_REPLY_LINE_LEN_EXCEEDED] = "max_reply_line_len_exceeded",
    [SMTP_EV_NO_SERVER_WELCOME_MESSAGE] = "no_server_welcome_message",
    [SMTP_EV_TLS_REJECTED] = "tls_rejected",
    [SMTP_EV_DUPLICATE_FIELDS] = "duplicate_fields",
};

/* A command's argument, copied. */
typedef struct SmtpStr {
    uint8_t *data;
    uint32_t len;
} SmtpStr;

typedef struct SmtpTx {
    uint32_t events;
    bool done;
    SmtpStr mail_from;        /* data NULL: no MAIL FROM */
    SmtpStr *rcpt_to;
    uint32_t rcpt_count;
} SmtpTx;

/* One direction's line being put together. */
typedef struct SmtpLine {
    uint8_t buf[SMTP_LINE_MAX];
    uint32_t len;
    bool overlong;  /* past SMTP_LINE_MAX: skipping to the LF */
} SmtpLine;

typedef struct SmtpState {
    SmtpLine line[2];  /* [0] to server */
    uint8_t cmds[SMTP_CMD_QUEUE_MAX];
    uint32_t cmd_head, cmd_count;
    bool in_data;          /* the client sends a message, up to a lone "." */
    uint64_t bdat_left;    /* raw chunk bytes still to come */
    bool bdat_last;        /* that chunk ends the message */
    bool welcome_seen;
    SmtpStr helo;          /* the last HELO/EHLO argument; data NULL: none yet */
    bool handed_over;      /* STARTTLS accepted: the bytes are no longer SMTP */
    uint32_t rest;         /* bytes of the chunk being parsed after the current line */
    AppTxRing txs;
    uint64_t cur;          /* the open transaction's id, when cur_open */
    bool cur_open;
} SmtpState;

CounterId smtp_memcap_counter = -1;

static void count_limit(AppLayerCtx *ctx)
{
    if (smtp_memcap_counter >= 0 && ctx->thread && ctx->thread->counters)
        counter_incr(ctx->thread->counters, smtp_memcap_counter);
}

/* The open transaction, opened when there is none; NULL when the window is full. */
static SmtpTx *current_tx(SmtpState *s, AppLayerCtx *ctx)
{
    if (s->cur_open)
        return app_tx_ring_get(&s->txs, s->cur);
    SmtpTx *tx = calloc(1, sizeof(*tx));
    if (!tx || !app_tx_ring_add(&s->txs, tx, &s->cur)) {
        free(tx);
        count_limit(ctx);
        return NULL;
    }
    s->cur_open = true;
    return tx;
}

static void end_tx(SmtpState *s)
{
    SmtpTx *tx = s->cur_open ? app_tx_ring_get(&s->txs, s->cur) : NULL;
    if (tx)
        tx->done = true;
    s->cur_open = false;
}

static void raise_event(SmtpState *s, AppLayerCtx *ctx, SmtpEvent ev)
{
    SmtpTx *tx = current_tx(s, ctx);
    if (!tx)
        return;
    tx->events |= 1u << ev;
    char name[64];
    size_t i = 0;
    for (const char *c = smtp_event_names[ev]; *c && i + 1 < sizeof(name); c++)
        name[i++] = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    name[i] = '\0';
    applayer_raise_event(ctx, name, s->cur);
}

/* Sets *dst to the argument after the first `skip` bytes of the line: leading spaces
 * dropped, up to the next space (Suricata's SMTPParseCommandWithParam). */
static bool keep_param(SmtpStr *dst, const uint8_t *line, uint32_t len, uint32_t skip)
{
    uint32_t i = skip < len ? skip : len;
    while (i < len && line[i] == ' ')
        i++;
    uint32_t end = i;
    while (end < len && line[end] != ' ')
        end++;
    uint8_t *copy = malloc(end - i + 1);
    if (!copy)
        return false;
    memcpy(copy, line + i, end - i);
    free(dst->data);
    dst->data = copy;
    dst->len = end - i;
    return true;
}

static void add_rcpt(SmtpTx *tx, AppLayerCtx *ctx, const uint8_t *line, uint32_t len)
{
    if (tx->rcpt_count == SMTP_RCPT_MAX) {
        count_limit(ctx);
        return;
    }
    if (!tx->rcpt_to) {
        tx->rcpt_to = calloc(SMTP_RCPT_MAX, sizeof(SmtpStr));
        if (!tx->rcpt_to) {
            count_limit(ctx);
            return;
        }
    }
    if (keep_param(&tx->rcpt_to[tx->rcpt_count], line, len, 8))
        tx->rcpt_count++;
}

static void raise_event(SmtpState *s, AppLayerCtx *ctx, SmtpEvent ev);

/* HELO/EHLO (per flow) and MAIL FROM (per transaction) are kept the first time; a second
 * one raises DUPLICATE_FIELDS and is dropped, as Suricata does. */
static void keep_once(SmtpState *s, AppLayerCtx *ctx, SmtpStr *dst, const uint8_t *line,
                      uint32_t len, uint32_t skip)
{
    if (dst->data)
        raise_event(s, ctx, SMTP_EV_DUPLICATE_FIELDS);
    else if (!keep_param(dst, line, len, skip))
        count_limit(ctx);
}

/* The prefixes are Suricata's: "mail from" and "rcpt to" then one byte (the colon). */
static void keep_args(SmtpState *s, SmtpTx *tx, AppLayerCtx *ctx, const uint8_t *line,
                      uint32_t len)
{
    if (len >= 4 && (strncasecmp((const char *)line, "helo", 4) == 0 ||
                     strncasecmp((const char *)line, "ehlo", 4) == 0))
        keep_once(s, ctx, &s->helo, line, len, 5);
    else if (len >= 9 && strncasecmp((const char *)line, "mail from", 9) == 0)
        keep_once(s, ctx, &tx->mail_from, line, len, 10);
    else if (len >= 7 && strncasecmp((const char *)line, "rcpt to", 7) == 0)
        add_rcpt(tx, ctx, line, len);
}

static bool verb_is(const uint8_t *line, uint32_t len, const char *verb)
{
    size_t n = strlen(verb);
    return len >= n && strncasecmp((const char *)line, verb, n) == 0 &&
           (len == n || line[n] == ' ');
}

/* BDAT <size> [LAST]: the chunk size, false when it is not a number. */
static bool bdat_args(const uint8_t *line, uint32_t len, uint64_t *size, bool *last)
{
    uint32_t i = 5;
    while (i < len && line[i] == ' ')
        i++;
    uint32_t start = i;
    uint64_t n = 0;
    for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
        if (n > (UINT64_MAX - 9) / 10)
            return false;
        n = n * 10 + (uint64_t)(line[i] - '0');
    }
    if (i == start)
        return false;
    while (i < len && line[i] == ' ')
        i++;
    *size = n;
    *last = len - i >= 4 && strncasecmp((const char *)line + i, "LAST", 4) == 0;
    return true;
}

static void push_cmd(SmtpState *s, AppLayerCtx *ctx, SmtpCmd cmd)
{
    if (s->cmd_count == SMTP_CMD_QUEUE_MAX) {
        count_limit(ctx);
        return;
    }
    s->cmds[(s->cmd_head + s->cmd_count++) % SMTP_CMD_QUEUE_MAX] = (uint8_t)cmd;
}

static void client_line(SmtpState *s, AppLayerCtx *ctx, const uint8_t *line, uint32_t len)
{
    if (s->in_data) {
        if (len == 1 && line[0] == '.') {
            s->in_data = false;
            push_cmd(s, ctx, SMTP_CMD_DATA_END);
            end_tx(s);
        }
        return;
    }
    SmtpTx *tx = current_tx(s, ctx);
    if (!tx)
        return;
    keep_args(s, tx, ctx, line, len);
    if (verb_is(line, len, "STARTTLS")) {
        push_cmd(s, ctx, SMTP_CMD_STARTTLS);
    } else if (verb_is(line, len, "DATA")) {
        push_cmd(s, ctx, SMTP_CMD_DATA);
        s->in_data = true;
    } else if (verb_is(line, len, "BDAT")) {
        push_cmd(s, ctx, SMTP_CMD_BDAT);
        if (bdat_args(line, len, &s->bdat_left, &s->bdat_last) && !s->bdat_left &&
            s->bdat_last)
            end_tx(s);
    } else {
        push_cmd(s, ctx, verb_is(line, len, "RSET") ? SMTP_CMD_RSET : SMTP_CMD_OTHER);
    }
}

/* A final reply answers the oldest waiting command. */
static void final_reply(SmtpState *s, AppLayerCtx *ctx, int code)
{
    if (!s->welcome_seen && !s->cmd_count) {
        s->welcome_seen = true;
        return;
    }
    if (!s->welcome_seen)
        raise_event(s, ctx, SMTP_EV_NO_SERVER_WELCOME_MESSAGE);
    if (!s->cmd_count) {
        raise_event(s, ctx, SMTP_EV_UNABLE_TO_MATCH_REPLY_WITH_REQUEST);
        return;
    }
    SmtpCmd cmd = s->cmds[s->cmd_head];
    s->cmd_head = (s->cmd_head + 1) % SMTP_CMD_QUEUE_MAX;
    s->cmd_count--;
    if (cmd == SMTP_CMD_RSET)
        end_tx(s);
    if (cmd != SMTP_CMD_STARTTLS)
        return;
    if (code != 220) {
        raise_event(s, ctx, SMTP_EV_TLS_REJECTED);
        return;
    }
    s->handed_over = true;
    applayer_change_protocol_expect_rest(ctx, ALPROTO_TLS, s->rest);
}

static void server_line(SmtpState *s, AppLayerCtx *ctx, const uint8_t *line, uint32_t len)
{
    if (len < 3 || line[0] < '0' || line[0] > '9' || line[1] < '0' || line[1] > '9' ||
        line[2] < '0' || line[2] > '9' || (len > 3 && line[3] != ' ' && line[3] != '-')) {
        raise_event(s, ctx, SMTP_EV_INVALID_REPLY);
        return;
    }
    if (len > 3 && line[3] == '-')
        return; /* a continuation line: the reply goes on */
    final_reply(s, ctx, (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
}

static void line_done(SmtpState *s, AppLayerCtx *ctx, bool to_server)
{
    SmtpLine *l = &s->line[to_server ? 0 : 1];
    uint32_t len = l->len;
    if (len && l->buf[len - 1] == '\r')
        len--;
    if (to_server)
        client_line(s, ctx, l->buf, len);
    else
        server_line(s, ctx, l->buf, len);
    l->len = 0;
    l->overlong = false;
}

/* Adds bytes to the direction's line, up to the limit (the event once per line). */
static void line_append(SmtpState *s, AppLayerCtx *ctx, bool to_server, const uint8_t *d,
                        uint32_t n)
{
    SmtpLine *l = &s->line[to_server ? 0 : 1];
    if (l->overlong)
        return;
    uint32_t room = SMTP_LINE_MAX - l->len;
    if (n > room) {
        n = room;
        l->overlong = true;
        raise_event(s, ctx, to_server ? SMTP_EV_MAX_COMMAND_LINE_LEN_EXCEEDED
                                      : SMTP_EV_MAX_REPLY_LINE_LEN_EXCEEDED);
    }
    memcpy(l->buf + l->len, d, n);
    l->len += n;
}

/* BDAT chunk bytes: not lines. Returns how many of len it took. */
static uint32_t take_chunk(SmtpState *s, uint32_t len)
{
    uint32_t n = s->bdat_left < len ? (uint32_t)s->bdat_left : len;
    s->bdat_left -= n;
    if (!s->bdat_left && s->bdat_last) {
        s->bdat_last = false;
        end_tx(s);
    }
    return n;
}

static int smtp_parse(void *state, AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                      uint32_t len, uint32_t flags)
{
    SmtpState *s = state;
    if (s->handed_over)
        return 0;
    if (flags & APP_FLAG_GAP) {
        /* missing chunk bytes are just missing; a line the gap cut is lost, and lines
         * resume after the next LF */
        if (to_server && s->bdat_left && take_chunk(s, len) == len)
            return 0;
        SmtpLine *l = &s->line[to_server ? 0 : 1];
        l->len = 0;
        l->overlong = true;
        return 0;
    }
    if (!data)
        len = 0;
    uint32_t i = 0;
    while (i < len && !s->handed_over) {
        if (to_server && s->bdat_left) {
            i += take_chunk(s, len - i);
            continue;
        }
        const uint8_t *lf = memchr(data + i, '\n', len - i);
        uint32_t end = lf ? (uint32_t)(lf - data) : len;
        line_append(s, ctx, to_server, data + i, end - i);
        i = end;
        if (lf) {
            i++;
            s->rest = len - i;
            line_done(s, ctx, to_server);
        }
    }
    /* the client is done: no command can follow, so its transaction is complete */
    if ((flags & APP_FLAG_EOF) && to_server)
        end_tx(s);
    return 0;
}

static AppProto smtp_probe(const uint8_t *data, uint32_t len, bool to_server)
{
    static const char *const verbs[] = {"EHLO", "HELO", "QUIT"};
    if (!to_server)
        return ALPROTO_FAILED;
    bool need_more = false;
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        uint32_t n = len < 4 ? len : 4;
        if (strncasecmp((const char *)data, verbs[i], n) != 0)
            continue;
        if (n == 4)
            return ALPROTO_SMTP;
        need_more = true;
    }
    return need_more ? ALPROTO_UNKNOWN : ALPROTO_FAILED;
}

static void tx_free_fn(void *txp)
{
    SmtpTx *tx = txp;
    if (!tx)
        return;
    free(tx->mail_from.data);
    for (uint32_t i = 0; i < tx->rcpt_count; i++)
        free(tx->rcpt_to[i].data);
    free(tx->rcpt_to);
    free(tx);
}

static void *smtp_state_new(void)
{
    return calloc(1, sizeof(SmtpState));
}

static void smtp_state_free(void *state)
{
    SmtpState *s = state;
    app_tx_ring_clear(&s->txs, tx_free_fn);
    free(s->helo.data);
    free(s);
}

static uint64_t smtp_tx_count(void *state)
{
    return ((SmtpState *)state)->txs.next;
}

static void *smtp_tx_get(void *state, uint64_t id)
{
    return app_tx_ring_get(&((SmtpState *)state)->txs, id);
}

static bool smtp_tx_done(void *tx, bool to_server)
{
    (void)to_server;
    return ((SmtpTx *)tx)->done;
}

static void smtp_tx_free(void *state, uint64_t id)
{
    SmtpState *s = state;
    tx_free_fn(app_tx_ring_get(&s->txs, id));
    app_tx_ring_remove(&s->txs, id);
    if (s->cur_open && s->cur == id)
        s->cur_open = false;
}

static bool smtp_tx_has_event(void *txp, const char *name)
{
    const SmtpTx *tx = txp;
    for (size_t i = 0; i < sizeof(smtp_event_names) / sizeof(smtp_event_names[0]); i++)
        if ((tx->events & (1u << i)) && strcasecmp(name, smtp_event_names[i]) == 0)
            return true;
    return false;
}

/* The "smtp" object, Suricata 7's fields in its order. */
static json_t *smtp_tx_alert_json(void *state, void *txp)
{
    const SmtpState *s = state;
    const SmtpTx *tx = txp;
    json_t *o = json_object();
    if (s->helo.data)
        json_object_set_new(o, "helo", file_json_bytes(s->helo.data, s->helo.len));
    if (tx->mail_from.data)
        json_object_set_new(o, "mail_from",
                            file_json_bytes(tx->mail_from.data, tx->mail_from.len));
    if (tx->rcpt_count) {
        json_t *list = json_array();
        for (uint32_t i = 0; i < tx->rcpt_count; i++)
            json_array_append_new(list, file_json_bytes(tx->rcpt_to[i].data,
                                                        tx->rcpt_to[i].len));
        json_object_set_new(o, "rcpt_to", list);
    }
    return o;
}

static void smtp_log_tx(AppLayerCtx *ctx, void *state, void *tx, uint64_t tx_id)
{
    EveWriter *w = ctx->thread->eve;
    if (!w || !eve_enabled(w->log, EVE_SMTP))
        return;
    json_t *obj = applayer_eve_header(ctx, "smtp", tx_id);
    json_object_set_new(obj, "smtp", smtp_tx_alert_json(state, tx));
    eve_write(w, EVE_SMTP, obj);
}

void smtp_register_counters(void)
{
    smtp_memcap_counter = counters_register("smtp.memcap");
    /* Suricata has no such counter: kept out of EVE stats, in the run summary */
    counters_set_private(smtp_memcap_counter);
}

static void smtp_configure(const struct ConfNode *conf)
{
    (void)conf;
    smtp_register_counters();
}

const AppLayerParser app_layer_smtp_parser = {
    .proto = ALPROTO_SMTP,
    .name = "smtp",
    .on_tcp = true,
    .default_ports = "",
    .probe = smtp_probe,
    .state_new = smtp_state_new,
    .state_free = smtp_state_free,
    .parse = smtp_parse,
    .tx_count = smtp_tx_count,
    .tx_get = smtp_tx_get,
    .tx_done = smtp_tx_done,
    .tx_free = smtp_tx_free,
    .tx_has_event = smtp_tx_has_event,
    .log_tx = smtp_log_tx,
    .tx_alert_json = smtp_tx_alert_json,
    .configure = smtp_configure,
};
