// record_stream.cpp: like ForEachRecord (records.cpp), but the sink receives the reader's
// whole Record, so the stager can store each record's number within its file and its
// line next to the payload. The options conversion mirrors records.cpp's Options(), which
// is private to that file (owned by the format readers' side); if the two ever need to
// differ, they should become one shared function.
#include "runner/ingest/record_stream.hpp"

#include "runner/ingest/errors.hpp"

namespace nightjar::runner {
namespace {

// ReaderOptions converts the source's format settings into the readers' options.
formats::FormatOptions ReaderOptions(const SourceConfig& source) {
    formats::FormatOptions o;
    if (source.format != "auto") o.format = source.format;
    for (const auto& [k, v] : source.format_options) o.options[k] = v;
    o.expected_headers = source.expected_headers;  // xlsx header-row detection
    return o;
}

// FoundRecord stops LineOfRecord's scan once the record is reached.
struct FoundRecord {
    long line;
};

}  // namespace

// ForEachPositionedRecord streams every record of the file with its position.
long ForEachPositionedRecord(const std::string& path, const std::string& name,
                             const SourceConfig& source,
                             const std::function<void(const formats::Record& rec)>& sink) {
    // Only the reader's errors fail the file; an error of the sink (the COPY stream) must
    // reach the batch loop, or the batch would go on in an aborted transaction.
    bool in_sink = false;
    try {
        auto reader = formats::OpenReader(path, ReaderOptions(source));
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
    try {
        ForEachPositionedRecord(path, name, source, [&](const formats::Record& rec) {
            if (rec.pos.record_no == n) throw FoundRecord{rec.pos.line};
        });
    } catch (const FoundRecord& found) {
        return found.line;
    } catch (const std::exception&) {
    }
    return 0;
}

}  // namespace nightjar::runner
