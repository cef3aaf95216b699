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
    return fuzz_http_run(data, size, false, requests, sizeof(requests) - 1);
}
