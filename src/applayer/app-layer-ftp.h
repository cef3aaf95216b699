/*
 * app-layer-ftp.h - what the FTP files share: the control-channel parser ("ftp"), the
 * data-channel parser ("ftp-data") and the expectation table that links the two.
 *
 * FTP moves files on a second TCP connection whose ports are only named on the control
 * connection (PORT/EPRT for active mode, the 227/229 replies to PASV/EPSV for passive mode).
 * The control parser (app-layer-ftp.c) records, when it sees RETR or STOR, that a data
 * connection between the two hosts on that port is expected and what file it carries
 * (app-layer-ftp-expect.c). Protocol detection asks the table before probing a new TCP flow
 * (applayer_expectation); a flow that matches is "ftp-data", and its parser
 * (app-layer-ftp-data.c) takes the entry and tracks the transferred bytes as one File.
 */
#ifndef BONGSU_APP_LAYER_FTP_H
#define BONGSU_APP_LAYER_FTP_H

#include <stdbool.h>
#include <stdint.h>

#include "applayer/app-layer.h"
#include "file/file.h"

extern const AppLayerParser app_layer_ftp_parser;
extern const AppLayerParser app_layer_ftpdata_parser;

/* What the control connection said about one data connection. */
typedef struct FtpExpectInfo {
    uint8_t name[FILE_NAME_MAX];  /* RETR/STOR argument */
    uint32_t name_len;
    char command[8];              /* "RETR" or "STOR" */
    uint64_t parent_flow_id;      /* the control connection's flow_id */
} FtpExpectInfo;

/* Most expectations waiting at once (all workers together); the oldest goes when full. */
#define FTP_EXPECT_MAX 1024
/* An expectation not met within this long (packet time) is dropped. */
#define FTP_EXPECT_TIMEOUT_USEC (300ull * 1000000ull)

/* A data connection from `client` to `server`:`port` (any client port) is expected. False
 * (and the oldest entry replaced) when the table was full. */
bool ftp_expect_add(const Address *client, const Address *server, uint16_t port,
                    const FtpExpectInfo *info, uint64_t now_usec);
/* Takes the expectation this flow meets (either way round); false when none. */
bool ftp_expect_take(const Flow *f, FtpExpectInfo *out);
/* Drops every expectation (tests, shutdown). */
void ftp_expect_clear(void);

/* The control parser's helpers, exposed for unit tests. PORT h1,h2,h3,h4,p1,p2 and the 227
 * reply's (h1,h2,h3,h4,p1,p2) give p1*256+p2; EPRT |af|addr|port| and the 229 reply's
 * (|||port|) give port. 0 when the text does not hold a valid port. */
uint16_t ftp_parse_port_args(const uint8_t *data, uint32_t len);
uint16_t ftp_parse_eprt_args(const uint8_t *data, uint32_t len);
uint16_t ftp_parse_pasv_reply(const uint8_t *data, uint32_t len);
uint16_t ftp_parse_epsv_reply(const uint8_t *data, uint32_t len);

/* Counter ids (ftp.memcap: a limit on lines, replies, transactions or expectations hit). */
void ftp_register_counters(void);
extern CounterId ftp_memcap_counter;
void ftp_count_limit(AppLayerCtx *ctx);

#endif
