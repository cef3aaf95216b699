/*
 * file.h - files carried by application protocols (HTTP bodies today; SMTP attachments and
 * SMB reads later): tracking, hashing, storing, logging and scanning hooks.
 *
 * A parser opens a File when a transfer starts (file_open), appends the bytes as they are
 * decoded (file_append), reports missing bytes (file_gap) and closes it when the transfer ends
 * (file_close: CLOSED, or TRUNCATED when the flow ended first or a limit was hit). The file
 * layer owns everything else:
 *
 *   - hashes (md5, sha1, sha256 through OpenSSL EVP), computed only when some consumer asked
 *     for them (eve-log files force-hash, file-store), streaming, so no file is held in memory;
 *   - file-store v2 (file-store.c): bytes go to <dir>/tmp while the file is open and are
 *     renamed to <dir>/<xx>/<sha256> on close, as Suricata does;
 *   - EVE fileinfo (file-log.c), with the protocol's own object (the "http" object) supplied
 *     by the caller;
 *   - observers: a scanner (the YARA engine) registers callbacks that see every chunk and the
 *     close of every file, keeping its own per-file state in the slot the file layer gives it.
 *
 * Limits: at most file-store max-open-files files are written at once (the rest are logged but
 * not stored, counted in file_store.open_files_max_hit); file names are capped at
 * FILE_NAME_MAX bytes. Counters use Suricata's names (file_store.*).
 */
#ifndef BONGSU_FILE_H
#define BONGSU_FILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/counters.h"

struct ConfNode;
struct EveWriter;
struct FileStoreHandle;

#define FILE_NAME_MAX 1024u
#define FILE_MAX_OBSERVERS 4

typedef enum FileState {
    FILE_STATE_OPENED,
    FILE_STATE_CLOSED,
    FILE_STATE_TRUNCATED,
} FileState;

typedef struct File {
    uint8_t name[FILE_NAME_MAX];
    uint32_t name_len;
    uint64_t size;
    uint64_t tx_id;
    bool to_server;
    FileState state;
    bool gaps;
    bool stored;               /* written to the file store */
    uint32_t file_id;          /* store sequence number (file_id in EVE) when stored */
    struct FileHashes *hashes; /* NULL when no hash is wanted */
    uint8_t md5[16], sha1[20], sha256[32];
    bool have_md5, have_sha1, have_sha256;
    struct FileStoreHandle *store;
    /* file.magic (only when a rule reads it): the first bytes are kept until there are
     * FILE_MAGIC_HEAD of them or the file ends, then described by libmagic. */
    uint8_t *magic_head;
    uint32_t magic_head_len;
    bool magic_done;
    char *magic;               /* libmagic's description, NULL when none */
    /* file.data of protocols whose files are the buffer (SMTP attachments, SMB, ftp-data;
     * not HTTP, whose file.data is the body): the first FILE_DATA_KEEP contiguous bytes,
     * kept only when the parser asked (file_keep_data) and a rule reads file.data. */
    uint8_t *kept;
    uint32_t kept_len;
    size_t kept_cap;
    bool keep;
    void *observer_state[FILE_MAX_OBSERVERS];
} File;

/* Per-thread context: where counters go, and the EVE file's path, whose directory is the log
 * directory a relative file-store dir is resolved against (-l is not in the configuration). */
typedef struct FileThread {
    CounterSet *counters;
    const char *eve_path;
    struct AppLayerCtx *ctx;   /* the parser call's context (flow, thread), for observers */
} FileThread;

/* A consumer of file contents (a YARA scanner, intel hash matching, a test). `state` is this
 * observer's slot in the file; on_close runs once, after the last on_data, with the final
 * state and hashes. th gives the flow the file travels in (th->ctx); it is NULL only when a
 * file is freed without being closed (the flow's state is being torn down). */
typedef struct FileObserver {
    void (*on_open)(const FileThread *th, File *f, void **state, void *user);
    void (*on_data)(const FileThread *th, File *f, const uint8_t *data, uint32_t len,
                    void **state, void *user);
    void (*on_close)(const FileThread *th, File *f, void **state, void *user);
    /* Optional: the closed file is being logged (parsers call file_log after file_close);
     * event is its finished fileinfo event, or NULL when fileinfo is not logged. Returning
     * true takes the event over (the observer writes it later, e.g. once a scan has added
     * the matching rules' sids); false leaves it to the file layer. */
    void *user;
    bool (*on_log)(struct AppLayerCtx *ctx, const File *f, json_t *event, void **state,
                   void *user);
} FileObserver;

typedef enum FileHashKind { FILE_HASH_MD5, FILE_HASH_SHA1, FILE_HASH_SHA256 } FileHashKind;

/* Start-up: compute md5, sha1 and sha256 of every file (for consumers of the hashes);
 * fileinfo still logs only the ones the configuration asks for. */
void file_request_hashes(void);
bool file_hash_logged(FileHashKind kind);

/* Start-up: read outputs.*.eve-log.types.files, outputs.*.file-store and register counters. */
void file_configure(const struct ConfNode *conf);
/* Returns 0, or -1 when FILE_MAX_OBSERVERS are already registered. Start-up only. */
int file_observer_register(const FileObserver *obs);
/* True once an observer (YARA, intel file hashes) is registered: it needs files whole, so
 * parsers do not stop them at their body limit (Suricata raises its file depth the same way
 * for filestore rules). */
bool file_whole_files_wanted(void);
void file_observers_clear(void);

File *file_open(FileThread *th, const uint8_t *name, uint32_t name_len, uint64_t tx_id,
                bool to_server);
void file_append(FileThread *th, File *f, const uint8_t *data, uint32_t len);
void file_gap(FileThread *th, File *f, uint32_t len);
void file_close(FileThread *th, File *f, FileState state);
void file_free(File *f);

/* EVE fileinfo: a complete event for f, with proto_json(proto_tx) under proto_key (NULL key:
 * the object's members at the top, SMTP's "smtp" and "email"). The
 * protocol object is built only when the event is written (fileinfo on): building it for
 * nothing was a visible cost of no-rules runs. proto_json may be NULL. */
struct AppLayerCtx;
typedef json_t *(*FileProtoJson)(const void *proto_tx);
void file_log(struct AppLayerCtx *ctx, const File *f, const char *proto_key,
              FileProtoJson proto_json, const void *proto_tx);
/* A JSON string from raw bytes the way Suricata's EVE writes them: ASCII kept, any other
 * byte written as \xNN. */
json_t *file_json_bytes(const uint8_t *data, size_t len);
/* The "fileinfo" object alone. */
json_t *file_info_json(const File *f);
/* A file's name as a detection buffer instance (file.name getters); false without a file. */
bool file_name_get(const File *f, const uint8_t **data, uint32_t *len);
/* file.data: Suricata inspects a file's bytes in windows as they come; bongsu keeps the
 * first FILE_DATA_KEEP (Suricata's default file_data content-limit) and inspects those. */
#define FILE_DATA_KEEP 100000u
/* Rule loading: a rule reads file.data, so files whose parser asks keep their bytes. */
void file_data_request(void);
/* A parser whose file.data is its files' bytes asks for this file's (just opened) to be
 * kept; nothing is kept while no rule reads file.data. */
void file_keep_data(File *f);
/* The file's kept bytes as a file.data instance (none kept: empty); false without a file. */
bool file_data_get(const File *f, const uint8_t **data, uint32_t *len);
/* The file layer's view of a parser call: its thread's counters and EVE path, and ctx. */
FileThread file_thread_of(struct AppLayerCtx *ctx);
/* file_log's hand-off to the observers' on_log; true when one took the event over. */
bool file_observers_log(File *f, struct AppLayerCtx *ctx, json_t *event);

/* file-store.c */
typedef struct FileStoreConfig {
    bool enabled;
    char dir[4096];            /* as configured; relative to the log directory */
    bool force_store;          /* force-filestore: every file (bongsu has no filestore rules yet) */
    uint32_t max_open_files;   /* 0: unlimited */
} FileStoreConfig;

bool file_store_wanted(void);
/* file-store stream-depth when the file store is on: a protocol whose files are a whole
 * stream (ftp-data) truncates a file at the first chunk that would take it past this many
 * bytes, as Suricata's stream depth for files does; 0 means no limit. */
uint64_t file_store_stream_depth(void);
struct FileStoreHandle *file_store_open(FileThread *th);
void file_store_write(FileThread *th, struct FileStoreHandle *h, const uint8_t *data,
                      uint32_t len);
/* Moves the data to its final name (sha256 must be set); returns true when stored. */
bool file_store_finish(FileThread *th, struct FileStoreHandle *h, const File *f);
void file_store_abort(struct FileStoreHandle *h);
void file_store_configure(const FileStoreConfig *cfg);
void file_store_register_counters(void);
uint32_t file_store_id(const struct FileStoreHandle *h);

#endif
