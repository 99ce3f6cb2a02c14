// records.cpp adapts the streaming format readers (runner/formats) to the stager: the
// source's format settings become reader options, each record comes with its place in its
// file (stored next to the payload), and a reader's error becomes a FileError naming the
// file as the source lists it (not its spool path).
#include "runner/ingest/records.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "runner/formats/reader.hpp"
#include "runner/ingest/checksum.hpp"
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
    o.jsonb_key_order = true;                      // what the stager's COPY sends (copy_writer.cpp)
    return o;
}

// HashTap hashes and counts the bytes a sequential reader reads.
struct HashTap : formats::ByteTap {
    Sha256 sha;
    std::uint64_t bytes = 0;
    // Bytes adds one block.
    void Bytes(const char* data, std::size_t n) override {
        sha.Update(data, n);
        bytes += n;
    }
};

// Identity is what tells a file's content changed without reading it: size, inode,
// modification time.
struct Identity {
    std::uint64_t size = 0;
    ino_t inode = 0;
    struct timespec mtime {};
    // Same tells whether two identities are equal.
    bool Same(const Identity& o) const {
        return size == o.size && inode == o.inode && mtime.tv_sec == o.mtime.tv_sec &&
               mtime.tv_nsec == o.mtime.tv_nsec;
    }
};

// IdentityOf stats the file; throws FileError naming it (`name`) when it cannot.
Identity IdentityOf(const std::string& path, const std::string& name) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw FileChangedError(name + ": changed while being staged: cannot stat it any more (" +
                               std::strerror(errno) + "); not staged");
    return Identity{static_cast<std::uint64_t>(st.st_size), st.st_ino, st.st_mtim};
}

}  // namespace

// ForEachRecord streams every record of the file with its position.
long ForEachRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                   const std::function<void(const formats::Record& rec)>& sink,
                   StagedBytes* staged) {
    // Only the reader's errors fail the file; an error of the sink (the COPY stream) must
    // reach the batch loop, or the batch would go on in an aborted transaction.
    bool in_sink = false;
    Identity before;
    HashTap tap;
    bool tapped = false;
    try {
        formats::FormatOptions opts = Options(source);
        if (staged) {
            before = IdentityOf(path, name);
            tapped = formats::ReadsSequentially(formats::ResolveFormat(path, opts));
            if (tapped)
                opts.tap = &tap;
            else
                staged->sha256 = Sha256File(path, &staged->size);  // xlsx: a pass of its own
        }
        auto reader = formats::OpenReader(path, opts);
        formats::Record rec;
        long n = 0;
        while (reader->Next(rec)) {
            in_sink = true;
            sink(rec);
            in_sink = false;
            ++n;
        }
        if (staged) {
            reader.reset();
            Identity after = IdentityOf(path, name);
            std::uint64_t read = tapped ? tap.bytes : staged->size;
            if (!before.Same(after) || read != after.size)
                throw FileChangedError(
                    name + ": changed while being staged (" + std::to_string(before.size) +
                    " bytes when opened, " + std::to_string(read) + " read, " +
                    std::to_string(after.size) +
                    " after reading): not staged; the next run stages its new content");
            if (tapped) {
                staged->sha256 = tap.sha.Hex();
                staged->size = tap.bytes;
            }
        }
        return n;
    } catch (const FileChangedError&) {
        throw;
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
