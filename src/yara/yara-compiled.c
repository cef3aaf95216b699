/*
 * yara-compiled.c - compiled rule sets kept on disk between runs (see yara-compiled.h).
 *
 * An entry is DIR/<key>.full.yarc, DIR/<key>.nonmz.yarc (with the prefilter) and
 * DIR/<key>.txt, written last: the text's presence says the entry is whole. Every build of
 * bongsu (its build id) and every edit of a rule file is a new key, so entries not used for a
 * while are removed (a hit refreshes the text's time; files are removed one by one, so a
 * half-removed entry is just a miss).
 */
#include "yara/yara-compiled.h"

#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yara.h>

#include "build-info.h"

/* Bump when what yara-rules.c puts in a compiled set changes for the same sources. */
#define COMPILED_FORMAT "bongsu-yara-compiled-3"

void yara_compiled_default_dir(char *out, size_t size)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(out, size, "%s/bongsu/yara", xdg);
    else if (home && *home)
        snprintf(out, size, "%s/.cache/bongsu/yara", home);
    else if (size)
        out[0] = '\0';
}

/* mkdir -p, the missing levels 0700. */
static void make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
        return;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
    mkdir(path, 0700);
}

bool yara_compiled_dir_usable(const char *dir)
{
    if (!dir || !*dir)
        return false;
    make_dirs(dir);
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
           (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

static void hash_field(EVP_MD_CTX *h, const char *s, size_t len)
{
    uint64_t l = len;
    EVP_DigestUpdate(h, &l, sizeof(l));  /* length first: fields cannot run into each other */
    EVP_DigestUpdate(h, s ? s : "", len);
}

static void hash_str(EVP_MD_CTX *h, const char *s)
{
    hash_field(h, s, s ? strlen(s) : 0);
}

/* The GNU build id of the loaded object holding this code (the linker's hash of its bytes):
 * any change to the prefilter, the gate or anything else compiled into it is a new id, even
 * in an uncommitted tree, at the price of a few hundred instructions instead of rewriting
 * and splitting every source at each start to hash the results. */
typedef struct BuildId {
    const void *addr;
    const unsigned char *id;
    size_t len;
} BuildId;

static void note_build_id(const ElfW(Phdr) *ph, ElfW(Addr) base, BuildId *b)
{
    const unsigned char *p = (const unsigned char *)(base + ph->p_vaddr);
    const unsigned char *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
        const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
        const unsigned char *desc = p + sizeof(*n) + ((n->n_namesz + 3u) & ~3u);
        if (desc + n->n_descsz > end)
            return;
        if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(n + 1, "GNU", 4) == 0 &&
            n->n_descsz) {
            b->id = desc;
            b->len = n->n_descsz;
            return;
        }
        p = desc + ((n->n_descsz + 3u) & ~3u);
    }
}

static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    BuildId *b = data;
    uintptr_t a = (uintptr_t)b->addr;
    bool here = false;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        here |= ph->p_type == PT_LOAD && a >= lo && a < lo + ph->p_memsz;
    }
    for (ElfW(Half) i = 0; here && !b->id && i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_NOTE)
            note_build_id(&info->dlpi_phdr[i], info->dlpi_addr, b);
    return here;  /* stop at the object that holds the code */
}

static bool hash_header(EVP_MD_CTX *h, const char *options)
{
    BuildId b = {.addr = (const void *)(uintptr_t)hash_header};
    dl_iterate_phdr(find_build_id, &b);
    if (!b.id)
        return false;  /* the key could not follow code changes: nothing is kept */
    char lib[32];
    snprintf(lib, sizeof(lib), "%d.%d.%d", YR_MAJOR_VERSION, YR_MINOR_VERSION,
             YR_MICRO_VERSION);
    hash_str(h, COMPILED_FORMAT);
    hash_str(h, BONGSU_VERSION);
    hash_str(h, BONGSU_GIT_REV);
    hash_field(h, (const char *)b.id, b.len);
    hash_str(h, lib);
    hash_str(h, options);
    return true;
}

/* Over-approximated: the word include followed by blanks and a quote anywhere (libyara's lexer
 * reads `include[ \t]+"` as the directive), even in a comment or a string. */
static bool has_include(const char *text)
{
    for (const char *p = strstr(text, "include"); p; p = strstr(p + 1, "include")) {
        const char *q = p + 7;
        bool word_start = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        if (!word_start || (*q != ' ' && *q != '\t'))
            continue;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q == '"')
            return true;
    }
    return false;
}

bool yara_compiled_key(char *const *paths, char *const *texts, size_t n, const char *options,
                       YaraCompiledKey *key)
{
    for (size_t i = 0; i < n; i++)
        if (!paths[i] || !texts[i] || has_include(texts[i]))
            return false;
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    unsigned char md[32];
    unsigned int mdlen = 0;
    bool ok = h && EVP_DigestInit_ex(h, EVP_sha256(), NULL) && hash_header(h, options);
    if (ok) {
        for (size_t i = 0; i < n; i++) {
            hash_str(h, paths[i]);
            hash_str(h, texts[i]);
        }
        ok = EVP_DigestFinal_ex(h, md, &mdlen) && mdlen == sizeof(md);
    }
    EVP_MD_CTX_free(h);
    for (size_t i = 0; ok && i < sizeof(md); i++)
        snprintf(key->hex + 2 * i, 3, "%02x", md[i]);
    return ok;
}

static bool entry_path(char *out, size_t size, const char *dir, const YaraCompiledKey *key,
                       const char *name)
{
    return (size_t)snprintf(out, size, "%s/%s.%s", dir, key->hex, name) < size;
}

YR_RULES *yara_compiled_load(const char *dir, const YaraCompiledKey *key, const char *name)
{
    char path[4200];
    char file[32];
    snprintf(file, sizeof(file), "%s.yarc", name);
    YR_RULES *rules = NULL;
    if (!entry_path(path, sizeof(path), dir, key, file) ||
        yr_rules_load(path, &rules) != ERROR_SUCCESS)
        return NULL;
    return rules;
}

/* Written under a name of this process, then renamed into place. */
static bool publish(const char *final, const char *tmp, bool written)
{
    if (written && rename(tmp, final) == 0)
        return true;
    unlink(tmp);
    return false;
}

bool yara_compiled_save(const char *dir, const YaraCompiledKey *key, const char *name,
                        YR_RULES *rules)
{
    char path[4200], tmp[4300], file[32];
    snprintf(file, sizeof(file), "%s.yarc", name);
    if (!entry_path(path, sizeof(path), dir, key, file))
        return false;
    snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
    return publish(path, tmp, yr_rules_save(rules, tmp) == ERROR_SUCCESS);
}

char *yara_compiled_load_blob(const char *dir, const YaraCompiledKey *key, const char *name,
                              size_t *len)
{
    char path[4200];
    if (!entry_path(path, sizeof(path), dir, key, name))
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    utimensat(AT_FDCWD, path, NULL, 0);  /* in use: yara_compiled_prune keeps it */
    char *data = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size >= 0 && size < (1 << 26) && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)size + 1))) {
        *len = fread(data, 1, (size_t)size, f);
        data[*len] = '\0';
    }
    fclose(f);
    return data;
}

bool yara_compiled_save_blob(const char *dir, const YaraCompiledKey *key, const char *name,
                             const void *data, size_t len)
{
    char path[4200], tmp[4300];
    if (!entry_path(path, sizeof(path), dir, key, name))
        return false;
    snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return publish(path, tmp, ok);
}

char *yara_compiled_load_text(const char *dir, const YaraCompiledKey *key)
{
    size_t len = 0;
    return yara_compiled_load_blob(dir, key, "txt", &len);
}

bool yara_compiled_save_text(const char *dir, const YaraCompiledKey *key, const char *text)
{
    return yara_compiled_save_blob(dir, key, "txt", text, strlen(text));
}

/* An entry's file: 64 hex digits, a dot, then full.yarc, nonmz.yarc, txt or a .tmp name. */
static bool entry_name(const char *name)
{
    size_t i = 0;
    while (i < 64 && isxdigit((unsigned char)name[i]))
        i++;
    return i == 64 && name[64] == '.';
}

/* A file of an entry whose text was last used before cutoff (a temporary, or a file whose
 * entry has no text: by its own time). */
static bool stale(int dfd, const char *name, time_t cutoff)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        return false;
    char text[80];
    snprintf(text, sizeof(text), "%.64s.txt", name);
    struct stat ts;
    if (!strstr(name, ".tmp") && fstatat(dfd, text, &ts, AT_SYMLINK_NOFOLLOW) == 0)
        return ts.st_mtime < cutoff;
    return st.st_mtime < cutoff;
}

void yara_compiled_prune(const char *dir, unsigned max_age_days)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t cutoff = time(NULL) - (time_t)max_age_days * 86400;
    struct dirent *e;
    while ((e = readdir(d))) {
        /* the text last: a stale entry's other files are judged by it first */
        if (entry_name(e->d_name) && !strstr(e->d_name, ".txt") &&
            stale(dirfd(d), e->d_name, cutoff))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    rewinddir(d);
    while ((e = readdir(d))) {
        if (entry_name(e->d_name) && stale(dirfd(d), e->d_name, cutoff))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}
