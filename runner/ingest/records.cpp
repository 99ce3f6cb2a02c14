// records.cpp adapts the streaming format readers (runner/formats) to the stager. When
// the formats library is not in the tree yet, a minimal NDJSON reader stands in, so the
// batch loop can be built and tested on its own; it validates nothing but line framing.
#include "runner/ingest/records.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <type_traits>
#include <utility>

#include "runner/ingest/errors.hpp"

#if __has_include("runner/formats/reader.hpp")
#include "runner/formats/reader.hpp"
#define NIGHTJAR_HAVE_FORMATS 1
#endif

namespace nightjar::runner {

#ifdef NIGHTJAR_HAVE_FORMATS
namespace {

// The readers' FormatOptions was being written in parallel with this file; the setters
// below detect its members at compile time (format, options map, delimiter,
// decimal_comma, expected_headers) so that either shape builds without editing this adapter.
template <class T, class = void>
struct HasFormat : std::false_type {};
template <class T>
struct HasFormat<T, std::void_t<decltype(std::declval<T&>().format = std::string())>>
    : std::true_type {};
template <class T, class = void>
struct HasOptionsMap : std::false_type {};
template <class T>
struct HasOptionsMap<
    T, std::void_t<decltype(std::declval<T&>().options[std::string()] = std::string())>>
    : std::true_type {};
template <class T, class = void>
struct HasDelimiterChar : std::false_type {};
template <class T>
struct HasDelimiterChar<T, std::void_t<decltype(std::declval<T&>().delimiter = 'x')>>
    : std::true_type {};
template <class T, class = void>
struct HasDecimalComma : std::false_type {};
template <class T>
struct HasDecimalComma<T, std::void_t<decltype(std::declval<T&>().decimal_comma = true)>>
    : std::true_type {};
template <class T, class = void>
struct HasExpectedHeaders : std::false_type {};
template <class T>
struct HasExpectedHeaders<
    T, std::void_t<decltype(std::declval<T&>().expected_headers = std::vector<std::string>())>>
    : std::true_type {};

// MakeOptions converts the source's format settings into options of type O (a template so
// that the branches for members O lacks are discarded, not compiled).
template <class O>
O MakeOptions(const SourceConfig& source) {
    O o{};
    if constexpr (HasFormat<O>::value) {
        if (source.format != "auto") o.format = source.format;
    }
    if constexpr (HasOptionsMap<O>::value) {
        for (const auto& [k, v] : source.format_options) o.options[k] = v;
    }
    if constexpr (HasDelimiterChar<O>::value) {
        auto it = source.format_options.find("delimiter");
        if (it != source.format_options.end() && !it->second.empty()) o.delimiter = it->second[0];
    }
    if constexpr (HasDecimalComma<O>::value) {
        auto it = source.format_options.find("decimal_comma");
        if (it != source.format_options.end()) o.decimal_comma = it->second == "true";
    }
    if constexpr (HasExpectedHeaders<O>::value) o.expected_headers = source.expected_headers;  // xlsx header row
    return o;
}

// Options converts the source's format settings into the readers' options.
formats::FormatOptions Options(const SourceConfig& source) {
    return MakeOptions<formats::FormatOptions>(source);
}

}  // namespace

// ForEachRecord streams every record of the file as JSON.
long ForEachRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                   const std::function<void(const std::string& json)>& sink) {
    // Only the reader's errors fail the file; an error of the sink (the COPY stream) must
    // reach the batch loop, or the batch would go on in an aborted transaction.
    bool in_sink = false;
    try {
        auto reader = formats::OpenReader(path, Options(source));
        formats::Record rec;
        long n = 0;
        while (reader->Next(rec)) {
            in_sink = true;
            sink(rec.json);
            in_sink = false;
            ++n;
        }
        return n;
    } catch (const std::exception& e) {
        if (in_sink) throw;
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
