/*
 * fuzz-http-response.c - libFuzzer target for the HTTP response parser (the server
 * direction): status lines, headers, body framing, gzip/deflate layers, interim responses and
 * files, fed in deliveries of a fuzzer-chosen size after a fixed pipelined client stream.
 * See fuzz-http-util.h.
 */
#include "fuzz-http-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char requests[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                               "HEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"
                               "POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy"
                               "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    FuzzHttp fz;
    fuzz_http_open(&fz);
    fuzz_http_feed(&fz, true, (const uint8_t *)requests, sizeof(requests) - 1, step);
    fuzz_http_feed(&fz, false, data + 1, size - 1, step);
    fuzz_http_close(&fz);
    return 0;
}
