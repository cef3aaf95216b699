/*
 * capture-pcap.c - libpcap files, directories and live interfaces (see capture.h).
 */
#include "capture/capture.h"

#include "common/array.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_directory(CaptureSource *src, const char *dir_path, char *err, size_t errlen)
{
    DIR *dir = opendir(dir_path);
    if (!dir) {
        snprintf(err, errlen, "%s: %s", dir_path, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    src->files = array_reserve(NULL, sizeof(char *), 1, &cap);
    struct dirent *entry;
    while (src->files && (entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir_path, entry->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        char **grown = array_reserve(src->files, sizeof(*grown), src->file_count + 1, &cap);
        if (!grown)
            break;
        src->files = grown;
        src->files[src->file_count++] = strdup(path);
    }
    closedir(dir);
    if (!src->files) {
        snprintf(err, errlen, "%s: out of memory", dir_path);
        return -1;
    }
    qsort(src->files, src->file_count, sizeof(char *), compare_names);
    if (src->file_count == 0) {
        snprintf(err, errlen, "%s: directory holds no capture files", dir_path);
        return -1;
    }
    return 0;
}

static int apply_filter(pcap_t *pcap, const char *bpf, const char *name, char *err, size_t errlen)
{
    if (!bpf || !*bpf)
        return 0;
    struct bpf_program prog;
    if (pcap_compile(pcap, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
        pcap_setfilter(pcap, &prog) != 0) {
        snprintf(err, errlen, "%s: bad BPF filter \"%s\": %s", name, bpf, pcap_geterr(pcap));
        return -1;
    }
    pcap_freecode(&prog);
    return 0;
}

/* libpcap reads files through stdio, whose default buffer is one 4 KiB block: a 1 GB pcap
 * then costs 250,000 read() calls. A 128 KiB buffer of our own (reused file after file;
 * libpcap closes the FILE, we keep the buffer) and a sequential read-ahead hint cut the calls
 * 32-fold; much larger buffers made the kernel's copy slower (it no longer lands in cache). */
#define CAPTURE_FILE_BUFFER (128u << 10)

static pcap_t *open_offline(CaptureSource *src, const char *path, char *pcap_err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(pcap_err, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
        return NULL;
    }
    if (!src->file_buffer)
        src->file_buffer = malloc(CAPTURE_FILE_BUFFER);
    if (src->file_buffer)
        setvbuf(fp, src->file_buffer, _IOFBF, CAPTURE_FILE_BUFFER);
    posix_fadvise(fileno(fp), 0, 0, POSIX_FADV_SEQUENTIAL);
    pcap_t *pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO,
                                                            pcap_err);
    if (!pcap)
        fclose(fp);
    return pcap;
}

/* Opens the next file of the list; skips (and reports) files libpcap cannot open. */
static int open_next_file(CaptureSource *src, char *err, size_t errlen)
{
    while (src->file_index < src->file_count) {
        const char *path = src->files[src->file_index++];
        char pcap_err[PCAP_ERRBUF_SIZE];
        src->pcap = open_offline(src, path, pcap_err);
        src->current_name = path;
        src->error_in_file = false;
        if (!src->pcap) {
            snprintf(err, errlen, "%s: byte offset 0: cannot read capture: %s", path, pcap_err);
            src->errors++;
            return -1;
        }
        if (apply_filter(src->pcap, src->bpf, path, err, errlen) != 0) {
            pcap_close(src->pcap);
            src->pcap = NULL;
            src->errors++;
            return -1;
        }
        src->datalink = pcap_datalink(src->pcap);
        src->files_read++;
        return 1;
    }
    return 0;
}

int capture_open_path(CaptureSource *src, const char *path, const char *bpf, char *err,
                      size_t errlen)
{
    memset(src, 0, sizeof(*src));
    src->bpf = bpf ? strdup(bpf) : NULL;
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return list_directory(src, path, err, errlen);
    src->files = calloc(1, sizeof(char *));
    if (!src->files)
        return -1;
    src->files[0] = strdup(path);
    src->file_count = 1;
    return 0;
}

int capture_open_live(CaptureSource *src, const char *iface, const char *bpf, int snaplen,
                      char *err, size_t errlen)
{
    memset(src, 0, sizeof(*src));
    char pcap_err[PCAP_ERRBUF_SIZE];
    src->live = true;
    src->current_name = iface;
    src->pcap = pcap_create(iface, pcap_err);
    if (!src->pcap) {
        snprintf(err, errlen, "%s: %s", iface, pcap_err);
        return -1;
    }
    pcap_set_snaplen(src->pcap, snaplen);
    pcap_set_promisc(src->pcap, 1);
    pcap_set_timeout(src->pcap, 100); /* ms: lets the loop notice signals and idle time */
    pcap_set_buffer_size(src->pcap, 64 << 20);
    if (pcap_activate(src->pcap) < 0) {
        snprintf(err, errlen, "%s: %s", iface, pcap_geterr(src->pcap));
        pcap_close(src->pcap);
        src->pcap = NULL;
        return -1;
    }
    if (apply_filter(src->pcap, bpf, iface, err, errlen) != 0)
        return -1;
    src->datalink = pcap_datalink(src->pcap);
    return 0;
}

static CaptureResult file_error(CaptureSource *src, char *err, size_t errlen)
{
    FILE *fp = pcap_file(src->pcap);
    long offset = fp ? ftell(fp) : -1;
    snprintf(err, errlen, "%s: byte offset %ld: %s", src->current_name, offset,
             pcap_geterr(src->pcap));
    pcap_close(src->pcap);
    src->pcap = NULL;
    src->errors++;
    src->error_in_file = true;
    return CAPTURE_ERROR;
}

CaptureResult capture_next(CaptureSource *src, CapturePacket *pkt, char *err, size_t errlen)
{
    for (;;) {
        if (!src->pcap) {
            if (src->live)
                return CAPTURE_END;
            int opened = open_next_file(src, err, errlen);
            if (opened < 0)
                return CAPTURE_ERROR;
            if (opened == 0)
                return CAPTURE_END;
        }
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int rc = pcap_next_ex(src->pcap, &hdr, &data);
        if (rc == 1) {
            pkt->data = data;
            pkt->caplen = hdr->caplen;
            pkt->wire_len = hdr->len;
            pkt->ts_usec = (uint64_t)hdr->ts.tv_sec * 1000000 + (uint64_t)hdr->ts.tv_usec;
            pkt->datalink = src->datalink;
            return CAPTURE_PACKET;
        }
        if (rc == 0)
            return CAPTURE_TIMEOUT;
        if (rc == PCAP_ERROR_BREAK && src->live)
            return CAPTURE_END;
        if (rc == PCAP_ERROR_BREAK) { /* end of this file */
            pcap_close(src->pcap);
            src->pcap = NULL;
            continue;
        }
        if (src->live) {
            snprintf(err, errlen, "%s: %s", src->current_name, pcap_geterr(src->pcap));
            return CAPTURE_ERROR;
        }
        return file_error(src, err, errlen);
    }
}

bool capture_stats(CaptureSource *src, uint64_t *received, uint64_t *dropped, uint64_t *ifdropped)
{
    struct pcap_stat st;
    if (!src->live || !src->pcap || pcap_stats(src->pcap, &st) != 0)
        return false;
    *received = st.ps_recv;
    *dropped = st.ps_drop;
    *ifdropped = st.ps_ifdrop;
    return true;
}

void capture_break(CaptureSource *src)
{
    if (src->pcap)
        pcap_breakloop(src->pcap);
}

void capture_close(CaptureSource *src)
{
    if (src->pcap)
        pcap_close(src->pcap);
    for (size_t i = 0; i < src->file_count; i++)
        free(src->files[i]);
    free(src->files);
    free(src->bpf);
    free(src->file_buffer);
    memset(src, 0, sizeof(*src));
}
