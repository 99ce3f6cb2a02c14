// record_io.hpp: generic record input/output for C++ steps that stream a table of jsonb
// records through SPI (validation reads raw_record and writes valid_record/quarantine;
// normalisation reads valid_record and writes clean_record).
//
// Pieces, all used from C++ code that has already called SPI_connect (SpiSession):
//   FlattenObject  — the top-level pairs of a jsonb object, by JsonbIterator, no text
//                    round trip; string values point into the jsonb (no copy).
//   ScalarText     — the text of a pair's value (string as is, numeric via numeric_out,
//                    object/array as JSON text).
//   BuildObject    — a jsonb object from a list of pairs, written straight into jsonb's
//                    format (jsonb_object.cpp); pairs may be the ones FlattenObject
//                    produced (nested containers are copied as they are).
//   RecordCursor   — an SPI cursor over a parameterised query, fetched n rows at a time.
//   BulkWriter     — accumulates rows and inserts them in one statement per flush:
//                    a prepared "INSERT ... SELECT * FROM unnest($1::t1[], $2::t2[], ...)";
//                    DirectWriter (direct_writer.hpp) does the same without SQL.
//
// Error handling: every function here calls PostgreSQL and may ereport, so each one runs
// its PostgreSQL calls under PgCall (a PostgreSQL error becomes a C++ PgError); callers
// can call them freely from C++ code with live objects. Memory: everything is palloc'd
// in CurrentMemoryContext; a caller streaming a big table does it through BatchStep
// (batch_step.hpp), which switches to a scratch context and resets it after each flush.
#pragma once

// postgres.h must come first: clang-format would sort it after fmgr.h
// clang-format off
extern "C" {
#include "postgres.h"
#include "executor/spi.h"
#include "utils/jsonb.h"
}
// clang-format on

#include <string>
#include <string_view>
#include <vector>

#include "core/json/value_kind.hpp"
#include "extension/pg/boundary.hpp"

namespace nightjar::pg {

// JsonPair is one key/value of a jsonb object; `value` is a scalar or a jbvBinary
// container, both pointing into the source jsonb (keep it alive while the pair is used).
struct JsonPair {
    std::string_view key;
    JsonbValue value;
};

// FlattenObject replaces `out` with the top-level pairs of `jb` (sorted as jsonb stores
// them) and returns true, or returns false when `jb` is not an object.
bool FlattenObject(Jsonb* jb, std::vector<JsonPair>* out);

// FlattenContainer does the same for a nested container (a jbvBinary value's data).
bool FlattenContainer(JsonbContainer* container, std::vector<JsonPair>* out);

// JsonbKind tells the kind of a value (never kAbsent: the value exists).
core::ValueKind JsonbKind(const JsonbValue& v);

// ArrayElements returns the elements of a jsonb array container value (a jbvBinary whose
// container is an array), nested containers as jbvBinary; empty for anything else.
std::vector<JsonbValue> ArrayElements(const JsonbValue& v);

// ScalarText returns the text of a value: string bytes as is, a numeric as numeric_out
// writes it, "true"/"false", "null", or the JSON text of a container. The view points
// into the jsonb or into palloc'd memory of CurrentMemoryContext.
std::string_view ScalarText(const JsonbValue& v);

// StringValue, BoolValue, NumericValue and NumericFromText make scalar JsonbValues
// (NumericFromText parses canonical decimal text with numeric_in; the text is copied).
JsonbValue StringValue(std::string_view s);
JsonbValue BoolValue(bool b);
JsonbValue NumericValue(Numeric n);
JsonbValue NumericFromText(const std::string& text);
JsonbValue Int64Value(int64 v);

// BuildObject returns a jsonb object made of `pairs` (a later duplicate key wins).
Jsonb* BuildObject(const std::vector<JsonPair>& pairs);

// BuildArrayOfObjects returns a jsonb array of flat objects, each given as pairs.
Jsonb* BuildArrayOfObjects(const std::vector<std::vector<JsonPair>>& objects);

// SpiSession connects to SPI for its lifetime (SPI_connect / SPI_finish) and remembers
// the memory context that was current before, where results must be built.
class SpiSession {
  public:
    SpiSession();
    ~SpiSession();
    SpiSession(const SpiSession&) = delete;
    SpiSession& operator=(const SpiSession&) = delete;
    // Finish disconnects now (the destructor then does nothing); errors propagate.
    void Finish();
    // OuterContext is the memory context of the caller of SPI_connect.
    MemoryContext OuterContext() const { return outer_; }

  private:
    MemoryContext outer_;
    bool connected_ = false;
};

// RecordCursor streams the rows of a read-only parameterised query (batch_step.hpp's
// loop adds the chunking, the scratch memory, interrupts and progress around it).
class RecordCursor {
  public:
    // RecordCursor opens `query` with parameters of `types` bound to `values` (no NULLs).
    RecordCursor(const char* query, const std::vector<Oid>& types,
                 const std::vector<Datum>& values);
    ~RecordCursor();
    RecordCursor(const RecordCursor&) = delete;
    RecordCursor& operator=(const RecordCursor&) = delete;
    // Fetch frees the previous chunk and reads up to `n` rows; returns how many came.
    uint64 Fetch(long n);
    // Value returns column `col` (1-based) of row `row` of the current chunk.
    Datum Value(uint64 row, int col, bool* isnull) const;
    // DetoastedValue returns column `col` of row `row` detoasted (nullptr when NULL), in
    // one guarded call: the per-row path of a step reading a jsonb or text column.
    varlena* DetoastedValue(uint64 row, int col) const;
    // Deform fills values[i] and nulls[i] with every column of row `row` in one guarded
    // call (one pass over the tuple: reading many columns by Value walks it per column).
    void Deform(uint64 row, Datum* values, bool* nulls) const;
    // Columns returns the number of columns of the rows.
    int Columns() const;

  private:
    Portal portal_ = nullptr;
    SPITupleTable* rows_ = nullptr;
};

// RowWriter is where a batch step puts its output rows: Add buffers one, Flush writes
// the buffered ones. Two kinds: BulkWriter (one SQL statement per flush, any statement)
// and DirectWriter (direct_writer.hpp: COPY's heap insert path, for plain tables).
class RowWriter {
  public:
    virtual ~RowWriter() = default;
    // Add appends one row; by-reference Datums must stay valid until the next Flush.
    virtual void Add(const Datum* values, const bool* nulls) = 0;
    // Pending says how many rows wait for Flush.
    virtual size_t Pending() const = 0;
    // Flush writes the buffered rows and returns how many were written.
    virtual uint64 Flush() = 0;
};

// PackTid packs a row address as block << 16 | offset (how the resolve glue and its run
// snapshot keep the addresses of the rows they may replace).
inline uint64_t PackTid(const ItemPointerData& tid) {
    return static_cast<uint64_t>(ItemPointerGetBlockNumberNoCheck(&tid)) << 16 |
           ItemPointerGetOffsetNumberNoCheck(&tid);
}

// BulkWriter buffers rows and inserts them with one prepared statement per flush.
class BulkWriter : public RowWriter {
  public:
    // BulkWriter prepares `sql`, whose parameter i is an array of `element_types[i]`:
    // e.g. "INSERT INTO t (a, b) SELECT * FROM unnest($1::bigint[], $2::jsonb[])".
    BulkWriter(const std::string& sql, const std::vector<Oid>& element_types);
    ~BulkWriter() override;
    BulkWriter(const BulkWriter&) = delete;
    BulkWriter& operator=(const BulkWriter&) = delete;
    void Add(const Datum* values, const bool* nulls) override;
    size_t Pending() const override { return rows_; }
    // Flush inserts the buffered rows (one statement) and returns how many were written.
    uint64 Flush() override;
    // CollectTids makes every later Flush append the rows' addresses to `out` (packed as
    // block << 16 | offset) in insertion order: the statement must end "RETURNING ctid".
    void CollectTids(std::vector<uint64_t>* out) { tids_ = out; }

  private:
    struct Column {
        Oid element_type;
        int16 typlen;
        bool typbyval;
        char typalign;
        std::vector<Datum> values;
        std::vector<bool> nulls;
    };
    std::vector<Column> columns_;
    SPIPlanPtr plan_ = nullptr;
    size_t rows_ = 0;
    std::vector<uint64_t>* tids_ = nullptr;
};

}  // namespace nightjar::pg
