// copy_writer.hpp: the runner's one direct write, a binary COPY into nightjar.raw_record
// on the connection of a libpqxx transaction (see copy_writer.cpp for why not stream_to).
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "runner/ingest/jsonb_order.hpp"

namespace nightjar::runner {

// RawRecordCopy streams rows into nightjar.raw_record with COPY ... (FORMAT binary) inside
// the transaction `tx` (a work or a subtransaction). No other statement may run on the
// transaction between construction and Complete(). A server error is thrown from
// Complete() as pqxx::sql_error with its SQLSTATE and its full message (CONTEXT included:
// "COPY raw_record, line N"); a lost connection as pqxx::broken_connection.
class RawRecordCopy {
  public:
    explicit RawRecordCopy(pqxx::dbtransaction& tx);
    ~RawRecordCopy();
    RawRecordCopy(const RawRecordCopy&) = delete;
    RawRecordCopy& operator=(const RawRecordCopy&) = delete;

    // Row appends one record: its batch coordinates, place in its file and JSON object text
    // (its top-level members reordered as jsonb stores them: the same jsonb), unless the
    // reader wrote them in that order already (in_jsonb_order).
    void Row(std::int64_t source_id, std::int64_t batch_id, std::int64_t file_id,
             std::int64_t record_no, std::int64_t file_record_no, std::int64_t file_line,
             std::string_view json, bool in_jsonb_order = false);
    // Complete sends what is buffered, ends the COPY and checks the server's answer.
    void Complete();

  private:
    // Flush hands the buffer to libpq.
    void Flush();

    struct pg_conn* conn_;
    std::string buf_;
    std::vector<JsonMember> members_;  // the current record's members, reused
    bool open_ = false;
};

}  // namespace nightjar::runner
