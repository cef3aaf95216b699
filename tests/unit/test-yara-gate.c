/*
 * test-yara-gate.c - the gate (yara-gate.h) changes no result: rule sets loaded with it and
 * without any prefilter at all must match exactly the same rules on every input, while the
 * gate does skip libyara for inputs holding none of the gated rules' strings. Inputs: crafted
 * rules of every proven shape and every pattern kind (text with nocase, wide, xor; hex with
 * jumps, nibbles and alternatives; regexes), and for every file of the shipped DPRK pack its
 * own strings - all together, one at a time, wide, xor-ed, planted in random bytes - and
 * random bytes alone. Also which rules the split gates and which it must not, and that the
 * workers' check (yara_rules_gated_out: a file not queued at all) only answers for files
 * that match nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>

#include "build-info.h"
#include "yara/yara-gate.h"
#include "yara/yara-match.h"
#include "yara-test-util.h"

static const char crafted[] =
    "rule Any { strings: $a = \"GATE-ANY-1\" $b = \"GATE-ANY-2\" condition: any of them }\n"
    "rule Two { strings: $x1 = \"GATE-TWO-1\" $x2 = \"GATE-TWO-2\" $y = \"GATE-TWO-3\" "
    "condition: 2 of ($x*) and filesize < 1MB or $y and #y > 2 }\n"
    "rule Count { strings: $a = \"GATE-CNT\" condition: #a > 1 }\n"
    "rule At { strings: $a = \"GATE-AT\" condition: $a at 0 or $a in (10..20) }\n"
    "rule Nocase { strings: $a = \"gate-NoCase\" nocase condition: $a }\n"
    "rule Wide { strings: $a = \"GATE-WIDE\" wide $b = \"GATE-BOTH\" ascii wide condition: "
    "$a or $b }\n"
    "rule Xor { strings: $a = \"GATE-XOR\" xor condition: $a }\n"
    "rule XorRange { strings: $a = \"GATE-XR\" xor(1-3) wide condition: $a }\n"
    "rule Hex { strings: $a = { 47 41 54 45 [2-4] 48 ?5 (58 | 59) 3? } condition: $a }\n"
    "rule HexJump { strings: $a = { 47 41 54 45 4a [-] 4a } condition: $a }\n"
    "rule Regex { strings: $a = /gate-re[0-9]{2,3}x/i condition: $a }\n"
    "rule AndOr { strings: $a = \"GATE-AO-A\" $b = \"GATE-AO-B\" $c = \"GATE-AO-C\" "
    "condition: ($a and filesize > 5) or ($b and $c) }\n"
    "rule Not { strings: $a = \"GATE-NOT\" condition: not $a and filesize < 3 }\n"
    "rule Zero { strings: $a = \"GATE-ZERO\" condition: #a == 0 and filesize == 4 }\n"
    "rule OrSize { strings: $a = \"GATE-OS\" condition: $a or filesize == 5 }\n"
    "rule B64 { strings: $a = \"GATE-B64\" base64 condition: $a }\n"
    "rule NoStrings { condition: filesize == 6 }\n"
    "rule Ext { strings: $a = \"GATE-EXT\" condition: extension == \".ext-gate\" and not $a }\n"
    "rule ExtOr { strings: $a = \"GATE-EO\" condition: $a or \".eo\" == extension }\n";

/* Each planted alone and together; encoded as the rule wants it where that matters. */
static const char *const markers[] = {
    "GATE-ANY-1", "GATE-ANY-2", "GATE-TWO-1", "GATE-TWO-2", "GATE-TWO-3 GATE-TWO-3 GATE-TWO-3",
    "GATE-CNT GATE-CNT",
    "GATE-AT", "GATE-NOCASE", "GATE-AO-A", "GATE-AO-B GATE-AO-C", "GATE-NOT", "GATE-ZERO",
    "GATE-OS", "GATE--HEY3", "GATE-xHEX0", "GATEJ 123 J", "GATE-RE123X", "xx GATE-AT",
    "GATE-WIDE", "GATE-BOTH", "GATE-XOR", "GATE-XR", "GATE-B64", "GATE-EXT", "GATE-EO"};

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    make_scratch_dir(tmpdir, sizeof(tmpdir), "bongsu-test-gate");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return remove_scratch_dir(tmpdir);
}

typedef struct Pair {
    YaraPair y;              /* a: prefilter and gate; b: libyara alone */
    size_t inputs, matched, skipped, gated_out;
    const char *name;        /* the transferred file's name (the externals) */
    YaraGateScratch *worker; /* for yara_rules_gated_out, the workers' check */
} Pair;

static void pair_load(Pair *p, const char *path)
{
    const YaraLoadOptions gate = {.prefilter = true, .gate = true}, plain = {0};
    memset(p, 0, sizeof(*p));
    p->name = "/dl/sample.bin";
    yara_pair_load(&p->y, path, &gate, &plain);
}

static void same_matches(Pair *p, const uint8_t *data, size_t len)
{
    static char a[32768], b[32768];
    bool skipped, unused;
    size_t n = yara_matches_text(p->y.ma, data, len, p->name, true, a, sizeof(a), &skipped);
    yara_matches_text(p->y.mb, data, len, p->name, true, b, sizeof(b), &unused);
    if (strcmp(a, b) != 0)
        fail_msg("the gate changed the result on %zu bytes:\n--- gate\n%s--- plain\n%s", len, a, b);
    /* the workers' check (a file not queued) must only ever answer for a file with no match */
    bool out = yara_rules_gated_out(p->y.a, &p->worker, data, len, p->name);
    if (out && b[0])
        fail_msg("gated out on the worker but matches on %zu bytes:\n%s", len, b);
    p->inputs++;
    p->matched += n;
    p->skipped += skipped;
    p->gated_out += out;
}

static void same_text(Pair *p, const char *text)
{
    same_matches(p, (const uint8_t *)text, strlen(text));
}

/* s wide (each byte then NUL) and each byte xor key, into out; returns the length. */
static size_t encode(const uint8_t *s, size_t n, bool wide, uint8_t key, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        out[o++] = s[i] ^ key;
        if (wide)
            out[o++] = key;
    }
    return o;
}

/* s in every encoding a rule may look for: as is, wide, xor-ed, both. */
static void same_encoded(Pair *p, const uint8_t *s, size_t n)
{
    static uint8_t buf[1 << 14];
    static const uint8_t keys[] = {0, 1, 2, 0x5a, 0xff};
    if (2 * n > sizeof(buf))
        return;
    for (size_t k = 0; k < sizeof(keys); k++)
        for (int wide = 0; wide < 2; wide++)
            same_matches(p, buf, encode(s, n, wide, keys[k], buf));
}

/* Random bytes (a fixed sequence), with the given strings planted at random offsets. */
static void same_planted(Pair *p, unsigned *seed, const uint8_t *const *s, const size_t *n,
                         size_t count)
{
    static uint8_t buf[8192];
    size_t len = 512 + (size_t)(rand_r(seed) % 4096);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)rand_r(seed);
    for (size_t k = 0; k < count; k++) {
        if (n[k] >= len)
            continue;
        size_t at = (size_t)rand_r(seed) % (len - n[k]);
        memcpy(buf + at, s[k], n[k]);
    }
    same_matches(p, buf, len);
}

static void test_crafted_cases_agree(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/crafted.yar", tmpdir);
    write_file(path, crafted);
    Pair p;
    pair_load(&p, path);
    same_matches(&p, (const uint8_t *)"", 0);
    for (size_t len = 1; len <= 6; len++)
        same_matches(&p, (const uint8_t *)"abcdef", len);
    char all[1024] = "";
    const uint8_t *s[32];
    size_t n[32];
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
        same_text(&p, markers[i]);
        same_encoded(&p, (const uint8_t *)markers[i], strlen(markers[i]));
        strcat(all, markers[i]);
        strcat(all, " ");
        s[i] = (const uint8_t *)markers[i];
        n[i] = strlen(markers[i]);
    }
    same_encoded(&p, (const uint8_t *)all, strlen(all));
    static const char *const names[] = {"/dl/x.ext-gate", "x.eo", "/a.b/c", "/dl/x.EO", ""};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        p.name = names[i];
        same_text(&p, "GATE-EXT");
        same_text(&p, "nothing");
    }
    p.name = "/dl/sample.bin";
    unsigned seed = 7;
    for (int i = 0; i < 200; i++)
        same_planted(&p, &seed, s, n, (size_t)(i % 4));  /* 0 to 3 of the first markers */
    /* Not vacuous: rules match, and libyara is skipped where nothing can match. */
    assert_true(p.matched > 40);
    assert_true(p.skipped > 100);
    print_message("crafted: %zu inputs, %zu gated out on the worker\n", p.inputs, p.gated_out);
    yara_gate_scratch_free(p.worker);
    yara_pair_free(&p.y);
}

static void test_split(void **state)
{
    (void)state;
    YaraGatePatterns pats = {0};
    YaraGateStats st = {0};
    char *gated = NULL, *rest = NULL;
    assert_true(yara_gate_split(crafted, strlen(crafted), &pats, &gated, &rest, &st));
    assert_int_equal(st.rules, 19);
    assert_int_equal(st.gated, 14);
    static const char *const in_gated[] = {"Any",     "Two",      "Count", "At",      "Nocase",
                                           "Wide",    "Xor",      "XorRange", "Hex", "HexJump",
                                           "Regex",   "AndOr",    "Ext",   "ExtOr"};
    static const char *const in_rest[] = {"Not", "Zero", "OrSize", "B64", "NoStrings"};
    /* (Ext's string is only read under `not`: the extension is all it needs.) */
    char name[64];
    for (size_t i = 0; i < sizeof(in_gated) / sizeof(in_gated[0]); i++) {
        snprintf(name, sizeof(name), "rule %s ", in_gated[i]);
        assert_non_null(strstr(gated, name));
        assert_null(strstr(rest, name));
    }
    for (size_t i = 0; i < sizeof(in_rest) / sizeof(in_rest[0]); i++) {
        snprintf(name, sizeof(name), "rule %s ", in_rest[i]);
        assert_non_null(strstr(rest, name));
        assert_null(strstr(gated, name));
    }
    /* xor: every key (256 + 3 wide); AndOr needs one of $a or ($b, $c): not all three. */
    assert_true(pats.count > 256 + 3);
    YaraGate *g = yara_gate_compile(&pats);
    assert_non_null(g);
    YaraGateScratch *sc = yara_gate_scratch_new(g);
    assert_false(yara_gate_hit(g, sc, (const uint8_t *)"plain text", 10, ".bin"));
    assert_true(yara_gate_hit(g, sc, (const uint8_t *)"plain text", 10, ".ext-gate"));
    assert_true(yara_gate_hit(g, sc, (const uint8_t *)"plain text", 10, ".eo"));
    assert_true(yara_gate_hit(g, sc, (const uint8_t *)"..GATE-AO-B..", 13, ""));
    assert_false(yara_gate_hit(g, sc, (const uint8_t *)"..GATE-AO-C..", 13, ""));
    assert_true(yara_gate_hit(NULL, NULL, (const uint8_t *)"x", 1, ""));  /* no gate: scan */
    char *bytes = NULL;
    size_t len = 0;
    assert_true(yara_gate_serialize(g, &bytes, &len));
    YaraGate *back = yara_gate_deserialize(bytes, len);
    assert_non_null(back);
    assert_null(yara_gate_deserialize("junk", 4));
    YaraGateScratch *sc2 = yara_gate_scratch_new(back);
    assert_true(yara_gate_hit(back, sc2, (const uint8_t *)"G\0A\0T\0E\0-\0W\0I\0D\0E\0", 18, ""));
    assert_true(yara_gate_hit(back, sc2, (const uint8_t *)"x", 1, ".ext-gate"));
    assert_false(yara_gate_hit(back, sc2, (const uint8_t *)"x", 1, ".ext"));
    yara_gate_scratch_free(sc2);
    yara_gate_free(back);
    free(bytes);
    yara_gate_scratch_free(sc);
    yara_gate_free(g);
    yara_gate_patterns_free(&pats);
    free(gated);
    free(rest);

    /* Rules naming rules stay together, all in the rest. */
    static const char tied[] = "rule A { strings: $a = \"x\" condition: $a }\n"
                               "rule B { strings: $b = \"y\" condition: $b and A }\n";
    assert_true(yara_gate_split(tied, strlen(tied), &pats, &gated, &rest, &st));
    assert_null(gated);
    assert_string_equal(rest, tied);
    assert_int_equal(pats.count, 0);
    free(rest);
    yara_gate_patterns_free(&pats);
}

/* The strings of a rule file one by one: text strings (YARA's escapes decoded) and hex
 * strings of plain bytes. Returns how many; each out[i] is malloc'd. */
static size_t file_atoms(const char *path, uint8_t **out, size_t *lens, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    size_t count = 0;
    while (count < cap && fgets(line, sizeof(line), f)) {
        const char *s = strchr(line, '$'), *eq = s ? strchr(s, '=') : NULL;
        if (!eq)
            continue;
        uint8_t *b = malloc(strlen(eq) + 1);
        size_t n = 0;
        const char *q = eq + 1 + strspn(eq + 1, " \t");
        if (*q == '"') {
            for (q++; *q && *q != '"'; q++) {
                unsigned v;
                if (*q == '\\' && q[1] == 'x' && sscanf(q + 2, "%2x", &v) == 1) {
                    b[n++] = (uint8_t)v;
                    q += 3;
                } else if (*q == '\\' && q[1]) {
                    q++;
                    b[n++] = (uint8_t)(*q == 'n' ? '\n' : *q == 't' ? '\t' : *q == 'r' ? '\r' : *q);
                } else {
                    b[n++] = (uint8_t)*q;
                }
            }
        } else if (*q == '{' && !strpbrk(q, "?[(~")) {
            unsigned v;
            int used;
            for (q++; sscanf(q, " %2x%n", &v, &used) == 1; q += used)
                b[n++] = (uint8_t)v;
        }
        if (n) {
            out[count] = b;
            lens[count++] = n;
        } else {
            free(b);
        }
    }
    fclose(f);
    return count;
}

static Pair pack;  /* totals over the pack */

static void check_pack_file(const char *path)
{
    static char strings[1 << 16];
    static uint8_t *atoms[512];
    static size_t lens[512];
    Pair p;
    pair_load(&p, path);
    file_strings(path, strings, sizeof(strings));
    /* names some rules test through the extension external (gated on it) */
    static const char *const names[] = {"/dl/x.regtrans-ms", "/dl/a.exe", "/dl/noext"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        p.name = names[i];
        same_text(&p, strings);
        same_text(&p, "short");
    }
    p.name = "/dl/sample.bin";
    same_text(&p, strings);
    same_text(&p, "GET / HTTP/1.1 plain text body");
    size_t n = file_atoms(path, atoms, lens, 512);
    unsigned seed = 1;
    for (size_t i = 0; i < n; i++) {
        same_encoded(&p, atoms[i], lens[i]);
        same_planted(&p, &seed, (const uint8_t *const *)&atoms[i], &lens[i], 1);
    }
    for (int i = 0; i < 20 && n; i++) {
        size_t k = (size_t)rand_r(&seed) % n, m = 1 + (size_t)rand_r(&seed) % (n - k);
        same_planted(&p, &seed, (const uint8_t *const *)&atoms[k], &lens[k], m > 8 ? 8 : m);
    }
    same_planted(&p, &seed, (const uint8_t *const *)atoms, lens, n);
    for (size_t i = 0; i < n; i++)
        free(atoms[i]);
    same_text(&p, "MZ and no string of any rule");  /* MZ files: never gated out */
    pack.inputs += p.inputs;
    pack.matched += p.matched;
    pack.skipped += p.skipped;
    pack.gated_out += p.gated_out;
    yara_gate_scratch_free(p.worker);
    yara_pair_free(&p.y);
}

static void check_pack_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        char path[1024];
        const char *name = names[i]->d_name;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (name[0] != '.' && names[i]->d_type == DT_DIR)
            check_pack_dir(path);
        else if (strstr(name, ".yar"))
            check_pack_file(path);
        free(names[i]);
    }
    free(names);
}

static void test_dprk_pack_agrees(void **state)
{
    (void)state;
    check_pack_dir(BONGSU_DATA_DIR "/yara");
    print_message("pack: %zu inputs, %zu matches, %zu skipped by the gate, %zu gated out on "
                  "the worker (none of the set given to libyara)\n", pack.inputs, pack.matched,
                  pack.skipped, pack.gated_out);
    assert_true(pack.matched > 100);  /* the inputs do exercise the rules */
    assert_true(pack.skipped > 100);  /* and the gate does skip */
    assert_true(pack.gated_out > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_crafted_cases_agree),
        cmocka_unit_test(test_dprk_pack_agrees),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
