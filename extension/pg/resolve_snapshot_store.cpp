// resolve_snapshot_store.cpp: SnapshotStore (see resolve_snapshot_store.hpp). The rows are
// read through one query that checks the partitions' files, and written with a prepared
// generic plan (a custom plan would fold the 90 MB parameter into a copy).
#include "extension/pg/resolve_snapshot_store.hpp"

#include <cstring>
#include <optional>
#include <string_view>

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
}

#include "core/errors.hpp"
#include "extension/pg/resolve_previous.hpp"

namespace nightjar::pg {

namespace res = nightjar::core::resolve;

namespace {

constexpr size_t kSnapshotPart = size_t{256} << 20;  // bytes per row of resolution_snapshot
constexpr size_t kMaxDeltas = 8;                     // deltas after a base before the next

// NameDatum returns the resolution's name as a text Datum of the current context.
Datum NameDatum(const std::string& name) {
    return PgCall([&] {
        return PointerGetDatum(
            cstring_to_text_with_len(name.data(), static_cast<int>(name.size())));
    });
}

}  // namespace

SnapshotStore::SnapshotStore(std::string resolution, Oid member_oid, Oid pair_oid)
    : resolution_(std::move(resolution)), member_oid_(member_oid), pair_oid_(pair_oid) {}

bool SnapshotStore::Read(BatchStep& step, const std::vector<uint64_t>& identity, size_t fields,
                         res::PreviousRun& out, res::StoredRows& rows,
                         std::vector<uint64_t>& gone) {
    // Read concatenates the base's parts, decodes the deltas, applies them and maps.
    std::string base;
    std::vector<std::string> deltas;
    step.Run(
        "SELECT s.delta, s.data, s.part FROM nightjar.resolution_snapshot s WHERE "
        "s.resolution = $1 AND s.member_file = (SELECT c.relfilenode FROM "
        "pg_catalog.pg_class c WHERE c.oid = $2) AND s.pair_file = (SELECT c.relfilenode "
        "FROM pg_catalog.pg_class c WHERE c.oid = $3) ORDER BY s.part",
        {TEXTOID, OIDOID, OIDOID},
        {NameDatum(resolution_), ObjectIdGetDatum(member_oid_), ObjectIdGetDatum(pair_oid_)},
        [&](const StepRow& row) {
            bool isnull = false;
            const bool delta = DatumGetBool(row.Value(1, &isnull));
            std::optional<std::string_view> part = StepRowText(row, 2);
            next_part_ = DatumGetInt32(row.Value(3, &isnull)) + 1;
            if (!part) return;
            if (delta) {
                deltas.emplace_back(*part);
                delta_bytes_ += part->size();
            } else {
                base.append(part->data(), part->size());
            }
        });
    if (base.empty()) {
        read_ = "none: read the tables";
        return false;
    }
    try {
        res::RunSnapshot snapshot = res::DecodeSnapshot(base);
        base_bytes_ = base.size();
        base = std::string();
        if (!deltas.empty()) {
            std::vector<res::SnapshotDelta> decoded;
            for (std::string& d : deltas) {
                decoded.push_back(res::DecodeDelta(d));
                d = std::string();
            }
            snapshot = res::ApplyDeltas(snapshot, decoded);
        }
        delta_count_ = deltas.size();
        if (!res::PreviousFromSnapshot(snapshot, identity, fields, out, rows, &gone)) {
            read_ = "unusable (fields or identities): read the tables";
            return false;
        }
    } catch (const core::DataError& e) {
        read_ = std::string(e.what()).substr(0, 120);
        for (char& c : read_)
            if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = ' ';
        read_ += ": read the tables";
        return false;
    }
    read_ = "used";
    return true;
}

void SnapshotStore::WriteBase(MemoryContext outer, const std::string& bytes) {
    // WriteBase deletes every row, then stores the base in parts.
    Delete();
    for (size_t begin = 0, part = 0; begin < bytes.size(); begin += kSnapshotPart, ++part)
        InsertPart(outer, static_cast<int>(part), false, bytes.data() + begin,
                   std::min(kSnapshotPart, bytes.size() - begin));
    written_ = "base";
    written_bytes_ = bytes.size();
}

bool SnapshotStore::WriteDelta(MemoryContext outer, const std::string& bytes) {
    // WriteDelta appends one row after the last part read.
    if (!Used() || delta_count_ + 1 > kMaxDeltas ||
        (delta_bytes_ + bytes.size()) * 4 > base_bytes_ || bytes.size() > kSnapshotPart)
        return false;
    InsertPart(outer, next_part_, true, bytes.data(), bytes.size());
    written_ = "delta";
    written_bytes_ = bytes.size();
    return true;
}

void SnapshotStore::Delete() {
    // Delete runs one statement.
    Datum name = NameDatum(resolution_);
    PgCall([&] {
        Oid type = TEXTOID;
        if (SPI_execute_with_args("DELETE FROM nightjar.resolution_snapshot WHERE resolution = $1",
                                  1, &type, &name, nullptr, false, 0) != SPI_OK_DELETE)
            elog(ERROR, "nightjar: could not delete the run snapshot");
    });
}

void SnapshotStore::InsertPart(MemoryContext outer, int part, bool delta, const char* data,
                               size_t len) {
    // InsertPart copies the bytes into a bytea of a scratch context and inserts one row.
    ScratchContext scratch(outer);
    ScratchContext::Scope in_scratch(scratch);
    PgCall([&] {
        auto* value = static_cast<bytea*>(palloc(VARHDRSZ + len));
        SET_VARSIZE(value, VARHDRSZ + len);
        std::memcpy(VARDATA(value), data, len);
        Oid types[6] = {TEXTOID, INT4OID, BOOLOID, OIDOID, OIDOID, BYTEAOID};
        Datum v[6] = {PointerGetDatum(cstring_to_text_with_len(
                          resolution_.data(), static_cast<int>(resolution_.size()))),
                      Int32GetDatum(part),
                      BoolGetDatum(delta),
                      ObjectIdGetDatum(member_oid_),
                      ObjectIdGetDatum(pair_oid_),
                      PointerGetDatum(value)};
        SPIPlanPtr plan = SPI_prepare_cursor(
            "INSERT INTO nightjar.resolution_snapshot (resolution, part, delta, member_file, "
            "pair_file, data) SELECT $1, $2, $3, (SELECT c.relfilenode FROM "
            "pg_catalog.pg_class c WHERE c.oid = $4), (SELECT c.relfilenode FROM "
            "pg_catalog.pg_class c WHERE c.oid = $5), $6",
            6, types, CURSOR_OPT_GENERIC_PLAN);
        if (plan == nullptr || SPI_execute_plan(plan, v, nullptr, false, 0) != SPI_OK_INSERT)
            elog(ERROR, "nightjar: could not store the run snapshot");
        SPI_freeplan(plan);
    });
}

}  // namespace nightjar::pg
