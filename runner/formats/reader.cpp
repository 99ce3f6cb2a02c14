// reader.cpp: the readers' entry points — format resolution by option or extension,
// OpenReader, PeekHeaders — and header-name comparison (HeaderScore) shared by the
// planner's relevance scoring and the xlsx header-row detection.
#include "runner/formats/reader.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "core/text/transforms.hpp"
#include "runner/formats/csv_reader.hpp"
#include "runner/formats/encoding.hpp"
#include "runner/formats/json_reader.hpp"
#include "runner/formats/ndjson_reader.hpp"
#include "runner/formats/xlsx_reader.hpp"

namespace nightjar::runner::formats {

namespace {

// Lower returns the ASCII lower case of s.
std::string Lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return s;
}

}  // namespace

// FormatError formats "FILE:LINE (byte N): problem".
FormatError::FormatError(const Position& p, const std::string& what)
    : std::runtime_error(p.file + ":" + std::to_string(p.line) + " (byte " +
                         std::to_string(p.byte_offset) + "): " + what),
      pos(p),
      problem(what) {}

// Get looks the option up.
std::string FormatOptions::Get(const std::string& key, const std::string& fallback) const {
    auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
}

// GetSize parses the option as an unsigned integer.
std::uint64_t FormatOptions::GetSize(const std::string& key, std::uint64_t fallback) const {
    auto it = options.find(key);
    if (it == options.end() || it->second.empty()) return fallback;
    size_t used = 0;
    unsigned long long v = 0;
    try {
        v = std::stoull(it->second, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != it->second.size() || it->second[0] == '-')
        throw std::invalid_argument("format option " + key + " = '" + it->second +
                                    "': expected a non-negative integer");
    return v;
}

// ResolveFormat uses the explicit format, else the file extension.
std::string ResolveFormat(const std::string& path, const FormatOptions& opts) {
    std::string f = Lower(opts.format);
    if (!f.empty() && f != "auto") {
        if (f == "jsonl") return "ndjson";
        if (f == "tsv") return "csv";
        return f;
    }
    size_t slash = path.find_last_of('/');
    size_t dot = path.find_last_of('.');
    std::string ext = dot == std::string::npos || (slash != std::string::npos && dot < slash)
                          ? ""
                          : Lower(path.substr(dot + 1));
    if (ext == "json") return "json";
    if (ext == "ndjson" || ext == "jsonl") return "ndjson";
    if (ext == "csv" || ext == "tsv" || ext == "txt") return "csv";
    if (ext == "xlsx" || ext == "xlsm") return "xlsx";
    throw FormatError(Position{path, 0, 0, 0}, "cannot tell the format from the extension '" + ext +
                                                   "' (set format = json, ndjson, csv or xlsx)");
}

// KnownOptionNames is the one list of option names (grep opts.Get / GetSize in the readers).
const std::vector<std::string>& KnownOptionNames() {
    static const std::vector<std::string> known{"delimiter",
                                                "encoding",
                                                "json_path",
                                                "sheet",
                                                "sheet_key",
                                                "dates",
                                                "max_record_bytes",
                                                "max_uncompressed_bytes",
                                                "max_compression_ratio"};
    return known;
}

// UnknownOptionProblem explains an unknown name (decimal_comma: where the setting went).
std::string UnknownOptionProblem(const std::string& key) {
    const auto& known = KnownOptionNames();
    if (std::find(known.begin(), known.end(), key) != known.end()) return "";
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    std::string problem = "unknown format option '" + key + "' (known: " + list + ")";
    if (key == "decimal_comma")
        problem +=
            "; decimal_comma was removed: readers keep values as strings, a validation rule's "
            "decimal_separator = \",\" converts \"1,5\"";
    return problem;
}

// OptionValueProblem checks one option's value as the reader that uses it would.
std::string OptionValueProblem(const std::string& key, const std::string& value) {
    std::string shown = value.size() > 64 ? value.substr(0, 64) + "\u2026" : value;
    if (key == "encoding") {
        try {
            if (Lower(value) != "auto") ChooseEncoding("", value);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
    } else if (key == "delimiter") {
        if (!value.empty() && value != "tab" && value != "\\t" && value != "\t" &&
            value.size() != 1)
            return "delimiter '" + shown + "' must be one character (or tab)";
    } else if (key == "dates") {
        if (value != "iso" && value != "number")
            return "dates = '" + shown + "': expected iso or number";
    } else if (key.rfind("max_", 0) == 0) {
        FormatOptions probe;
        probe.options[key] = value;
        try {
            probe.GetSize(key, 0);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
    }
    return "";
}

// CheckOptionNames refuses an option no reader knows (a typo would otherwise be ignored).
void CheckOptionNames(const std::string& path, const FormatOptions& opts) {
    for (const auto& [key, value] : opts.options) {
        std::string problem = UnknownOptionProblem(key);
        if (!problem.empty()) throw FormatError(Position{path, 0, 0, 0}, problem);
    }
}

// ReadsSequentially is true for every format but xlsx.
bool ReadsSequentially(const std::string& format) { return format != "xlsx"; }

// OpenReader dispatches on the resolved format.
std::unique_ptr<RecordReader> OpenReader(const std::string& path, const FormatOptions& opts) {
    std::string f = ResolveFormat(path, opts);
    CheckOptionNames(path, opts);
    try {
        if (f == "ndjson") return OpenNdjsonReader(path, opts);
        if (f == "json") return OpenJsonReader(path, opts);
        if (f == "csv") return OpenCsvReader(path, opts);
        if (f == "xlsx") return OpenXlsxReader(path, opts);
    } catch (const std::invalid_argument& e) {
        throw FormatError(Position{path, 0, 0, 0}, e.what());
    }
    throw FormatError(Position{path, 0, 0, 0}, "no reader for format '" + f + "'");
}

// PeekHeaders opens the file and reads only what names its keys.
std::vector<std::string> PeekHeaders(const std::string& path, const FormatOptions& opts) {
    std::string f = ResolveFormat(path, opts);
    std::unique_ptr<RecordReader> reader;
    CheckOptionNames(path, opts);
    try {
        if (f == "csv") return OpenCsvReader(path, opts, true)->Headers();
    } catch (const std::invalid_argument& e) {
        throw FormatError(Position{path, 0, 0, 0}, e.what());
    }
    reader = OpenReader(path, opts);
    if (f == "xlsx") return reader->Headers();
    Record rec;
    if (!reader->Next(rec)) return {};
    return ObjectKeys(rec.json);
}

// NormalizeHeader folds accents and case with the core's transforms (the same folding
// normalisation rules use) and keeps ASCII letters and digits and non-ASCII letters; a
// name that is not valid UTF-8 is compared as it is.
std::string NormalizeHeader(const std::string& name) {
    std::string folded = core::text::Unaccent(name).value_or(name);
    folded = core::text::Lower(folded).value_or(folded);
    std::string out;
    for (size_t i = 0; i < folded.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(folded[i]);
        if (c == 0xC2 && i + 1 < folded.size() &&
            static_cast<unsigned char>(folded[i + 1]) == 0xA0) {
            ++i;  // no-break space
            continue;
        }
        if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))
            out += static_cast<char>(c);
    }
    return out;
}

// HeaderScore counts expected names found among the normalised headers.
double HeaderScore(const std::vector<std::string>& headers,
                   const std::vector<std::string>& expected) {
    if (expected.empty()) return 1.0;
    std::set<std::string> have;
    for (const auto& h : headers) have.insert(NormalizeHeader(h));
    size_t found = 0;
    for (const auto& e : expected) found += have.count(NormalizeHeader(e)) ? 1 : 0;
    return static_cast<double>(found) / static_cast<double>(expected.size());
}

// UniqueHeaders trims and de-duplicates header names.
std::vector<std::string> UniqueHeaders(const std::vector<std::string>& raw) {
    std::vector<std::string> out;
    std::set<std::string> used;
    for (size_t i = 0; i < raw.size(); ++i) {
        const std::string& r = raw[i];
        size_t b = r.find_first_not_of(" \t\r\n");
        size_t e = r.find_last_not_of(" \t\r\n");
        std::string name = b == std::string::npos ? "" : r.substr(b, e - b + 1);
        if (name.empty()) name = "column_" + std::to_string(i + 1);
        std::string unique = name;
        for (int k = 2; used.count(unique); ++k) unique = name + "_" + std::to_string(k);
        used.insert(unique);
        out.push_back(unique);
    }
    return out;
}

}  // namespace nightjar::runner::formats
