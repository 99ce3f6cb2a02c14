// resolve.cpp: the C++ side of nightjar.resolve (sql/52_resolve.sql); define_resolution's
// check, nightjar._check_resolution, is in resolve_functions.cpp.
//
//   nightjar._resolve_records(name, config, sources text[], queries text[], pair_table
//     regclass, member_table regclass, mode, model_state, constraints boolean) → jsonb runs
//     one resolution (mode full, frozen = full with the stored model, or incremental):
//     read, resolve, write
//     (into the resolution's partitions directly, sparing the routing of every row through
//     the partitioned parent); returns the core's summary plus the glue's
//     own figures ("inputs", "read_seconds", "write_seconds", "memory_bytes").
//
// Design. Three phases.
//  1. Read: one SPI cursor per input through the BatchStep loop (batch_step.hpp), kReadRows
//     rows per fetch, scratch context reset per chunk. Each query (built by
//     nightjar._resolution_inputs from quoted identifiers) returns the key then one text
//     column per field, ordered by key (COLLATE "C"), so record indexes -- and with them
//     the core's entity numbering -- are the same on every run over unchanged data.
//     Each row is deformed once, normalised on this thread and handed to a RecordFeed,
//     whose worker thread interns it into the RecordSet while this thread fetches the
//     next rows: memory is the RecordSet plus one chunk and a few feed batches.
//     A NULL key skips the row (counted); a key seen twice in one input is an error.
//     Then, when asked, the link constraints, and for an incremental run the last run:
//     from the run snapshot (SnapshotStore::Read: a base and deltas, run_snapshot.hpp) when
//     there is a usable one, else from the stored members (fingerprints) and pairs
//     (resolve_previous.cpp), with each row's ctid.
//  2. Resolve: core::resolve::Resolve runs with no PostgreSQL call on the stack; the only
//     way back into PostgreSQL is the progress hook (ActivityProgress: interrupts and the
//     pg_stat_activity line), which throws PgError on a cancel.
//  3. Write: entity_member (one row per record, entity_id = the core's dense entity index
//     + 1, the record's fingerprint) and match_pair (pairs at or above the review
//     threshold), by HeapWriter into an index-less partition, else through prepared
//     "INSERT ... SELECT * FROM unnest(...)" statements of kWriteRows rows, a scratch
//     context reset after each. Per-field levels travel as one smallint array per field
//     and are assembled with ARRAY[...] in the statement (BulkWriter cannot bind an array
//     of arrays). A full run writes every row into partitions the SQL wrapper emptied. An
//     incremental run writes only what changed (WriteChanges): entity ids stay those of
//     the last run where they can (core StableEntityIds), core DiffRuns names the member
//     rows and pairs that differ, and their stored rows are deleted by ctid
//     ("DELETE ... WHERE ctid = ANY($1)", a TID scan) before the new ones are inserted;
//     the partitions keep their indexes. At 1% changed that is ~2% of the rows.
//     Last, the run snapshot: a full run writes a base (WriteSnapshot), an incremental
//     run that read one appends a delta (WriteDelta) or, past eight deltas or a quarter of
//     the base, writes a new base; the new rows' ctids come back from the writers.
// Trade-off: the whole record set is in memory at once (the core needs it for blocking);
// everything else is streamed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "extension/pg/batch_step.hpp"
#include "extension/pg/resolve_previous.hpp"
#include "extension/pg/resolve_snapshot_store.hpp"
#include "extension/pg/resolve_writer.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

#include "core/errors.hpp"
#include "core/json/json_string.hpp"
#include "core/resolve/incremental.hpp"
#include "core/resolve/record_feed.hpp"
#include "core/resolve/resolver.hpp"
#include "core/resolve/run_snapshot.hpp"

using namespace nightjar::pg;
namespace core = nightjar::core;
namespace res = nightjar::core::resolve;
using nightjar::core::AppendJsonString;

namespace {

constexpr long kReadRows = 5000;
constexpr size_t kWriteRows = 10000;
// Row addresses per DELETE: with 10,000 the planner's cost of a TID scan (a random page
// each) passed that of scanning the partition, and each statement scanned 1-2M rows.
constexpr size_t kDeleteRows = 1000;

// Seconds returns the time since `start` in seconds.
double Seconds(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// JsonbFromText parses JSON text into a jsonb Datum of the current memory context.
Datum JsonbFromText(const std::string& json) {
    return PgCall([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
}

// TextDatum copies `s` into a text Datum of the current memory context.
Datum TextDatum(std::string_view s) {
    return PgCall([&] {
        return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
    });
}

// RegclassName returns a relation's quoted, schema-qualified name.
std::string RegclassName(Oid relid) {
    return PgCall([&] {
        char* name = DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relid)));
        std::string s(name);
        pfree(name);
        return s;
    });
}

// InputStats is what reading one input found.
struct InputStats {
    std::string source;
    int64 records = 0;
    int64 null_keys = 0;
};

// Resolution runs one resolution's three phases (see the design comment above).
class Resolution {
  public:
    Resolution(std::string name, const res::ResolverConfig& config,
               std::vector<std::string> sources, std::vector<std::string> queries, Oid pair_oid,
               Oid member_oid, std::string mode, std::string model_state, bool constraints)
        : name_(std::move(name)),
          mode_(std::move(mode)),
          read_constraints_(constraints),
          pair_table_(RegclassName(pair_oid)),
          member_table_(RegclassName(member_oid)),
          pair_oid_(pair_oid),
          member_oid_(member_oid),
          config_(config),
          records_(config),
          snapshot_(name_, member_oid, pair_oid),
          queries_(std::move(queries)),
          label_("nightjar.resolve('" + name_ + "')") {
        for (std::string& s : sources) inputs_.push_back(InputStats{std::move(s)});
        if (mode_ != "full") options_.frozen_model = std::move(model_state);
    }

    // Run reads every input, resolves and writes the results.
    void Run() {
        BatchStep step(label_, kReadRows);
        auto t0 = std::chrono::steady_clock::now();
        {
            res::RecordFeed feed(records_);  // normalises on a second thread while we fetch
            for (size_t i = 0; i < queries_.size(); ++i)
                ReadInput(step, static_cast<uint32_t>(i), feed);
            feed.Finish();
        }
        std::vector<std::string> labels;
        for (const InputStats& in : inputs_) labels.push_back(in.source);
        identity_ = res::RecordIdentities(records_, labels);
        read_seconds_ = Seconds(t0);
        t0 = std::chrono::steady_clock::now();
        ReadPreviousAndConstraints(step);
        read_previous_seconds_ = Seconds(t0);
        {
            ActivityProgress progress(label_, "done");
            result_ = res::Resolve(config_, records_, progress, options_);
        }
        t0 = std::chrono::steady_clock::now();
        if (mode_ == "incremental") {
            WriteChanges(step.OuterContext(), t0);
        } else {
            std::vector<uint32_t> all_records(records_.size());
            for (uint32_t r = 0; r < all_records.size(); ++r) all_records[r] = r;
            std::vector<uint64_t> member_rows, pair_rows;
            WriteMembers(step.OuterContext(), all_records, nullptr, member_rows);
            write_members_seconds_ = Seconds(t0);
            std::vector<size_t> all_pairs(result_.pairs.size());
            for (size_t i = 0; i < all_pairs.size(); ++i) all_pairs[i] = i;
            WritePairs(step.OuterContext(), all_pairs, pair_rows);
            member_rows_written_ = all_records.size();
            pair_rows_written_ = all_pairs.size();
            WriteSnapshot(step.OuterContext(), {}, member_rows, pair_rows, {});
        }
        write_seconds_ = Seconds(t0);
        step.Finish();
    }

    // Result returns the core's summary with the glue's figures added, as jsonb.
    Datum Result() const {
        std::string json = result_.SummaryJson();
        while (!json.empty() && json.back() != '}') json.pop_back();
        if (json.empty())
            throw core::DataError("nightjar: the resolver's summary is not an object");
        json.pop_back();
        json += json.back() == '{' ? "\"inputs\": [" : ", \"inputs\": [";
        for (size_t i = 0; i < inputs_.size(); ++i) {
            if (i > 0) json += ", ";
            json += "{\"source\": ";
            AppendJsonString(json, inputs_[i].source);
            json += ", \"records\": " + std::to_string(inputs_[i].records) +
                    ", \"null_keys\": " + std::to_string(inputs_[i].null_keys) + "}";
        }
        char buf[1024];
        snprintf(buf, sizeof buf,
                 "], \"read_seconds\": %.3f, \"read_previous_seconds\": %.3f, \"write_seconds\": "
                 "%.3f, \"write_members_seconds\": %.3f, \"write_path\": \"%s\", "
                 "\"rows_written\": {\"members\": %zu, \"pairs\": %zu}, \"rows_deleted\": "
                 "{\"members\": %zu, \"pairs\": %zu}, \"memory_bytes\": %zu, "
                 "\"unknown_constraints\": %zu, \"snapshot\": {\"read\": \"%s\", "
                 "\"deltas_read\": %zu, \"written\": \"%s\", \"written_bytes\": %zu, "
                 "\"write_seconds\": %.3f}, \"model_state\": ",
                 read_seconds_, read_previous_seconds_, write_seconds_, write_members_seconds_,
                 heap_writes_ ? "heap" : "sql", member_rows_written_, pair_rows_written_,
                 member_rows_deleted_, pair_rows_deleted_, records_.MemoryBytes(),
                 unknown_constraints_, snapshot_.Status().c_str(), snapshot_.DeltasRead(),
                 snapshot_.Written().c_str(), snapshot_.WrittenBytes(), snapshot_.WriteSeconds());
        json += buf;
        AppendJsonString(json, result_.model_state);
        json += "}";
        return JsonbFromText(json);
    }

  private:
    // ReadPreviousAndConstraints reads, when asked, the link constraints and (incremental)
    // the last run's members and pairs, with where their rows are (WriteChanges).
    void ReadPreviousAndConstraints(BatchStep& step) {
        const bool incremental = mode_ == "incremental";
        if (!incremental && !read_constraints_) return;
        SourceIndex sources;
        for (uint32_t i = 0; i < inputs_.size(); ++i) sources.emplace(inputs_[i].source, i);
        std::optional<res::RecordIndex> index;
        if (read_constraints_) {
            index.emplace(records_);
            unknown_constraints_ =
                ReadLinkConstraints(step, name_, sources, *index, options_.constraints);
        }
        if (!incremental) return;
        options_.previous = &previous_;
        if (snapshot_.Read(step, identity_, config_.fields.size(), previous_, previous_rows_,
                           gone_))
            return;
        if (!index) index.emplace(records_);
        ReadPreviousRun(step, member_table_, pair_table_, sources, *index, records_.size(),
                        config_.fields.size(), previous_, previous_rows_);
    }

    // WriteChanges (incremental) deletes the stored rows that changed or are gone and
    // inserts their replacements and the new rows; every other row stays as it is.
    void WriteChanges(MemoryContext outer, std::chrono::steady_clock::time_point t0) {
        const std::vector<int64_t> ids =
            res::StableEntityIds(result_.entity_of, result_.entities, previous_);
        const res::RunChanges changes = res::DiffRuns(result_, ids, previous_);
        std::vector<uint64_t> members = std::move(previous_rows_.stale_members);
        for (uint32_t r : changes.members)
            if (previous_rows_.member[r] != 0) members.push_back(previous_rows_.member[r]);
        DeleteRowsByCtid(outer, member_table_, members, kDeleteRows);
        std::vector<uint64_t> written;
        WriteMembers(outer, changes.members, &ids, written);
        std::vector<uint64_t> member_rows = std::move(previous_rows_.member);
        for (size_t k = 0; k < changes.members.size() && k < written.size(); ++k)
            member_rows[changes.members[k]] = written[k];
        const bool members_located = written.size() == changes.members.size();
        write_members_seconds_ = Seconds(t0);
        std::vector<uint64_t> pairs = std::move(previous_rows_.stale_pairs);
        for (size_t j : changes.stale_pairs) pairs.push_back(previous_rows_.pair[j]);
        DeleteRowsByCtid(outer, pair_table_, pairs, kDeleteRows);
        written.clear();
        WritePairs(outer, changes.pairs, written);
        std::vector<uint64_t> pair_rows(result_.pairs.size(), 0);
        for (size_t i = 0; i < pair_rows.size(); ++i)
            if (changes.kept_row[i] != res::kNoOrigin)
                pair_rows[i] = previous_rows_.pair[changes.kept_row[i]];
        for (size_t k = 0; k < changes.pairs.size() && k < written.size(); ++k)
            pair_rows[changes.pairs[k]] = written[k];
        member_rows_deleted_ = members.size();
        pair_rows_deleted_ = pairs.size();
        member_rows_written_ = changes.members.size();
        pair_rows_written_ = changes.pairs.size();
        if (!members_located || written.size() != changes.pairs.size()) {
            snapshot_.Delete();  // a row went somewhere RETURNING did not say: read the tables
            return;
        }
        if (WriteDelta(outer, ids, changes, member_rows, pair_rows)) return;
        WriteSnapshot(outer, ids, member_rows, pair_rows, changes.kept_row);
    }

    // WriteDelta appends this run's changes to the snapshot it started from, unless that
    // is refused (SnapshotStore::WriteDelta: then the caller writes a new base).
    bool WriteDelta(MemoryContext outer, const std::vector<int64_t>& ids,
                    const res::RunChanges& changes, const std::vector<uint64_t>& member_rows,
                    const std::vector<uint64_t>& pair_rows) {
        const auto t0 = std::chrono::steady_clock::now();
        res::SnapshotDelta d;
        d.fields = static_cast<uint32_t>(config_.fields.size());
        d.gone = std::move(gone_);
        for (uint32_t r : changes.members) {
            d.identity.push_back(identity_[r]);
            d.fingerprint.push_back(result_.fingerprint[r]);
            d.entity.push_back(ids[result_.entity_of[r]]);
            d.member_row.push_back(member_rows[r]);
        }
        for (size_t j : changes.stale_pairs) {
            d.gone_a.push_back(identity_[previous_.pairs[j].a]);
            d.gone_b.push_back(identity_[previous_.pairs[j].b]);
        }
        for (size_t i : changes.pairs) {
            const res::ScoredPair& p = result_.pairs[i];
            d.pair_a.push_back(identity_[p.a]);
            d.pair_b.push_back(identity_[p.b]);
            d.probability.push_back(p.probability);
            d.match_weight.push_back(p.match_weight);
            d.status.push_back(static_cast<uint8_t>(p.status));
            d.pair_row.push_back(pair_rows[i]);
            for (size_t f = 0; f < d.fields; ++f) d.levels.push_back(result_.PairLevel(i, f));
        }
        if (!snapshot_.WriteDelta(outer, res::EncodeDelta(d))) return false;
        snapshot_.SetWriteSeconds(Seconds(t0));
        return true;
    }

    // WriteSnapshot replaces the resolution's run snapshot by a base of the rows as they
    // now are (`member_rows` per record, `pair_rows` per pair of the result;
    // run_snapshot.hpp). Two records with one identity hash leave no snapshot (the next
    // incremental run reads the tables).
    void WriteSnapshot(MemoryContext outer, const std::vector<int64_t>& ids,
                       const std::vector<uint64_t>& member_rows,
                       const std::vector<uint64_t>& pair_rows, const std::vector<uint32_t>& kept) {
        const auto t0 = std::chrono::steady_clock::now();
        std::string bytes;
        try {
            bytes = res::EncodeSnapshot(
                res::BuildSnapshot(result_, ids, identity_, member_rows, pair_rows, kept,
                                   mode_ == "incremental" ? &previous_ : nullptr));
        } catch (const core::InvalidArgument&) {
            snapshot_.Delete();  // two records share an identity: no snapshot
            snapshot_.SetWriteSeconds(Seconds(t0));
            return;
        }
        snapshot_.WriteBase(outer, bytes);
        snapshot_.SetWriteSeconds(Seconds(t0));
    }

    // ReadInput streams input `source` into the record set through `feed`.
    void ReadInput(BatchStep& step, uint32_t source, res::RecordFeed& feed) {
        InputStats& stats = inputs_[source];
        const size_t nfields = config_.fields.size();
        std::vector<std::optional<std::string_view>> values(nfields);
        std::string previous_key;
        bool first = true;
        std::vector<Datum> datums(nfields + 1);
        std::unique_ptr<bool[]> nulls(new bool[nfields + 1]);
        step.Run(queries_[source].c_str(), {}, {}, [&](const StepRow& row) {
            if (row.Columns() != static_cast<int>(nfields) + 1)
                throw core::DataError("nightjar: resolution \"" + name_ + "\": input \"" +
                                      stats.source + "\" has " + std::to_string(row.Columns()) +
                                      " columns, not a key and " + std::to_string(nfields));
            row.Deform(datums.data(), nulls.get());
            std::optional<std::string_view> key = DatumText(datums[0], nulls[0]);
            if (!key) {
                ++stats.null_keys;
                return;
            }
            if (!first && *key == previous_key)
                throw core::DataError(
                    "nightjar: resolution \"" + name_ + "\": input \"" + stats.source +
                    "\": key \"" + std::string(key->substr(0, 64)) + "\" appears more than once");
            first = false;
            previous_key.assign(key->data(), key->size());
            for (size_t f = 0; f < nfields; ++f) values[f] = DatumText(datums[f + 1], nulls[f + 1]);
            feed.Append(source, *key, values);
            ++stats.records;
        });
    }

    // OuterText returns `s` as a text Datum allocated in `context`.
    static Datum OuterText(MemoryContext context, std::string_view s) {
        return PgCall([&] {
            MemoryContext saved = MemoryContextSwitchTo(context);
            Datum d =
                PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
            MemoryContextSwitchTo(saved);
            return d;
        });
    }

    // SourceDatums returns one text Datum per input label, in `context`.
    std::vector<Datum> SourceDatums(MemoryContext context) const {
        std::vector<Datum> out;
        MemoryContext saved = MemoryContextSwitchTo(context);
        try {
            for (const InputStats& in : inputs_) out.push_back(TextDatum(in.source));
        } catch (...) {
            MemoryContextSwitchTo(saved);
            throw;
        }
        MemoryContextSwitchTo(saved);
        return out;
    }

    // KeyDatums fills `out` with text Datums of the keys of records[begin, end).
    void KeyDatums(const std::vector<uint32_t>& records, size_t begin, size_t end,
                   std::vector<Datum>& out) const {
        out.resize(end - begin);
        PgCall([&] {
            for (size_t i = begin; i < end; ++i) {
                std::string_view k = records_.Key(records[i]);
                out[i - begin] =
                    PointerGetDatum(cstring_to_text_with_len(k.data(), static_cast<int>(k.size())));
            }
        });
    }

    // WriteMembers writes one entity_member row per record of `records`: (resolution,
    // entity_id -- ids[entity], or the entity's index + 1 without `ids` --, source, key,
    // fingerprint), by HeapWriter when the partition allows it (resolve_writer.hpp), else
    // by SQL.
    void WriteMembers(MemoryContext outer, const std::vector<uint32_t>& records,
                      const std::vector<int64_t>* ids, std::vector<uint64_t>& rows) {
        const std::vector<Datum> sources = SourceDatums(outer);
        const Datum resolution = OuterText(outer, name_);
        std::optional<HeapWriter> heap;
        std::optional<BulkWriter> bulk;
        if (HeapWriter::Usable(member_oid_,
                               {"resolution", "entity_id", "source", "key", "fingerprint"})) {
            heap.emplace(member_oid_);
        } else {
            bulk.emplace("INSERT INTO " + member_table_ +
                             " (resolution, entity_id, source, key, fingerprint) SELECT * FROM "
                             "unnest($1::text[], $2::bigint[], $3::text[], $4::text[], "
                             "$5::bigint[]) RETURNING ctid",
                         std::vector<Oid>{TEXTOID, INT8OID, TEXTOID, TEXTOID, INT8OID});
        }
        heap_writes_ = heap.has_value();
        rows.reserve(rows.size() + records.size());
        if (heap) {
            heap->CollectTids(&rows);
        } else {
            bulk->CollectTids(&rows);
        }
        ScratchContext scratch(outer);
        ActivityProgress progress(label_, "entity members written");
        std::vector<Datum> keys;
        const size_t n = records.size();
        for (size_t begin = 0; begin < n; begin += kWriteRows) {
            const size_t end = std::min(n, begin + kWriteRows);
            {
                ScratchContext::Scope in_scratch(scratch);
                KeyDatums(records, begin, end, keys);
                for (size_t i = begin; i < end; ++i) {
                    const uint32_t r = records[i];
                    const uint32_t e = result_.entity_of[r];
                    const int64 id = ids != nullptr ? (*ids)[e] : static_cast<int64>(e) + 1;
                    Datum v[5] = {resolution, Int64GetDatum(id), sources[records_.Source(r)],
                                  keys[i - begin],
                                  Int64GetDatum(static_cast<int64>(result_.fingerprint[r]))};
                    bool nulls[5] = {false, false, false, false, false};
                    if (heap) {
                        heap->Add(v, nulls);
                    } else {
                        bulk->Add(v, nulls);
                    }
                }
                if (heap) {
                    heap->Flush();
                } else {
                    bulk->Flush();
                }
            }
            scratch.Reset();
            progress.Report(static_cast<int64_t>(end), static_cast<int64_t>(n));
        }
    }

    // PairInsertSql is the SQL fallback's match_pair insert: the resolution and 7 scalar
    // columns, then one smallint array per field assembled into the levels array
    // (BulkWriter cannot bind an array of arrays).
    std::string PairInsertSql() const {
        std::string unnest =
            "$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::real[], "
            "$7::real[], $8::text[]";
        std::string alias = "r, sa, ka, sb, kb, p, w, st";
        std::string levels = "ARRAY[";
        for (size_t f = 0; f < config_.fields.size(); ++f) {
            unnest += ", $" + std::to_string(f + 9) + "::smallint[]";
            alias += ", l" + std::to_string(f);
            levels += (f > 0 ? ", l" : "l") + std::to_string(f);
        }
        levels += "]::smallint[]";
        return "INSERT INTO " + pair_table_ +
               " (resolution, source_a, key_a, source_b, key_b, probability, match_weight, "
               "status, levels) SELECT r, sa, ka, sb, kb, p, w, st, " +
               levels + " FROM unnest(" + unnest + ") AS u(" + alias + ")";
    }

    // LevelsArray returns pair i's levels as a smallint[] Datum (NULL elements: missing).
    Datum LevelsArray(size_t i, std::vector<Datum>& elems, std::unique_ptr<bool[]>& nulls) const {
        const size_t nfields = config_.fields.size();
        for (size_t f = 0; f < nfields; ++f) {
            const int8_t level = result_.PairLevel(i, f);
            nulls[f] = level == res::kNullLevel;
            elems[f] = Int16GetDatum(static_cast<int16>(level));
        }
        return PgCall([&] {
            int dims[1] = {static_cast<int>(nfields)};
            int lbs[1] = {1};
            return PointerGetDatum(construct_md_array(elems.data(), nulls.get(), 1, dims, lbs,
                                                      INT2OID, sizeof(int16), true, 's'));
        });
    }

    // WritePairs writes the scored pairs `which` (indexes of result_.pairs: matches, cut
    // links and the review band), by HeapWriter when the partition allows it, else by SQL.
    void WritePairs(MemoryContext outer, const std::vector<size_t>& which,
                    std::vector<uint64_t>& rows) {
        const std::vector<Datum> sources = SourceDatums(outer);
        const Datum resolution = OuterText(outer, name_);
        const size_t nfields = config_.fields.size();
        std::vector<Datum> statuses;
        for (auto s : {res::PairStatus::kMatch, res::PairStatus::kCut, res::PairStatus::kReview})
            statuses.push_back(OuterText(outer, res::PairStatusName(s)));
        std::optional<HeapWriter> heap;
        std::optional<BulkWriter> bulk;
        if (HeapWriter::Usable(pair_oid_, {"resolution", "source_a", "key_a", "source_b", "key_b",
                                           "probability", "match_weight", "status", "levels"})) {
            heap.emplace(pair_oid_);
        } else {
            std::vector<Oid> types = {TEXTOID, TEXTOID,   TEXTOID,   TEXTOID,
                                      TEXTOID, FLOAT4OID, FLOAT4OID, TEXTOID};
            types.resize(8 + nfields, INT2OID);
            bulk.emplace(PairInsertSql() + " RETURNING ctid", types);
        }
        rows.reserve(rows.size() + which.size());
        if (heap) {
            heap->CollectTids(&rows);
        } else {
            bulk->CollectTids(&rows);
        }
        ScratchContext scratch(outer);
        ActivityProgress progress(label_, "pairs written");
        std::vector<Datum> v(8 + nfields), elems(nfields);
        std::unique_ptr<bool[]> nulls(new bool[8 + nfields]), elem_nulls(new bool[nfields]);
        const auto& pairs = result_.pairs;
        for (size_t begin = 0; begin < which.size(); begin += kWriteRows) {
            const size_t end = std::min(which.size(), begin + kWriteRows);
            {
                ScratchContext::Scope in_scratch(scratch);
                std::vector<Datum> keys_a(end - begin), keys_b(end - begin);
                PgCall([&] {
                    for (size_t k = begin; k < end; ++k) {
                        const res::ScoredPair& p = pairs[which[k]];
                        std::string_view a = records_.Key(p.a), b = records_.Key(p.b);
                        keys_a[k - begin] = PointerGetDatum(
                            cstring_to_text_with_len(a.data(), static_cast<int>(a.size())));
                        keys_b[k - begin] = PointerGetDatum(
                            cstring_to_text_with_len(b.data(), static_cast<int>(b.size())));
                    }
                });
                for (size_t k = begin; k < end; ++k) {
                    const size_t i = which[k];
                    const res::ScoredPair& p = pairs[i];
                    v[0] = resolution;
                    v[1] = sources[records_.Source(p.a)];
                    v[2] = keys_a[k - begin];
                    v[3] = sources[records_.Source(p.b)];
                    v[4] = keys_b[k - begin];
                    v[5] = Float4GetDatum(p.probability);
                    v[6] = Float4GetDatum(p.match_weight);
                    v[7] = statuses[static_cast<size_t>(p.status)];
                    for (size_t c = 0; c < 8 + nfields; ++c) nulls[c] = false;
                    if (heap) {
                        v[8] = LevelsArray(i, elems, elem_nulls);
                        heap->Add(v.data(), nulls.get());
                    } else {
                        for (size_t f = 0; f < nfields; ++f) {
                            const int8_t level = result_.PairLevel(i, f);
                            nulls[8 + f] = level == res::kNullLevel;
                            v[8 + f] = Int16GetDatum(static_cast<int16>(level));
                        }
                        bulk->Add(v.data(), nulls.get());
                    }
                }
                if (heap) {
                    heap->Flush();
                } else {
                    bulk->Flush();
                }
            }
            scratch.Reset();
            progress.Report(static_cast<int64_t>(end), static_cast<int64_t>(which.size()));
        }
    }

    const std::string name_;
    const std::string mode_;  // full, frozen (full with the stored model), incremental
    const bool read_constraints_;
    res::ResolveOptions options_;
    res::PreviousRun previous_;
    PreviousRows previous_rows_;  // where the last run's rows are (incremental)
    size_t member_rows_written_ = 0, pair_rows_written_ = 0;
    size_t member_rows_deleted_ = 0, pair_rows_deleted_ = 0;
    size_t unknown_constraints_ = 0;
    double read_previous_seconds_ = 0;
    const std::string pair_table_, member_table_;  // regclass output: quoted as needed
    const Oid pair_oid_, member_oid_;
    bool heap_writes_ = false;  // whether the rows went through HeapWriter (for the summary)
    const res::ResolverConfig& config_;
    res::RecordSet records_;
    std::vector<uint64_t> identity_;  // per record: RecordIdentities (the run snapshot's key)
    SnapshotStore snapshot_;          // the run snapshot (read when incremental, always written)
    std::vector<uint64_t> gone_;      // identities of the snapshot's records gone today
    std::vector<std::string> queries_;
    std::vector<InputStats> inputs_;
    std::string label_;
    res::ResolveResult result_;
    double read_seconds_ = 0, write_seconds_ = 0, write_members_seconds_ = 0;
};

}  // namespace

// nightjar_resolve_records runs one resolution and returns its summary.
NIGHTJAR_FUNCTION(nightjar_resolve_records) {
    const std::string name = TextArg(fcinfo, 0);
    const res::ResolverConfig config = ReadResolutionConfig(name, JsonbTextArg(fcinfo, 1));
    std::vector<std::string> sources = TextArrayArg(fcinfo, 2, "sources");
    std::vector<std::string> queries = TextArrayArg(fcinfo, 3, "queries");
    if (sources.size() != queries.size() || sources.empty())
        throw core::InvalidArgument("nightjar: _resolve_records needs one query per source");
    std::string mode = TextArg(fcinfo, 6);
    if (mode != "full" && mode != "frozen" && mode != "incremental")
        throw core::InvalidArgument("nightjar: _resolve_records: unknown mode \"" +
                                    mode.substr(0, 64) + "\"");
    Resolution run(name, config, std::move(sources), std::move(queries), PG_GETARG_OID(4),
                   PG_GETARG_OID(5), std::move(mode), TextArg(fcinfo, 7), PG_GETARG_BOOL(8));
    run.Run();
    return run.Result();
}
