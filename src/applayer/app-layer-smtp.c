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
 * server's welcome (INVALID_REPLY when it is not a 220); each command while no welcome was
 * seen raises NO_SERVER_WELCOME_MESSAGE, as Suricata 7 does (a reply answering a command is
 * no welcome: a client that speaks first raises it at every command). DATA puts the client
 * side into message mode at once (as Suricata: it does not wait for the 354) until a line holding a
 * lone ".", which the server answers as a command; BDAT <n> skips n raw bytes (as Suricata 7:
 * no MIME, no email object or files for them). A 220 answering STARTTLS hands the flow back to
 * protocol detection expecting TLS; the bytes after the 220's line in the same chunk (a
 * server that does not wait, or a capture that merged segments) go to detection with it
 * (applayer_change_protocol_expect_rest), so the hand-over does not depend on chunking.
 *
 * A transaction is one mail exchange: it opens at the first command after the previous one
 * ended and ends with the message's lone ".", the 250 answering RSET or the 220 answering
 * STARTTLS, as Suricata's (QUIT and BDAT ... LAST do not end it: the flow's end does); the anomaly
 * events are kept on it for app-layer-event rules. EVE `smtp` gives, as Suricata 7, the
 * flow's first HELO/EHLO argument, the transaction's MAIL FROM and its RCPT TO list (each
 * argument up to the first space after it: SIZE=... and other options are left out).
 *
 * Memory: a line longer than SMTP_LINE_MAX is cut there (MAX_COMMAND_LINE_LEN_EXCEEDED /
 * MAX_REPLY_LINE_LEN_EXCEEDED, the rest up to its LF skipped); at most SMTP_CMD_QUEUE_MAX
 * commands wait for replies, SMTP_RCPT_MAX recipients are kept per transaction and
 * APP_TX_RING_MAX transactions live at once (smtp.memcap counts what is refused).
 *
 * The message (DATA): each line, dot-stuffing undone, goes to the MIME parser (mime.c);
 * attachments become files of the transaction (file layer: hashes, filestore, fileinfo with
 * the "smtp" and "email" objects, the file keywords and file.data through tx_file), the
 * message's From/To/Cc, attachment names and the URLs of its text parts make EVE's "email"
 * object (Suricata 7's default fields), its anomalies Suricata's smtp.mime_* events. At most
 * SMTP_FILES_MAX attachments and SMTP_LIST_MAX entries per list are kept (smtp.memcap).
 *
 * Detection inspects each side of a transaction at the first packet its way after it
 * completed (inspect_by_direction), as Suricata: a message's file rules at the client's
 * packet after the server acknowledged the end of the message.
 *
 * Not yet: file rules while the message is still arriving (Suricata inspects files at
 * every packet: filename once the file opened, filesize and file.data once it closed;
 * bongsu at the transaction's end).
 */
#include "applayer/app-layer-smtp.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <openssl/evp.h>

#include "applayer/app-layer-txring.h"
#include "applayer/mime.h"
#include "config/config.h"
#include "file/file.h"

#define SMTP_LINE_MAX 4096
#define SMTP_CMD_QUEUE_MAX 64
#define SMTP_RCPT_MAX 256
#define SMTP_LIST_MAX 256    /* To, Cc, attachment names, URLs kept per message */
#define SMTP_FILES_MAX 64    /* attachments per message */

typedef enum SmtpCmd {
    SMTP_CMD_OTHER,
    SMTP_CMD_STARTTLS,
    SMTP_CMD_DATA,
    SMTP_CMD_BDAT,
    SMTP_CMD_DATA_END,  /* the "." ending a message: the server answers it too */
    SMTP_CMD_RSET,
} SmtpCmd;

/* Suricata's SMTP event names; bit n of SmtpTx.events is event_name(n), the MIME ones
 * (mime.c) after these. */
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

/* Up to SMTP_LIST_MAX strings. */
typedef struct SmtpList {
    SmtpStr *v;
    uint32_t n;
} SmtpList;

struct SmtpState;

/* Suricata's email_fields: the message headers an eve-log `smtp: {custom: [...]}` list may
 * name (its key, or the header's name), in the order they are logged, and how: the last
 * such header's value, its comma-separated list, or every such header's value. */
typedef enum FieldKind { FIELD_STRING, FIELD_COMMA, FIELD_ALL } FieldKind;
static const struct {
    const char *key, *header;
    FieldKind kind;
} email_fields[] = {
    {"reply_to", "reply-to", FIELD_STRING},     {"bcc", "bcc", FIELD_COMMA},
    {"message_id", "message-id", FIELD_STRING}, {"subject", "subject", FIELD_STRING},
    {"x_mailer", "x-mailer", FIELD_STRING},     {"user_agent", "user-agent", FIELD_STRING},
    {"received", "received", FIELD_ALL},
    {"x_originating_ip", "x-originating-ip", FIELD_STRING},
    {"in_reply_to", "in-reply-to", FIELD_STRING}, {"references", "references", FIELD_STRING},
    {"importance", "importance", FIELD_STRING}, {"priority", "priority", FIELD_STRING},
    {"sensitivity", "sensitivity", FIELD_STRING}, {"organization", "organization", FIELD_STRING},
    {"content_md5", "content-md5", FIELD_STRING}, {"date", "date", FIELD_STRING},
};
#define EMAIL_FIELD_COUNT (sizeof(email_fields) / sizeof(email_fields[0]))
#define EMAIL_FIELD_SUBJECT 3

/* The eve-log smtp options: `custom` fields (bit n: email_fields[n]) and `md5: [subject]`.
 * `extended: yes` does nothing, as in Suricata 7.0 (its option parser clears the flag it
 * sets); `md5: [body]` is not done. */
static struct {
    uint32_t custom;
    bool subject_md5;
} smtp_log;

/* The message (DATA) of a transaction: EVE's "email" object and its attachments. */
typedef struct SmtpMail {
    MimeParser *mime;
    bool ended;               /* the lone "." came: status PARSE_DONE */
    SmtpStr from;
    SmtpList to, cc, attachment, url;
    SmtpList fields[EMAIL_FIELD_COUNT]; /* the headers smtp_log asks for */
    /* URLs of the message's own body (not of a part): Suricata logs these three then */
    bool root_url, has_ipv4_url, has_ipv6_url, has_exe_url;
    File *files[SMTP_FILES_MAX];
    uint32_t nfiles;
    uint32_t logged;          /* files[] below this have had their fileinfo */
    File *open;               /* the attachment being received */
} SmtpMail;

typedef struct SmtpTx {
    uint32_t events;
    bool done;
    SmtpStr mail_from;        /* data NULL: no MAIL FROM */
    SmtpStr *rcpt_to;
    uint32_t rcpt_count;
    SmtpMail *mail;           /* NULL: no DATA yet */
    const struct SmtpState *state;  /* for the fileinfo event's "smtp" object */
    uint64_t id;
} SmtpTx;

/* One direction's line being put together. */
typedef struct SmtpLine {
    uint8_t buf[SMTP_LINE_MAX];
    uint32_t len;
    bool overlong;  /* past SMTP_LINE_MAX: skipping to the LF */
} SmtpLine;

typedef struct SmtpState {
    /* First: the transaction hooks are app_tx_ring_state_count/get. A transaction is one
     * mail exchange and pipelining queues commands, not mails, so the live ones are the
     * few not logged yet, far below the window (a full one counts in smtp.memcap). */
    AppTxRing txs;
    SmtpLine line[2];  /* [0] to server */
    uint8_t cmds[SMTP_CMD_QUEUE_MAX];
    uint32_t cmd_head, cmd_count;
    bool in_data;          /* the client sends a message, up to a lone "." */
    uint64_t bdat_left;    /* raw chunk bytes still to come */
    bool welcome_seen;
    SmtpStr helo;          /* the last HELO/EHLO argument; data NULL: none yet */
    bool handed_over;      /* STARTTLS accepted: the bytes are no longer SMTP */
    uint32_t rest;         /* bytes of the chunk being parsed after the current line */
    AppLayerCtx *ctx;      /* the parse call's, for the MIME callbacks */
    uint64_t cur;          /* the open transaction's id, when cur_open */
    bool cur_open;
} SmtpState;
_Static_assert(offsetof(SmtpState, txs) == 0, "app_tx_ring_state_* read the ring at offset 0");

#define SMTP_EV_COUNT (SMTP_EV_MIME_FIRST + MIME_EV_MAX)

static const char *event_name(uint32_t ev)
{
    return ev < SMTP_EV_MIME_FIRST ? smtp_event_names[ev]
                                   : mime_event_name((MimeEvent)(ev - SMTP_EV_MIME_FIRST));
}

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
    tx->state = s;
    tx->id = s->cur;
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
    for (const char *c = event_name(ev); *c && i + 1 < sizeof(name); c++)
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

/* ---- the message: MIME, EVE "email", attachments as files ---- */

static bool str_set(SmtpStr *dst, const uint8_t *d, uint32_t len)
{
    uint8_t *copy = malloc(len + 1);
    if (!copy)
        return false;
    memcpy(copy, d, len);
    free(dst->data);
    dst->data = copy;
    dst->len = len;
    return true;
}

static void list_add(SmtpList *l, AppLayerCtx *ctx, const uint8_t *d, uint32_t len)
{
    if (l->n == SMTP_LIST_MAX || (!l->v && !(l->v = calloc(SMTP_LIST_MAX, sizeof(SmtpStr))))) {
        count_limit(ctx);
        return;
    }
    if (str_set(&l->v[l->n], d, len))
        l->n++;
}

static void list_free(SmtpList *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        free(l->v[i].data);
    free(l->v);
}

static json_t *list_json(const SmtpList *l, bool reversed)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < l->n; i++) {
        const SmtpStr *v = &l->v[reversed ? l->n - 1 - i : i];
        json_array_append_new(a, file_json_bytes(v->data, v->len));
    }
    return a;
}

static SmtpMail *cur_mail(SmtpState *s)
{
    SmtpTx *tx = s->cur_open ? app_tx_ring_get(&s->txs, s->cur) : NULL;
    return tx ? tx->mail : NULL;
}

/* To and Cc are lists: each address between commas, spaces around it dropped. */
static void add_addresses(SmtpList *l, AppLayerCtx *ctx, const uint8_t *v, uint32_t len)
{
    uint32_t i = 0;
    while (i < len) {
        uint32_t end = i;
        while (end < len && v[end] != ',')
            end++;
        uint32_t a = i, b = end;
        while (a < b && (v[a] == ' ' || v[a] == '\t'))
            a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
            b--;
        if (b > a)
            list_add(l, ctx, v + a, b - a);
        i = end + 1;
    }
}

static bool field_wanted(size_t f)
{
    return (smtp_log.custom & (1u << f)) || (f == EMAIL_FIELD_SUBJECT && smtp_log.subject_md5);
}

/* A header smtp_log asks for: the last one's value (or list), or every one's (logged last
 * first): Suricata's MIME decoder puts each header before the ones already seen. */
static void keep_field(SmtpMail *m, AppLayerCtx *ctx, const uint8_t *name, uint32_t nlen,
                       const uint8_t *v, uint32_t vlen)
{
    for (size_t f = 0; f < EMAIL_FIELD_COUNT; f++) {
        const char *h = email_fields[f].header;
        if (strlen(h) != nlen || strncasecmp((const char *)name, h, nlen) != 0 ||
            !field_wanted(f))
            continue;
        SmtpList *l = &m->fields[f];
        if (email_fields[f].kind != FIELD_ALL) {
            list_free(l);
            *l = (SmtpList){0};
        }
        if (email_fields[f].kind == FIELD_COMMA)
            add_addresses(l, ctx, v, vlen);
        else
            list_add(l, ctx, v, vlen);
        return;
    }
}

static void on_header(void *ud, const uint8_t *name, uint32_t nlen, const uint8_t *v,
                      uint32_t vlen)
{
    SmtpState *s = ud;
    SmtpMail *m = cur_mail(s);
    if (!m)
        return;
    if (nlen == 4 && strncasecmp((const char *)name, "from", 4) == 0 && !m->from.data)
        str_set(&m->from, v, vlen);
    else if (nlen == 2 && strncasecmp((const char *)name, "to", 2) == 0)
        add_addresses(&m->to, s->ctx, v, vlen);
    else if (nlen == 2 && strncasecmp((const char *)name, "cc", 2) == 0)
        add_addresses(&m->cc, s->ctx, v, vlen);
    keep_field(m, s->ctx, name, nlen, v, vlen);
}

static void on_file_begin(void *ud, const uint8_t *name, uint32_t len)
{
    SmtpState *s = ud;
    SmtpMail *m = cur_mail(s);
    if (!m)
        return;
    list_add(&m->attachment, s->ctx, name, len);
    if (m->nfiles == SMTP_FILES_MAX) {
        count_limit(s->ctx);
        return;
    }
    FileThread th = file_thread_of(s->ctx);
    m->open = file_open(&th, name, len, s->cur, true);
    file_keep_data(m->open);
    if (m->open)
        m->files[m->nfiles++] = m->open;
}

static void on_file_data(void *ud, const uint8_t *data, uint32_t len)
{
    SmtpState *s = ud;
    SmtpMail *m = cur_mail(s);
    if (!m || !m->open)
        return;
    FileThread th = file_thread_of(s->ctx);
    file_append(&th, m->open, data, len);
}

static void close_open_file(SmtpState *s, SmtpMail *m, FileState state)
{
    if (!m->open)
        return;
    FileThread th = file_thread_of(s->ctx);
    file_close(&th, m->open, state);
    m->open = NULL;
}

static void on_file_end(void *ud)
{
    SmtpState *s = ud;
    SmtpMail *m = cur_mail(s);
    if (m)
        close_open_file(s, m, FILE_STATE_CLOSED);
}

static bool list_has(const SmtpList *l, const uint8_t *d, uint32_t len)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (l->v[i].len == len && memcmp(l->v[i].data, d, len) == 0)
            return true;
    return false;
}

/* What Suricata notes of a URL of the message's own body: an IPv4 or IPv6 literal host, a
 * path ending in an executable's extension. */
static void url_flags(SmtpMail *m, const uint8_t *url, uint32_t len)
{
    static const char *const exe[] = {".exe", ".vbs", ".bin", ".cmd", ".bat", ".jar", ".js"};
    m->root_url = true;
    uint32_t host = 0;
    while (host < len && url[host] != '/' && url[host] != '?')
        host++;
    char text[64];
    if (host && host < sizeof(text) && url[0] == '[') {
        m->has_ipv6_url = true;
    } else if (host && host < sizeof(text)) {
        memcpy(text, url, host);
        text[host] = '\0';
        struct in_addr a;
        char *colon = strchr(text, ':');
        if (colon)
            *colon = '\0';
        m->has_ipv4_url |= inet_pton(AF_INET, text, &a) == 1;
    }
    for (size_t i = 0; i < sizeof(exe) / sizeof(exe[0]); i++) {
        size_t n = strlen(exe[i]);
        if (len >= n && memcmp(url + len - n, exe[i], n) == 0)
            m->has_exe_url = true;
    }
}

/* URLs in text parts, as Suricata's default extract-urls: what follows "http://" up to
 * white space or a quote/angle bracket, lower-cased, without the scheme, each once. */
static void on_text_line(void *ud, const uint8_t *line, uint32_t len)
{
    SmtpState *s = ud;
    SmtpMail *m = cur_mail(s);
    if (!m)
        return;
    for (uint32_t i = 0; i + 7 <= len; i++) {
        if (strncasecmp((const char *)line + i, "http://", 7) != 0)
            continue;
        uint32_t a = i + 7, b = a;
        while (b < len && line[b] != ' ' && line[b] != '\t' && line[b] != '"' &&
               line[b] != '<' && line[b] != '>')
            b++;
        uint8_t url[SMTP_LINE_MAX];
        for (uint32_t k = a; k < b; k++)
            url[k - a] = (uint8_t)(line[k] >= 'A' && line[k] <= 'Z' ? line[k] + 32 : line[k]);
        if (b > a && !list_has(&m->url, url, b - a)) {
            list_add(&m->url, s->ctx, url, b - a);
            if (mime_in_root(m->mime))
                url_flags(m, url, b - a);
        }
        i = b;
    }
}

/* The MIME limits (header, boundary and file name sizes, nesting) count in smtp.memcap
 * too; invalid encodings are the message's fault, not a limit. */
static void on_mime_event(void *ud, MimeEvent ev)
{
    SmtpState *s = ud;
    raise_event(s, s->ctx, (SmtpEvent)(SMTP_EV_MIME_FIRST + ev));
    if (ev != MIME_EV_INVALID_BASE64 && ev != MIME_EV_INVALID_QP)
        count_limit(s->ctx);
}

static void start_mail(SmtpState *s, SmtpTx *tx, AppLayerCtx *ctx)
{
    if (tx->mail)
        return;
    tx->mail = calloc(1, sizeof(*tx->mail));
    MimeSink sink = {.ud = s, .header = on_header, .file_begin = on_file_begin,
                     .file_data = on_file_data, .file_end = on_file_end,
                     .text_line = on_text_line, .event = on_mime_event};
    if (tx->mail)
        tx->mail->mime = mime_new(&sink);
    if (!tx->mail || !tx->mail->mime)
        count_limit(ctx);
}

/* The custom fields and subject_md5, after the default ones (smtp events only: alerts and
 * fileinfo carry the default ones, as Suricata's). */
static void email_custom_json(json_t *o, const SmtpMail *m)
{
    for (size_t f = 0; f < EMAIL_FIELD_COUNT; f++) {
        const SmtpList *l = &m->fields[f];
        if (!(smtp_log.custom & (1u << f)) || !l->n)
            continue;
        json_object_set_new(o, email_fields[f].key,
                            email_fields[f].kind == FIELD_STRING
                                ? file_json_bytes(l->v[0].data, l->v[0].len)
                                : list_json(l, email_fields[f].kind == FIELD_ALL));
    }
    const SmtpList *subject = &m->fields[EMAIL_FIELD_SUBJECT];
    unsigned char md5[16];
    if (smtp_log.subject_md5 && subject->n &&
        EVP_Digest(subject->v[0].data, subject->v[0].len, md5, NULL, EVP_md5(), NULL)) {
        char hex[33];
        for (int i = 0; i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", md5[i]);
        json_object_set_new(o, "subject_md5", json_string(hex));
    }
}

static json_t *email_json(const SmtpMail *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(m->ended ? "PARSE_DONE" : "BODY_STARTED"));
    if (m->from.data)
        json_object_set_new(o, "from", file_json_bytes(m->from.data, m->from.len));
    const SmtpList *lists[] = {&m->to, &m->cc, &m->attachment};
    const char *keys[] = {"to", "cc", "attachment"};
    for (size_t i = 0; i < 3; i++)
        if (lists[i]->n)
            json_object_set_new(o, keys[i], list_json(lists[i], false));
    if (m->root_url) {
        json_object_set_new(o, "has_ipv6_url", json_boolean(m->has_ipv6_url));
        json_object_set_new(o, "has_ipv4_url", json_boolean(m->has_ipv4_url));
        json_object_set_new(o, "has_exe_url", json_boolean(m->has_exe_url));
    }
    /* the reference lists them last seen first */
    if (m->url.n)
        json_object_set_new(o, "url", list_json(&m->url, true));
    return o;
}

static json_t *smtp_tx_alert_json(void *state, void *txp);

/* fileinfo of an attachment: the transaction's "smtp" and "email" objects, as Suricata. */
static json_t *file_proto_json(const void *txp)
{
    const SmtpTx *tx = txp;
    json_t *o = json_object();
    json_object_set_new(o, "smtp", smtp_tx_alert_json((void *)tx->state, (void *)tx));
    json_object_set_new(o, "email", email_json(tx->mail));
    return o;
}

/* fileinfo of the attachments closed so far, with the "email" object as it is now: done
 * at the end of a parse call (and of the message), as Suricata logs files after the parse
 * of the chunk where they closed; a file closed before the chunk holding the message's end
 * has status BODY_STARTED, as the reference's. */
static void log_files(SmtpTx *tx, AppLayerCtx *ctx)
{
    SmtpMail *m = tx ? tx->mail : NULL;
    while (m && m->logged < m->nfiles && m->files[m->logged]->state != FILE_STATE_OPENED)
        file_log(ctx, m->files[m->logged++], NULL, file_proto_json, tx);
}

/* The message is over: ended by its lone "." or cut by the flow's end. */
static void message_end(SmtpState *s, AppLayerCtx *ctx, bool ended)
{
    SmtpTx *tx = s->cur_open ? app_tx_ring_get(&s->txs, s->cur) : NULL;
    SmtpMail *m = tx ? tx->mail : NULL;
    if (!m || !m->mime)
        return;
    s->ctx = ctx;
    if (!ended)
        close_open_file(s, m, FILE_STATE_TRUNCATED);
    mime_end(m->mime);
    mime_free(m->mime);
    m->mime = NULL;
    m->ended = ended;
    log_files(tx, ctx);
}

static void mail_free(SmtpMail *m)
{
    if (!m)
        return;
    mime_free(m->mime);
    free(m->from.data);
    list_free(&m->to);
    list_free(&m->cc);
    list_free(&m->attachment);
    list_free(&m->url);
    for (size_t i = 0; i < EMAIL_FIELD_COUNT; i++)
        list_free(&m->fields[i]);
    for (uint32_t i = 0; i < m->nfiles; i++)
        file_free(m->files[i]);
    free(m);
}

/* A line of the message: dot-stuffing undone (RFC 5321 4.5.2), then MIME. */
static void message_line(SmtpState *s, AppLayerCtx *ctx, const uint8_t *line, uint32_t len)
{
    SmtpMail *m = cur_mail(s);
    if (!m || !m->mime)
        return;
    if (len && line[0] == '.') {
        line++;
        len--;
    }
    s->ctx = ctx;
    mime_line(m->mime, line, len);
}

static bool verb_is(const uint8_t *line, uint32_t len, const char *verb)
{
    size_t n = strlen(verb);
    return len >= n && strncasecmp((const char *)line, verb, n) == 0 &&
           (len == n || line[n] == ' ');
}

/* BDAT <size> [LAST]: the chunk size, left unset when it is not a number. LAST changes
 * nothing: Suricata 7 neither ends the transaction there nor parses the chunks as MIME. */
static void bdat_size(const uint8_t *line, uint32_t len, uint64_t *size)
{
    uint32_t i = 5;
    while (i < len && line[i] == ' ')
        i++;
    uint32_t start = i;
    uint64_t n = 0;
    for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
        if (n > (UINT64_MAX - 9) / 10)
            return;
        n = n * 10 + (uint64_t)(line[i] - '0');
    }
    if (i > start)
        *size = n;
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
            message_end(s, ctx, true);
            end_tx(s);
        } else {
            message_line(s, ctx, line, len);
        }
        return;
    }
    SmtpTx *tx = current_tx(s, ctx);
    if (!tx)
        return;
    if (!s->welcome_seen)
        raise_event(s, ctx, SMTP_EV_NO_SERVER_WELCOME_MESSAGE);
    keep_args(s, tx, ctx, line, len);
    if (verb_is(line, len, "STARTTLS")) {
        push_cmd(s, ctx, SMTP_CMD_STARTTLS);
    } else if (verb_is(line, len, "DATA")) {
        push_cmd(s, ctx, SMTP_CMD_DATA);
        s->in_data = true;
        start_mail(s, tx, ctx);
    } else if (verb_is(line, len, "BDAT")) {
        push_cmd(s, ctx, SMTP_CMD_BDAT);
        bdat_size(line, len, &s->bdat_left);
    } else {
        push_cmd(s, ctx, verb_is(line, len, "RSET") ? SMTP_CMD_RSET : SMTP_CMD_OTHER);
    }
}

/* A final reply answers the oldest waiting command. */
static void final_reply(SmtpState *s, AppLayerCtx *ctx, int code)
{
    if (!s->welcome_seen && !s->cmd_count) {
        s->welcome_seen = true;
        if (code != 220)
            raise_event(s, ctx, SMTP_EV_INVALID_REPLY);
        return;
    }
    if (!s->cmd_count) {
        raise_event(s, ctx, SMTP_EV_UNABLE_TO_MATCH_REPLY_WITH_REQUEST);
        return;
    }
    SmtpCmd cmd = s->cmds[s->cmd_head];
    s->cmd_head = (s->cmd_head + 1) % SMTP_CMD_QUEUE_MAX;
    s->cmd_count--;
    if (cmd == SMTP_CMD_RSET && code == 250)
        end_tx(s);
    if (cmd != SMTP_CMD_STARTTLS)
        return;
    if (code != 220) {
        raise_event(s, ctx, SMTP_EV_TLS_REJECTED);
        return;
    }
    end_tx(s);
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
    if (to_server && s->cur_open)
        log_files(app_tx_ring_get(&s->txs, s->cur), ctx);
    /* the client is done: no command can follow, so its transaction is complete */
    if ((flags & APP_FLAG_EOF) && to_server) {
        message_end(s, ctx, false);
        end_tx(s);
    }
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
    mail_free(tx->mail);
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
    for (uint32_t i = 0; i < SMTP_EV_COUNT; i++)
        if ((tx->events & (1u << i)) && strcasecmp(name, event_name(i)) == 0)
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

/* Alerts on a transaction with a message carry its "email" object after "smtp". */
static json_t *smtp_tx_alert_more(void *state, void *txp)
{
    (void)state;
    const SmtpTx *tx = txp;
    if (!tx->mail)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "email", email_json(tx->mail));
    return o;
}

/* The file keywords (filename, filemd5, filesize...) see a message's attachments. */
static const File *smtp_tx_file(void *txp, bool to_server, uint32_t idx)
{
    const SmtpTx *tx = txp;
    if (!to_server || !tx->mail || idx >= tx->mail->nfiles)
        return NULL;
    return tx->mail->files[idx];
}

static void smtp_log_tx(AppLayerCtx *ctx, void *state, void *tx, uint64_t tx_id)
{
    EveWriter *w = ctx->thread->eve;
    if (!w || !eve_enabled(w->log, EVE_SMTP))
        return;
    json_t *obj = applayer_eve_header(ctx, "smtp", tx_id);
    json_object_set_new(obj, "smtp", smtp_tx_alert_json(state, tx));
    const SmtpTx *t = tx;
    if (t->mail)
        json_object_set_new(obj, "email", email_json(t->mail));
    if (t->mail)
        email_custom_json(json_object_get(obj, "email"), t->mail);
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
    smtp_register_counters();
    const ConfNode *opts = applayer_eve_type_conf(conf, "smtp");
    const ConfNode *custom = opts ? conf_node_lookup(opts, "custom") : NULL;
    const ConfNode *md5 = opts ? conf_node_lookup(opts, "md5") : NULL;
    smtp_log.custom = 0;
    for (size_t f = 0; custom && f < EMAIL_FIELD_COUNT; f++)
        if (conf_seq_has_item(custom, email_fields[f].key, NULL) ||
            conf_seq_has_item(custom, email_fields[f].header, NULL))
            smtp_log.custom |= 1u << f;
    smtp_log.subject_md5 = md5 && conf_seq_has_item(md5, "subject", NULL);
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
    .tx_count = app_tx_ring_state_count,
    .tx_get = app_tx_ring_state_get,
    .tx_done = smtp_tx_done,
    .tx_free = smtp_tx_free,
    .tx_has_event = smtp_tx_has_event,
    .log_tx = smtp_log_tx,
    .tx_alert_json = smtp_tx_alert_json,
    .tx_file = smtp_tx_file,
    .tx_alert_more = smtp_tx_alert_more,
    .configure = smtp_configure,
    /* each side at the first packet its way after it completed, as Suricata inspects:
     * the message's file rules at the client's packet after the server acknowledged it */
    .inspect_by_direction = true,
};
