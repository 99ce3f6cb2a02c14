// formats_common_test.cpp: shared pieces of the format readers — HeaderScore and header
// normalisation, format resolution, JSON escaping, UTF-8 validation and Windows-1252.
#include "formats_test_util.hpp"
#include "runner/formats/encoding.hpp"
#include "runner/formats/json_writer.hpp"

namespace nightjar::runner::formats {
namespace {

using testing::Options;
using testing::TempDir;

TEST(FormatsCommon, HeaderScoreIgnoresCaseAccentsSpaces) {
    std::vector<std::string> headers = {"Code", "D\xC3\xA9signation", "Prix  Unitaire",
                                        "Qt\xC3\xA9"};
    EXPECT_DOUBLE_EQ(HeaderScore(headers, {"code", "designation", "prix_unitaire"}), 1.0);
    EXPECT_DOUBLE_EQ(HeaderScore(headers, {"code", "unite", "quantite", "qte"}), 0.5);
    EXPECT_DOUBLE_EQ(HeaderScore({}, {"code"}), 0.0);
    EXPECT_DOUBLE_EQ(HeaderScore(headers, {}), 1.0);
    EXPECT_EQ(NormalizeHeader("\xC5\x92uvre \xC3\x80 Faire-2"), "oeuvreafaire2");
    // The core's folding (Unaccent, Lower): ß, ø and letters outside Latin-1 too.
    EXPECT_EQ(NormalizeHeader("Stra\xC3\x9F"
                              "e \xC3\x98st"),
              "strasseost");
    EXPECT_EQ(NormalizeHeader("Prix\xC2\xA0HT (\xE2\x82\xAC)"), "prixht\xE2\x82\xAC");
    EXPECT_EQ(NormalizeHeader("\xC4\x8C\xC3\xADslo"), "cislo");  // Číslo
    EXPECT_EQ(NormalizeHeader("\xD0\xA6\xD0\xB5\xD0\xBD\xD0\xB0"),
              "\xD1\x86\xD0\xB5\xD0\xBD\xD0\xB0");  // Цена -> цена
    EXPECT_EQ(NormalizeHeader("bad \xFF byte"),
              "bad\xFF"
              "byte");  // not UTF-8: compared as is
}

TEST(FormatsCommon, ResolveFormatByExtension) {
    EXPECT_EQ(ResolveFormat("/x/a.JSON", Options("")), "json");
    EXPECT_EQ(ResolveFormat("/x/a.jsonl", Options("auto")), "ndjson");
    EXPECT_EQ(ResolveFormat("/x/a.tsv", Options("")), "csv");
    EXPECT_EQ(ResolveFormat("/x/a.xlsx", Options("")), "xlsx");
    EXPECT_EQ(ResolveFormat("/x/a.dat", Options("csv")), "csv");
    EXPECT_THROW(ResolveFormat("/x.d/noext", Options("")), FormatError);
}

TEST(FormatsCommon, JsonEscaping) {
    std::string out;
    AppendJsonString(out, std::string("a\"b\\c\n\x1f\x7f\xC3\xA9", 10));
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u001f\x7f\xC3\xA9\"");
    EXPECT_TRUE(IsJsonNumber("-0.5e+10"));
    EXPECT_FALSE(IsJsonNumber(".5"));
    EXPECT_FALSE(IsJsonNumber("01"));
    EXPECT_FALSE(IsJsonNumber("1."));
}

TEST(FormatsCommon, Utf8ValidationFindsTheByte) {
    EXPECT_EQ(FindInvalidUtf8("abc\xC3\xA9", 5), std::string::npos);
    EXPECT_EQ(FindInvalidUtf8("ab\xE9z", 4), 2u);
    EXPECT_EQ(FindInvalidUtf8("ab\xED\xA0\x80", 5), 2u);  // surrogate
    EXPECT_EQ(FindInvalidUtf8("ab\xC3", 3), 2u);          // cut sequence
}

TEST(FormatsCommon, Windows1252Table) {
    std::string out;
    AppendWindows1252AsUtf8("\x80\x9C\xE9\x81", 4, out);
    EXPECT_EQ(out, "\xE2\x82\xAC\xC5\x93\xC3\xA9\xC2\x81");
}

TEST(FormatsCommon, WholeFileUtf8ScanAcrossBlockBoundaries) {
    TempDir d;
    std::string s(1 << 20, 'a');
    s[(1 << 20) - 1] = '\xC3';  // a two-byte sequence cut by the 1 MiB block boundary
    s += "\xA9 tail";
    EXPECT_TRUE(IsUtf8File(d.Write("ok.csv", s)));
    s += "\xFF";
    EXPECT_FALSE(IsUtf8File(d.Write("bad.csv", s)));
}

TEST(FormatsCommon, UnknownOptionAndBadSizeRefused) {
    TempDir d;
    auto p = d.Write("a.csv", "a\n1\n");
    try {
        OpenReader(p, Options("", {{"delimeter", ";"}}));
        FAIL() << "no error";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find(p + ":0 (byte 0): unknown format option 'delimeter'"),
                  std::string::npos);
    }
    EXPECT_THROW(OpenReader(p, Options("", {{"max_record_bytes", "-5"}})), FormatError);
}

TEST(FormatsCommon, FormatErrorMessage) {
    FormatError e(Position{"f.csv", 3, 42, 2}, "boom");
    EXPECT_STREQ(e.what(), "f.csv:3 (byte 42): boom");
    EXPECT_EQ(e.pos.line, 3);
}

}  // namespace
}  // namespace nightjar::runner::formats
