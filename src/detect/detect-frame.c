/*
 * detect-frame.c - frame:<proto>.<name>; a sticky buffer over one of a protocol's frames
 * (Suricata 7's protocol data units: a DNS message, an HTTP/1 request...).
 *
 * The HTTP/1 frames are tracked as Suricata's frame API does, in stream space: the HTTP
 * parser marks where each request and response starts and ends
 * (applayer/app-layer-http-frames.c) and the rule's payload keywords inspect those spans of
 * the reassembled stream when raw stream inspection runs (detect-stream-inspect.c); such a
 * rule never looks at a packet's own payload:
 *   http1.request  a request, start line to the end of its body, in the to-server stream;
 *   http1.response a response, likewise, in the to-client stream.
 * dns.pdu is approximated by the packet that carries it, which is exact for the usual DNS
 * message: a UDP payload, or a TCP payload without its length prefix.
 * Suricata's other frames of these protocols (tls.pdu, tls.hdr ..., tcp's stream) and the
 * frames of protocols bongsu does not parse load as in Suricata and make the rule inert (it
 * never matches; the load summary counts it). A name Suricata does not know is an error, as
 * is a frame of another protocol than the rule's, or a rule that is neither TCP nor UDP.
 * The short form (frame:request; in an http rule) takes the rule's protocol.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "applayer/app-layer-frames.h"
#include "detect/detect-hdr-buffers.h"
#include "detect/detect-keywords.h"

static const struct {
    const char *proto, *frame;
    AppProto alproto;     /* ALPROTO_UNKNOWN: a protocol bongsu does not parse */
    int kind;             /* HdrBufferKind, -1 when not a packet approximation */
} frames[] = {
    {"dns", "pdu", ALPROTO_DNS, HDR_FRAME_DNS_PDU},
    {"http1", "request", ALPROTO_HTTP, -1},
    {"http1", "response", ALPROTO_HTTP, -1},
    {"http", "request", ALPROTO_HTTP, -1},
    {"http", "response", ALPROTO_HTTP, -1},
    {"tls", "pdu", ALPROTO_TLS, -1},         {"tls", "hdr", ALPROTO_TLS, -1},
    {"tls", "data", ALPROTO_TLS, -1},        {"tls", "alert", ALPROTO_TLS, -1},
    {"tls", "heartbeat", ALPROTO_TLS, -1},   {"tls", "ssl2.hdr", ALPROTO_TLS, -1},
    {"tls", "ssl2.pdu", ALPROTO_TLS, -1},    {"smb", "nbss.pdu", ALPROTO_UNKNOWN, -1},
    {"smb", "smb1.pdu", ALPROTO_UNKNOWN, -1}, {"smb", "smb2.pdu", ALPROTO_UNKNOWN, -1},
    {"smb", "smb3.pdu", ALPROTO_UNKNOWN, -1}, {"sip", "pdu", ALPROTO_UNKNOWN, -1},
    {"telnet", "pdu", ALPROTO_UNKNOWN, -1},  {"rdp", "pdu", ALPROTO_UNKNOWN, -1},
};

static const char *rule_proto_name(AppProto p)
{
    return p == ALPROTO_HTTP ? "http1" : p == ALPROTO_DNS ? "dns" : p == ALPROTO_TLS ? "tls" : "";
}

static bool same_proto(const char *a, const char *b)
{
    bool a_http = strcmp(a, "http") == 0 || strcmp(a, "http1") == 0;
    bool b_http = strcmp(b, "http") == 0 || strcmp(b, "http1") == 0;
    return a_http ? b_http : strcmp(a, b) == 0;
}

/* The table entry for "proto.frame" or, in the short form, the rule's protocol's "frame". */
static int find_frame(const Signature *sig, const char *value)
{
    for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
        size_t n = strlen(frames[i].proto);
        bool full = strncmp(value, frames[i].proto, n) == 0 && value[n] == '.' &&
                    strcmp(value + n + 1, frames[i].frame) == 0;
        bool short_form = sig->alproto != ALPROTO_UNKNOWN && strcmp(value, frames[i].frame) == 0 &&
                          same_proto(frames[i].proto, rule_proto_name(sig->alproto));
        if (full || short_form)
            return (int)i;
    }
    return -1;
}

/* The frame of table entry i that the HTTP parser tracks on the stream, APP_FRAME_NONE for
 * the others. */
static AppFrameType stream_frame(int i)
{
    if (frames[i].alproto != ALPROTO_HTTP)
        return APP_FRAME_NONE;
    if (strcmp(frames[i].frame, "request") == 0)
        return APP_FRAME_HTTP_REQUEST;
    return strcmp(frames[i].frame, "response") == 0 ? APP_FRAME_HTTP_RESPONSE : APP_FRAME_NONE;
}

static int frame_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                       size_t errlen)
{
    (void)kw;
    if (sig->ipproto && sig->ipproto != IPPROTO_TCP && sig->ipproto != IPPROTO_UDP) {
        snprintf(err, errlen, "frames exist only for TCP and UDP");
        return -1;
    }
    int i = find_frame(sig, value ? value : "");
    if (i < 0) {
        snprintf(err, errlen, "unknown frame \"%s\"", value ? value : "");
        return -1;
    }
    AppProto want = frames[i].alproto;
    if (sig->alproto != ALPROTO_UNKNOWN && want != ALPROTO_UNKNOWN && sig->alproto != want) {
        snprintf(err, errlen, "frame %s is not of the rule's protocol", value);
        return -1;
    }
    AppFrameType stream = stream_frame(i);
    if (stream != APP_FRAME_NONE) {
        /* the payload keywords that follow go to the rule's payload list, which inspects
         * the frame's stream bytes; the frame checks the flow's protocol itself */
        if (sig->ipproto == IPPROTO_UDP) {
            snprintf(err, errlen, "frame %s is a TCP frame", value);
            return -1;
        }
        sig->frame = (uint8_t)stream;
        sig->flags |= SIG_FLAG_STREAM_ONLY;
        sig->active_buffer = -1;
        sig->active_list = NULL;
        app_frames_enable();
        return 0;
    }
    if (frames[i].kind < 0) {
        sig->flags |= SIG_FLAG_INERT;
        return hdr_buffer_activate(sig, HDR_IPV4);  /* holds the contents; never inspected */
    }
    /* The frame checks the flow's protocol itself; the rule is not made an app-layer rule,
     * which would wait for protocol detection, later than the packet in bongsu's IDS mode. */
    return hdr_buffer_activate(sig, (HdrBufferKind)frames[i].kind);
}

const DetectKeyword detect_frame_keywords[] = {
    {.name = "frame", .setup = frame_setup},
    {.name = NULL},
};
