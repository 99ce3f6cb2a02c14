// ndjson_reader.cpp: reads line by line (FileInput, memchr), skips blank lines, and
// validates each line with simdjson's DOM parser (full validation, UTF-8 included) into
// a parser reused across lines, so memory is the largest line plus its parse tape. The
// line text itself is the record (no re-serialisation). Lines are capped by
// max_record_bytes (default 16 MiB). A line with an escape jsonb refuses (\u0000, a lone
// surrogate) is an error at that escape (jsonb_guard).
#include "runner/formats/ndjson_reader.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "runner/formats/encoding.hpp"
#include "runner/formats/input.hpp"
#include "runner/formats/json_syntax.hpp"
#include "runner/formats/jsonb_guard.hpp"

namespace nightjar::runner::formats {

namespace {

// Parser returns the thread's reused simdjson DOM parser.
simdjson::dom::parser& Parser() {
    thread_local simdjson::dom::parser parser;
    return parser;
}

// NdjsonReader yields one record per non-blank line.
class NdjsonReader : public RecordReader {
  public:
    // NdjsonReader opens the file and reads the record cap.
    NdjsonReader(const std::string& path, const FormatOptions& opts)
        : in_(path, opts.tap), max_(opts.GetSize("max_record_bytes", kDefaultMaxRecordBytes)) {}

    // Next reads lines until a non-blank one and validates it.
    bool Next(Record& rec) override {
        for (;;) {
            if (!in_.ReadLine(rec.json, max_)) return false;
            size_t first = rec.json.find_first_not_of(" \t\r");
            if (first == std::string::npos) continue;
            rec.pos = in_.LineStart();
            rec.pos.record_no = ++records_;
            std::string problem = ValidateJsonObject(rec.json);
            if (!problem.empty()) ThrowInvalidRecord(rec, problem);
            CheckJsonbRecord(rec, true);
            return true;
        }
    }

  private:
    FileInput in_;
    std::uint64_t max_;
    long records_ = 0;
};

}  // namespace

// ValidateJsonObject parses the text and checks it is an object.
std::string ValidateJsonObject(std::string& text) {
    size_t n = text.size();
    if (text.capacity() < n + simdjson::SIMDJSON_PADDING)
        text.reserve(n + simdjson::SIMDJSON_PADDING);
    simdjson::dom::element doc;
    auto err = Parser().parse(text.data(), n, false).get(doc);
    if (err == simdjson::NUMBER_ERROR || err == simdjson::NUMBER_OUT_OF_RANGE) {
        // A number beyond double/uint64 is valid JSON and jsonb keeps it exactly (numeric):
        // the exact grammar check decides, and the text is staged as written.
        std::string_view view(text);
        if (CheckJsonSyntax(view).offset != std::string::npos)
            return std::string("invalid JSON: ") + simdjson::error_message(err);
        size_t first = view.find_first_not_of(" \t\r\n");
        return first != std::string::npos && view[first] == '{' ? "" : "not a JSON object";
    }
    if (err) return std::string("invalid JSON: ") + simdjson::error_message(err);
    if (doc.type() != simdjson::dom::element_type::OBJECT) return "not a JSON object";
    return "";
}

// ThrowInvalidRecord looks for an invalid UTF-8 byte, then for a lone surrogate escape
// (simdjson refuses those as "Problem while parsing a string"), only once the record is
// refused.
void ThrowInvalidRecord(const Record& rec, const std::string& problem) {
    size_t bad = FindInvalidUtf8(rec.json.data(), rec.json.size());
    if (bad == std::string::npos) {
        std::string jsonb_problem;
        size_t at = FindJsonbProblem(rec.json, jsonb_problem);
        if (at != std::string::npos)
            throw FormatError(PositionInRecord(rec, at),
                              "record " + std::to_string(rec.pos.record_no) + " " + jsonb_problem);
        JsonSyntax syntax = CheckJsonSyntax(rec.json);
        if (syntax.offset != std::string::npos)
            throw FormatError(PositionInRecord(rec, std::min(syntax.offset, rec.json.size())),
                              DescribeJsonSyntax(syntax));
        throw FormatError(rec.pos, problem);
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(rec.json[bad]));
    throw FormatError(PositionInRecord(rec, bad),
                      std::string("invalid UTF-8 byte ") + hex + " (JSON text must be UTF-8)");
}

namespace {

// ZeroNumbers returns the JSON text with every number outside strings replaced by 0, so
// that simdjson can list the keys of a record holding numbers beyond double/uint64.
std::string ZeroNumbers(const std::string& text) {
    std::string out;
    out.reserve(text.size() + simdjson::SIMDJSON_PADDING);
    bool in_str = false, esc = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
            out += c;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            while (i + 1 < text.size() && std::strchr("0123456789eE+-.", text[i + 1])) ++i;
            out += '0';
        } else {
            in_str = c == '"';
            out += c;
        }
    }
    return out;
}

}  // namespace

// ObjectKeys parses the object and lists its keys.
std::vector<std::string> ObjectKeys(std::string& text) {
    std::vector<std::string> keys;
    if (!ValidateJsonObject(text).empty()) return keys;
    std::string zeroed = ZeroNumbers(text);  // big numbers: valid JSON simdjson refuses
    simdjson::dom::object obj;
    if (Parser().parse(zeroed.data(), zeroed.size(), false).get(obj)) return keys;
    for (auto field : obj) keys.emplace_back(field.key);
    return keys;
}

// OpenNdjsonReader constructs the reader.
std::unique_ptr<RecordReader> OpenNdjsonReader(const std::string& path, const FormatOptions& opts) {
    return std::make_unique<NdjsonReader>(path, opts);
}

}  // namespace nightjar::runner::formats
