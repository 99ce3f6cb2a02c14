// records.cpp adapts the streaming format readers (runner/formats) to the stager: the
// source's format settings become reader options, each record comes with its place in its
// file (stored next to the payload), and a reader's error becomes a FileError naming the
// file as the source lists it (not its spool path).
#include "runner/ingest/records.hpp"

#include <utility>

#include "runner/formats/reader.hpp"
#include "runner/model/errors.hpp"

namespace nightjar::runner {
namespace {

// Options converts the source's format settings into the readers' options (the readers
// read `delimiter`, `encoding`, `sheet`… from the options map and check its keys).
formats::FormatOptions Options(const SourceConfig& source) {
    formats::FormatOptions o;
    if (source.format != "auto") o.format = source.format;
    for (const auto& [k, v] : source.format_options) o.options[k] = v;
    o.expected_headers = source.expected_headers;  // xlsx header-row detection
    return o;
}

}  // namespace

// ForEachRecord streams every record of the file with its position.
long ForEachRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                   const std::function<void(const formats::Record& rec)>& sink) {
    // Only the reader's errors fail the file; an error of the sink (the COPY stream) must
    // reach the batch loop, or the batch would go on in an aborted transaction.
    bool in_sink = false;
    try {
        auto reader = formats::OpenReader(path, Options(source));
        formats::Record rec;
        long n = 0;
        while (reader->Next(rec)) {
            in_sink = true;
            sink(rec);
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

// LineOfRecord returns the line where record number n of the file starts, or 0.
long LineOfRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                  long n) {
    struct Found {
        long line;
    };
    try {
        ForEachRecord(path, name, source, [&](const formats::Record& rec) {
            if (rec.pos.record_no == n) throw Found{rec.pos.line};
        });
    } catch (const Found& found) {
        return found.line;
    } catch (const std::exception&) {
    }
    return 0;
}

// HeaderFraction opens the file and returns the fraction of expected headers it has.
std::optional<double> HeaderFraction(const std::string& path, const SourceConfig& source) {
    if (source.expected_headers.empty()) return 1.0;
    try {
        return formats::HeaderScore(formats::PeekHeaders(path, Options(source)),
                                    source.expected_headers);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace nightjar::runner
