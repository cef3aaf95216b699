/*
 * app-layer-smb.c - SMB over TCP (port 445, or NetBIOS session service on 139): framing,
 * the per-flow file tracking state, transactions, and the AppLayerParser.
 *
 * Framing: each message is an NBSS record, a 4-byte header (type, then a 24-bit length;
 * only type 0, session message, carries SMB) and the message. A record that arrives whole in
 * one chunk is decoded in place; otherwise it is gathered in the direction's buffer. Records
 * longer than SMB_RECORD_MAX are skipped (and counted): the files they carried get a gap.
 *
 * Files (see app-layer-smb.h): a CREATE request's name waits, keyed by its message, for the
 * response that gives the file id; data written to (to the server) or read from (to the
 * client) a named id goes to a File, one per id and direction, each its own transaction.
 * Data at a later offset than expected is a gap; data already seen is not counted twice.
 * CLOSE (or the flow's end) closes the id's files, which are then logged (fileinfo) and their
 * transactions complete. Requests waiting for responses and named ids are kept in small
 * fixed tables (SMB_MAX_PENDING, SMB_MAX_FIDS); when full the oldest entry is replaced and
 * smb.memcap counted.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-smb.h"
#include "applayer/app-layer-txring.h"
#include "common/array.h"

#define SMB_NAME_MAX 1024u

CounterId smb_memcap_counter = -1;

typedef struct SmbTx {
    uint64_t id;
    File *file;
    SmbFid fid;
    bool to_server;
    bool done;
    uint64_t next_offset;      /* the file offset the next byte should have */
} SmbTx;

typedef enum PendingKind { PENDING_FREE, PENDING_CREATE, PENDING_READ } PendingKind;

typedef struct SmbPending {
    PendingKind kind;
    uint64_t key, seq;         /* seq: age, for replacement */
    SmbFid fid;                /* READ */
    uint64_t offset;           /* READ */
    uint8_t *name;             /* CREATE: UTF-8, heap (handed to the named id) */
    uint32_t name_len;
} SmbPending;

typedef struct SmbNamedFid {
    bool used;
    uint64_t seq;
    SmbFid fid;
    uint8_t *name;             /* heap */
    uint32_t name_len;
    SmbTx *open[2];            /* [to_server]: the transaction whose file is open */
} SmbNamedFid;

typedef struct SmbDir {
    uint8_t hdr[4];
    uint32_t hdr_len;
    uint32_t need;             /* bytes of the current record still to come */
    bool skipping;             /* the current record is not kept */
    bool lost;                 /* a gap took the framing: the direction is not followed */
    uint8_t *buf;
    uint32_t buf_len;
    size_t buf_cap;
} SmbDir;

typedef struct SmbState {
    AppTxRing txs;             /* first: app_tx_ring_state_* serve as the tx hooks */
    SmbDir dir[2];             /* [to_server] */
    SmbPending pending[SMB_MAX_PENDING];
    SmbNamedFid fids[SMB_MAX_FIDS];
    uint64_t seq;
} SmbState;
_Static_assert(offsetof(SmbState, txs) == 0, "app_tx_ring_state_* read the ring at offset 0");

static void count_limit(AppLayerCtx *ctx)
{
    if (smb_memcap_counter >= 0 && ctx->thread && ctx->thread->counters)
        counter_incr(ctx->thread->counters, smb_memcap_counter);
}

/* ---- names --------------------------------------------------------------------------- */

static uint32_t put_utf8(uint32_t cp, uint8_t *out, uint32_t room)
{
    if (cp < 0x80 && room >= 1) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800 && room >= 2) {
        out[0] = (uint8_t)(0xc0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp >= 0x800 && room >= 3) {
        out[0] = (uint8_t)(0xe0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    return 0;
}

/* UTF-16LE (BMP; a surrogate becomes '?') or 8-bit names, up to a NUL, as UTF-8. */
uint32_t smb_name_to_utf8(const uint8_t *in, uint32_t len, bool unicode, uint8_t *out,
                          uint32_t cap)
{
    uint32_t o = 0, step = unicode ? 2 : 1;
    for (uint32_t i = 0; i + step <= len; i += step) {
        uint32_t cp = unicode ? (uint32_t)(in[i] | in[i + 1] << 8) : in[i];
        if (!cp)
            break;
        if (cp >= 0xd800 && cp <= 0xdfff)
            cp = '?';
        uint32_t n = put_utf8(cp, out + o, cap - o);
        if (!n)
            break;
        o += n;
    }
    return o;
}

/* ---- small tables -------------------------------------------------------------------- */

/* A free entry, else the oldest; either way emptied of any name it held. */
static SmbPending *pending_slot(SmbState *s, AppLayerCtx *ctx)
{
    SmbPending *slot = NULL, *oldest = &s->pending[0];
    for (uint32_t i = 0; i < SMB_MAX_PENDING && !slot; i++) {
        if (s->pending[i].kind == PENDING_FREE)
            slot = &s->pending[i];
        else if (s->pending[i].seq < oldest->seq)
            oldest = &s->pending[i];
    }
    if (!slot) {
        count_limit(ctx);
        slot = oldest;
    }
    free(slot->name);
    slot->name = NULL;
    slot->name_len = 0;
    return slot;
}

static SmbPending *pending_take(SmbState *s, uint64_t key, PendingKind kind)
{
    for (uint32_t i = 0; i < SMB_MAX_PENDING; i++) {
        SmbPending *p = &s->pending[i];
        if (p->kind == kind && p->key == key) {
            p->kind = PENDING_FREE;
            return p;
        }
    }
    return NULL;
}

static bool fid_eq(const SmbFid *a, const SmbFid *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static SmbNamedFid *fid_find(SmbState *s, const SmbFid *fid)
{
    for (uint32_t i = 0; i < SMB_MAX_FIDS; i++)
        if (s->fids[i].used && fid_eq(&s->fids[i].fid, fid))
            return &s->fids[i];
    return NULL;
}

/* ---- transactions and files ---------------------------------------------------------- */

static void tx_finish(AppLayerCtx *ctx, SmbTx *tx, FileState state)
{
    if (tx->done)
        return;
    FileThread th = file_thread_of(ctx);
    file_close(&th, tx->file, state);
    file_log(ctx, tx->file, NULL, NULL, NULL);
    tx->done = true;
}

static void fid_close_files(AppLayerCtx *ctx, SmbNamedFid *nf, FileState state)
{
    for (int d = 0; d < 2; d++) {
        if (nf->open[d])
            tx_finish(ctx, nf->open[d], state);
        nf->open[d] = NULL;
    }
}

static SmbNamedFid *fid_slot(SmbState *s, AppLayerCtx *ctx)
{
    SmbNamedFid *oldest = &s->fids[0];
    for (uint32_t i = 0; i < SMB_MAX_FIDS; i++) {
        if (!s->fids[i].used)
            return &s->fids[i];
        if (s->fids[i].seq < oldest->seq)
            oldest = &s->fids[i];
    }
    count_limit(ctx);
    fid_close_files(ctx, oldest, FILE_STATE_TRUNCATED);
    return oldest;
}

static SmbTx *tx_open(SmbState *s, AppLayerCtx *ctx, SmbNamedFid *nf, bool to_server)
{
    SmbTx *tx = calloc(1, sizeof(*tx));
    if (!tx)
        return NULL;
    if (!app_tx_ring_add(&s->txs, tx, &tx->id)) {
        count_limit(ctx);
        free(tx);
        return NULL;
    }
    FileThread th = file_thread_of(ctx);
    const uint8_t *name = nf->name ? nf->name : (const uint8_t *)"";
    tx->file = file_open(&th, name, nf->name_len, tx->id, to_server);
    file_keep_data(tx->file);
    tx->fid = nf->fid;
    tx->to_server = to_server;
    nf->open[to_server] = tx;
    return tx;
}

void smb_create_request(SmbState *s, AppLayerCtx *ctx, uint64_t msg_key, const uint8_t *name,
                        uint32_t len, bool unicode)
{
    SmbPending *p = pending_slot(s, ctx);
    p->kind = PENDING_CREATE;
    p->key = msg_key;
    p->seq = ++s->seq;
    uint8_t utf8[SMB_NAME_MAX];
    uint32_t n = smb_name_to_utf8(name, len, unicode, utf8, sizeof(utf8));
    if (n && (p->name = malloc(n))) {
        memcpy(p->name, utf8, n);
        p->name_len = n;
    }
}

void smb_create_response(SmbState *s, AppLayerCtx *ctx, uint64_t msg_key, const SmbFid *fid,
                         bool success)
{
    SmbPending *p = pending_take(s, msg_key, PENDING_CREATE);
    if (!p || !success)
        return;
    SmbNamedFid *nf = fid_find(s, fid);
    if (nf)
        fid_close_files(ctx, nf, FILE_STATE_TRUNCATED); /* the id was reused */
    else
        nf = fid_slot(s, ctx);
    nf->used = true;
    nf->seq = ++s->seq;
    nf->fid = *fid;
    free(nf->name);            /* the name moves from the request to the id */
    nf->name = p->name;
    nf->name_len = p->name_len;
    p->name = NULL;
    p->name_len = 0;
}

void smb_read_request(SmbState *s, AppLayerCtx *ctx, uint64_t msg_key, const SmbFid *fid,
                      uint64_t offset)
{
    if (!fid_find(s, fid))
        return;  /* not a file whose name we know: nothing to track */
    SmbPending *p = pending_slot(s, ctx);
    p->kind = PENDING_READ;
    p->key = msg_key;
    p->seq = ++s->seq;
    p->fid = *fid;
    p->offset = offset;
}

bool smb_read_response(SmbState *s, uint64_t msg_key, SmbFid *fid, uint64_t *offset)
{
    SmbPending *p = pending_take(s, msg_key, PENDING_READ);
    if (!p)
        return false;
    *fid = p->fid;
    *offset = p->offset;
    return true;
}

void smb_file_data(SmbState *s, AppLayerCtx *ctx, const SmbFid *fid, bool to_server,
                   uint64_t offset, const uint8_t *data, uint32_t len)
{
    SmbNamedFid *nf = fid_find(s, fid);
    if (!nf || !len)
        return;
    SmbTx *tx = nf->open[to_server] ? nf->open[to_server] : tx_open(s, ctx, nf, to_server);
    if (!tx || !tx->file)
        return;
    FileThread th = file_thread_of(ctx);
    if (offset < tx->next_offset) {           /* already seen: only what is new counts */
        uint64_t skip = tx->next_offset - offset;
        if (skip >= len)
            return;
        data += skip;
        len -= (uint32_t)skip;
        offset = tx->next_offset;
    }
    if (offset > tx->next_offset) {
        uint64_t gap = offset - tx->next_offset;
        file_gap(&th, tx->file, gap > UINT32_MAX ? UINT32_MAX : (uint32_t)gap);
    }
    file_append(&th, tx->file, data, len);
    tx->next_offset = offset + len;
}

void smb_file_close(SmbState *s, AppLayerCtx *ctx, const SmbFid *fid)
{
    SmbNamedFid *nf = fid_find(s, fid);
    if (!nf)
        return;
    fid_close_files(ctx, nf, FILE_STATE_CLOSED);
    nf->used = false;
}

/* ---- NBSS framing -------------------------------------------------------------------- */

static void record_done(SmbState *s, AppLayerCtx *ctx, bool to_server, const uint8_t *m,
                        uint32_t len)
{
    if (len >= 4 && m[0] == 0xff)
        smb1_decode(s, ctx, to_server, m, len);
    else if (len >= 4 && m[0] == 0xfe)
        smb2_decode(s, ctx, to_server, m, len);
}

/* A complete record header: how much follows, and whether it is kept. */
static void record_start(SmbDir *d, AppLayerCtx *ctx)
{
    d->need = (uint32_t)d->hdr[1] << 16 | (uint32_t)d->hdr[2] << 8 | d->hdr[3];
    d->skipping = d->hdr[0] != 0x00 || d->need > SMB_RECORD_MAX;
    if (d->hdr[0] == 0x00 && d->need > SMB_RECORD_MAX)
        count_limit(ctx);
    d->buf_len = 0;
    d->hdr_len = 0;
}

static bool buf_append(SmbDir *d, const uint8_t *data, uint32_t n)
{
    /* room for the whole record (need counts n), so a record grows the buffer once */
    uint8_t *b = array_reserve(d->buf, 1, (size_t)d->buf_len + d->need, &d->buf_cap);
    if (!b)
        return false;
    d->buf = b;
    memcpy(d->buf + d->buf_len, data, n);
    d->buf_len += n;
    return true;
}

/* Consumes bytes of the current record body; returns how many were used. */
static uint32_t record_body(SmbState *s, AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                            uint32_t len)
{
    SmbDir *d = &s->dir[to_server];
    uint32_t n = len < d->need ? len : d->need;
    if (!d->skipping && d->buf_len == 0 && n == d->need) {
        d->need = 0;
        record_done(s, ctx, to_server, data, n);   /* whole in this chunk: in place */
        return n;
    }
    if (!d->skipping && !buf_append(d, data, n))
        d->skipping = true;
    d->need -= n;
    if (!d->need && !d->skipping)
        record_done(s, ctx, to_server, d->buf, d->buf_len);
    return n;
}

static int smb_parse(void *state, AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                     uint32_t len, uint32_t flags)
{
    SmbState *s = state;
    SmbDir *d = &s->dir[to_server];
    if (d->lost)
        return 0;
    if (flags & APP_FLAG_GAP) {
        /* a gap inside a record's body loses that record; one that reaches past it loses
         * the framing, and with it the rest of the direction (open files end truncated) */
        d->skipping = true;
        if (len > d->need || d->hdr_len)
            d->lost = true;
        d->need -= len < d->need ? len : d->need;
        return 0;
    }
    while (len && data) {
        if (d->need == 0 && d->hdr_len < 4) {
            d->hdr[d->hdr_len++] = *data++;
            len--;
            if (d->hdr_len == 4)
                record_start(d, ctx);
            continue;
        }
        uint32_t used = record_body(s, ctx, to_server, data, len);
        data += used;
        len -= used;
    }
    return 0;
}

/* ---- framework hooks ----------------------------------------------------------------- */

static void *smb_state_new(void)
{
    return calloc(1, sizeof(SmbState));
}

static void tx_release(void *txp)
{
    SmbTx *tx = txp;
    file_free(tx->file);
    free(tx);
}

static void smb_state_free(void *state)
{
    SmbState *s = state;
    app_tx_ring_clear(&s->txs, tx_release);
    for (uint32_t i = 0; i < SMB_MAX_PENDING; i++)
        free(s->pending[i].name);
    for (uint32_t i = 0; i < SMB_MAX_FIDS; i++)
        free(s->fids[i].name);
    free(s->dir[0].buf);
    free(s->dir[1].buf);
    free(s);
}

static bool smb_tx_done(void *tx, bool to_server)
{
    (void)to_server;
    return ((SmbTx *)tx)->done;
}

static void smb_tx_free(void *state, uint64_t id)
{
    SmbState *s = state;
    SmbTx *tx = app_tx_ring_take(&s->txs, id);
    if (!tx)
        return;
    for (uint32_t i = 0; i < SMB_MAX_FIDS; i++)
        for (int d = 0; d < 2; d++)
            if (s->fids[i].open[d] == tx)
                s->fids[i].open[d] = NULL;
    tx_release(tx);
}

/* At flow end a file still open did not finish. */
static void smb_log_tx(AppLayerCtx *ctx, void *state, void *tx, uint64_t tx_id)
{
    (void)state;
    (void)tx_id;
    tx_finish(ctx, tx, FILE_STATE_TRUNCATED);
}

static const File *smb_tx_file(void *txp, bool to_server, uint32_t idx)
{
    const SmbTx *tx = txp;
    return idx == 0 && tx->to_server == to_server ? tx->file : NULL;
}

/* An NBSS session message holding an SMB1 or SMB2 header. */
static AppProto smb_probe(const uint8_t *data, uint32_t len, bool to_server)
{
    (void)to_server;
    if (len >= 1 && data[0] != 0x00)
        return ALPROTO_FAILED;
    if (len < 8)
        return ALPROTO_UNKNOWN;
    if ((data[4] == 0xff || data[4] == 0xfe) && memcmp(data + 5, "SMB", 3) == 0)
        return ALPROTO_SMB;
    return ALPROTO_FAILED;
}

void smb_register_counters(void)
{
    smb_memcap_counter = counters_register("smb.memcap");
    counters_set_private(smb_memcap_counter);
}

static void smb_configure(const struct ConfNode *conf)
{
    (void)conf;
    smb_register_counters();
}

const AppLayerParser app_layer_smb_parser = {
    .proto = ALPROTO_SMB,
    .name = "smb",
    .on_tcp = true,
    .default_ports = "139,445",
    .probe = smb_probe,
    .state_new = smb_state_new,
    .state_free = smb_state_free,
    .parse = smb_parse,
    .tx_count = app_tx_ring_state_count,
    .tx_get = app_tx_ring_state_get,
    .tx_done = smb_tx_done,
    .tx_free = smb_tx_free,
    .log_tx = smb_log_tx,
    .tx_file = smb_tx_file,
    .configure = smb_configure,
    .no_raw_trigger = true,
};
