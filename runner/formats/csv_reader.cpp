// csv_reader.cpp: a line-driven RFC 4180 parser. Physical lines come from FileInput
// (memchr), are converted to UTF-8 when the file is Windows-1252 (delimiters and quotes
// are ASCII, so conversion per line is exact), then split with memchr for the delimiter
// or the closing quote; a quoted field that reaches the end of the line pulls the next
// line in (the record spans lines) until the quote closes — end of file first is an
// error naming the line where the quote opened. Fields are reused between records, so
// memory is one record (capped by max_record_bytes). Values stay strings; a row with
// fewer fields than the header gets nulls for the missing keys; a row with more is an
// error, except that empty trailing fields (a trailing delimiter) are ignored. Empty
// lines between records are skipped. A NUL byte is an error at its byte (jsonb cannot store it).
#include "runner/formats/csv_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "runner/formats/encoding.hpp"
#include "runner/formats/input.hpp"
#include "runner/formats/json_writer.hpp"
#include "runner/formats/jsonb_guard.hpp"

namespace nightjar::runner::formats {

namespace {

// CsvReader yields one record per CSV row after the header.
class CsvReader : public RecordReader {
  public:
    // CsvReader decides the encoding and the delimiter, then reads the header row.
    CsvReader(const std::string& path, const FormatOptions& opts, bool peek)
        : in_(path, opts.tap), max_(opts.GetSize("max_record_bytes", kDefaultMaxRecordBytes)) {
        std::string enc = opts.Get("encoding", "auto");
        bool automatic = enc.empty() || enc == "auto" || enc == "AUTO";
        if (peek && automatic) enc = "peek";
        if (enc != "peek") encoding_ = ChooseEncoding(path, enc);
        strict_utf8_ = !automatic &&
                       encoding_ == Encoding::kUtf8;  // an explicit utf-8 is checked line by line
        do {  // blank lines before the header are skipped; an empty file has no header
            if (!NextLine()) return;
        } while (raw_.empty());
        if (enc == "peek")
            encoding_ = FindInvalidUtf8(raw_.data(), raw_.size()) == std::string::npos
                            ? Encoding::kUtf8
                            : Encoding::kWindows1252;
        Convert();
        delim_ = OptionDelimiter(opts);
        if (!delim_) {
            bool tsv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".tsv") == 0;
            delim_ = DetectDelimiter(*line_, tsv ? '\t' : ',');
        }
        Position start;
        size_t n = ParseRecord(start);
        headers_ = UniqueHeaders(std::vector<std::string>(fields_.begin(), fields_.begin() + n));
        for (const auto& h : headers_) quoted_keys_.push_back(JsonObjectWriter::QuotedKey(h));
        for (size_t i = 0; i < headers_.size(); ++i) order_.push_back(i);
        if (opts.jsonb_key_order)  // unique names (UniqueHeaders): no two keys compare equal
            std::sort(order_.begin(), order_.end(), [this](size_t a, size_t b) {
                const std::string &x = headers_[a], &y = headers_[b];
                return x.size() != y.size() ? x.size() < y.size() : x < y;
            });
        jsonb_key_order_ = opts.jsonb_key_order;
    }

    // Headers returns the header row's keys.
    std::vector<std::string> Headers() override { return headers_; }

    // Next parses the next row into a JSON object.
    bool Next(Record& rec) override {
        do {
            if (!NextLine()) return false;
        } while (raw_.empty());
        Convert();
        size_t n = ParseRecord(rec.pos);
        rec.pos.record_no = ++records_;
        while (n > headers_.size() && fields_[n - 1].empty()) --n;
        if (n > headers_.size())
            throw FormatError(rec.pos, std::to_string(n) + " fields but the header has " +
                                           std::to_string(headers_.size()));
        JsonObjectWriter w(rec.json);
        rec.jsonb_key_order = jsonb_key_order_;
        for (size_t i : order_) {
            if (i < n)
                w.KeyedString(quoted_keys_[i], fields_[i]);
            else
                w.KeyedNull(quoted_keys_[i]);
        }
        w.Finish();
        return true;
    }

  private:
    // NextLine reads the next physical line into raw_; false at end of file.
    bool NextLine() { return in_.ReadLine(raw_, max_); }

    // Convert makes line_ point at the UTF-8 text of raw_ (checking it when strict) after
    // refusing a NUL byte, which jsonb cannot store (a NUL is the same byte in both encodings).
    void Convert() {
        if (std::memchr(raw_.data(), '\r', raw_.size())) RefuseBareCr();
        if (const void* nul = std::memchr(raw_.data(), '\0', raw_.size())) {
            Position p = in_.LineStart();
            p.byte_offset += static_cast<const char*>(nul) - raw_.data();
            throw FormatError(p, "the line " + NulProblem());
        }
        if (encoding_ == Encoding::kWindows1252) {
            conv_.clear();
            AppendWindows1252AsUtf8(raw_.data(), raw_.size(), conv_);
            line_ = &conv_;
            return;
        }
        line_ = &raw_;
        if (strict_utf8_) {
            size_t bad = FindInvalidUtf8(raw_.data(), raw_.size());
            if (bad != std::string::npos) {
                Position p = in_.LineStart();
                p.byte_offset += bad;
                char hex[8];
                std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(raw_[bad]));
                throw FormatError(p,
                                  std::string("invalid UTF-8 byte ") + hex + " (encoding = utf-8)");
            }
        }
    }

    // RefuseBareCr fails the file at a carriage return outside quotes in the middle of a
    // line: the file's line ends are bare CR (classic Mac), which would otherwise be read as
    // one long header line and 0 records. A CR inside a quoted field is data and is kept.
    // The quote state is that of the physical line, which is exact for a line that starts
    // a record (the header, and every line after a closed record).
    void RefuseBareCr() {
        bool quoted = quote_open_;
        for (size_t i = 0; i < raw_.size(); ++i) {
            if (raw_[i] == '"') quoted = !quoted;
            if (raw_[i] != '\r' || quoted) continue;
            Position p = in_.LineStart();
            p.byte_offset += i;
            throw FormatError(p,
                              "carriage return (CR) outside quotes: the file's line ends are bare "
                              "CR (classic Mac); convert them to LF or CRLF");
        }
    }

    // Field returns field i, cleared, growing the reused vector.
    std::string& Field(size_t i) {
        if (i >= fields_.size()) fields_.resize(i + 1);
        fields_[i].clear();
        return fields_[i];
    }

    // ParseRecord splits the current line (and any continuation lines) into fields_;
    // returns the number of fields and sets `start` to the record's first line.
    size_t ParseRecord(Position& start) {
        start = in_.LineStart();
        size_t nf = 0;
        std::string* f = &Field(nf++);
        size_t i = 0;
        size_t total = 0;
        for (;;) {
            const std::string& s = *line_;
            if (i < s.size() && s[i] == '"') {
                Position quote_at = in_.LineStart();
                ++i;
                for (;;) {  // inside quotes
                    const std::string& q = *line_;
                    const char* p =
                        static_cast<const char*>(std::memchr(q.data() + i, '"', q.size() - i));
                    if (!p) {
                        f->append(q, i, std::string::npos);
                        if (in_.EndedWithCr()) f->push_back('\r');  // the field's bytes, kept
                        f->push_back('\n');
                        total += q.size() + 2;
                        if (total > max_)
                            throw FormatError(start, "record longer than max_record_bytes (" +
                                                         std::to_string(max_) + " bytes)");
                        quote_open_ = true;  // the next line starts inside quotes
                        bool more = NextLine();
                        if (more) Convert();
                        quote_open_ = false;
                        if (!more)
                            throw FormatError(quote_at,
                                              "unbalanced quote: the quoted field opened on line " +
                                                  std::to_string(quote_at.line) +
                                                  " is not closed at end of file");
                        i = 0;
                        continue;
                    }
                    size_t j = p - q.data();
                    f->append(q, i, j - i);
                    if (j + 1 < q.size() && q[j + 1] == '"') {
                        f->push_back('"');
                        i = j + 2;
                        continue;
                    }
                    i = j + 1;
                    break;
                }
            }
            // Unquoted text (or text after a closing quote, kept as is) up to the delimiter.
            const std::string& s2 = *line_;
            const char* d =
                i <= s2.size()
                    ? static_cast<const char*>(std::memchr(s2.data() + i, delim_, s2.size() - i))
                    : nullptr;
            size_t end = d ? static_cast<size_t>(d - s2.data()) : s2.size();
            f->append(s2, i, end - i);
            if (!d) break;
            i = end + 1;
            f = &Field(nf++);
        }
        return nf;
    }

    FileInput in_;
    std::uint64_t max_;
    Encoding encoding_ = Encoding::kUtf8;
    bool strict_utf8_ = false;
    bool quote_open_ = false;  // Convert runs on a continuation line of a quoted field
    char delim_ = ',';
    std::string raw_, conv_;
    const std::string* line_ = &raw_;
    std::vector<std::string> fields_;
    std::vector<std::string> headers_;
    std::vector<std::string> quoted_keys_;  // each header as JSON text with its colon
    std::vector<size_t> order_;             // the order keys are written in
    bool jsonb_key_order_ = false;
    long records_ = 0;
};

}  // namespace

// DetectDelimiter counts candidates outside quotes.
char DetectDelimiter(const std::string& header_line, char fallback) {
    size_t comma = 0, semi = 0, tab = 0;
    bool quoted = false;
    for (char c : header_line) {
        if (c == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (c == ',')
            ++comma;
        else if (c == ';')
            ++semi;
        else if (c == '\t')
            ++tab;
    }
    if (comma == 0 && semi == 0 && tab == 0) return fallback;
    if (semi >= comma && semi >= tab) return ';';
    if (tab >= comma) return '\t';
    return ',';
}

// OptionDelimiter reads the `delimiter` option, then the typed member.
char OptionDelimiter(const FormatOptions& opts) {
    std::string d = opts.Get("delimiter");
    if (d == "tab" || d == "\\t" || d == "\t") return '\t';
    if (d.size() == 1) return d[0];
    if (!d.empty())
        throw std::invalid_argument("format option delimiter = '" + d.substr(0, 64) +
                                    "': must be one character (or tab)");
    return opts.delimiter;
}

// OpenCsvReader constructs the reader (reading the header row).
std::unique_ptr<RecordReader> OpenCsvReader(const std::string& path, const FormatOptions& opts,
                                            bool peek) {
    return std::make_unique<CsvReader>(path, opts, peek);
}

}  // namespace nightjar::runner::formats
