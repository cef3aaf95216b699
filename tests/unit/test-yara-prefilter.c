/*
 * test-yara-prefilter.c - the prefilter's rewrite and, above all, that it changes no result:
 * the same rules loaded with and without it must match exactly the same rules on every input
 * (crafted pe cases such as `not pe.is_pe and $s`, a minimal valid PE, an "MZ" file that is
 * not a PE, empty and one-byte files, and for every file of the shipped DPRK pack inputs made
 * of its own strings, bare, after "MZ" and inside a PE). Also what the rewrite keeps, cuts
 * and leaves alone (include, global rules, rules naming rules).
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
#include <unistd.h>

#include "build-info.h"
#include "yara/yara-match.h"
#include "yara/yara-prefilter.h"
#include "yara-test-util.h"

static const char crafted[] =
    "import \"pe\"\n"
    "rule NotPe { strings: $s = \"MARK-A\" condition: not pe.is_pe and $s }\n"
    "rule IsPe { condition: pe.is_pe }\n"
    "rule IsPeZero { strings: $s = \"MARK-B\" condition: pe.is_pe == 0 and $s }\n"
    "rule MzOr { strings: $s = \"MARK-C\" $t = \"MARK-D\" condition: "
    "(uint16(0) == 0x5a4d and $t) or $s }\n"
    "rule ImpOr { strings: $s = \"MARK-E\" condition: $s or pe.imphash() == \"00\" }\n"
    "rule Sections { strings: $s = \"MARK-F\" condition: $s or for any i in "
    "(0 .. pe.number_of_sections - 1) : (pe.sections[i].name == \".text\") }\n"
    "rule AllSections { condition: for all i in (0 .. pe.number_of_sections) : (true) }\n"
    "rule NotDefined { strings: $s = \"MARK-G\" condition: "
    "not (pe.number_of_sections > 0) and $s }\n"
    "rule NumZero { strings: $s = \"MARK-H\" condition: pe.number_of_sections == 0 or $s }\n"
    "rule AtEntry { strings: $s = \"MARK-I\" condition: $s at pe.entry_point or "
    "(uint16(0) == 0x5a4d and $s) }\n"
    "rule Machine { strings: $s = \"MARK-J\" condition: pe.MACHINE_I386 == 0x14c and $s }\n"
    "rule DllFlag { strings: $s = \"MARK-K\" condition: pe.characteristics & pe.DLL or $s }\n"
    "rule Imports { strings: $s = \"MARK-L\" condition: "
    "pe.imports(\"kernel32.dll\") or $s and filesize < 1MB }\n"
    "rule Defined { strings: $s = \"MARK-M\" condition: defined pe.number_of_sections or $s }\n"
    "rule Mz { condition: uint16(0) == 0x5a4d }\n";

static const char *const markers[] = {"MARK-A", "MARK-B", "MARK-C", "MARK-D", "MARK-E",
                                      "MARK-F", "MARK-G", "MARK-H", "MARK-I", "MARK-J",
                                      "MARK-K", "MARK-L", "MARK-M"};

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    make_scratch_dir(tmpdir, sizeof(tmpdir), "bongsu-test-prefilter");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/crafted.yar", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    return 0;
}

/* A minimal PE libyara's pe module accepts: DOS header, "PE\0\0", file and optional header,
 * one section named .text; the payload follows at 0x200. */
static size_t make_pe(uint8_t *out, size_t cap, const char *payload)
{
    size_t plen = strlen(payload);
    assert_true(0x200 + plen <= cap);
    memset(out, 0, 0x200 + plen);
    out[0] = 'M';
    out[1] = 'Z';
    out[0x3c] = 0x40;                       /* e_lfanew */
    memcpy(out + 0x40, "PE\0\0", 4);
    out[0x44] = 0x4c;                       /* Machine i386 */
    out[0x45] = 0x01;
    out[0x46] = 1;                          /* NumberOfSections */
    out[0x54] = 0xe0;                       /* SizeOfOptionalHeader */
    out[0x56] = 0x02;                       /* Characteristics: executable */
    out[0x58] = 0x0b;                       /* optional header magic 0x10b */
    out[0x59] = 0x01;
    out[0x68] = 0x00;                       /* AddressOfEntryPoint 0x1000 */
    out[0x69] = 0x10;
    memcpy(out + 0x138, ".text", 5);        /* section header after the optional header */
    out[0x138 + 8 + 1] = 0x10;              /* VirtualSize */
    out[0x138 + 12 + 1] = 0x10;             /* VirtualAddress 0x1000 */
    out[0x138 + 16 + 1] = 0x02;             /* SizeOfRawData 0x200 */
    out[0x138 + 20 + 1] = 0x02;             /* PointerToRawData 0x200 */
    memcpy(out + 0x200, payload, plen);
    return 0x200 + plen;
}

static void pair_load(YaraPair *p, const char *path)
{
    const YaraLoadOptions on = {.prefilter = true}, off = {.prefilter = false};
    yara_pair_load(p, path, &on, &off);
}

/* The same rules must match in the same order with and without the prefilter. */
static size_t matches_text(YaraMatcher *m, const uint8_t *data, size_t len, char *out, size_t cap)
{
    return yara_matches_text(m, data, len, "/dl/sample.exe", false, out, cap, NULL);
}

static size_t same_matches(YaraPair *p, const uint8_t *data, size_t len)
{
    static char a[16384], b[16384];
    size_t n = matches_text(p->ma, data, len, a, sizeof(a));
    matches_text(p->mb, data, len, b, sizeof(b));
    if (strcmp(a, b) != 0)
        fail_msg("prefilter changed the result on %zu bytes:\n--- on\n%s--- off\n%s", len, a, b);
    return n;
}

/* Each input bare, after "MZ", and as the payload of a PE. */
static size_t same_in_three_forms(YaraPair *p, const char *text)
{
    static uint8_t buf[1 << 17];
    size_t len = strlen(text);
    size_t total = same_matches(p, (const uint8_t *)text, len);
    assert_true(len + 2 <= sizeof(buf));
    memcpy(buf, "MZ", 2);
    memcpy(buf + 2, text, len);
    total += same_matches(p, buf, len + 2);
    total += same_matches(p, buf, make_pe(buf, sizeof(buf), text));
    return total;
}

static void test_crafted_cases_agree(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/crafted.yar", tmpdir);
    write_file(path, crafted);
    YaraPair p;
    pair_load(&p, path);
    size_t matched = same_matches(&p, (const uint8_t *)"", 0);
    matched += same_matches(&p, (const uint8_t *)"M", 1);
    char all[512] = "";
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
        matched += same_in_three_forms(&p, markers[i]);
        strcat(all, markers[i]);
        strcat(all, " ");
    }
    matched += same_in_three_forms(&p, all);
    matched += same_in_three_forms(&p, "nothing here");
    /* Not a vacuous agreement: the PE is parsed (IsPe) and non-PE rules match too. */
    static uint8_t pe[4096];
    char text[16384];
    matches_text(p.mb, pe, make_pe(pe, sizeof(pe), "x"), text, sizeof(text));
    assert_non_null(strstr(text, ":IsPe\n"));
    assert_non_null(strstr(text, ":Sections\n"));
    matches_text(p.mb, (const uint8_t *)"MARK-A", 6, text, sizeof(text));
    assert_non_null(strstr(text, ":NotPe\n"));
    assert_true(matched > 40);
    yara_pair_free(&p);
}

static size_t check_pack_file(const char *path)
{
    static char strings[1 << 16];
    YaraPair p;
    pair_load(&p, path);
    file_strings(path, strings, sizeof(strings));
    size_t matched = same_in_three_forms(&p, strings);
    matched += same_in_three_forms(&p, "GET / HTTP/1.1 plain text body");
    yara_pair_free(&p);
    return matched;
}

static size_t check_pack_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    size_t matched = 0;
    for (int i = 0; i < n; i++) {
        char path[1024];
        const char *name = names[i]->d_name;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (name[0] != '.' && names[i]->d_type == DT_DIR)
            matched += check_pack_dir(path);
        else if (strstr(name, ".yar"))
            matched += check_pack_file(path);
        free(names[i]);
    }
    free(names);
    return matched;
}

static void test_dprk_pack_agrees(void **state)
{
    (void)state;
    size_t matched = check_pack_dir(BONGSU_DATA_DIR "/yara");
    assert_true(matched > 100);  /* the inputs do exercise the rules */
}

static void test_rewrite(void **state)
{
    (void)state;
    YaraPrefilterStats st = {0};
    char *out = yara_prefilter_rewrite(crafted, strlen(crafted), &st);
    assert_non_null(out);
    assert_int_equal(st.rules, 15);
    /* IsPe, AllSections, AtEntry, Mz need an MZ header; MzOr, ImpOr, Sections, NumZero,
     * DllFlag, Imports lose a part; NotPe, IsPeZero, NotDefined, Machine, Defined keep pe. */
    assert_int_equal(st.dropped, 4);
    assert_int_equal(st.trimmed, 6);
    assert_null(strstr(out, "rule IsPe "));
    assert_non_null(strstr(out, "rule NotPe"));
    assert_non_null(strstr(out, "import \"pe\""));
    free(out);

    static const char no_pe[] = "import \"pe\"\nrule A { strings: $a = \"x\" condition: "
                                "$a or pe.exports(\"f\") }\n";
    out = yara_prefilter_rewrite(no_pe, strlen(no_pe), &st);
    assert_non_null(out);
    assert_null(strstr(out, "import"));  /* nobody needs pe any more */
    assert_non_null(strstr(out, "any of them"));
    free(out);

    static const char *const left_alone[] = {
        "include \"other.yar\"\nrule A { condition: true }\n",
        "global rule G { condition: filesize < 10 }\nrule A { condition: true }\n",
        "private rule P { condition: true }\nrule A { condition: P and filesize < 10 }\n",
    };
    for (size_t i = 0; i < 3; i++) {
        uint32_t before = st.unchanged_files;
        assert_null(yara_prefilter_rewrite(left_alone[i], strlen(left_alone[i]), &st));
        assert_int_equal(st.unchanged_files, before + 1);
    }
    assert_true(yara_prefilter_is_mz((const uint8_t *)"MZx", 3));
    assert_false(yara_prefilter_is_mz((const uint8_t *)"M", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewrite),
        cmocka_unit_test(test_crafted_cases_agree),
        cmocka_unit_test(test_dprk_pack_agrees),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
