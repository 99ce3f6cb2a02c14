// copy_writer.cpp: a binary COPY of raw records through libpq, on the connection a libpqxx
// transaction holds.
//
// Why not pqxx::stream_to: profiled on 1,000,000 NDJSON records it spent ~30% of the
// runner's time escaping every field byte by byte (TypedCopyEscaper), plus a std::string
// per field and per row; the runner, not the server, was then the slower side of the COPY.
// Here a row is appended to one 1 MiB buffer as COPY's binary format (int16 field count;
// per field int32 length and bytes: int8 in network order, jsonb as version byte 1 and
// the text), with no escaping on either side, and the buffer goes to PQputCopyData whole.
// Memory: the buffer, plus libpq's output buffer. The server parses the JSON text exactly
// as in text format (jsonb_recv reads the same text jsonb_in does).
//
// libpqxx 6.4 has no public accessor for its PGconn; pqxx::largeobject has a protected
// static one taking a transaction, which RawConnection exposes. pqxx is not told about the
// COPY: the transaction must not be used until Complete() (or the destructor) ends it.
#include "runner/ingest/copy_writer.hpp"

#include <libpq-fe.h>

#include <cstring>

namespace nightjar::runner {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

// RawConnection exposes the transaction's libpq connection (see the top of this file).
struct RawConnection : pqxx::largeobject {
    // Of returns the PGconn under the transaction.
    static PGconn* Of(const pqxx::dbtransaction& tx) { return raw_connection(tx); }
};

// PutBigEndian appends the n low bytes of v, most significant first.
inline void PutBigEndian(std::string& buf, std::uint64_t v, int n) {
    char b[8];
    for (int i = n - 1; i >= 0; --i, v >>= 8) b[i] = static_cast<char>(v & 0xFF);
    buf.append(b, static_cast<size_t>(n));
}

// ThrowResultError throws the error of a failed COPY result (and clears it): the
// connection's loss as broken_connection, else a sql_error with SQLSTATE and full text.
[[noreturn]] void ThrowResultError(PGconn* conn, PGresult* res, const std::string& what) {
    std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    if (res) PQclear(res);
    while (PGresult* more = PQgetResult(conn)) PQclear(more);
    if (PQstatus(conn) == CONNECTION_BAD || sqlstate.empty())
        throw pqxx::broken_connection(msg.empty() ? what + ": connection lost" : msg);
    throw pqxx::sql_error(msg, what, sqlstate.c_str());
}

const char kCopySql[] =
    "COPY nightjar.raw_record (source_id, batch_id, file_id, record_no, file_record_no, "
    "file_line, payload) FROM STDIN (FORMAT binary)";

}  // namespace

// RawRecordCopy starts the COPY and writes the binary header into the buffer.
// The COPY statement goes through libpqxx: libpqxx begins a transaction (BEGIN, or a
// subtransaction's SAVEPOINT) only at its first statement, so a COPY sent past it would run
// outside the savepoint that is meant to roll a refused file back.
RawRecordCopy::RawRecordCopy(pqxx::dbtransaction& tx) : conn_(RawConnection::Of(tx)) {
    tx.exec(kCopySql);  // answers PGRES_COPY_IN; a server error is thrown as libpqxx's
    open_ = true;
    buf_.reserve(kFlushBytes + (64 << 10));
    buf_.append("PGCOPY\n\377\r\n\0", 11);
    PutBigEndian(buf_, 0, 4);  // flags
    PutBigEndian(buf_, 0, 4);  // header extension length
}

// ~RawRecordCopy abandons a COPY that was not completed, so that the transaction can roll
// back: the server discards the rows and the error is swallowed here.
RawRecordCopy::~RawRecordCopy() {
    if (!open_) return;
    PQputCopyEnd(conn_, "nightjar: staging abandoned");
    while (PGresult* res = PQgetResult(conn_)) PQclear(res);
}

// Row appends the seven fields of one record.
void RawRecordCopy::Row(std::int64_t source_id, std::int64_t batch_id, std::int64_t file_id,
                        std::int64_t record_no, std::int64_t file_record_no, std::int64_t file_line,
                        std::string_view json) {
    PutBigEndian(buf_, 7, 2);
    for (std::int64_t v : {source_id, batch_id, file_id, record_no, file_record_no, file_line}) {
        PutBigEndian(buf_, 8, 4);
        PutBigEndian(buf_, static_cast<std::uint64_t>(v), 8);
    }
    PutBigEndian(buf_, json.size() + 1, 4);
    buf_.push_back('\1');  // jsonb binary format version
    buf_.append(json.data(), json.size());
    if (buf_.size() >= kFlushBytes) Flush();
}

// Flush hands the buffer to libpq (which sends it, blocking while the socket is full).
void RawRecordCopy::Flush() {
    if (buf_.empty()) return;
    if (PQputCopyData(conn_, buf_.data(), static_cast<int>(buf_.size())) != 1) {
        open_ = false;
        throw pqxx::broken_connection(std::string("COPY into nightjar.raw_record: ") +
                                      PQerrorMessage(conn_));
    }
    buf_.clear();
}

// Complete writes the trailer, ends the COPY and reads the server's verdict.
void RawRecordCopy::Complete() {
    PutBigEndian(buf_, 0xFFFF, 2);  // file trailer: field count -1
    Flush();
    open_ = false;
    if (PQputCopyEnd(conn_, nullptr) != 1)
        throw pqxx::broken_connection(std::string("COPY into nightjar.raw_record: ") +
                                      PQerrorMessage(conn_));
    PGresult* res = PQgetResult(conn_);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) ThrowResultError(conn_, res, kCopySql);
    PQclear(res);
    while (PGresult* more = PQgetResult(conn_)) PQclear(more);
}

}  // namespace nightjar::runner
