// stage.cpp: the staging transaction, through the catalog's SQL API. Order inside it:
// begin_batch (takes the source's advisory lock, inserts the batch row), record_file for
// every file (its row, and the file_id its records carry), one binary COPY for all records
// (copy_writer.cpp) — the runner's only direct write — each file's records read once, its
// SHA-256 taken from the same bytes as they are read (records.cpp), finish_file per file
// with that checksum and size (a file that failed mid-way, or whose content turns out to
// be staged already, has its rows deleted and is marked failed or skipped), finish_batch
// (checks the batch's rows once, counts, status, the batch.staged event built in SQL),
// commit. A crash at any point before the commit leaves nothing: the next run re-plans
// the same files. Memory: one record and the COPY's 64 KiB buffer.
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

#include "runner/ingest/checksum.hpp"
#include "runner/ingest/copy_writer.hpp"
#include "runner/ingest/records.hpp"
#include "runner/model/errors.hpp"
#include "runner/util/messages.hpp"

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
    return where + "refused by the server: " + ServerMessage(msg) + " (SQLSTATE " + e.sqlstate() +
           ")";
}

// RecordFiles adds the batch's files to the catalog: pending ones to be staged (a file
// whose content another runner staged meanwhile comes back skipped: checked under the
// source's lock) and failed ones with their reason. Returns which files are being staged.
std::vector<bool> RecordFiles(pqxx::work& tx, long batch_id, std::vector<BatchFile>& files) {
    std::vector<bool> staging(files.size(), false);
    for (size_t i = 0; i < files.size(); ++i) {
        BatchFile& f = files[i];
        if (f.status == FileStatus::kSkipped) continue;
        bool failed = f.status == FileStatus::kFailed;
        auto row = tx.exec_params1(
            "SELECT nightjar.record_file($1, $2, $3, $4, $5, $6, $7)", batch_id, f.candidate.name,
            f.candidate.key, f.checksum.empty() ? nullptr : f.checksum.c_str(),  // see FetchBatch
            static_cast<long>(f.size), f.candidate.confidence, failed ? f.error.c_str() : nullptr);
        if (row[0].is_null()) {
            f.status = FileStatus::kSkipped;
            f.error = "already staged";
            continue;
        }
        f.file_id = row[0].as<long>();
        staging[i] = !failed;
    }
    return staging;
}

// ChecksumFailed gives a file that failed while its records were read the checksum of its
// whole content (the read stopped at the error), so that its catalog row has one and a
// copy of it later in the run fails the same way. Paid on the failure path only.
void ChecksumFailed(BatchFile& f) {
    if (!f.checksum.empty()) return;
    try {
        f.checksum = Sha256File(f.path, &f.size);
    } catch (const FileError&) {
    }
}

// SkipStagedCopy marks a file skipped when finish_file found its content already staged
// (by a file of this batch, an earlier batch or another runner): its records were deleted.
void SkipStagedCopy(std::vector<BatchFile>& files, BatchFile& f) {
    f.status = FileStatus::kSkipped;
    f.error = "already staged";
    f.records = 0;
    for (const auto& other : files)
        if (&other != &f && other.status == FileStatus::kStaged && other.checksum == f.checksum)
            f.duplicate_of = other.candidate.key;
}

// StageAttempt runs the staging transaction once; per_file selects one COPY per file
// under a savepoint each instead of one COPY for the batch.
BatchOutcome StageAttempt(pqxx::connection& conn, long run_id, long source_id,
                          const SourceConfig& source, int plan_seq, std::vector<BatchFile>& files,
                          const std::function<void(long)>& progress, bool per_file) {
    BatchOutcome out;
    pqxx::work tx(conn);
    out.batch_id =
        tx.exec_params1("SELECT nightjar.begin_batch($1, $2)", run_id, plan_seq)[0].as<long>();
    std::vector<bool> staging = RecordFiles(tx, out.batch_id, files);

    long record_no = 0;
    // CopyFile streams one file's records into `copy`, hashing the bytes they are read
    // from; a reader error fails the file.
    auto copy_file = [&](RawRecordCopy& copy, BatchFile& f) {
        StagedBytes staged;
        try {
            f.records = ForEachRecord(
                f.path, f.candidate.key, source,
                [&](const formats::Record& rec) {
                    ++record_no;
                    copy.Row(source_id, out.batch_id, f.file_id, record_no, rec.pos.record_no,
                             rec.pos.line, rec.json, rec.jsonb_key_order);
                    if ((record_no & 0xFFFF) == 0 && progress) progress(record_no);
                },
                &staged);
            f.status = FileStatus::kStaged;
            AdoptStagedBytes(f, staged);
        } catch (const FileChangedError& e) {
            f.status = FileStatus::kFailed;
            f.error = e.what();
            f.keep_in_place = true;  // not archived: the next run stages its new content
        } catch (const FileError& e) {
            f.status = FileStatus::kFailed;
            f.error = e.what();
            ChecksumFailed(f);
        }
    };
    if (!per_file) {
        RawRecordCopy copy(tx);
        for (size_t i = 0; i < files.size(); ++i)
            if (staging[i]) copy_file(copy, files[i]);
        copy.Complete();
    } else {
        for (size_t i = 0; i < files.size(); ++i) {
            if (!staging[i]) continue;
            BatchFile& f = files[i];
            std::string refusal;
            try {
                pqxx::subtransaction sub(tx, "nightjar_file");
                {
                    RawRecordCopy copy(sub);
                    copy_file(copy, f);
                    copy.Complete();
                }
                sub.commit();
            } catch (const pqxx::sql_error& e) {
                if (!IsRecordRefusal(e)) throw;
                refusal = RefusalMessage(e, f, source);
            }
            if (!refusal.empty()) {
                f.status = FileStatus::kFailed;
                f.error = refusal;
                f.records = 0;
            }
        }
    }
    for (size_t i = 0; i < files.size(); ++i) {
        if (!staging[i]) continue;
        BatchFile& f = files[i];
        bool ok = f.status == FileStatus::kStaged;
        auto status = tx.exec_params1("SELECT nightjar.finish_file($1, $2, $3, $4, $5)", f.file_id,
                                      ok ? f.records : 0L, ok ? nullptr : f.error.c_str(),
                                      f.checksum.empty() ? nullptr : f.checksum.c_str(),
                                      static_cast<long>(f.size))[0]
                          .as<std::string>();
        if (ok && status == "skipped") SkipStagedCopy(files, f);
        if (f.status == FileStatus::kStaged) out.records += f.records;
    }
    // finish_batch counts from the file rows, sets the status, emits batch.staged.
    auto summary =
        tx.exec_params1("SELECT s->>'status' FROM nightjar.finish_batch($1) s", out.batch_id);
    out.staged = summary[0].as<std::string>() == "staged";
    tx.commit();
    if (progress) progress(record_no);
    return out;
}

}  // namespace

// AdoptStagedBytes records the staged bytes' checksum and size, or fails a file whose
// earlier checksum they contradict.
bool AdoptStagedBytes(BatchFile& f, const StagedBytes& staged) {
    if (f.checksum.empty() || f.checksum == staged.sha256) {
        f.checksum = staged.sha256;
        f.size = staged.size;
        return true;
    }
    f.status = FileStatus::kFailed;
    f.keep_in_place = true;  // not archived: the next run stages its new content
    f.error = f.candidate.key + ": changed while being staged (SHA-256 " +
              f.checksum.substr(0, 12) + "… when fetched, " + staged.sha256.substr(0, 12) +
              "… as read): not staged; the next run stages its new content";
    return false;
}

// StageBatch records a batch in one transaction, falling back to one savepoint per file
// when the server refuses a record.
BatchOutcome StageBatch(pqxx::connection& conn, long run_id, long source_id,
                        const SourceConfig& source, int plan_seq, std::vector<BatchFile>& files,
                        const std::function<void(long)>& progress) {
    bool any = false;
    for (const auto& f : files) any = any || f.status != FileStatus::kSkipped;
    if (!any) return {};
    // The attempt rewrites statuses and file ids; the fallback starts from the original.
    std::vector<BatchFile> original = files;
    try {
        return StageAttempt(conn, run_id, source_id, source, plan_seq, files, progress, false);
    } catch (const pqxx::sql_error& e) {
        if (!IsRecordRefusal(e)) throw;
        files = std::move(original);
    }
    return StageAttempt(conn, run_id, source_id, source, plan_seq, files, progress, true);
}

}  // namespace nightjar::runner
