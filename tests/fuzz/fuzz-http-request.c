/*
 * fuzz-http-request.c - libFuzzer target for the HTTP request parser (the client direction):
 * request lines, headers, URI normalisation, request bodies and files, fed in deliveries of a
 * fuzzer-chosen size, answered by a fixed pipelined server stream. See fuzz-http-util.h.
 */
#include "fuzz-http-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char responses[] = "HTTP/1.1 100 Continue\r\n\r\n"
                                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "2\r\nhi\r\n0\r\n\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_http_run(data, size, true, responses, sizeof(responses) - 1);
}
