/*
 * app-layer-smb-msg.c - SMB1 and SMB2 message decoding, as far as files go.
 *
 * SMB1 (MS-CIFS): a 32-byte header ("\xffSMB", command, status, flags, flags2, ..., TID, PID,
 * UID, MID), then word count, parameter words, byte count, bytes. Decoded: NT_CREATE_ANDX
 * (request: the name, Unicode when flags2 says so; response: the FID), WRITE_ANDX (request:
 * FID, offset, data), READ_ANDX (request: FID and offset; response: data), CLOSE (request:
 * FID). A request and its response share PID and MID. AndX chains are not followed past the
 * first command.
 *
 * SMB2 (MS-SMB2): a 64-byte header ("\xfeSMB", status at 8, command at 12, flags at 16 with
 * bit 0 set on responses, NextCommand at 20 for compounded messages, MessageId at 24), then
 * the command's body. Decoded: CREATE (request: NameOffset/NameLength, UTF-16LE; response:
 * FileId), WRITE (request: DataOffset, Length, Offset, FileId), READ (request: Offset and
 * FileId; response: DataOffset, DataLength), CLOSE (request: FileId). An interim response
 * (STATUS_PENDING) does not end its request.
 *
 * Every offset and length read from the message is checked against the message's length
 * before use.
 */
#include <string.h>

#include "applayer/app-layer-smb.h"

#define SMB1_HDR 32u
#define SMB2_HDR 64u
#define SMB1_CMD_CLOSE 0x04
#define SMB1_CMD_READ_ANDX 0x2e
#define SMB1_CMD_WRITE_ANDX 0x2f
#define SMB1_CMD_NT_CREATE_ANDX 0xa2
#define SMB2_CMD_CREATE 5
#define SMB2_CMD_CLOSE 6
#define SMB2_CMD_READ 8
#define SMB2_CMD_WRITE 9
#define SMB_STATUS_PENDING 0x00000103u

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* [off, off+n) lies inside a message of len bytes. */
static bool within(uint64_t off, uint64_t n, uint32_t len)
{
    return off <= len && n <= len - off;
}

/* ---- SMB1 ---------------------------------------------------------------------------- */

typedef struct Smb1Msg {
    const uint8_t *m;
    uint32_t len;
    uint8_t cmd, wc;
    bool response, unicode, success;
    const uint8_t *words;
    const uint8_t *bytes;
    uint16_t bc;
    uint64_t key;             /* PID and MID: what pairs a response with its request */
} Smb1Msg;

static bool smb1_header(Smb1Msg *x, const uint8_t *m, uint32_t len)
{
    if (len < SMB1_HDR + 3 || memcmp(m, "\xffSMB", 4) != 0)
        return false;
    x->m = m;
    x->len = len;
    x->cmd = m[4];
    x->success = le32(m + 5) == 0;
    x->response = m[9] & 0x80;
    x->unicode = le16(m + 10) & 0x8000;
    x->key = (uint64_t)le16(m + 26) << 16 | le16(m + 30);
    x->wc = m[SMB1_HDR];
    uint32_t words_end = SMB1_HDR + 1 + 2u * x->wc;
    if (!within(words_end, 2, len))
        return false;
    x->words = m + SMB1_HDR + 1;
    x->bc = le16(m + words_end);
    x->bytes = m + words_end + 2;
    if (!within(words_end + 2, x->bc, len))
        x->bc = (uint16_t)(len - words_end - 2);
    return true;
}

static SmbFid smb1_fid(const uint8_t *p)
{
    SmbFid fid = {.len = 2};
    memcpy(fid.b, p, 2);
    return fid;
}

static void smb1_create(struct SmbState *s, AppLayerCtx *ctx, const Smb1Msg *x)
{
    if (x->response) {
        if (x->wc >= 34 / 2) {
            SmbFid fid = smb1_fid(x->words + 5);
            smb_create_response(s, ctx, x->key, &fid, x->success);
        }
        return;
    }
    if (x->wc != 24)
        return;
    uint32_t name_len = le16(x->words + 5);
    /* Unicode names start at an even offset from the header: one pad byte after bc */
    uint32_t pad = x->unicode && ((uint32_t)(x->bytes - x->m) & 1) ? 1 : 0;
    if (pad + name_len > x->bc)
        name_len = x->bc > pad ? x->bc - pad : 0;
    smb_create_request(s, ctx, x->key, x->bytes + pad, name_len, x->unicode);
}

static void smb1_write(struct SmbState *s, AppLayerCtx *ctx, const Smb1Msg *x, bool to_server)
{
    if (x->response || (x->wc != 12 && x->wc != 14))
        return;
    const uint8_t *w = x->words;
    SmbFid fid = smb1_fid(w + 4);
    uint64_t offset = le32(w + 6);
    if (x->wc == 14)
        offset |= (uint64_t)le32(w + 24) << 32;
    uint32_t dlen = (uint32_t)le16(w + 20) | (uint32_t)le16(w + 18) << 16;
    uint32_t doff = le16(w + 22);
    if (!within(doff, dlen, x->len))
        return;
    smb_file_data(s, ctx, &fid, to_server, offset, x->m + doff, dlen);
}

static void smb1_read(struct SmbState *s, AppLayerCtx *ctx, const Smb1Msg *x, bool to_server)
{
    const uint8_t *w = x->words;
    if (!x->response) {
        if (x->wc != 10 && x->wc != 12)
            return;
        SmbFid fid = smb1_fid(w + 4);
        uint64_t offset = le32(w + 6);
        if (x->wc == 12)
            offset |= (uint64_t)le32(w + 20) << 32;
        smb_read_request(s, ctx, x->key, &fid, offset);
        return;
    }
    SmbFid fid;
    uint64_t offset;
    if (!smb_read_response(s, x->key, &fid, &offset) || x->wc != 12 || !x->success)
        return;
    uint32_t dlen = (uint32_t)le16(w + 10) | (uint32_t)le16(w + 14) << 16;
    uint32_t doff = le16(w + 12);
    if (within(doff, dlen, x->len))
        smb_file_data(s, ctx, &fid, to_server, offset, x->m + doff, dlen);
}

void smb1_decode(struct SmbState *s, AppLayerCtx *ctx, bool to_server, const uint8_t *m,
                 uint32_t len)
{
    Smb1Msg x;
    if (!smb1_header(&x, m, len))
        return;
    switch (x.cmd) {
    case SMB1_CMD_NT_CREATE_ANDX:
        smb1_create(s, ctx, &x);
        break;
    case SMB1_CMD_WRITE_ANDX:
        smb1_write(s, ctx, &x, to_server);
        break;
    case SMB1_CMD_READ_ANDX:
        smb1_read(s, ctx, &x, to_server);
        break;
    case SMB1_CMD_CLOSE:
        if (!x.response && x.wc >= 3) {
            SmbFid fid = smb1_fid(x.words);
            smb_file_close(s, ctx, &fid);
        }
        break;
    default:
        break;
    }
}

/* ---- SMB2 ---------------------------------------------------------------------------- */

typedef struct Smb2Msg {
    const uint8_t *m;          /* this command's header */
    uint32_t len;              /* from the header to the end of this command */
    uint16_t cmd;
    uint32_t status;
    bool response;
    uint64_t msg_id;
    const uint8_t *body;
    uint32_t body_len;
} Smb2Msg;

static SmbFid smb2_fid(const uint8_t *p)
{
    SmbFid fid = {.len = 16};
    memcpy(fid.b, p, 16);
    return fid;
}

static void smb2_create(struct SmbState *s, AppLayerCtx *ctx, const Smb2Msg *x)
{
    if (x->response) {
        if (x->status == SMB_STATUS_PENDING || x->body_len < 80)
            return;
        SmbFid fid = smb2_fid(x->body + 64);
        smb_create_response(s, ctx, x->msg_id, &fid, x->status == 0);
        return;
    }
    if (x->body_len < 48)
        return;
    uint32_t off = le16(x->body + 44), nlen = le16(x->body + 46);
    if (within(off, nlen, x->len))
        smb_create_request(s, ctx, x->msg_id, x->m + off, nlen, true);
}

static void smb2_write(struct SmbState *s, AppLayerCtx *ctx, const Smb2Msg *x, bool to_server)
{
    if (x->response || x->body_len < 32)
        return;
    uint32_t doff = le16(x->body + 2), dlen = le32(x->body + 4);
    uint64_t offset = le64(x->body + 8);
    SmbFid fid = smb2_fid(x->body + 16);
    if (within(doff, dlen, x->len))
        smb_file_data(s, ctx, &fid, to_server, offset, x->m + doff, dlen);
}

static void smb2_read(struct SmbState *s, AppLayerCtx *ctx, const Smb2Msg *x, bool to_server)
{
    if (!x->response) {
        if (x->body_len < 32)
            return;
        SmbFid fid = smb2_fid(x->body + 16);
        smb_read_request(s, ctx, x->msg_id, &fid, le64(x->body + 8));
        return;
    }
    if (x->status == SMB_STATUS_PENDING)
        return;
    SmbFid fid;
    uint64_t offset;
    if (!smb_read_response(s, x->msg_id, &fid, &offset) || x->status != 0 || x->body_len < 8)
        return;
    uint32_t doff = x->body[2], dlen = le32(x->body + 4);
    if (within(doff, dlen, x->len))
        smb_file_data(s, ctx, &fid, to_server, offset, x->m + doff, dlen);
}

static void smb2_command(struct SmbState *s, AppLayerCtx *ctx, bool to_server, const Smb2Msg *x)
{
    switch (x->cmd) {
    case SMB2_CMD_CREATE:
        smb2_create(s, ctx, x);
        break;
    case SMB2_CMD_WRITE:
        smb2_write(s, ctx, x, to_server);
        break;
    case SMB2_CMD_READ:
        smb2_read(s, ctx, x, to_server);
        break;
    case SMB2_CMD_CLOSE:
        if (!x->response && x->body_len >= 24) {
            SmbFid fid = smb2_fid(x->body + 8);
            smb_file_close(s, ctx, &fid);
        }
        break;
    default:
        break;
    }
}

void smb2_decode(struct SmbState *s, AppLayerCtx *ctx, bool to_server, const uint8_t *m,
                 uint32_t len)
{
    for (uint32_t n = 0; n < SMB_MAX_COMPOUND; n++) {
        if (len < SMB2_HDR || memcmp(m, "\xfeSMB", 4) != 0)
            return;
        uint32_t next = le32(m + 20);
        uint32_t this_len = next && next < len ? next : len;
        if (this_len < SMB2_HDR)
            return;
        Smb2Msg x = {.m = m, .len = this_len, .cmd = le16(m + 12), .status = le32(m + 8),
                     .response = le32(m + 16) & 1, .msg_id = le64(m + 24),
                     .body = m + SMB2_HDR, .body_len = this_len - SMB2_HDR};
        smb2_command(s, ctx, to_server, &x);
        if (!next || next >= len)
            return;
        m += next;
        len -= next;
    }
}
