// formats_json_test.cpp: the JSON (streamed document) and NDJSON readers — records,
// json_path, truncation and non-object errors with positions, the record size cap.
#include "formats_test_util.hpp"

namespace nightjar::runner::formats {
namespace {

using testing::ErrorOf;
using testing::Options;
using testing::ReadAll;
using testing::TempDir;
using V = std::vector<std::string>;

TEST(FormatsJson, TopLevelArrayElementsAreRecords) {
    TempDir d;
    auto p = d.Write("a.json", "[ {\"a\": 1},\n  {\"b\": [1, {\"c\": \"]}\\\"\"}]} ]\n");
    EXPECT_EQ(ReadAll(p, Options("")), (V{"{\"a\": 1}", "{\"b\": [1, {\"c\": \"]}\\\"\"}]}"}));
}

TEST(FormatsJson, SingleObjectIsOneRecord) {
    TempDir d;
    auto p = d.Write("a.json", "\xEF\xBB\xBF {\"k\": {\"n\": null}}\n");
    EXPECT_EQ(ReadAll(p, Options("json")), (V{"{\"k\": {\"n\": null}}"}));
}

TEST(FormatsJson, JsonPathToNestedArray) {
    TempDir d;
    auto p = d.Write("a.json",
                     "{\"meta\": {\"items\": [\"not these\"], \"x\": \"}\"},\n"
                     " \"data\": {\"count\": 2, \"items\": [\n  {\"id\": 1},\n  {\"id\": 2}\n ], "
                     "\"after\": [1,2]},\n"
                     " \"tail\": true}\n");
    auto r = OpenReader(p, Options("json", {{"json_path", "data.items"}}));
    Record rec;
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, "{\"id\": 1}");
    EXPECT_EQ(rec.pos.line, 3);
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, "{\"id\": 2}");
    EXPECT_EQ(rec.pos.line, 4);
    EXPECT_EQ(rec.pos.record_no, 2);
    EXPECT_FALSE(r->Next(rec));
    EXPECT_EQ(PeekHeaders(p, Options("json", {{"json_path", "data.items"}})), (V{"id"}));
}

TEST(FormatsJson, JsonPathErrors) {
    TempDir d;
    auto p = d.Write("a.json", "{\"data\": {\"items\": 3}}");
    EXPECT_EQ(ErrorOf(p, Options("json", {{"json_path", "data.rows"}})),
              p + ":1 (byte 20): json_path 'data.rows': key 'rows' not found");
    EXPECT_EQ(ErrorOf(p, Options("json", {{"json_path", "data.items"}})),
              p + ":1 (byte 19): json_path 'data.items' is not an array");
}

TEST(FormatsJson, TruncatedDocumentNamesPosition) {
    TempDir d;
    auto p = d.Write("a.json", "[{\"a\": 1},\n {\"a\": 2, \"b\": [1,");
    EXPECT_EQ(ErrorOf(p, Options("json")), p + ":2 (byte 29): truncated JSON: end of file inside "
                                               "the value that starts at line 2 (byte 12)");
    // Truncated after the array: records were read, the end of the document is missing.
    auto q = d.Write("b.json", "{\"data\": [{\"a\": 1}]");
    EXPECT_EQ(ErrorOf(q, Options("json", {{"json_path", "data"}})),
              q + ":1 (byte 19): truncated JSON: expected ',' or '}' after a member before the end "
                  "of file");
}

TEST(FormatsJson, InvalidElementAndNonObjectElement) {
    TempDir d;
    auto p = d.Write("a.json", "[{\"a\": tru}]");
    EXPECT_EQ(ErrorOf(p, Options("json")),
              p + ":1 (byte 7): invalid JSON: expected a value at 'tru'");
    auto q = d.Write("b.json", "[{\"a\": 1}, 2]");
    EXPECT_EQ(ErrorOf(q, Options("json")),
              q + ":1 (byte 11): array element 2 is not a JSON object");
}

TEST(FormatsJson, EmptyFileAndEmptyArrayHaveNoRecords) {
    TempDir d;
    EXPECT_TRUE(ReadAll(d.Write("e.json", ""), Options("json")).empty());
    EXPECT_TRUE(ReadAll(d.Write("a.json", " [ ] "), Options("json")).empty());
}

TEST(FormatsNdjson, HappyPathSkipsBlankLines) {
    TempDir d;
    auto p = d.Write("a.ndjson", "{\"a\":1}\n\n  \n{\"b\":\"\xC3\xA9\"}\r\n{\"c\":[]}");
    auto r = OpenReader(p, Options(""));
    Record rec;
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, "{\"a\":1}");
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, "{\"b\":\"\xC3\xA9\"}");
    EXPECT_EQ(rec.pos.line, 4);
    EXPECT_EQ(rec.pos.byte_offset, 12u);
    EXPECT_EQ(rec.pos.record_no, 2);
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, "{\"c\":[]}");
    EXPECT_FALSE(r->Next(rec));
}

TEST(FormatsNdjson, LineThatIsNotAnObjectNamesTheLine) {
    TempDir d;
    auto p = d.Write("a.jsonl", "{\"uid\": -1}\n[1,2]\n");
    EXPECT_EQ(ErrorOf(p, Options("")), p + ":2 (byte 12): not a JSON object");
    auto q = d.Write("b.ndjson", "{\"uid\": -1}\nthis is not json\n");
    EXPECT_NE(ErrorOf(q, Options("")).find(q + ":2 (byte 12): invalid JSON"), std::string::npos);
}

TEST(FormatsNdjson, TenMegabyteLineUnderTheDefaultCap) {
    TempDir d;
    std::string big(10 << 20, 'x');
    auto p = d.Write("a.ndjson", "{\"a\":1}\n{\"big\":\"" + big + "\"}\n");
    auto recs = ReadAll(p, Options("ndjson"));
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[1].size(), big.size() + 10);
    EXPECT_EQ(ErrorOf(p, Options("ndjson", {{"max_record_bytes", "1048576"}})),
              p + ":2 (byte 8): line longer than max_record_bytes (1048576 bytes)");
}

TEST(FormatsNdjson, PeekHeadersAreTheFirstRecordsKeys) {
    TempDir d;
    auto p = d.Write("a.ndjson", "\n{\"id\":1,\"Prix unitaire\":2}\n{\"z\":1}\n");
    EXPECT_EQ(PeekHeaders(p, Options("")), (V{"id", "Prix unitaire"}));
}

TEST(FormatsNdjson, InvalidUtf8NamesTheByte) {
    TempDir d;
    auto p = d.Write("a.ndjson", "{\"a\":1}\n{\"b\":\"x\xFFy\"}\n");
    EXPECT_EQ(ErrorOf(p, Options("")),
              p + ":2 (byte 15): invalid UTF-8 byte 0xFF (JSON text must be UTF-8)");
    // A truncated sequence (0xC3 then a quote), and a UTF-8-encoded surrogate (ED A0 80).
    auto q = d.Write("b.ndjson", "{\"b\":\"\xC3\"}\n");
    EXPECT_EQ(ErrorOf(q, Options("")),
              q + ":1 (byte 6): invalid UTF-8 byte 0xC3 (JSON text must be UTF-8)");
    auto s = d.Write("c.ndjson", "{\"b\":\"\xED\xA0\x80\"}\n");
    EXPECT_EQ(ErrorOf(s, Options("")),
              s + ":1 (byte 6): invalid UTF-8 byte 0xED (JSON text must be UTF-8)");
}

TEST(FormatsJson, InvalidUtf8NamesTheByteInsideTheElement) {
    TempDir d;
    auto p = d.Write("a.json", "[{\"a\": 1},\n {\"b\":\n  \"\xFF\"}]");
    EXPECT_EQ(ErrorOf(p, Options("json")),
              p + ":3 (byte 21): invalid UTF-8 byte 0xFF (JSON text must be UTF-8)");
}

TEST(FormatsNdjson, ZeroByteFileHasNoRecords) {
    TempDir d;
    auto p = d.Write("e.ndjson", "");
    EXPECT_TRUE(ReadAll(p, Options("")).empty());
    EXPECT_TRUE(PeekHeaders(p, Options("")).empty());
    EXPECT_TRUE(ReadAll(d.Write("bom.ndjson", "\xEF\xBB\xBF"), Options("")).empty());
}

// Issue 11 §3: numbers beyond double/uint64 are valid JSON; jsonb keeps them as numeric,
// so they are staged exactly as written (simdjson alone refused the whole file).
TEST(FormatsJson, NumbersBeyondDoubleAreStagedAsWritten) {
    TempDir d;
    auto p = d.Write("big.json",
                     "[{\"n\": 123456789012345678901234567890, \"e\": 1e400},\n"
                     " {\"m\": -0.000000000000000000000000000001e-400}]");
    EXPECT_EQ(ReadAll(p, Options("json")),
              (V{"{\"n\": 123456789012345678901234567890, \"e\": 1e400}",
                 "{\"m\": -0.000000000000000000000000000001e-400}"}));
    auto q = d.Write("big.ndjson", "{\"n\": 123456789012345678901234567890}\n{\"e\": 1E+400}\n");
    EXPECT_EQ(ReadAll(q, Options("ndjson")),
              (V{"{\"n\": 123456789012345678901234567890}", "{\"e\": 1E+400}"}));
    // Its headers are known too (header-based relevance does not drop it).
    EXPECT_EQ(PeekHeaders(q, Options("ndjson")), (V{"n"}));
    auto k = d.Write("keys.ndjson", "{\"a\\\"-1\": 1e400, \"b\": [\"-2\", 3]}\n");
    EXPECT_EQ(PeekHeaders(k, Options("ndjson")), (V{"a\"-1", "b"}));
    // A malformed big number is still refused, at its byte.
    auto r = d.Write("bad.ndjson", "{\"n\": 1234567890123456789012345678901.}\n");
    EXPECT_EQ(
        ErrorOf(r, Options("ndjson")),
        r + ":1 (byte 6): invalid JSON: invalid number at '1234567890123456789012345678901.'");
}

// Issue 11 §3: an error in a single-document JSON file names its byte and token, not byte 0.
TEST(FormatsJson, SingleDocumentErrorNamesByteAndToken) {
    TempDir d;
    auto p = d.Write("doc.json", "{\n  \"a\": 1,\n  \"b\": [1, 2 3]\n}\n");
    EXPECT_EQ(ErrorOf(p, Options("json")),
              p + ":3 (byte 25): invalid JSON: expected ',' or ']' after an element at '3'");
    auto q = d.Write("key.json", "{\"a\": 1, b: 2}");
    EXPECT_EQ(ErrorOf(q, Options("json")),
              q + ":1 (byte 9): invalid JSON: expected a string key at 'b'");
}

}  // namespace
}  // namespace nightjar::runner::formats
