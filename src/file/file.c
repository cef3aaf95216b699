/*
 * file.c - the life of a File (see file.h): open, append, gap, close; streaming hashes;
 * observers; the files settings.
 *
 * Hashing is incremental (OpenSSL EVP digests updated on every append), so a file is never
 * buffered whole; the digests are finalised on close. A hash is computed only when configured
 * (eve-log files force-hash) or needed (sha256 names stored files), because hashing is the
 * main per-byte cost of file handling.
 */
#include "file/file.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "config/config.h"
#include "file/file-magic.h"

typedef struct FileHashes {
    EVP_MD_CTX *md5, *sha1, *sha256;
} FileHashes;

/* hash_*: computed; log_*: written in fileinfo. They differ when a consumer (intel file-hash
 * indicators, YARA) needs hashes the EVE configuration does not ask to log. */
typedef struct FileSettings {
    bool hash_md5, hash_sha1, hash_sha256;
    bool log_md5, log_sha1, log_sha256;
} FileSettings;

static FileSettings settings;
/* file-store stream-depth: how far into a data stream files are followed (0: no limit). */
static uint64_t store_stream_depth;
static FileObserver observers[FILE_MAX_OBSERVERS];
static int observer_count;
static bool data_wanted; /* a rule reads file.data */

int file_observer_register(const FileObserver *obs)
{
    if (observer_count >= FILE_MAX_OBSERVERS)
        return -1;
    observers[observer_count++] = *obs;
    return 0;
}

bool file_whole_files_wanted(void)
{
    return observer_count > 0;
}

void file_observers_clear(void)
{
    observer_count = 0;
}

/* force-hash: [md5, sha1, sha256] in either the files logger or the file-store output. */
static void read_force_hash(const ConfNode *list)
{
    if (!list)
        return;
    settings.log_md5 |= conf_seq_has_item(list, "md5", NULL);
    settings.log_sha1 |= conf_seq_has_item(list, "sha1", NULL);
    settings.log_sha256 |= conf_seq_has_item(list, "sha256", NULL);
    settings.hash_md5 |= settings.log_md5;
    settings.hash_sha1 |= settings.log_sha1;
    settings.hash_sha256 |= settings.log_sha256;
}

static void configure_store(const ConfNode *body)
{
    FileStoreConfig cfg = {0};
    cfg.enabled = conf_get_bool(body, "enabled", false) &&
                  conf_get_int(body, "version", 1) == 2;
    snprintf(cfg.dir, sizeof(cfg.dir), "%s", conf_get_str(body, "dir", "filestore"));
    cfg.force_store = conf_get_bool(body, "force-filestore", false);
    cfg.max_open_files = (uint32_t)conf_get_int(body, "max-open-files", 0);
    read_force_hash(conf_node_lookup(body, "force-hash"));
    store_stream_depth = cfg.enabled ? conf_get_size(body, "stream-depth", 0) : 0;
    if (cfg.enabled) /* stored files are named by their sha256, and fileinfo shows it */
        settings.hash_sha256 = settings.log_sha256 = true;
    file_store_configure(&cfg);
}

void file_configure(const ConfNode *conf)
{
    memset(&settings, 0, sizeof(settings));
    store_stream_depth = 0;
    FileStoreConfig off = {0};
    file_store_configure(&off);
    file_store_register_counters();
    const ConfNode *outputs = conf ? conf_node(conf, "outputs") : NULL;
    if (!outputs)
        return;
    for (size_t i = 0; i < conf_node_count(outputs); i++) {
        const ConfNode *item = conf_node_child(outputs, i);
        const ConfNode *eve = conf_node_lookup(item, "eve-log");
        const ConfNode *files = NULL;
        if (eve && conf_seq_has_item(conf_node_lookup(eve, "types"), "files", &files) && files)
            read_force_hash(conf_node_lookup(files, "force-hash"));
        const ConfNode *store = conf_node_lookup(item, "file-store");
        if (store)
            configure_store(store);
    }
}

uint64_t file_store_stream_depth(void)
{
    return store_stream_depth;
}

void file_request_hashes(void)
{
    settings.hash_md5 = settings.hash_sha1 = settings.hash_sha256 = true;
}

bool file_hash_logged(FileHashKind kind)
{
    switch (kind) {
    case FILE_HASH_MD5: return settings.log_md5;
    case FILE_HASH_SHA1: return settings.log_sha1;
    default: return settings.log_sha256;
    }
}

static FileHashes *hashes_new(void)
{
    if (!settings.hash_md5 && !settings.hash_sha1 && !settings.hash_sha256)
        return NULL;
    FileHashes *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    if (settings.hash_md5 && (h->md5 = EVP_MD_CTX_new()))
        EVP_DigestInit_ex(h->md5, EVP_md5(), NULL);
    if (settings.hash_sha1 && (h->sha1 = EVP_MD_CTX_new()))
        EVP_DigestInit_ex(h->sha1, EVP_sha1(), NULL);
    if (settings.hash_sha256 && (h->sha256 = EVP_MD_CTX_new()))
        EVP_DigestInit_ex(h->sha256, EVP_sha256(), NULL);
    return h;
}

static void hashes_free(FileHashes *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->md5);
    EVP_MD_CTX_free(h->sha1);
    EVP_MD_CTX_free(h->sha256);
    free(h);
}

File *file_open(FileThread *th, const uint8_t *name, uint32_t name_len, uint64_t tx_id,
                bool to_server)
{
    File *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->name_len = name_len < FILE_NAME_MAX ? name_len : FILE_NAME_MAX;
    memcpy(f->name, name, f->name_len);
    f->tx_id = tx_id;
    f->to_server = to_server;
    f->hashes = hashes_new();
    if (file_store_wanted())
        f->store = file_store_open(th);
    for (int i = 0; i < observer_count; i++)
        if (observers[i].on_open)
            observers[i].on_open(th, f, &f->observer_state[i], observers[i].user);
    return f;
}

/* Describes what the file's head holds; later bytes are not looked at. */
static void magic_finish(File *f)
{
    if (f->magic_done)
        return;
    f->magic_done = true;
    if (f->magic_head_len)
        f->magic = file_magic_describe(f->magic_head, f->magic_head_len);
    free(f->magic_head);
    f->magic_head = NULL;
}

static void magic_append(File *f, const uint8_t *data, uint32_t len)
{
    if (f->magic_done || !file_magic_wanted())
        return;
    if (!f->magic_head && !(f->magic_head = malloc(FILE_MAGIC_HEAD))) {
        f->magic_done = true;
        return;
    }
    uint32_t take = FILE_MAGIC_HEAD - f->magic_head_len;
    if (take > len)
        take = len;
    memcpy(f->magic_head + f->magic_head_len, data, take);
    f->magic_head_len += take;
    if (f->magic_head_len == FILE_MAGIC_HEAD)
        magic_finish(f);
}

void file_data_request(void)
{
    data_wanted = true;
}

void file_keep_data(File *f)
{
    if (f && data_wanted)
        f->keep = true;
}

bool file_data_get(const File *f, const uint8_t **data, uint32_t *len)
{
    if (!f)
        return false;
    static const uint8_t none[1];
    *data = f->kept ? f->kept : none;
    *len = f->kept_len;
    return true;
}

/* Keeps the file's next bytes for file.data, up to FILE_DATA_KEEP; memory failure stops it. */
static void keep_append(File *f, const uint8_t *data, uint32_t len)
{
    if (!f->keep || f->kept_len >= FILE_DATA_KEEP)
        return;
    uint32_t take = FILE_DATA_KEEP - f->kept_len < len ? FILE_DATA_KEEP - f->kept_len : len;
    uint8_t *grown = array_reserve(f->kept, 1, (size_t)f->kept_len + take, &f->kept_cap);
    if (!grown) {
        f->keep = false;
        return;
    }
    f->kept = grown;
    memcpy(f->kept + f->kept_len, data, take);
    f->kept_len += take;
}

void file_append(FileThread *th, File *f, const uint8_t *data, uint32_t len)
{
    if (!f || f->state != FILE_STATE_OPENED || !len)
        return;
    f->size += len;
    if (f->hashes) {
        if (f->hashes->md5)
            EVP_DigestUpdate(f->hashes->md5, data, len);
        if (f->hashes->sha1)
            EVP_DigestUpdate(f->hashes->sha1, data, len);
        if (f->hashes->sha256)
            EVP_DigestUpdate(f->hashes->sha256, data, len);
    }
    if (f->store)
        file_store_write(th, f->store, data, len);
    magic_append(f, data, len);
    keep_append(f, data, len);
    for (int i = 0; i < observer_count; i++)
        if (observers[i].on_data)
            observers[i].on_data(th, f, data, len, &f->observer_state[i], observers[i].user);
}

/* A gap makes the file's hashes wrong and the stored copy too: MD5 and SHA-1 are dropped and
 * the copy with them, and the file is flagged. SHA-256 goes on over the bytes that did
 * arrive, as in Suricata, which logs it for a truncated file when SHA-256 is forced
 * (force-hash, file-store). */
void file_gap(FileThread *th, File *f, uint32_t len)
{
    (void)th;
    if (!f || f->state != FILE_STATE_OPENED)
        return;
    f->gaps = true;
    f->size += len;
    magic_finish(f); /* the head ends where the bytes stop being contiguous */
    f->keep = false; /* and so do the bytes file.data inspects */
    if (f->hashes) {
        EVP_MD_CTX_free(f->hashes->md5);
        EVP_MD_CTX_free(f->hashes->sha1);
        f->hashes->md5 = f->hashes->sha1 = NULL;
    }
    if (f->store) {
        file_store_abort(f->store);
        f->store = NULL;
    }
}

static void hashes_finish(File *f)
{
    FileHashes *h = f->hashes;
    if (!h)
        return;
    unsigned int n;
    if (h->md5)
        f->have_md5 = EVP_DigestFinal_ex(h->md5, f->md5, &n) == 1;
    if (h->sha1)
        f->have_sha1 = EVP_DigestFinal_ex(h->sha1, f->sha1, &n) == 1;
    if (h->sha256)
        f->have_sha256 = EVP_DigestFinal_ex(h->sha256, f->sha256, &n) == 1;
    hashes_free(h);
    f->hashes = NULL;
}

void file_close(FileThread *th, File *f, FileState state)
{
    if (!f || f->state != FILE_STATE_OPENED)
        return;
    /* a file with missing bytes is not whole, however its transfer ended (as Suricata) */
    f->state = f->gaps ? FILE_STATE_TRUNCATED : state;
    hashes_finish(f);
    magic_finish(f);
    if (f->store) {
        /* Suricata stores truncated files too; the name needs the sha256. */
        if (f->have_sha256) {
            f->file_id = file_store_id(f->store);
            f->stored = file_store_finish(th, f->store, f);
        } else {
            file_store_abort(f->store);
        }
        f->store = NULL;
    }
    for (int i = 0; i < observer_count; i++)
        if (observers[i].on_close)
            observers[i].on_close(th, f, &f->observer_state[i], observers[i].user);
}

bool file_observers_log(File *f, struct AppLayerCtx *ctx, json_t *event)
{
    for (int i = 0; i < observer_count; i++)
        if (observers[i].on_log &&
            observers[i].on_log(ctx, f, event, &f->observer_state[i], observers[i].user))
            return true;
    return false;
}

void file_free(File *f)
{
    if (!f)
        return;
    if (f->state == FILE_STATE_OPENED) {
        for (int i = 0; i < observer_count; i++)
            if (observers[i].on_close)
                observers[i].on_close(NULL, f, &f->observer_state[i], observers[i].user);
    }
    hashes_free(f->hashes);
    if (f->store)
        file_store_abort(f->store);
    free(f->magic_head);
    free(f->magic);
    free(f->kept);
    free(f);
}
