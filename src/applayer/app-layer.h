/*
 * app-layer.h - application layer: protocol detection, parsers, transactions, logging.
 *
 * The stream engine (TCP) or the flow (UDP) hands in-order payload bytes of one direction to
 * applayer_handle_data(). Until the flow's protocol is known, protocol detection looks at the
 * ports and the first bytes of each direction (app-layer-detect.c). Once known, the bytes go
 * to that protocol's parser.
 *
 * Every protocol plugs in the same way, with one AppLayerParser registered at start-up in
 * applayer_register_parsers() (app-layer-register.c): detection (ports, probe), a per-flow
 * state, a parse function, and transactions. A transaction is one request/response exchange
 * (an HTTP request and its response, a DNS query and its answer, a TLS handshake). The
 * framework logs each transaction once it is complete (or when the flow ends) through the
 * parser's log_tx, then frees it; detection reads transaction buffers ("http.uri",
 * "dns.query", ...) through the buffer registry (applayer_buffer_*), so the detection engine
 * stays generic.
 */
#ifndef BONGSU_APP_LAYER_H
#define BONGSU_APP_LAYER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/counters.h"
#include "flow/flow.h"
#include "output/eve.h"

typedef enum AppProto {
    ALPROTO_UNKNOWN = 0,
    ALPROTO_HTTP,    /* HTTP/1.x ("http") */
    ALPROTO_DNS,
    ALPROTO_TLS,
    ALPROTO_FTP,     /* the FTP control connection */
    ALPROTO_FTPDATA, /* an FTP data connection ("ftp-data"), found by expectation */
    ALPROTO_SMB,
    ALPROTO_SMTP,
    ALPROTO_FAILED,  /* detection gave up: logged as "failed" */
    ALPROTO_MAX
} AppProto;

/* The name in EVE app_proto and in rules: "http", "dns", "tls", "failed". */
const char *app_proto_name(AppProto proto);
AppProto app_proto_by_name(const char *name);

/* Flags for parse(). */
#define APP_FLAG_EOF 0x01       /* this direction is closed; no more data */
#define APP_FLAG_GAP 0x02       /* `len` bytes are missing here; data is NULL */
#define APP_FLAG_DATAGRAM 0x04  /* data is one UDP payload (a whole message) */
/* TCP picked up midstream (not from a SYN/ACK): detection may find that the first packet
 * came from the server and have the flow turned around (Flow.swap_pending). */
#define APP_FLAG_MIDSTREAM 0x08

struct AppLayerCtx;
struct ConfNode;

typedef struct AppLayerParser {
    AppProto proto;
    const char *name;               /* config name: app-layer.protocols.<name> */
    bool on_tcp, on_udp;
    const char *default_ports;      /* detection ports, e.g. "80,8080" ("" for none) */
    /* Content detection on the first bytes of one direction: the protocol, ALPROTO_UNKNOWN
     * when more bytes are needed, ALPROTO_FAILED when it is certainly not this protocol. */
    AppProto (*probe)(const uint8_t *data, uint32_t len, bool to_server);

    void *(*state_new)(void);
    void (*state_free)(void *state);
    /* Parse bytes of one direction. Returns 0, or -1 when the parser gives up on this flow
     * (the framework stops feeding it and counts app_layer.error.<name>.parser). */
    int (*parse)(void *state, struct AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                 uint32_t len, uint32_t flags);

    /* Transactions, identified by a 0-based id that only grows. */
    uint64_t (*tx_count)(void *state);          /* ids below this may exist */
    void *(*tx_get)(void *state, uint64_t tx_id); /* NULL when freed or never made */
    bool (*tx_done)(void *tx, bool to_server);  /* complete in that direction */
    /* Optional: how far one side of an incomplete transaction got, on the parser's own
     * scale (HTTP: libhtp's line, headers, body, trailer), 0 not started. A rule whose
     * buffers all registered a progress below it is inspected before the side completes,
     * as Suricata 7 does (applayer_buffer_set_progress, detect-tx-timing.c). */
    int (*tx_progress)(void *state, void *tx, bool to_server);
    void (*tx_free)(void *state, uint64_t tx_id);

    /* EVE: write this transaction's event(s) (http, dns, tls, fileinfo...). Called once per
     * transaction, when complete in both directions or at flow end. */
    void (*log_tx)(struct AppLayerCtx *ctx, void *state, void *tx, uint64_t tx_id);
    /* The object alerts carry for this protocol ("http": {...}); NULL if none. */
    json_t *(*tx_alert_json)(void *state, void *tx);

    /* Optional: read the parser's own settings (its eve-log options...) at start-up. */
    void (*configure)(const struct ConfNode *conf);
    /* Optional: the probe for TCP when it differs from the UDP one (DNS's length prefix). */
    AppProto (*probe_tcp)(const uint8_t *data, uint32_t len, bool to_server);
    /* Suricata counts a transaction in app_layer.tx when a parse call creates it; a
     * protocol whose only transaction exists with the state (TLS) is never counted. */
    bool tx_uncounted;
    /* Optional: data this parser recognised was sent by the server (a DNS response; over
     * TCP the data starts with the stream's first bytes). A UDP flow whose first datagram
     * is such, or a TCP flow picked up midstream whose first data is, is turned around, as
     * Suricata does. */
    bool (*sent_by_server)(const uint8_t *data, uint32_t len, bool tcp);
    /* Optional: whether the transaction raised this app-layer event (Suricata's name without
     * the protocol prefix, "z_flag_set" for app-layer-event:dns.z_flag_set). */
    bool (*tx_has_event)(void *tx, const char *name);
    /* Optional: a config rule kept this transaction out of EVE; the parser may carry that
     * over to a transaction that belongs with it (DNS: the response to this query). */
    void (*tx_logging_disabled)(void *state, void *tx);
    /* Optional: the transaction's files in one direction, idx from 0 (NULL past the last):
     * what the file keywords (filename, filemd5, filesize...) inspect. */
    const struct File *(*tx_file)(void *tx, bool to_server, uint32_t idx);
    /* Optional: a transaction of one direction only (Suricata's AppLayerTxData
     * for_direction: a DNS query or response), 1 to server, 2 to client; 0 both. Detection
     * inspects it in that direction only, at a packet going that way. */
    int (*tx_direction)(void *tx);
    /* Detection inspects each side of a transaction on its own, as Suricata 7 does: the
     * request at the first packet to the server after the request is complete, the response
     * at the first packet to the client after the response is (detect-tx-timing.c); the
     * transaction is logged once both sides were inspected. */
    bool inspect_by_direction;
    /* With inspect_by_direction: a transaction whose two sides both wait at its logging (flow
     * end, no packet of either side came after they were ready) is inspected once for both,
     * not once per side (TLS: the reference raises its handshake's event rules once then). */
    bool inspect_pending_once;
    /* Optional: the key of tx_alert_json's object in alerts when it is not `name`
     * (ftp-data's is "ftp_data", as Suricata's EVE names it). */
    const char *alert_key;
    /* Optional: more objects for this protocol's alerts, beside tx_alert_json's ({"email":
     * ...} after SMTP's "smtp", as Suricata's alerts carry both); NULL for none. */
    json_t *(*tx_alert_more)(void *state, void *tx);
    /* Its transactions' completion does not make raw stream inspection due: SMB's are
     * files, not Suricata's per-command transactions, so they would inspect the stream at
     * moments the reference does not (a stream rule alerting twice on the same bytes).
     * HTTP sets it too but asks itself (applayer_trigger_raw) at every request and
     * response completion: app-layer.c only sees the newest transaction, which misses a
     * pipelined one completing behind it. */
    bool no_raw_trigger;
} AppLayerParser;

/* Per-flow application state, hanging off Flow.app. */
typedef struct AppLayerFlow {
    AppProto proto;              /* what the flow is (after detection) */
    AppProto proto_ts, proto_tc; /* what each direction looked like */
    AppProto proto_orig;         /* before a protocol change (e.g. HTTP CONNECT -> TLS) */
    void *state;                 /* the parser's state */
    uint64_t tx_logged;          /* transactions below this id are logged and freed */
    uint32_t probed_ts, probed_tc;  /* bytes inspected by detection per direction */
    bool detect_done_ts, detect_done_tc;
    /* How many more packets that way are to be told a direction's detection concluded
     * (Suricata's FLOW_PROTO_DETECT_*_DONE, applayer_take_detect_done). */
    uint8_t detect_news_ts, detect_news_tc;
    bool first_speaker_ts;       /* the client spoke first */
    bool parser_error;
    bool change_requested;       /* the parser handed the flow back (applayer_change_protocol) */
    /* A protocol change is under way (Suricata's FLOW_CHANGE_PROTO): from the hand-back up
     * to the end of the first parse after detection found the next protocol. A parser
     * asking for another change meanwhile fails (HTTP's upgrade to h2c). */
    bool changing;
    AppProto proto_expect;       /* what the change expects (TLS after STARTTLS) */
    /* Bytes at the end of the chunk being parsed that came after the hand-over (a TLS
     * record in the same segment as the 220): detected afresh once the change is made. */
    uint32_t change_rest;
    /* Detection buffering: bytes seen before the protocol was known. */
    uint8_t *pending_ts, *pending_tc;
    uint32_t pending_ts_len, pending_tc_len;
    /* A transaction completed in this direction (bit 0 to server, bit 1 to client): raw
     * stream inspection of that direction is due (Suricata's
     * AppLayerParserTriggerRawStreamReassembly); stream/stream-tcp-raw.c takes the bits. */
    uint8_t raw_trigger;
    /* How much of each direction ([0] to server) the stream keeps behind the raw inspection
     * progress while the session is open (Suricata's TcpStream.min_inspect_depth, which
     * its HTTP parser sets): an alert's stream payload still shows those bytes. 0: none. */
    uint32_t min_inspect_depth[2];
    /* inspect_by_direction parsers: transactions below inspected[0] had their request side
     * inspected, below inspected[1] their response side. */
    uint64_t inspected[2];
    /* Per side, the one transaction (early_tx) detection inspected before that side was
     * complete, and the rules it decided then (sorted numbers): they are not inspected on
     * it again (Suricata's per-transaction inspect flags; detect-tx-timing.c). */
    uint64_t early_tx[2];
    int early_progress[2];       /* the side's progress at its last such inspection */
    uint32_t *early_nums[2];
    uint32_t early_count[2];
    size_t early_cap[2];
    /* Transactions below this id (and at or above tx_logged) were logged when they completed
     * and wait, alive, for detection to inspect a side on its packet (Suricata logs a
     * transaction as soon as it is complete). */
    uint64_t logged_early;
    /* Transactions a config rule kept out of EVE: bit k is transaction tx_logged + k. */
    uint64_t nolog_mask;
    /* Bytes (data and gaps) handed to parsers per direction, [0] to server: during a parse
     * call the stream offset of its first byte, which frames are measured in
     * (app-layer-frames.h). */
    uint64_t parsed[2];
    struct AppLayerFrames *frames;   /* NULL until a parser opens a frame */
    /* What another flow announced about this one (an FTP data connection: FtpExpectInfo),
     * for its parser; freed with the flow. */
    void *expect;
} AppLayerFlow;

/* From inside a transaction hook: do not log the transaction being inspected (Suricata's
 * "config: logging disable, type tx, scope tx" rules). */
void applayer_tx_disable_logging(void);

/* A config rule matched transaction tx_id outside the transaction hook (detection on a
 * packet): it is not to be logged when its time comes. */
void applayer_tx_mark_nolog(Flow *f, uint64_t tx_id);

/* Called for every transaction just before it is logged (detection inspects it there). */
typedef void (*AppLayerTxHook)(void *ud, Flow *f, const Packet *p, AppProto proto, void *state,
                               void *tx, uint64_t tx_id);

/* Per-thread (worker) context. */
typedef struct AppLayerThread {
    CounterSet *counters;
    EveWriter *eve;
    AppLayerTxHook tx_hook;
    void *tx_hook_ud;
    /* Detection inspects the sides of inspect_by_direction transactions on packets: they
     * wait for that before they are logged (applayer_log_ready). */
    bool inspect_per_packet;
} AppLayerThread;

/* What a parser sees of its surroundings during parse/log. */
typedef struct AppLayerCtx {
    AppLayerThread *thread;
    Flow *flow;
    const Packet *packet;        /* the packet that carried the data (may be NULL at EOF) */
    uint64_t now_usec;
} AppLayerCtx;

/* A parser asks for raw stream inspection of a direction at its next packet (Suricata's
 * AppLayerParserTriggerRawStreamReassembly). */
void applayer_trigger_raw(AppLayerCtx *ctx, bool to_server);

/* Whether the packet's direction had its protocol detected since the last packet that way
 * (Suricata's PKT_PROTO_DETECT_TS_DONE / TC_DONE): true once per detection, for the packet
 * that carried it or, when the other side's packet did (IDS mode parses data when it is
 * acknowledged), for the next one in that direction. */
bool applayer_take_detect_done(Flow *f, bool to_server);

/* A parser saw the session go encrypted (Suricata's APP_LAYER_PARSER_NO_INSPECTION, and with
 * no_reassembly its NO_REASSEMBLY): see Flow.no_payload_inspection. */
void applayer_stop_inspection(AppLayerCtx *ctx, bool no_reassembly);

/* Start-up: register the parsers, their counters and buffers. Reads
 * app-layer.protocols.<name>.enabled / detection-ports from the configuration. */
int applayer_init(const struct ConfNode *conf);
const AppLayerParser *applayer_parser(AppProto proto);

/* Hand in-order bytes of one direction of f to the app layer. */
void applayer_handle_data(AppLayerThread *th, Flow *f, const Packet *p, bool to_server,
                          const uint8_t *data, uint32_t len, uint32_t flags);
/* UDP: one datagram (the packet's payload). */
void applayer_handle_udp(AppLayerThread *th, Flow *f, const Packet *p);
/* After detection ran on packet p: logs the transactions that became complete and inspected
 * in both directions (inspect_per_packet). */
void applayer_log_ready(AppLayerThread *th, Flow *f, const Packet *p);
/* Flow end: log the transactions that remain (before the flow record is written)... */
void applayer_flow_end(AppLayerThread *th, Flow *f, uint64_t now_usec);
/* ...then free the state (after it). */
void applayer_flow_free(Flow *f);

/* A parser hands its flow back to protocol detection (HTTP after a successful CONNECT): once
 * the current parse call returns, its transactions are logged and its state freed, and the
 * next bytes are detected afresh; the old protocol stays as proto_orig. */
void applayer_change_protocol(AppLayerCtx *ctx);
/* The same, saying which protocol should come next: detection finding another one raises
 * APPLAYER_UNEXPECTED_PROTOCOL (and APPLAYER_NO_TLS_AFTER_STARTTLS when TLS was expected). */
void applayer_change_protocol_expect(AppLayerCtx *ctx, AppProto expect);
/* The same, when the last `rest` bytes of the chunk being parsed are not the old protocol's:
 * they go to detection right after the change, whatever the chunking. */
void applayer_change_protocol_expect_rest(AppLayerCtx *ctx, AppProto expect, uint32_t rest);
/* Whether a protocol change is under way (AppLayerFlow.changing): a parser's own request
 * for a change would fail now. */
bool applayer_change_in_progress(const AppLayerCtx *ctx);

/* Helpers for parsers' log_tx: the EVE header for a transaction event (flow direction,
 * tx_id), written through the thread's writer by eve_write(). */
json_t *applayer_eve_header(AppLayerCtx *ctx, const char *event_type, uint64_t tx_id);
/* The options of an eve-log's types entry (`- http: {extended: yes}`), NULL when the first
 * eve-log listing the type gives none or none lists it. Start-up. */
const struct ConfNode *applayer_eve_type_conf(const struct ConfNode *conf, const char *type);
/* An app-layer anomaly event (EVE anomaly type "applayer", Suricata's event names such as
 * "UNABLE_TO_MATCH_RESPONSE_TO_REQUEST"), logged when anomaly.types.applayer is on. */
void applayer_raise_event(AppLayerCtx *ctx, const char *event_name, uint64_t tx_id);
/* The same for protocol detection's events (layer proto_detect, no transaction). */
void applayer_raise_detect_event(AppLayerCtx *ctx, const char *event_name);

/* The client address an HTTP transaction's X-Forwarded-For style header (`header`, e.g.
 * "X-Forwarded-For", request first, then response) names: the first of its list, or with
 * `reverse` the last, when that is a valid IPv4 or IPv6 address (Suricata's xff option of
 * alert and other EVE types). False when there is none. */
bool http_tx_xff_ip(void *tx, const char *header, bool reverse, char *out, size_t outlen);

/* Detection buffers. A parser registers each buffer it offers with a getter; the detection
 * engine asks for buffers by name. */
typedef bool (*AppLayerBufferGetter)(void *state, void *tx, bool to_server, const uint8_t **data,
                                     uint32_t *len);
int applayer_buffer_register(const char *name, AppProto proto, bool to_server, bool to_client,
                             AppLayerBufferGetter getter);
int applayer_buffer_id(const char *name);  /* -1 when unknown */
const char *applayer_buffer_name(int id);
AppProto applayer_buffer_proto(int id);
/* Which side of a transaction the buffer belongs to (true: the request side). */
bool applayer_buffer_is_to_server(int id);
bool applayer_buffer_is_to_client(int id);  /* the response side (both: a buffer of each) */
/* The progress (AppLayerParser.tx_progress scale) a side of a transaction has passed once
 * this buffer is final there, as the progress Suricata registers each inspect engine with.
 * Unset: APPLAYER_PROGRESS_DONE, the buffer is inspected when the side is complete. */
#define APPLAYER_PROGRESS_DONE 0x7fffffff
void applayer_buffer_set_progress(int id, int to_server, int to_client);
int applayer_buffer_progress(int id, bool to_server);
bool applayer_buffer_get(int id, void *state, void *tx, bool to_server, const uint8_t **data,
                         uint32_t *len);
/* Buffers with several instances per transaction (tls.certs: one per certificate), as
 * Suricata's multi-buffers: the getter gives instance idx, false past the last one; a rule
 * part matches when one instance does. applayer_buffer_get gives such a buffer's first. */
typedef bool (*AppLayerMultiBufferGetter)(void *state, void *tx, bool to_server, uint32_t idx,
                                          const uint8_t **data, uint32_t *len);
int applayer_buffer_register_multi(const char *name, AppProto proto, bool to_server,
                                   bool to_client, AppLayerMultiBufferGetter getter);
bool applayer_buffer_is_multi(int id);
/* What a buffer costs to fill may be paid only when a rule reads it (file.magic runs
 * libmagic): the parser names a start-up function, which rule loading calls for each rule
 * that uses the buffer. */
void applayer_buffer_on_rule_use(int id, void (*fn)(void));
void applayer_buffer_used_by_rule(int id);
bool applayer_buffer_get_nth(int id, void *state, void *tx, bool to_server, uint32_t idx,
                             const uint8_t **data, uint32_t *len);
/* A multi-buffer that several protocols register under one name (file.name: HTTP, ftp-data
 * and SMB files) belongs to none (applayer_buffer_proto gives ALPROTO_UNKNOWN): a rule using
 * it inspects the transactions of every protocol that offers it, and the instance comes
 * from that protocol's getter. applayer_buffer_get_nth on it uses the first registrant's. */
bool applayer_buffer_offered(int id, AppProto proto);
/* A buffer of every file (file.name, file.data): offered by each parser with a tx_file
 * hook, instance idx being of_file of that hook's idx-th file (of_file returns false for a
 * NULL file); a protocol's own getter registered under the name is used for it instead. */
struct File;
typedef bool (*AppLayerFileBufferGetter)(const struct File *f, const uint8_t **data,
                                         uint32_t *len);
int applayer_buffer_register_files(const char *name, AppLayerFileBufferGetter of_file);
bool applayer_buffer_get_nth_proto(int id, AppProto proto, void *state, void *tx,
                                   bool to_server, uint32_t idx, const uint8_t **data,
                                   uint32_t *len);

#endif
