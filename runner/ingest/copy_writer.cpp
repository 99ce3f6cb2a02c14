// copy_writer.cpp: a binary COPY of raw records through libpq, on the connection a libpqxx
// transaction holds.
//
// Why not pqxx::stream_to: profiled on 1,000,000 NDJSON records it spent ~30% of the
// runner's time escaping every field byte by byte (TypedCopyEscaper), plus a std::string
// per field and per row; the runner, not the server, was then the slower side of the COPY.
// Here a row is appended to one buffer as COPY's binary format (int16 field count; per
// field int32 length and bytes: int8 in network order, jsonb as version byte 1 and the
// text), with no escaping on either side, and every 64 KiB the buffer goes to
// PQputCopyData whole, into a socket whose send buffer is widened to 4 MiB so that the
// runner stays ahead of the server instead of taking turns with it (WidenSendBuffer).
// The object's top-level members go in jsonb's key order (jsonb_order.cpp), which spares
// the server a sort per record and stores the same jsonb.
// Memory: the buffer (64 KiB, or one record when larger), libpq's output buffer, and the
// kernel's socket buffer. The server parses the JSON text exactly as in text format
// (jsonb_recv reads the same text jsonb_in does).
//
// libpqxx 6.4 has no public accessor for its PGconn; pqxx::largeobject has a protected
// static one taking a transaction, which RawConnection exposes. pqxx is not told about the
// COPY: the transaction must not be used until Complete() (or the destructor) ends it.
#include "runner/ingest/copy_writer.hpp"

#include <libpq-fe.h>
#include <sys/socket.h>

#include <cstring>

namespace nightjar::runner {
namespace {

constexpr size_t kFlushBytes = 64 << 10;
constexpr int kSendBufferBytes = 4 << 20;

// RawConnection exposes the transaction's libpq connection (see the top of this file).
struct RawConnection : pqxx::largeobject {
    // Of returns the PGconn under the transaction.
    static PGconn* Of(const pqxx::dbtransaction& tx) { return raw_connection(tx); }
};

// PutBigEndian writes the n low bytes of v at p, most significant first; returns p + n.
inline char* PutBigEndian(char* p, std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xFF);
    return p + n;
}

// AppendBigEndian appends the n low bytes of v, most significant first.
inline void AppendBigEndian(std::string& buf, std::uint64_t v, int n) {
    char b[8];
    buf.append(b, PutBigEndian(b, v, n) - b);
}

// WidenSendBuffer raises the socket's send buffer to kSendBufferBytes (the kernel caps it
// at net.core.wmem_max), so that the runner can be a few chunks ahead of the server. With
// the default (~208 KiB on Linux) the runner blocked in each send until the server had
// read most of the chunk, and the server then waited for the runner to build the next:
// 15-20% of the COPY's time was the server waiting for the client (ClientRead). Failing
// to widen it only costs that overlap.
void WidenSendBuffer(int fd) {
    int current = 0;
    socklen_t len = sizeof current;
    if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &current, &len) != 0 ||
        current >= kSendBufferBytes)
        return;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSendBufferBytes, sizeof kSendBufferBytes);
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
    WidenSendBuffer(PQsocket(conn_));
    open_ = true;
    buf_.reserve(kFlushBytes + (64 << 10));
    buf_.append("PGCOPY\n\377\r\n\0", 11);
    AppendBigEndian(buf_, 0, 4);  // flags
    AppendBigEndian(buf_, 0, 4);  // header extension length
}

// ~RawRecordCopy abandons a COPY that was not completed, so that the transaction can roll
// back: the server discards the rows and the error is swallowed here.
RawRecordCopy::~RawRecordCopy() {
    if (!open_) return;
    PQputCopyEnd(conn_, "nightjar: staging abandoned");
    while (PGresult* res = PQgetResult(conn_)) PQclear(res);
}

// Row appends the seven fields of one record, sized once and written in place.
void RawRecordCopy::Row(std::int64_t source_id, std::int64_t batch_id, std::int64_t file_id,
                        std::int64_t record_no, std::int64_t file_record_no, std::int64_t file_line,
                        std::string_view json, bool in_jsonb_order) {
    bool reorder =
        !in_jsonb_order && JsonbMemberOrder(json, members_);  // jsonb's key order (jsonb_order.cpp)
    size_t json_size = reorder ? JsonbOrderedSize(members_) : json.size();
    size_t at = buf_.size();
    buf_.resize(at + 2 + 6 * (4 + 8) + 4 + 1 + json_size);
    char* p = &buf_[at];
    p = PutBigEndian(p, 7, 2);
    for (std::int64_t v : {source_id, batch_id, file_id, record_no, file_record_no, file_line}) {
        p = PutBigEndian(p, 8, 4);
        p = PutBigEndian(p, static_cast<std::uint64_t>(v), 8);
    }
    p = PutBigEndian(p, json_size + 1, 4);
    *p++ = '\1';  // jsonb binary format version
    if (reorder) {
        *p++ = '{';
        for (size_t k = 0; k < members_.size(); ++k) {
            if (k) *p++ = ',';
            size_t n = members_[k].end - members_[k].begin;
            std::memcpy(p, json.data() + members_[k].begin, n);
            p += n;
        }
        *p = '}';
    } else {
        std::memcpy(p, json.data(), json.size());
    }
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
    AppendBigEndian(buf_, 0xFFFF, 2);  // file trailer: field count -1
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
