/*
 * capture.h - where packets come from: pcap/pcapng files, a directory of them, or a live
 * interface, all through libpcap.
 *
 * A directory is read file by file in name order, as one continuous capture (pcap_cnt keeps
 * counting). Errors in a file (truncation, corrupt record headers) end that file with a
 * message naming it and the byte offset where reading failed; the packets before it have been
 * delivered and everything made from them is kept.
 */
#ifndef BONGSU_CAPTURE_H
#define BONGSU_CAPTURE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct CapturePacket {
    const uint8_t *data;
    uint32_t caplen;
    uint32_t wire_len;
    uint64_t ts_usec;
    int datalink;
} CapturePacket;

typedef enum CaptureResult {
    CAPTURE_PACKET = 1,
    CAPTURE_END = 0,
    CAPTURE_ERROR = -1,   /* the current file failed; capture_next may continue with the next */
    CAPTURE_TIMEOUT = 2,  /* live: no packet within the read timeout */
} CaptureResult;

typedef struct CaptureSource {
    pcap_t *pcap;
    bool live;
    char **files;
    size_t file_count, file_index;
    char *bpf;
    const char *current_name;   /* file or interface */
    int datalink;
    uint64_t files_read;
    uint64_t errors;
    bool error_in_file;         /* the last error was a bad record inside an open file */
    char *file_buffer;          /* stdio buffer of the file being read */
} CaptureSource;

/* path is a capture file or a directory of them. bpf may be NULL. */
int capture_open_path(CaptureSource *src, const char *path, const char *bpf, char *err,
                      size_t errlen);
int capture_open_live(CaptureSource *src, const char *iface, const char *bpf, int snaplen,
                      char *err, size_t errlen);
/* Next packet. On CAPTURE_ERROR err names the file and the byte offset. */
CaptureResult capture_next(CaptureSource *src, CapturePacket *pkt, char *err, size_t errlen);
/* Live statistics (kernel received/dropped); false for files. */
bool capture_stats(CaptureSource *src, uint64_t *received, uint64_t *dropped, uint64_t *ifdropped);
void capture_break(CaptureSource *src);
void capture_close(CaptureSource *src);

#endif
