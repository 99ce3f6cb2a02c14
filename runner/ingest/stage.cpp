// stage.cpp: the staging transaction. Order inside it: lock the source (advisory, xact),
// insert the batch row, insert every file row (so raw_record's foreign key holds), one
// COPY stream for all records, complete() it, delete the rows of files that failed
// mid-way and mark them failed, update counts, emit batch.staged, commit. A crash at any
// point before the commit leaves nothing: the next run re-plans the same files. Memory is
// one record at a time (the COPY buffer is libpq's).
//
// When the server refuses a record (a data error such as a number jsonb cannot hold),
// the whole transaction is lost and the error does not say which file it came from. The
// batch is then staged again in a new transaction with one COPY per file, each under its
// own savepoint: a refused file is rolled back to its savepoint and recorded failed with
// the server's message and the record number the COPY names, and the other files stage.
// The fast path keeps one COPY per batch; the fallback costs one COPY and one savepoint
// per file, paid only by batches that hold a refused record.
#include "runner/ingest/stage.hpp"

#include <regex>
#include <tuple>

#include "runner/ingest/errors.hpp"
#include "runner/ingest/records.hpp"

namespace nightjar::runner {
namespace {

// IsRecordRefusal tells whether a server error is about a row's content (SQLSTATE class
// 22 data exception, 23 integrity constraint, 54 program limit), which one file's record
// can cause, as opposed to a broken connection or a catalog problem.
bool IsRecordRefusal(const pqxx::sql_error& e) {
    const std::string& s = e.sqlstate();
    return s.rfind("22", 0) == 0 || s.rfind("23", 0) == 0 || s.rfind("54", 0) == 0;
}

// RefusalMessage turns a server error raised by one file's COPY into a one-line reason:
// "<name>:<line>: record N: refused by the server: <message> (SQLSTATE xxxxx)". N comes
// from the COPY context ("COPY raw_record, line N"), which is the file's N-th record since
// the COPY holds only that file; its line is found by reading the file again.
std::string RefusalMessage(const pqxx::sql_error& e, const BatchFile& f,
                           const SourceConfig& source) {
    std::string msg = e.what();
    std::smatch m;
    std::string where = f.candidate.key + ": ";
    static const std::regex copy_line("COPY raw_record, line ([0-9]+)");
    if (std::regex_search(msg, m, copy_line)) {
        long n = std::stol(m[1].str());
        long line = LineOfRecord(f.path, f.candidate.key, source, n);
        where = f.candidate.key + (line > 0 ? ":" + std::to_string(line) : "") + ": record " +
                std::to_string(n) + ": ";
    }
    std::string first = msg.substr(0, msg.find('\n'));
    if (first.rfind("ERROR:", 0) == 0) first = first.substr(first.find_first_not_of(" ", 6));
    return where + "refused by the server: " + first + " (SQLSTATE " + e.sqlstate() + ")";
}

// StageAttempt runs the staging transaction once; per_file selects one COPY per file
// under a savepoint each instead of one COPY for the batch.
BatchOutcome StageAttempt(pqxx::connection& conn, long source_id, const SourceConfig& source,
                          int plan_seq, std::vector<BatchFile>& files,
                          const std::function<void(long)>& progress, bool per_file) {
    BatchOutcome out;
    pqxx::work tx(conn);
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('nightjar.source'), $1::int)", source_id);
    out.batch_id =
        tx.exec_params1(
              "INSERT INTO nightjar.batch (source_id, plan_seq, status) VALUES ($1, $2, 'staging') "
              "RETURNING batch_id",
              source_id, plan_seq)[0]
            .as<long>();
    for (auto& f : files) {
        if (f.status == "skipped") continue;
        if (f.status.empty()) {
            // Another runner may have staged the same content meanwhile: checked under the lock.
            auto r = tx.exec_params(
                "SELECT 1 FROM nightjar.file WHERE source_id = $1 AND checksum = $2 AND status = "
                "'staged'",
                source_id, f.checksum);
            if (!r.empty()) {
                f.status = "skipped";
                f.error = "already staged";
                continue;
            }
        }
        auto row = tx.exec_params1(
            "INSERT INTO nightjar.file (source_id, batch_id, name, location, checksum, size, "
            "confidence, status, error) "
            "VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8, NULLIF($9, '')) RETURNING file_id",
            source_id, out.batch_id, f.candidate.name, f.candidate.key, f.checksum,
            static_cast<long>(f.size), f.candidate.confidence,
            f.status.empty() ? std::string("staged") : f.status, f.error);
        f.file_id = row[0].as<long>();
    }

    long record_no = 0;
    const std::vector<std::string> columns{"source_id",      "batch_id",  "file_id", "record_no",
                                           "file_record_no", "file_line", "payload"};
    // CopyFile streams one file's records into `copy`; a reader error fails the file.
    auto copy_file = [&](pqxx::stream_to& copy, BatchFile& f) {
        try {
            f.records = ForEachRecord(
                f.path, f.candidate.key, source, [&](const formats::Record& rec) {
                    ++record_no;
                    copy << std::make_tuple(source_id, out.batch_id, f.file_id, record_no,
                                            rec.pos.record_no, rec.pos.line, rec.json);
                    if ((record_no & 0xFFFF) == 0 && progress) progress(record_no);
                });
            f.status = "staged";
        } catch (const FileError& e) {
            f.status = "failed";
            f.error = e.what();
        }
    };
    if (!per_file) {
        pqxx::stream_to copy(tx, "nightjar.raw_record", columns);
        for (auto& f : files)
            if (f.status.empty()) copy_file(copy, f);
        copy.complete();
    } else {
        for (auto& f : files) {
            if (!f.status.empty()) continue;
            std::string refusal;
            try {
                pqxx::subtransaction sub(tx, "nightjar_file");
                {
                    pqxx::stream_to copy(sub, "nightjar.raw_record", columns);
                    copy_file(copy, f);
                    copy.complete();
                }
                sub.commit();
            } catch (const pqxx::sql_error& e) {
                if (!IsRecordRefusal(e)) throw;
                refusal = RefusalMessage(e, f, source);
            }
            if (!refusal.empty()) {
                f.status = "failed";
                f.error = refusal;
                f.records = 0;
            }
        }
    }
    for (auto& f : files) {
        if (f.file_id == 0) continue;
        if (f.status == "failed" && f.error.size() && f.checksum.size()) {
            tx.exec_params("DELETE FROM nightjar.raw_record WHERE batch_id = $1 AND file_id = $2",
                           out.batch_id, f.file_id);
            tx.exec_params(
                "UPDATE nightjar.file SET status = 'failed', error = $2 WHERE file_id = $1",
                f.file_id, f.error);
        } else if (f.status == "staged") {
            tx.exec_params("UPDATE nightjar.file SET records = $2 WHERE file_id = $1", f.file_id,
                           f.records);
            out.records += f.records;
        }
        out.bytes += f.size;
    }
    int nfiles = 0, nstaged = 0;
    for (const auto& f : files) {
        nfiles += f.file_id != 0;
        nstaged += f.status == "staged";
    }
    // A batch none of whose files staged is recorded as failed and announces nothing.
    out.staged = nstaged > 0;
    tx.exec_params(
        "UPDATE nightjar.batch SET status = $5, files = $2, bytes = $3, records = $4, finished_at "
        "= now(), "
        "error = CASE WHEN $5 = 'failed' THEN 'every file failed' END WHERE batch_id = $1",
        out.batch_id, nfiles, static_cast<long>(out.bytes), out.records,
        out.staged ? "staged" : "failed");
    if (out.staged)
        tx.exec_params(
            "SELECT nightjar.emit('batch.staged', jsonb_build_object('batch_id', $1::bigint, "
            "'source', $2::text, "
            "'source_id', $3::bigint))",
            out.batch_id, source.name, source_id);
    tx.commit();
    if (progress) progress(record_no);
    return out;
}

}  // namespace

// StagedChecksums returns the checksums already staged for the source.
std::vector<std::string> StagedChecksums(pqxx::connection& conn, long source_id) {
    pqxx::read_transaction tx(conn);
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params("SELECT checksum FROM nightjar.file WHERE source_id = $1 "
                                          "AND status = 'staged' AND checksum IS NOT NULL",
                                          source_id))
        out.push_back(row[0].as<std::string>());
    return out;
}

// StageBatch records a batch in one transaction, falling back to one savepoint per file
// when the server refuses a record.
BatchOutcome StageBatch(pqxx::connection& conn, long source_id, const SourceConfig& source,
                        int plan_seq, std::vector<BatchFile>& files,
                        const std::function<void(long)>& progress) {
    bool any = false;
    for (const auto& f : files) any = any || f.status != "skipped";
    if (!any) return {};
    // The attempt rewrites statuses and file ids; the fallback starts from the original.
    std::vector<BatchFile> original = files;
    try {
        return StageAttempt(conn, source_id, source, plan_seq, files, progress, false);
    } catch (const pqxx::sql_error& e) {
        if (!IsRecordRefusal(e)) throw;
        files = std::move(original);
    }
    return StageAttempt(conn, source_id, source, plan_seq, files, progress, true);
}

// RecordArchive stores where a file was archived.
void RecordArchive(pqxx::connection& conn, long file_id, const std::string& location) {
    pqxx::work tx(conn);
    tx.exec_params("UPDATE nightjar.file SET archive_location = $2 WHERE file_id = $1", file_id,
                   location);
    tx.commit();
}

// RecordSkipped records a skipped file that was archived.
void RecordSkipped(pqxx::connection& conn, long source_id, long batch_id, const BatchFile& f) {
    pqxx::work tx(conn);
    tx.exec_params(
        "INSERT INTO nightjar.file (source_id, batch_id, name, location, checksum, size, "
        "confidence, status, error, archive_location, duplicate_of) "
        "VALUES ($1, NULLIF($2, 0), $3, $4, NULLIF($5, ''), $6, $7, 'skipped', NULLIF($8, ''), $9, "
        "(SELECT file_id FROM nightjar.file WHERE source_id = $1 AND checksum = NULLIF($5, '') "
        "AND status = 'staged'))",
        source_id, batch_id, f.candidate.name, f.candidate.key, f.checksum,
        static_cast<long>(f.size), f.candidate.confidence, f.error, f.archive_location);
    tx.commit();
}

}  // namespace nightjar::runner
