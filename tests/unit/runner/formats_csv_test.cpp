// formats_csv_test.cpp: the CSV reader — delimiter detection, RFC 4180 quoting, BOM,
// encodings, header handling and error positions, with exact expected JSON.
#include "formats_test_util.hpp"
#include "runner/formats/csv_reader.hpp"

namespace nightjar::runner::formats {
namespace {

using testing::ErrorOf;
using testing::Options;
using testing::ReadAll;
using testing::TempDir;
using V = std::vector<std::string>;

TEST(FormatsCsv, CommaHappyPath) {
    TempDir d;
    auto p = d.Write("a.csv", "id,name\n1,Alice\n2,Bob\n");
    EXPECT_EQ(ReadAll(p, Options("")),
              (V{R"({"id":"1","name":"Alice"})", R"({"id":"2","name":"Bob"})"}));
}

TEST(FormatsCsv, SemicolonDetectedAndDecimalCommaKept) {
    TempDir d;
    auto p = d.Write("a.csv", "code;prix\r\nA1;12,5\r\n");
    EXPECT_EQ(ReadAll(p, Options("csv")), (V{R"({"code":"A1","prix":"12,5"})"}));
}

TEST(FormatsCsv, TabDetected) {
    TempDir d;
    auto p = d.Write("a.txt", "a\tb,c\n1\t2,3\n");
    EXPECT_EQ(ReadAll(p, Options("")), (V{R"({"a":"1","b,c":"2,3"})"}));
}

TEST(FormatsCsv, DelimiterOptionOverridesDetection) {
    TempDir d;
    auto p = d.Write("a.csv", "a;b,c\n1;2,3\n");
    EXPECT_EQ(ReadAll(p, Options("csv", {{"delimiter", ","}})), (V{R"({"a;b":"1;2","c":"3"})"}));
    FormatOptions o = Options("csv");
    o.delimiter = ',';
    EXPECT_EQ(ReadAll(p, o), (V{R"({"a;b":"1;2","c":"3"})"}));
}

TEST(FormatsCsv, QuotesWithDelimiterNewlineAndDoubledQuotes) {
    TempDir d;
    auto p = d.Write("a.csv", "k;v\n\"x;y\";\"line1\nline2\"\n\"say \"\"hi\"\"\";\\back\n3;\"\"\n");
    Record rec;
    auto r = OpenReader(p, Options("csv"));
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, R"({"k":"x;y","v":"line1\nline2"})");
    EXPECT_EQ(rec.pos.line, 2);
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, R"({"k":"say \"hi\"","v":"\\back"})");
    EXPECT_EQ(rec.pos.line, 4);  // the previous record spanned lines 2-3
    EXPECT_EQ(rec.pos.record_no, 2);
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, R"({"k":"3","v":""})");
    EXPECT_FALSE(r->Next(rec));
}

TEST(FormatsCsv, ControlCharactersEscaped) {
    TempDir d;
    auto p = d.Write("a.csv", std::string("a,b\n\"t\tab\",x\x01y\n"));
    EXPECT_EQ(ReadAll(p, Options("csv")), (V{R"({"a":"t\tab","b":"x\u0001y"})"}));
}

TEST(FormatsCsv, BomSkipped) {
    TempDir d;
    auto p = d.Write("a.csv", "\xEF\xBB\xBFid;nom\n1;Soci\xC3\xA9t\xC3\xA9\n");
    EXPECT_EQ(ReadAll(p, Options("csv")), (V{"{\"id\":\"1\",\"nom\":\"Soci\xC3\xA9t\xC3\xA9\"}"}));
}

TEST(FormatsCsv, Windows1252ConvertedEvenWhenTheBadByteIsLate) {
    TempDir d;
    std::string body = "nom;prix\n";
    const int n = 150000;
    for (int i = 0; i < n; ++i) body += "plain;1\n";  // > 1 MiB of ASCII first
    body += "Soci\xE9t\xE9;\x80 5\n";
    auto p = d.Write("a.csv", body);
    auto recs = ReadAll(p, Options("csv"));
    ASSERT_EQ(recs.size(), static_cast<size_t>(n) + 1);
    EXPECT_EQ(recs.back(), "{\"nom\":\"Soci\xC3\xA9t\xC3\xA9\",\"prix\":\"\xE2\x82\xAC 5\"}");
    // Forced conversion gives the same; utf-8 refuses with line and byte.
    EXPECT_EQ(ReadAll(p, Options("csv", {{"encoding", "windows-1252"}})).back(), recs.back());
    EXPECT_NE(ErrorOf(p, Options("csv", {{"encoding", "Utf-8"}})).find("invalid UTF-8 byte 0xE9"),
              std::string::npos);
    std::string err = ErrorOf(p, Options("csv", {{"encoding", "utf-8"}}));
    size_t line_start = body.size() - std::string("Soci\xE9t\xE9;\x80 5\n").size();
    EXPECT_EQ(err, p + ":" + std::to_string(n + 2) + " (byte " + std::to_string(line_start + 4) +
                       "): invalid UTF-8 byte 0xE9 (encoding = utf-8)");
}

TEST(FormatsCsv, Latin1OptionConvertsValidLookingBytes) {
    TempDir d;
    auto p = d.Write("a.csv", "a\n\xC3\xA9\n");  // UTF-8 é read as Latin-1 gives two characters
    EXPECT_EQ(ReadAll(p, Options("csv", {{"encoding", "latin1"}})),
              (V{"{\"a\":\"\xC3\x83\xC2\xA9\"}"}));
    EXPECT_NE(
        ErrorOf(p, Options("csv", {{"encoding", "ebcdic"}})).find("unknown encoding 'ebcdic'"),
        std::string::npos);
}

TEST(FormatsCsv, UnbalancedQuoteNamesTheOpeningLine) {
    TempDir d;
    auto p = d.Write("a.csv", "a,b\n1,2\n3,\"open\nmore\nend\n");
    EXPECT_EQ(ErrorOf(p, Options("csv")), p + ":3 (byte 8): unbalanced quote: the quoted field "
                                              "opened on line 3 is not closed at end of file");
}

TEST(FormatsCsv, EmptyAndDuplicateHeadersMadeUnique) {
    TempDir d;
    auto p = d.Write("a.csv", " id ,,id,\n1,2,3,4\n");
    EXPECT_EQ(ReadAll(p, Options("csv")),
              (V{R"({"id":"1","column_2":"2","id_2":"3","column_4":"4"})"}));
}

TEST(FormatsCsv, KeysInJsonbOrderWhenTheStagerAsks) {
    // jsonb's order, written by hand: shorter keys first, then bytewise ("B" < "a"; "\xC3\xA9"
    // is two bytes, after "aa"); values and missing fields (null) follow their keys.
    TempDir d;
    auto p = d.Write("a.csv", "b;a;\xC3\xA9;aa;B;id_\n1;2;3;4;5\n");
    FormatOptions o = Options("csv");
    o.jsonb_key_order = true;
    auto r = OpenReader(p, o);
    Record rec;
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json,
              "{\"B\":\"5\",\"a\":\"2\",\"b\":\"1\",\"aa\":\"4\",\"\xC3\xA9\":\"3\",\"id_\":null}");
    EXPECT_TRUE(rec.jsonb_key_order);
    // Not asked: the header's order, and the record says nothing about jsonb's.
    r = OpenReader(p, Options("csv"));
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json,
              "{\"b\":\"1\",\"a\":\"2\",\"\xC3\xA9\":\"3\",\"aa\":\"4\",\"B\":\"5\",\"id_\":null}");
    EXPECT_FALSE(rec.jsonb_key_order);
}

TEST(FormatsCsv, ShortRowsGetNullsLongRowsFail) {
    TempDir d;
    auto p = d.Write("a.csv", "a,b,c\n1\n\n1,2,3,\n1,2,3,4\n");
    auto r = OpenReader(p, Options("csv"));
    Record rec;
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, R"({"a":"1","b":null,"c":null})");
    ASSERT_TRUE(r->Next(rec));  // blank line skipped; trailing empty field ignored
    EXPECT_EQ(rec.json, R"({"a":"1","b":"2","c":"3"})");
    EXPECT_EQ(rec.pos.line, 4);
    try {
        r->Next(rec);
        FAIL() << "no error";
    } catch (const FormatError& e) {
        EXPECT_EQ(std::string(e.what()), p + ":5 (byte 16): 4 fields but the header has 3");
    }
}

TEST(FormatsCsv, ZeroByteAndHeaderOnlyFilesHaveNoRecords) {
    TempDir d;
    EXPECT_TRUE(ReadAll(d.Write("e.csv", ""), Options("csv")).empty());
    EXPECT_TRUE(ReadAll(d.Write("h.csv", "a;b\n"), Options("csv")).empty());
    EXPECT_TRUE(PeekHeaders(d.Path("e.csv"), Options("csv")).empty());
}

TEST(FormatsCsv, BlankLinesBeforeTheHeaderSkipped) {
    TempDir d;
    auto p = d.Write("a.csv", "\r\n\na;b\n1;2\n");
    Record rec;
    auto r = OpenReader(p, Options("csv"));
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, R"({"a":"1","b":"2"})");
    EXPECT_EQ(rec.pos.line, 4);
    EXPECT_EQ(rec.pos.byte_offset, 7u);
}

TEST(FormatsCsv, PeekHeaders) {
    TempDir d;
    auto p = d.Write("a.csv", "Code;Désignation;Prix unitaire\nx;y;z\n");
    EXPECT_EQ(PeekHeaders(p, Options("")), (V{"Code", "Désignation", "Prix unitaire"}));
}

TEST(FormatsCsv, AgreesWithPythonCsvModuleOnRandomFiles) {
    // tests/data/formats/make_csv_reference.py wrote 40 random CSV files and the records
    // Python's csv module reads from them (an independent implementation).
    int cases = 0;
    for (int i = 0; i < 40; ++i) {
        char base[64];
        std::snprintf(base, sizeof base, "%s/formats/csv_reference/%03d", NIGHTJAR_TEST_DATA, i);
        std::ifstream expected(std::string(base) + ".expected.ndjson");
        ASSERT_TRUE(expected.good()) << base;
        V want;
        for (std::string line; std::getline(expected, line);) want.push_back(line);
        EXPECT_EQ(ReadAll(std::string(base) + ".csv", Options("csv", {{"delimiter", ";"}})), want)
            << base;
        ++cases;
    }
    EXPECT_EQ(cases, 40);
}

TEST(FormatsCsv, DetectDelimiterIgnoresQuotedText) {
    EXPECT_EQ(DetectDelimiter("\"a;b;c\",d", ','), ',');
    EXPECT_EQ(DetectDelimiter("a;b,c;d", ','), ';');
    EXPECT_EQ(DetectDelimiter("abc", '\t'), '\t');
}

// Issue 11 §3: a CRLF inside a quoted field is the field's bytes and is kept (it was LF).
TEST(FormatsCsv, CrlfInsideQuotedFieldIsKept) {
    TempDir d;
    auto p = d.Write("crlf.csv", "a,b\r\n\"line1\r\nline2\",x\r\n\"lf\nonly\",y\r\n");
    EXPECT_EQ(ReadAll(p, Options("csv")),
              (V{"{\"a\":\"line1\\r\\nline2\",\"b\":\"x\"}", "{\"a\":\"lf\\nonly\",\"b\":\"y\"}"}));
}

// Issue 11 §3: bare-CR line ends fail the file clearly (they gave 0 records silently).
TEST(FormatsCsv, BareCrLineEndsFailClearly) {
    TempDir d;
    auto p = d.Write("mac.csv", "a,b\r1,2\r3,4\r");
    std::string e = ErrorOf(p, Options("csv"));
    EXPECT_NE(e.find(p + ":1 (byte 3): carriage return (CR) outside quotes"), std::string::npos)
        << e;
    // A CR inside quotes is data.
    auto q = d.Write("ok.csv", "a,b\n\"x\ry\",2\n");
    EXPECT_EQ(ReadAll(q, Options("csv")), (V{"{\"a\":\"x\\ry\",\"b\":\"2\"}"}));
}

}  // namespace
}  // namespace nightjar::runner::formats
