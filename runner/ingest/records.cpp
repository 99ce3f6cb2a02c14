// records.cpp adapts the streaming format readers (runner/formats) to the stager. When
// the formats library is not in the tree yet, a minimal NDJSON reader stands in, so the
// batch loop can be built and tested on its own; it validates nothing but line framing.
#include "runner/ingest/records.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "runner/ingest/errors.hpp"

#if __has_include("runner/formats/reader.hpp")
#include "runner/formats/reader.hpp"
#define NIGHTJAR_HAVE_FORMATS 1
#endif

namespace nightjar::runner {

#ifdef NIGHTJAR_HAVE_FORMATS
namespace {

// Options converts the source's format settings into the readers' options.
formats::FormatOptions Options(const SourceConfig& source) {
    formats::FormatOptions o;
    o.format = source.format;
    for (const auto& [k, v] : source.format_options) o.options[k] = v;
    return o;
}

}  // namespace

// ForEachRecord streams every record of the file as JSON.
long ForEachRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                   const std::function<void(const std::string& json)>& sink) {
    try {
        auto reader = formats::OpenReader(path, Options(source));
        formats::Record rec;
        long n = 0;
        while (reader->Next(rec)) {
            sink(rec.json);
            ++n;
        }
        return n;
    } catch (const formats::FormatError& e) {
        std::string msg = e.what();
        auto pos = msg.find(path);
        if (pos != std::string::npos) msg.replace(pos, path.size(), name);
        throw FileError(msg);
    }
}

// HeaderFraction opens the file and returns the fraction of expected headers it has.
double HeaderFraction(const std::string& path, const SourceConfig& source) {
    if (source.expected_headers.empty()) return 1.0;
    try {
        return formats::HeaderScore(formats::PeekHeaders(path, Options(source)),
                                    source.expected_headers);
    } catch (const std::exception&) {
        return 0.0;
    }
}

#else

// ForEachRecord streams every line of an NDJSON file (fallback without runner/formats).
long ForEachRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                   const std::function<void(const std::string& json)>& sink) {
    (void)source;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FileError(name + ": cannot open");
    std::string line;
    long n = 0, line_no = 0;
    std::uint64_t offset = 0;
    while (std::getline(in, line)) {
        ++line_no;
        std::uint64_t start = offset;
        offset += line.size() + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos) continue;
        if (line[first] != '{' || line.find_last_not_of(" \t") == std::string::npos ||
            line[line.find_last_not_of(" \t")] != '}')
            throw FileError(name + ":" + std::to_string(line_no) + " (byte " +
                            std::to_string(start) + "): not a JSON object");
        sink(line);
        ++n;
    }
    return n;
}

// HeaderFraction returns 1 (the fallback reader knows no headers).
double HeaderFraction(const std::string& path, const SourceConfig& source) {
    (void)path;
    (void)source;
    return 1.0;
}

#endif

}  // namespace nightjar::runner
