// formats_jsonb_test.cpp: records PostgreSQL's jsonb would refuse (U+0000, lone UTF-16
// surrogate escapes) fail the file at the offending byte in every text format, while the
// look-alike text "\\u0000" (an escaped backslash) and valid surrogate pairs pass.
#include "formats_test_util.hpp"
#include "runner/formats/jsonb_guard.hpp"

namespace nightjar::runner::formats {
namespace {

using testing::ErrorOf;
using testing::Options;
using testing::ReadAll;
using testing::TempDir;
using V = std::vector<std::string>;

const std::string kNul = "contains U+0000 (NUL), which PostgreSQL cannot store in jsonb";

// Problem returns FindJsonbProblem's offset and text for `json` (-1: none).
std::pair<long, std::string> Problem(const std::string& json) {
    std::string problem;
    size_t at = FindJsonbProblem(json, problem);
    return {at == std::string::npos ? -1L : static_cast<long>(at), problem};
}

TEST(FormatsJsonb, FindsOnlyTheEscapesJsonbRefuses) {
    EXPECT_EQ(Problem(R"({"a":"plain"})").first, -1);
    EXPECT_EQ(Problem(R"({"a":"x\u0000"})").first, 7);
    EXPECT_EQ(Problem(R"({"a":"\\u0000"})").first, -1);  // escaped backslash, then text
    EXPECT_EQ(Problem(R"({"a":"\\\u0000"})").first, 8);  // escaped backslash, then NUL
    EXPECT_EQ(Problem(R"({"a":"\"\n\t\/\u0041"})").first, -1);
    EXPECT_EQ(Problem(R"({"a":"\ud83d\ude00"})").first, -1);       // a valid pair (U+1F600)
    EXPECT_EQ(Problem(R"({"a":"\uDBFF\uDFFF"})").first, -1);       // upper-case hex
    EXPECT_EQ(Problem(R"({"a":"\ud800"})").first, 6);              // high at the end of a string
    EXPECT_EQ(Problem(R"({"a":"\ud800x"})").first, 6);             // high, then text
    EXPECT_EQ(Problem(R"({"a":"\ud800\u0041"})").first, 6);        // high, then not a low
    EXPECT_EQ(Problem(R"({"a":"\ud800\ud800\udc00"})").first, 6);  // high after high
    EXPECT_EQ(Problem(R"({"a":"ok\udc00"})").first, 8);            // low alone
    EXPECT_EQ(Problem(R"({"\u0000":1})").first, 2);                // in a key too
    EXPECT_NE(
        Problem(R"({"a":"\ud800"})").second.find("high surrogate escape \\ud800 without a low"),
        std::string::npos);
    EXPECT_NE(
        Problem(R"({"a":"\uDC01"})").second.find("low surrogate escape \\uDC01 without a high"),
        std::string::npos);
}

// Bytes returns the literal's bytes, embedded NULs included.
template <size_t N>
std::string Bytes(const char (&s)[N]) {
    return std::string(s, N - 1);
}

TEST(FormatsJsonb, CsvNulByteFailsTheFileAtItsByte) {
    TempDir d;
    auto p = d.Write("a.csv", Bytes("a;b\n1;x\0y\n"));
    EXPECT_EQ(ErrorOf(p, Options("csv")), p + ":2 (byte 7): the line " + kNul);
    // On a continuation line of a quoted field: that line's own position.
    auto q = d.Write("q.csv", Bytes("a;b\n1;\"x\nz\0\"\n"));
    EXPECT_EQ(ErrorOf(q, Options("csv")), q + ":3 (byte 10): the line " + kNul);
    // A Windows-1252 file (0xE9) keeps the byte where it was; utf-8 and the header too.
    auto w = d.Write("w.csv", Bytes("a;b\n\xE9;\0\n"));
    EXPECT_EQ(ErrorOf(w, Options("csv")), w + ":2 (byte 6): the line " + kNul);
    EXPECT_EQ(ErrorOf(p, Options("csv", {{"encoding", "utf-8"}})),
              p + ":2 (byte 7): the line " + kNul);
    auto h = d.Write("h.csv", Bytes("a\0;b\n1;2\n"));
    EXPECT_EQ(ErrorOf(h, Options("csv")), h + ":1 (byte 1): the line " + kNul);
    // The text \0 (backslash, zero) is no NUL.
    EXPECT_EQ(ReadAll(d.Write("t.csv", "a;b\n\\0;\\u0000\n"), Options("csv")),
              (V{R"({"a":"\\0","b":"\\u0000"})"}));
}

TEST(FormatsJsonb, NdjsonNulEscapeFailsAtTheEscape) {
    TempDir d;
    auto p = d.Write("a.ndjson", "{\"a\":\"ok\"}\n{\"b\":\"x\\u0000y\"}\n");
    EXPECT_EQ(ErrorOf(p, Options("")), p + ":2 (byte 18): record 2 " + kNul + " (escape \\u0000)");
    // An escaped backslash followed by the text u0000 is legitimate and kept as written.
    auto q = d.Write("b.ndjson", "{\"path\":\"C:\\\\u0000\\\\x\"}\n");
    EXPECT_EQ(ReadAll(q, Options("")), (V{"{\"path\":\"C:\\\\u0000\\\\x\"}"}));
}

TEST(FormatsJsonb, NdjsonLoneSurrogatesFail) {
    TempDir d;
    EXPECT_EQ(ReadAll(d.Write("ok.ndjson", "{\"e\":\"\\ud83d\\ude00\"}\n"), Options("")),
              (V{"{\"e\":\"\\ud83d\\ude00\"}"}));
    for (const std::string& lone : V{"\\ud800", "\\ud800\\u0041", "\\udc00", "\\udbff\\ud800"}) {
        auto p = d.Write("s.ndjson", "{\"id\":1}\n{\"id\":2,\"s\":\"" + lone + "\"}\n");
        // simdjson refuses it too ("Problem while parsing a string"); the message names the
        // escape and its byte (line 2 starts at byte 9, the escape is 13 bytes further).
        std::string e = ErrorOf(p, Options(""));
        EXPECT_EQ(e.rfind(p + ":2 (byte 22): record 2 contains the UTF-16 ", 0), 0u)
            << lone << ": " << e;
        EXPECT_NE(e.find("which PostgreSQL cannot store in jsonb"), std::string::npos) << e;
    }
}

TEST(FormatsJsonb, JsonElementEscapesCountLinesInsideTheElement) {
    TempDir d;
    auto s = d.Write("s.json", "[\n{\"a\":\n \"\\udc00\"}]");
    EXPECT_EQ(ErrorOf(s, Options("json")),
              s + ":3 (byte 10): record 1 contains the UTF-16 low surrogate escape \\udc00 without "
                  "a high "
                  "surrogate before it, which PostgreSQL cannot store in jsonb");
    auto p = d.Write("a.json", "[{\"a\": 1},\n {\"b\": \"\\u0000\"}]");
    EXPECT_EQ(ErrorOf(p, Options("json")),
              p + ":2 (byte 19): record 2 " + kNul + " (escape \\u0000)");
    auto q = d.Write("b.json", "{\"data\": [\n{\"a\":\n \"\\\\u0000\", \"b\":\n \"\\u0000\"}]}");
    EXPECT_EQ(ErrorOf(q, Options("json", {{"json_path", "data"}})),
              q + ":4 (byte 36): record 1 " + kNul + " (escape \\u0000)");
}

}  // namespace
}  // namespace nightjar::runner::formats
