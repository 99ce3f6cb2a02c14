// json_reader.cpp: a streaming splitter for one JSON document. simdjson needs a whole
// document in memory (plus a structural index of ~4 bytes per token), which would make a
// 1 GB document cost well over 1 GB; instead a byte-level scanner (strings, escapes and
// bracket depth only) walks the document: it descends the dotted `json_path` by object
// keys, skipping other members' values without keeping them, then cuts the array's
// elements one by one and hands each to simdjson for full validation. Memory is one
// element (capped by max_record_bytes, default 16 MiB). Values outside the path are
// checked for structure only (brackets, strings), not for JSON grammar. After the array,
// the rest of the document is scanned so that a truncated file is still an error.
#include "runner/formats/json_reader.hpp"

#include <vector>

#include "runner/formats/input.hpp"
#include "runner/formats/jsonb_guard.hpp"
#include "runner/formats/ndjson_reader.hpp"

namespace nightjar::runner::formats {

namespace {

// JsonReader yields the records of one JSON document.
class JsonReader : public RecordReader {
  public:
    // JsonReader opens the file and splits json_path into its keys.
    JsonReader(const std::string& path, const FormatOptions& opts)
        : in_(path, opts.tap),
          max_(opts.GetSize("max_record_bytes", kDefaultMaxRecordBytes)),
          path_text_(opts.Get("json_path")) {
        size_t start = 0;
        while (!path_text_.empty() && start <= path_text_.size()) {
            size_t dot = path_text_.find('.', start);
            if (dot == std::string::npos) dot = path_text_.size();
            path_.push_back(path_text_.substr(start, dot - start));
            start = dot + 1;
        }
    }

    // Next returns the next element (or the single document).
    bool Next(Record& rec) override {
        if (state_ == State::kStart) Start();
        if (state_ == State::kDone) return false;
        if (state_ == State::kSingle) {
            Capture(rec);
            state_ = State::kDone;
            FinishTail(0);
            return true;
        }
        SkipWs();
        int c = in_.Peek();
        if (c == ']' && records_ == 0) {
            in_.Get();
            state_ = State::kDone;
            FinishTail(path_.size());
            return false;
        }
        if (records_ > 0) {
            c = Expect(",]", "',' or ']' after an array element");
            if (c == ']') {
                state_ = State::kDone;
                FinishTail(path_.size());
                return false;
            }
            SkipWs();
        }
        if (in_.Peek() != '{') {
            if (in_.Peek() < 0) Truncated(in_.Here());
            throw FormatError(in_.Here(), "array element " + std::to_string(records_ + 1) +
                                              Where() + " is not a JSON object");
        }
        Capture(rec);
        return true;
    }

  private:
    enum class State { kStart, kArray, kSingle, kDone };

    // Where names the array for messages.
    std::string Where() const { return path_.empty() ? "" : " of json_path '" + path_text_ + "'"; }

    // Truncated throws the end-of-file error.
    [[noreturn]] void Truncated(const Position& start) {
        throw FormatError(in_.Here(),
                          "truncated JSON: end of file inside the value that starts at line " +
                              std::to_string(start.line) + " (byte " +
                              std::to_string(start.byte_offset) + ")");
    }

    // SkipWs consumes JSON whitespace.
    void SkipWs() {
        for (int c = in_.Peek(); c == ' ' || c == '\n' || c == '\r' || c == '\t'; c = in_.Peek())
            in_.Get();
    }

    // Expect consumes one of `allowed` or throws naming `what`.
    int Expect(const char* allowed, const std::string& what) {
        SkipWs();
        Position here = in_.Here();
        int c = in_.Get();
        for (const char* a = allowed; *a; ++a)
            if (c == *a) return c;
        if (c < 0)
            throw FormatError(here, "truncated JSON: expected " + what + " before the end of file");
        throw FormatError(here, "expected " + what);
    }

    // Start walks down json_path to the array (or decides the document's shape).
    void Start() {
        SkipWs();
        int c = in_.Peek();
        if (c < 0) {  // an empty file has no record
            state_ = State::kDone;
            return;
        }
        for (size_t level = 0; level < path_.size(); ++level) {
            Expect("{", "an object at json_path '" + path_text_ + "' level '" + path_[level] + "'");
            for (bool first = true;; first = false) {
                if (!first) Expect(",", "',' between members");
                SkipWs();
                if (in_.Peek() == '}')
                    throw FormatError(in_.Here(), "json_path '" + path_text_ + "': key '" +
                                                      path_[level] + "' not found");
                std::string key = ReadKey();
                Expect(":", "':' after a key");
                SkipWs();
                if (key == path_[level]) break;
                Scan(nullptr);
                SkipWs();
                if (in_.Peek() == '}')
                    throw FormatError(in_.Here(), "json_path '" + path_text_ + "': key '" +
                                                      path_[level] + "' not found");
            }
        }
        SkipWs();
        c = in_.Peek();
        if (c == '[') {
            in_.Get();
            state_ = State::kArray;
        } else if (c == '{' && path_.empty()) {
            state_ = State::kSingle;
        } else if (path_.empty()) {
            throw FormatError(in_.Here(), "the document is neither an object nor an array");
        } else {
            throw FormatError(in_.Here(), "json_path '" + path_text_ + "' is not an array");
        }
    }

    // ReadKey reads a member name (escapes other than \" and \\ are kept as written).
    std::string ReadKey() {
        std::string raw;
        Scan(&raw);
        if (raw.size() < 2 || raw.front() != '"')
            throw FormatError(in_.Here(), "expected a member name");
        std::string key;
        for (size_t i = 1; i + 1 < raw.size(); ++i) {
            if (raw[i] == '\\' && i + 2 < raw.size() && (raw[i + 1] == '"' || raw[i + 1] == '\\'))
                ++i;
            key += raw[i];
        }
        return key;
    }

    // Capture reads one value into the record and validates it.
    void Capture(Record& rec) {
        rec.pos = in_.Here();
        rec.pos.record_no = ++records_;
        Scan(&rec.json);
        std::string problem = ValidateJsonObject(rec.json);
        if (!problem.empty()) ThrowInvalidRecord(rec, problem);
        CheckJsonbRecord(rec, true);
    }

    // Scan consumes one value (container, string or scalar), copying it to `out` if given.
    void Scan(std::string* out) {
        if (out) out->clear();
        Position start = in_.Here();
        int depth = 0;
        bool in_str = false, esc = false;
        for (;;) {
            int c = in_.Peek();
            if (c < 0) {
                if (depth == 0 && !in_str && (!out || !out->empty())) return;
                Truncated(start);
            }
            bool scalar_byte = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                               (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
            if (depth == 0 && !in_str && !scalar_byte && c != '"' && c != '{' && c != '[') {
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',' || c == '}' ||
                    c == ']') {
                    if (in_.Here().byte_offset == start.byte_offset)
                        throw FormatError(in_.Here(), "expected a value");
                    return;
                }
                throw FormatError(in_.Here(),
                                  std::string("unexpected character '") + char(c) + "'");
            }
            in_.Get();
            if (out) {
                *out += static_cast<char>(c);
                if (out->size() > max_)
                    throw FormatError(start, "record longer than max_record_bytes (" +
                                                 std::to_string(max_) + " bytes)");
            }
            if (in_str) {
                if (esc)
                    esc = false;
                else if (c == '\\')
                    esc = true;
                else if (c == '"') {
                    in_str = false;
                    if (depth == 0) return;
                }
            } else if (c == '"') {
                in_str = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) return;
            }
        }
    }

    // FinishTail scans the members after the array in each enclosing object, then checks
    // that nothing but whitespace follows the document.
    void FinishTail(size_t levels) {
        for (size_t l = 0; l < levels; ++l) {
            for (;;) {
                int c = Expect(",}", "',' or '}' after a member");
                if (c == '}') break;
                SkipWs();
                ReadKey();
                Expect(":", "':' after a key");
                SkipWs();
                Scan(nullptr);
            }
        }
        SkipWs();
        if (in_.Peek() >= 0)
            throw FormatError(in_.Here(), "unexpected data after the JSON document");
    }

    FileInput in_;
    std::uint64_t max_;
    std::string path_text_;
    std::vector<std::string> path_;
    State state_ = State::kStart;
    long records_ = 0;
};

}  // namespace

// OpenJsonReader constructs the reader.
std::unique_ptr<RecordReader> OpenJsonReader(const std::string& path, const FormatOptions& opts) {
    return std::make_unique<JsonReader>(path, opts);
}

}  // namespace nightjar::runner::formats
