/*
 * app-layer-smb.h - what the SMB files share: the parser ("smb"), and the file tracking
 * interface between the message decoders (app-layer-smb-msg.c: SMB1 and SMB2 commands) and
 * the per-flow state (app-layer-smb.c: NBSS framing, open files, transactions).
 *
 * bongsu follows SMB for its files only: the names CREATE (SMB2) and NT_CREATE_ANDX (SMB1)
 * give a file id, and the data of WRITE requests and READ responses at their offsets become
 * that file's bytes, closed by CLOSE. Each file in each direction is one transaction, logged
 * (EVE fileinfo) when it closes; EVE "smb" events are not written.
 */
#ifndef BONGSU_APP_LAYER_SMB_H
#define BONGSU_APP_LAYER_SMB_H

#include <stdbool.h>
#include <stdint.h>

#include "applayer/app-layer.h"
#include "file/file.h"

extern const AppLayerParser app_layer_smb_parser;

/* A file id: SMB1's 2-byte FID or SMB2's 16-byte FileId. */
typedef struct SmbFid {
    uint8_t b[16];
    uint8_t len;
} SmbFid;

struct SmbState;

/* Limits (each hit counts smb.memcap, a bongsu counter). */
#define SMB_RECORD_MAX (1u << 20)   /* an NBSS record larger than this is skipped */
#define SMB_MAX_PENDING 64u         /* requests waiting for their response */
#define SMB_MAX_FIDS 64u            /* named file ids per flow */
#define SMB_MAX_COMPOUND 32u        /* SMB2 commands in one record */

/* Decoders (app-layer-smb-msg.c): one SMB1 or SMB2 message (an NBSS record's payload). */
void smb1_decode(struct SmbState *s, AppLayerCtx *ctx, bool to_server, const uint8_t *m,
                 uint32_t len);
void smb2_decode(struct SmbState *s, AppLayerCtx *ctx, bool to_server, const uint8_t *m,
                 uint32_t len);

/* The state's side (app-layer-smb.c). msg_key identifies a request to its response. */
void smb_create_request(struct SmbState *s, AppLayerCtx *ctx, uint64_t msg_key,
                        const uint8_t *utf16, uint32_t len, bool unicode);
void smb_create_response(struct SmbState *s, AppLayerCtx *ctx, uint64_t msg_key,
                         const SmbFid *fid, bool success);
void smb_read_request(struct SmbState *s, AppLayerCtx *ctx, uint64_t msg_key,
                      const SmbFid *fid, uint64_t offset);
/* The read this response answers: false when none was seen. */
bool smb_read_response(struct SmbState *s, uint64_t msg_key, SmbFid *fid, uint64_t *offset);
void smb_file_data(struct SmbState *s, AppLayerCtx *ctx, const SmbFid *fid, bool to_server,
                   uint64_t offset, const uint8_t *data, uint32_t len);
void smb_file_close(struct SmbState *s, AppLayerCtx *ctx, const SmbFid *fid);

/* For tests: the name (UTF-8) a UTF-16LE or 8-bit name becomes, into out (cap bytes). */
uint32_t smb_name_to_utf8(const uint8_t *in, uint32_t len, bool unicode, uint8_t *out,
                          uint32_t cap);
extern CounterId smb_memcap_counter;
void smb_register_counters(void);

#endif
