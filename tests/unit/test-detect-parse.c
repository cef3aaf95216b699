/*
 * test-detect-parse.c - rule parsing: headers (actions, protocols, address and port groups with
 * variables and negation), option splitting, every keyword's accepted forms and its parse
 * errors, and the loader's "file:line: sid N: reason" messages, duplicate handling and counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "detect/detect-address.h"
#include "detect/detect-content.h"
#include "detect/detect-engine.h"
#include "detect/detect-keywords.h"
#include "detect/detect-parse.h"
#include "detect/detect-port.h"
#include "detect/detect-threshold.h"

static bool no_buffer(void *state, void *tx, bool to_server, const uint8_t **data, uint32_t *len)
{
    (void)state;
    (void)tx;
    (void)to_server;
    (void)data;
    (void)len;
    return false;
}

static int setup_buffers(void **state)
{
    (void)state;
    applayer_buffer_register("http.uri", ALPROTO_HTTP, true, false, no_buffer);
    applayer_buffer_register("http.header", ALPROTO_HTTP, true, true, no_buffer);
    applayer_buffer_register("dns.query", ALPROTO_DNS, true, false, no_buffer);
    applayer_buffer_register("file.data", ALPROTO_HTTP, true, true, no_buffer);
    detect_buffer_keywords_init();
    return 0;
}

static char err[1024];

static Signature *parse(const char *rule)
{
    err[0] = '\0';
    return signature_parse(rule, NULL, err, sizeof(err));
}

/* The rule fails and the message contains `expect`. */
static void assert_rejects(const char *rule, const char *expect)
{
    Signature *sig = parse(rule);
    if (sig || !strstr(err, expect))
        fail_msg("rule %s\n  expected error containing \"%s\", got %s \"%s\"", rule, expect,
                 sig ? "success" : "error", err);
    signature_free(sig);
}

static void assert_accepts(const char *rule)
{
    Signature *sig = parse(rule);
    if (!sig)
        fail_msg("rule %s\n  rejected: %s", rule, err);
    signature_free(sig);
}

#define R(opts) "alert tcp any any -> any any (" opts " sid:1;)"

static void test_header_fields(void **state)
{
    (void)state;
    Signature *sig = parse("drop udp 10.0.0.0/8 53 <> any [1:1024,!80] (msg:\"m\"; sid:7; rev:3;)");
    assert_non_null(sig);
    assert_int_equal(sig->action, SIG_ACTION_DROP);
    assert_int_equal(sig->ipproto, 17);
    assert_true(sig->flags & SIG_FLAG_BIDIR);
    assert_int_equal(sig->sid, 7);
    assert_int_equal(sig->rev, 3);
    assert_string_equal(sig->msg, "m");
    assert_false(port_set_match(&sig->dp, 80));
    assert_true(port_set_match(&sig->dp, 1024));
    assert_false(port_set_match(&sig->dp, 1025));
    Address a = {.family = AF_INET};
    inet_pton(AF_INET, "10.1.2.3", a.addr);
    assert_true(addr_set_match(&sig->src, &a));
    inet_pton(AF_INET, "11.1.2.3", a.addr);
    assert_false(addr_set_match(&sig->src, &a));
    signature_free(sig);
    assert_rejects("alert tcp any any any any (sid:1;)", "7 fields");
    assert_rejects("alert tcp any any => any any (sid:1;)", "unknown direction");
    assert_rejects("shout tcp any any -> any any (sid:1;)", "unknown action");
    assert_rejects("alert foo any any -> any any (sid:1;)", "protocol \"foo\"");
    assert_rejects("alert tcp any any -> any any sid:1;", "enclosed in ( )");
    assert_rejects("alert tcp !any any -> any any (sid:1;)", "!any");
    assert_rejects("alert tcp 10.0.0.0/33 any -> any any (sid:1;)", "invalid address");
    assert_rejects("alert tcp any 70000 -> any any (sid:1;)", "invalid port");
    assert_rejects("alert tcp $NOPE any -> any any (sid:1;)", "$NOPE");
}

static void test_protocols(void **state)
{
    (void)state;
    Signature *sig = parse("alert dns any any -> any any (sid:1;)");
    assert_int_equal(sig->alproto, ALPROTO_DNS);
    signature_free(sig);
    sig = parse("alert smtp any any -> any any (sid:1;)");
    assert_int_equal(sig->alproto, ALPROTO_SMTP);
    assert_false(sig->flags & SIG_FLAG_INERT);
    signature_free(sig);
    /* a protocol Suricata parses and bongsu does not: loads, never matches */
    sig = parse("alert ssh any any -> any any (sid:1;)");
    assert_non_null(sig);
    assert_true(sig->flags & SIG_FLAG_INERT);
    signature_free(sig);
    assert_rejects("alert http any any -> any any (dns.query; content:\"x\"; sid:1;)",
                   "protocol conflict");
}

static void test_variables_and_negation(void **state)
{
    (void)state;
    ConfNode *conf = conf_new_empty();
    char e[256];
    assert_int_equal(conf_load_string(conf,
                                      "vars:\n  address-groups:\n    HOME_NET: \"[192.168.0.0/16]\"\n"
                                      "    EXTERNAL_NET: \"!$HOME_NET\"\n"
                                      "  port-groups:\n    HTTP_PORTS: \"[80,8080]\"\n",
                                      "t", e, sizeof(e)),
                     0);
    Signature *sig = signature_parse(
        "alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (sid:2;)", conf, err, sizeof(err));
    assert_non_null(sig);
    Address a = {.family = AF_INET};
    inet_pton(AF_INET, "192.168.1.1", a.addr);
    assert_false(addr_set_match(&sig->src, &a));
    assert_true(addr_set_match(&sig->dst, &a));
    assert_true(port_set_match(&sig->dp, 8080));
    assert_false(port_set_match(&sig->dp, 81));
    signature_free(sig);
    assert_null(signature_parse("alert tcp $HOME_NET any -> any $NOPORTS (sid:2;)", conf, err,
                                sizeof(err)));
    assert_non_null(strstr(err, "$NOPORTS"));
    conf_free(conf);
}

static void test_option_splitting(void **state)
{
    (void)state;
    Signature *sig = parse(R("msg:\"a\\;b \\\"q\\\" (x)\"; content:\"x\\;y\";"));
    assert_non_null(sig);
    assert_string_equal(sig->msg, "a;b \"q\" (x)");
    const ContentCtx *cd = sig->fixed[SIG_LIST_PAYLOAD].head->ctx;
    assert_int_equal(cd->len, 3);
    assert_memory_equal(cd->pattern, "x;y", 3);
    signature_free(sig);
    assert_rejects(R("content:\"abc;"), "content");
    assert_accepts(R("pcre:\"/^[\"']?post/Ri\";"));
    assert_accepts("alert http any any -> any any (content:\"UA\"; http_header; fast_pattern; "
                   "sid:1;)");
    assert_rejects(R("bogus_keyword;"), "unknown keyword \"bogus_keyword\"");
    assert_rejects("alert tcp any any -> any any (msg:\"x\";)", "no sid");
    assert_rejects("alert tcp any any -> any any (sid:0;)", "sid 0");
    assert_rejects("alert tcp any any -> any any (sid:x;)", "invalid number");
}

static void test_meta(void **state)
{
    (void)state;
    Signature *sig = parse(R("priority:2; metadata:former_category INFO, created_at 2020_01_01; "
                             "reference:url,example.com; target:dest_ip; gid:3;"));
    assert_non_null(sig);
    assert_int_equal(sig->priority, 2);
    assert_int_equal(sig->gid, 3);
    assert_int_equal(sig->target, 2);
    assert_non_null(json_object_get(sig->metadata, "former_category"));
    signature_free(sig);
    assert_rejects(R("priority:0;"), "1..255");
    assert_rejects(R("classtype:no-such-class;"), "unknown classtype");
    assert_rejects(R("target:nowhere;"), "src_ip or dest_ip");
    assert_rejects(R("reference:nocomma;"), "type,value");
}

static void test_content_parse(void **state)
{
    (void)state;
    Signature *sig = parse(R("content:\"GET|20 2f|\"; nocase; offset:2; depth:10;"));
    assert_non_null(sig);
    const ContentCtx *cd = sig->fixed[SIG_LIST_PAYLOAD].head->ctx;
    assert_int_equal(cd->len, 5);
    assert_memory_equal(cd->pattern, "GET /", 5);
    assert_true(cd->nocase);
    assert_int_equal(cd->offset.value, 2);
    assert_int_equal(cd->depth.value, 10);
    signature_free(sig);
    assert_accepts(R("content:!\"x\"; content:\"ab\"; distance:-1; within:2;"));
    assert_accepts(R("content:\"abcdef\"; fast_pattern:2,3;"));
    assert_accepts(R("content:\"abc\"; fast_pattern:only;"));
    assert_rejects(R("content:\"|4|\";"), "odd number of hex digits");
    assert_rejects(R("content:\"|zz|\";"), "invalid hex");
    assert_rejects(R("content:\"|41\";"), "unterminated |hex|");
    assert_rejects(R("content:\"\";"), "empty content");
    assert_rejects(R("content:\"a\\x\";"), "invalid escape");
    assert_rejects(R("content;"), "needs a pattern");
    assert_rejects(R("content:\"abcd\"; depth:2;"), "smaller than the content");
    assert_rejects(R("content:\"abcd\"; within:3;"), "smaller than the content");
    assert_rejects(R("content:\"ab\"; offset:1; distance:2;"), "cannot mix");
    assert_rejects(R("content:\"ab\"; nocase; nocase;"), "used twice");
    assert_rejects(R("content:\"ab\"; depth:4; depth:5;"), "used twice");
    assert_rejects(R("content:\"ab\"; fast_pattern; content:\"cd\"; fast_pattern;"),
                   "only one content");
    assert_rejects(R("content:\"ab\"; fast_pattern:1,5;"), "offset,length");
    assert_rejects(R("nocase;"), "must follow a content");
    assert_rejects(R("content:\"ab\"; startswith; offset:1;"), "startswith");
    assert_rejects(R("content:\"ab\"; offset:nosuchvar;"), "byte_extract variable");
}

static void test_sticky_buffers(void **state)
{
    (void)state;
    Signature *sig = parse("alert http any any -> any any (content:\"a\"; http_uri; "
                           "http.header; content:\"b\"; content:\"c\"; sid:1;)");
    assert_non_null(sig);
    assert_int_equal(sig->alproto, ALPROTO_HTTP);
    assert_int_equal(sig->buffer_count, 2);
    assert_null(sig->fixed[SIG_LIST_PAYLOAD].head);
    signature_free(sig);
    sig = parse("alert dns any any -> any any (dns_query; content:\"x\"; sid:1;)");
    assert_non_null(sig);
    assert_int_equal(sig->buffer_count, 1);
    signature_free(sig);
    assert_rejects(R("http_uri;"), "no preceding content");
    assert_rejects(R("http.uri; content:\"a\"; content:\"b\"; http_uri;"), "sticky buffer");
}

static void test_pcre_parse(void **state)
{
    (void)state;
    assert_accepts(R("pcre:\"/a.c/smi\";"));
    assert_accepts(R("content:\"a\"; pcre:!\"/b/R\";"));
    Signature *sig = parse("alert tcp any any -> any any (pcre:\"/x/U\"; sid:1;)");
    assert_non_null(sig);
    assert_int_equal(sig->buffer_count, 1);
    signature_free(sig);
    /* the buffer flag moves that regex alone: the keywords after it stay on the payload
     * (detect-pcre-03: pcre:"/\/two\//U"; pcre:"/GET \/two\//") */
    sig = parse("alert tcp any any -> any any (pcre:\"/x/U\"; content:\"GET\"; sid:1;)");
    assert_non_null(sig);
    assert_int_equal(sig->buffer_count, 1);
    assert_non_null(sig->fixed[SIG_LIST_PAYLOAD].head);
    assert_null(sig->buffers[0].head->next);
    signature_free(sig);
    assert_rejects(R("pcre:\"/(/\";"), "regex error");
    assert_rejects(R("pcre:\"/a/q\";"), "unknown pcre flag 'q'");
    assert_rejects(R("pcre:\"abc\";"), "/regex/flags");
}

static void test_header_keywords(void **state)
{
    (void)state;
    assert_accepts(R("dsize:>10; ttl:<5; itype:3<>9; icode:!3; id:9; flags:SA,CE; "
                     "window:65535; tos:0; ip_proto:udp; fragbits:+M; fragoffset:0; "
                     "ipopts:rr; sameip; tcp.mss:<536;"));
    assert_accepts(R("ip_proto:!tcp; dsize:<=9; ttl:>=3;"));
    assert_rejects(R("dsize:abc;"), "invalid value");
    assert_rejects(R("ttl:300;"), "at most 255");
    assert_rejects(R("dsize:9<>3;"), "invalid value");
    /* always or never true for the keyword's type: the reference fails the rule */
    assert_rejects(R("dsize:>=0;"), "invalid value");
    assert_rejects(R("dsize:<0;"), "invalid value");
    assert_rejects(R("dsize:>65535;"), "invalid value");
    assert_rejects(R("dsize:<=65535;"), "invalid value");
    assert_rejects(R("ttl:<=255;"), "invalid value");
    assert_accepts(R("dsize:>65534; dsize:<=65534; dsize:!0; dsize:0<>65535; ttl:<1;"));
    /* the operators each keyword takes in the reference */
    assert_accepts(R("tos:!5; tos:x10; window:!5; fragoffset:<5; fragoffset:8192; "
                     "ip_proto:!6; ip_proto:<5; icmp_id:5;"));
    assert_rejects(R("id:1-9;"), "a number");
    assert_rejects(R("seq:!5;"), "a number");
    assert_rejects(R("icmp_seq:<5;"), "a number");
    assert_rejects(R("tos:<5;"), "N or !N");
    assert_rejects(R("window:1-9;"), "N or !N");
    assert_rejects(R("fragoffset:!5;"), "N, <N or >N");
    assert_rejects(R("flags:Z;"), "unknown TCP flag");
    assert_rejects(R("ipopts:bogus;"), "unknown IP option");
    assert_rejects(R("fragbits:X;"), "unknown fragment bit");
    assert_rejects(R("fragbits:+;"), "at least one");
    assert_rejects(R("flow:sideways;"), "unknown flow option");
    assert_rejects(R("flow:to_server,to_client;"), "never match");
    assert_rejects(R("flow;"), "needs options");
}

static void test_flowbits_parse(void **state)
{
    (void)state;
    Signature *sig = parse(R("flowbits:set,a; flowbits:isset,b|c; flowbits:noalert;"));
    assert_non_null(sig);
    assert_true(sig->flags & SIG_FLAG_NOALERT);
    assert_true(sig->flags & SIG_FLAG_FLOWBITS_SET);
    assert_true(sig->flags & SIG_FLAG_FLOWBITS_READ);
    assert_non_null(sig->fixed[SIG_LIST_POSTMATCH].head);
    signature_free(sig);
    assert_accepts(R("flowint:cnt,+,1; flowint:cnt,>,3; flowint:other,notset;"));
    assert_rejects(R("flowbits:paint,a;"), "unknown command");
    assert_rejects(R("flowbits:set;"), "needs a flowbit name");
    assert_rejects(R("flowbits:set,a|b;"), "only isset and isnotset");
    assert_rejects(R("flowbits:isset,a b;"), "invalid flowbit name");
    assert_rejects(R("flowint:cnt,~,1;"), "expected name,op");
    assert_rejects(R("flowint:cnt,isset,1;"), "expected name,op");
}

static void test_threshold_parse(void **state)
{
    (void)state;
    Signature *sig = parse(R("threshold:type limit, track by_src, count 1, seconds 60;"));
    assert_non_null(sig);
    assert_non_null(sig->threshold);
    assert_int_equal(sig->threshold->count, 1);
    assert_int_equal(sig->threshold->seconds, 60);
    signature_free(sig);
    assert_accepts(R("detection_filter:track by_dst, count 5, seconds 10;"));
    assert_rejects(R("threshold:type limit, track by_src, count 1;"), "needs type, track");
    assert_rejects(R("threshold:type sometimes, track by_src, count 1, seconds 1;"),
                   "unknown type");
    assert_rejects(R("threshold:type limit, track by_ear, count 1, seconds 1;"),
                   "unknown track");
    assert_rejects(R("threshold:type limit, track by_src, count 0, seconds 1;"),
                   "invalid count");
    assert_rejects(R("detection_filter:track by_src, count 1, seconds 1; "
                     "detection_filter:track by_src, count 1, seconds 1;"), "used twice");
}

static void test_stream_size_parse(void **state)
{
    (void)state;
    assert_accepts(R("stream_size:server,<,1111;"));
    assert_accepts(R("stream_size:either, >=, 0;"));
    assert_accepts(R("stream_size:both,!=,5;"));
    assert_accepts(R("stream_size:client,=,7; prefilter;"));
    assert_rejects(R("stream_size:sideways,<,1;"), "expected <server|client|both|either>");
    assert_rejects(R("stream_size:server,=>,1;"), "expected");
    assert_rejects(R("stream_size:server,<,99999999999;"), "expected");
    assert_rejects(R("stream_size:server,<;"), "expected");
    assert_rejects(R("content:\"a\"; prefilter:yes;"), "takes no value");
}

static void test_byte_keywords_parse(void **state)
{
    (void)state;
    assert_accepts(R("content:\"a\"; byte_test:2,>,10,0,relative,little;"));
    assert_accepts(R("byte_test:4,!&,0xff,2,string,hex;"));
    assert_accepts(R("byte_jump:4,0,relative,multiplier 2,post_offset -1,align;"));
    assert_accepts(R("byte_jump:0,0,relative,post_offset -13;"));
    assert_accepts(R("byte_extract:2,0,len,relative; content:\"x\"; distance:0; within:len; "
                     "byte_test:1,=,len,0;"));
    assert_accepts(R("byte_math:bytes 2, offset 0, oper +, rvalue 10, result sum; "
                     "isdataat:sum;"));
    assert_rejects(R("byte_test:9,=,1,0;"), "cannot read 9 bytes");
    assert_accepts(R("http.content_len; byte_test:0,=,0,0,string,dec;"));
    assert_rejects(R("byte_test:2,~,1,0;"), "unknown operator");
    assert_rejects(R("byte_test:2,=,1;"), "expected nbytes");
    assert_rejects(R("byte_test:2,=,1,0,sideways;"), "unknown option");
    assert_rejects(R("byte_test:2,=,1,0,dce;"), "DCERPC");
    assert_rejects(R("byte_jump:2,0,from_beginning,from_end;"), "together");
    assert_rejects(R("byte_extract:2,0,v; byte_extract:1,0,v;"), "already defined");
    assert_rejects(R("byte_extract:2,0,9v;"), "invalid variable name");
    assert_rejects(R("byte_math:bytes 2, offset 0, oper %, rvalue 1, result r;"), "needs bytes");
    assert_rejects(R("byte_test:2,=,nosuchvar,0;"), "byte_extract variable");
}

static void test_payload_keywords_parse(void **state)
{
    (void)state;
    assert_accepts(R("content:\"a\"; isdataat:!2,relative;"));
    assert_accepts("alert http any any -> any any (urilen:5<>10; sid:1;)");
    assert_accepts("alert http any any -> any any (http.uri; bsize:>3; sid:1;)");
    assert_accepts("alert http any any -> any any (http.uri; to_lowercase; url_decode; "
                   "content:\"x\"; sid:1;)");
    assert_accepts(R("content:\"a\"; base64_decode:bytes 10, offset 1, relative; base64_data; "
                     "content:\"b\";"));
    assert_rejects(R("isdataat:1,sideways;"), "unknown option");
    assert_rejects(R("isdataat:x;"), "byte_extract variable");
    assert_rejects(R("bsize:3;"), "sticky buffer");
    assert_rejects(R("to_lowercase;"), "sticky buffer");
    assert_rejects(R("base64_data;"), "base64_decode");
    assert_rejects(R("base64_decode:bytes 0;"), "above 0");
    assert_rejects("alert http any any -> any any (urilen:5,sideways; sid:1;)", "unknown option");
    /* packet-only matches beside app-layer state: the reference refuses the rule */
    assert_rejects("alert http any any -> any any (http.uri; content:\"/\"; dsize:>0; sid:1;)",
                   "combines packet specific");
    assert_rejects("alert dns any any -> any any (dns.query; content:\"x\"; flags:A; sid:1;)",
                   "combines packet specific");
    assert_rejects("alert tcp any any -> any any (file.data; content:\"x\"; ttl:5; sid:1;)",
                   "combines packet specific");
    assert_rejects("alert http any any -> any any (http.uri; content:\"/\"; tcp.mss:<9; sid:1;)",
                   "combines packet specific");
    assert_rejects("alert tcp-pkt any any -> any any (http.uri; content:\"/\"; sid:1;)",
                   "combines packet specific");
    assert_rejects("alert http any any -> any any (http.uri; content:\"/\"; flow:no_stream; "
                   "sid:1;)", "combines packet specific");
    assert_accepts("alert http any any -> any any (http.uri; content:\"/\"; icmp_seq:1; "
                   "stream_size:server,>,1; flow:only_stream; sid:1;)");
    assert_accepts("alert http any any -> any any (content:\"GET\"; dsize:>0; sid:1;)");
    /* urilen is 16 bits, bsize 64 (as the reference types them) */
    assert_rejects("alert http any any -> any any (urilen:70000; sid:1;)", "invalid value");
    assert_rejects("alert http any any -> any any (urilen:<=65535; sid:1;)", "invalid value");
    assert_accepts("alert http any any -> any any (urilen:>65534; sid:1;)");
    assert_accepts("alert http any any -> any any (http.uri; bsize:>5000000000; sid:1;)");
    assert_rejects("alert http any any -> any any (http.uri; bsize:>=0; sid:1;)", "invalid value");
}

static void test_event_keywords_parse(void **state)
{
    (void)state;
    assert_accepts(R("app-layer-protocol:!http; decode-event:ipv4.trunc_pkt; "
                     "stream-event:3whs_ack_in_wrong_dir;"));
    assert_rejects(R("app-layer-protocol:gopher;"), "unknown or unsupported");
    Signature *sig = parse(R("app-layer-event:http.request_field_too_long;"));
    assert_non_null(sig);
    assert_true(sig->flags & SIG_FLAG_INERT);
    signature_free(sig);
    /* tx-scoped logging control silences the matching transaction; flow scope is not
     * supported and leaves the rule inert. */
    sig = parse("config dns any any -> any any (config:logging disable, type tx, scope tx; "
                "sid:1;)");
    assert_non_null(sig);
    assert_true(sig->flags & SIG_FLAG_TX_NOLOG);
    assert_false(sig->flags & SIG_FLAG_INERT);
    signature_free(sig);
    sig = parse("config dns any any -> any any (config:logging disable, type flow, scope flow; "
                "sid:1;)");
    assert_non_null(sig);
    assert_true(sig->flags & SIG_FLAG_INERT);
    signature_free(sig);
    assert_accepts(R("app-layer-event:applayer_mismatch_protocol_both_directions;"));
    assert_rejects(R("app-layer-event:nodot;"), "proto.event_name");
    assert_rejects(R("config:logging enable, type tx, scope tx;"), "logging disable");
    assert_rejects(R("app-layer-event:gopher.x;"), "unknown protocol");
    assert_rejects(R("decode-event:ipv4.no_such_event;"), "unknown event");
}

/* Keywords of protocols bongsu does not parse load inert, as their rules do in Suricata 7
 * (ET Open: ssh_proto, ftpbounce), and conflict with another app-layer protocol. */
static void test_unparsed_protocol_keywords(void **state)
{
    (void)state;
    const char *const inert[] = {
        "alert ssh any any -> any any (ssh_proto; content:\"PUTTY\"; sid:1;)",
        "alert tcp any any -> any 21 (content:\"PORT\"; nocase; ftpbounce; sid:1;)",
        "alert tcp any any -> any any (ssh.software; content:\"x\"; sid:1;)",
    };
    for (size_t i = 0; i < sizeof(inert) / sizeof(inert[0]); i++) {
        Signature *sig = parse(inert[i]);
        assert_non_null(sig);
        assert_true(sig->flags & SIG_FLAG_INERT);
        signature_free(sig);
    }
    assert_rejects("alert http any any -> any any (ftpbounce; sid:1;)", "protocol conflict");
    assert_rejects("alert http any any -> any any (ssh_proto; content:\"x\"; sid:1;)",
                   "protocol conflict");
    assert_rejects(R("ftpbounce:yes;"), "takes no value");
}

static void test_tag_parse(void **state)
{
    (void)state;
    assert_accepts(R("tag:session;"));
    assert_accepts(R("tag:session,5,packets;"));
    assert_accepts(R("tag:host,3600,seconds,dst;"));
    assert_accepts(R("tag:host, 100, bytes, src;"));
    assert_rejects(R("tag:flow;"), "expected session|host");
    assert_rejects(R("tag:session,5;"), "expected session|host");
    assert_rejects(R("tag:session,5,frames;"), "invalid count or metric");
    assert_rejects(R("tag:session,x,packets;"), "invalid count or metric");
    assert_rejects(R("tag:session,5,packets,src;"), "host tags only");
}

/* Runs the loader on `text` with stderr captured; returns the captured text. */
static char *load_capture(const char *text, DetectLoadStats *stats, DetectEngine **out)
{
    char path[] = "/tmp/test-detect-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char logpath[] = "/tmp/test-detect-log-XXXXXX";
    int logfd = mkstemp(logpath);
    fflush(stderr);
    int saved = dup(2);
    dup2(logfd, 2);
    const char *files[] = {path};
    *out = detect_engine_load(NULL, files, 1, true, stats);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    static char log[8192];
    ssize_t n = pread(logfd, log, sizeof(log) - 1, 0);
    log[n > 0 ? n : 0] = '\0';
    close(logfd);
    unlink(logpath);
    unlink(path);
    return log;
}

static void test_loader_messages(void **state)
{
    (void)state;
    DetectLoadStats stats;
    DetectEngine *de;
    char *log = load_capture("# comment\n"
                             "alert tcp any any -> any any (msg:\"ok\"; sid:1; rev:1;)\n"
                             "\n"
                             "alert tcp any any -> any any (msg:\"bad\"; \\\n"
                             "  nosuch; sid:2;)\n"
                             "alert tcp any any -> any any (msg:\"dup\"; sid:1; rev:1;)\n"
                             "alert tcp any any -> any any (msg:\"newer\"; sid:1; rev:2;)\n",
                             &stats, &de);
    assert_non_null(de);
    assert_int_equal(stats.files, 1);
    assert_int_equal(stats.loaded, 1);
    assert_int_equal(stats.failed, 3);
    assert_int_equal(detect_engine_rule_count(de), 1);
    assert_string_equal(de->sigs[0]->msg, "newer");
    assert_non_null(strstr(log, ":4: sid 2: unknown keyword \"nosuch\""));
    assert_non_null(strstr(log, ":6: sid 1: duplicate signature"));
    detect_engine_free(de);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_protocols),
        cmocka_unit_test(test_variables_and_negation),
        cmocka_unit_test(test_option_splitting),
        cmocka_unit_test(test_meta),
        cmocka_unit_test(test_content_parse),
        cmocka_unit_test(test_sticky_buffers),
        cmocka_unit_test(test_pcre_parse),
        cmocka_unit_test(test_header_keywords),
        cmocka_unit_test(test_flowbits_parse),
        cmocka_unit_test(test_threshold_parse),
        cmocka_unit_test(test_stream_size_parse),
        cmocka_unit_test(test_byte_keywords_parse),
        cmocka_unit_test(test_payload_keywords_parse),
        cmocka_unit_test(test_event_keywords_parse),
        cmocka_unit_test(test_unparsed_protocol_keywords),
        cmocka_unit_test(test_tag_parse),
        cmocka_unit_test(test_loader_messages),
    };
    return cmocka_run_group_tests(tests, setup_buffers, NULL);
}
