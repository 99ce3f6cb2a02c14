// resolve_previous.cpp: reading an earlier run's results and the link constraints back
// into the core's terms (record indexes of today's RecordSet).
//
// Design. Each table is streamed through the BatchStep loop (one SPI cursor, a scratch
// context reset per chunk); each row's (source, key) is looked up in a RecordIndex (an
// open-addressing table over the RecordSet's keys, 4 bytes a slot). Memory: 8 + 8 bytes
// a record (fingerprint, entity), 4 a previous entity, 16 + fields bytes a previous pair,
// plus 8 bytes a row for its ctid (where an incremental run deletes the rows it replaces).
// Time: one sequential scan of each partition, ~3 s at 1M records and ~2M stored pairs:
// an incremental run reads the tables only when the run snapshot is missing or declined
// (run_snapshot.hpp, sql/54_resolve_snapshot.sql).
#include "extension/pg/resolve_previous.hpp"

#include <optional>
#include <string_view>

extern "C" {
#include "catalog/pg_type.h"
#include "storage/itemptr.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

#include "core/errors.hpp"

namespace nightjar::pg {

namespace res = nightjar::core::resolve;

res::ResolverConfig ReadResolutionConfig(const std::string& name, const std::string& json) {
    // ReadResolutionConfig replaces the core's "nightjar: " prefix by the resolution's name.
    try {
        return res::ResolverConfig::FromJson(json);
    } catch (const core::InvalidArgument& e) {
        std::string_view what = e.what();
        if (what.rfind("nightjar: ", 0) == 0) what.remove_prefix(10);
        throw core::InvalidArgument("nightjar: resolution \"" + name + "\": " + std::string(what));
    }
}

std::optional<std::string_view> StepRowText(const StepRow& row, int col) {
    // StepRowText reads the varlena in place.
    bool isnull = false;
    Datum d = row.Value(col, &isnull);
    return DatumText(d, isnull);
}

std::optional<std::string_view> DatumText(Datum d, bool isnull) {
    // DatumText reads the varlena in place, detoasting only what must be.
    if (isnull) return std::nullopt;
    auto* v = reinterpret_cast<varlena*>(DatumGetPointer(d));
    if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
        v = PgCall([&] { return pg_detoast_datum_packed(v); });
    return std::string_view(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
}

namespace {

// SourceLookup finds a source label's index, remembering the last label asked for (a
// column of source labels repeats them row after row: no string is built per row).
class SourceLookup {
  public:
    explicit SourceLookup(const SourceIndex& sources) : sources_(sources) {}
    // Find returns the index of label `source`, or -1 when no input has it.
    int64_t Find(std::string_view source) {
        if (!last_.empty() && source == last_) return last_index_;
        last_.assign(source.data(), source.size());
        auto it = sources_.find(last_);
        last_index_ = it == sources_.end() ? -1 : static_cast<int64_t>(it->second);
        return last_index_;
    }

  private:
    const SourceIndex& sources_;
    std::string last_;
    int64_t last_index_ = -1;
};

// FindRecord returns the record of (source, key) today, or -1.
int64_t FindRecord(SourceLookup& sources, const res::RecordIndex& index,
                   std::optional<std::string_view> source, std::optional<std::string_view> key) {
    if (!source || !key) return -1;
    const int64_t s = sources.Find(*source);
    return s < 0 ? -1 : index.Find(static_cast<uint32_t>(s), *key);
}

// ReadLevels appends a one-dimensional smallint[] of `fields` elements (NULL ->
// kNullLevel) to `out`, reading the array's data and null bitmap in place.
void ReadLevels(Datum d, size_t fields, std::vector<int8_t>& out) {
    ArrayType* arr = PgCall([&] { return DatumGetArrayTypeP(d); });
    const int n = ARR_NDIM(arr) == 1 ? ARR_DIMS(arr)[0] : (ARR_NDIM(arr) == 0 ? 0 : -1);
    if (n < 0 || static_cast<size_t>(n) != fields || ARR_ELEMTYPE(arr) != INT2OID)
        throw core::DataError("nightjar: a stored pair has " + std::to_string(n) +
                              " levels, the resolution " + std::to_string(fields) +
                              " fields (run a full resolve)");
    const auto* data = reinterpret_cast<const int16*>(ARR_DATA_PTR(arr));
    const bits8* nulls = ARR_NULLBITMAP(arr);
    for (int i = 0; i < n; ++i) {
        if (nulls != nullptr && (nulls[i / 8] & (1 << (i % 8))) == 0) {
            out.push_back(res::kNullLevel);
        } else {
            out.push_back(static_cast<int8_t>(*data++));
        }
    }
}

// Ctid returns a tid column packed as block << 16 | offset.
uint64_t Ctid(const StepRow& row, int col) {
    bool isnull = false;
    Datum d = row.Value(col, &isnull);
    return isnull ? 0 : PackTid(*reinterpret_cast<ItemPointer>(DatumGetPointer(d)));
}

// PairStatusOf reads a stored status ("match", "cut", else review).
res::PairStatus PairStatusOf(std::optional<std::string_view> status) {
    if (status == std::string_view("match")) return res::PairStatus::kMatch;
    if (status == std::string_view("cut")) return res::PairStatus::kCut;
    return res::PairStatus::kReview;
}

}  // namespace

void ReadPreviousRun(BatchStep& step, const std::string& member_table,
                     const std::string& pair_table, const SourceIndex& sources,
                     const res::RecordIndex& index, size_t records, size_t fields,
                     res::PreviousRun& out, PreviousRows& rows) {
    // ReadPreviousRun scans the member partition, then the pair partition.
    rows = PreviousRows();
    rows.member.assign(records, 0);
    out.fingerprint.assign(records, res::kNewRecord);
    out.entity.assign(records, -1);
    out.entity_size.clear();
    out.deleted = 0;
    SourceLookup member_sources(sources), sources_a(sources), sources_b(sources);
    std::string members = "SELECT source, key, entity_id, fingerprint, ctid FROM " + member_table;
    step.Run(members.c_str(), {}, {}, [&](const StepRow& row) {
        const int64 entity = row.Int64(3);
        if (entity >= 0) {
            if (static_cast<size_t>(entity) >= out.entity_size.size())
                out.entity_size.resize(static_cast<size_t>(entity) + 1, 0);
            ++out.entity_size[static_cast<size_t>(entity)];
        }
        const int64_t r =
            FindRecord(member_sources, index, StepRowText(row, 1), StepRowText(row, 2));
        if (r < 0) {
            ++out.deleted;
            rows.stale_members.push_back(Ctid(row, 5));
            return;
        }
        rows.member[static_cast<size_t>(r)] = Ctid(row, 5);
        bool isnull = false;
        Datum fp = row.Value(4, &isnull);
        out.fingerprint[static_cast<size_t>(r)] =
            isnull ? res::kNewRecord : static_cast<uint64_t>(DatumGetInt64(fp));
        out.entity[static_cast<size_t>(r)] = entity;
    });
    std::string pairs =
        "SELECT source_a, key_a, source_b, key_b, probability, match_weight, levels, status, "
        "ctid FROM " +
        pair_table;
    step.Run(pairs.c_str(), {}, {}, [&](const StepRow& row) {
        const int64_t a = FindRecord(sources_a, index, StepRowText(row, 1), StepRowText(row, 2));
        const int64_t b = FindRecord(sources_b, index, StepRowText(row, 3), StepRowText(row, 4));
        bool isnull = false;
        Datum levels = row.Value(7, &isnull);
        if (a < 0 || b < 0 || isnull) {
            rows.stale_pairs.push_back(Ctid(row, 9));
            return;
        }
        res::ScoredPair p;
        p.a = static_cast<uint32_t>(a);
        p.b = static_cast<uint32_t>(b);
        p.probability = DatumGetFloat4(row.Value(5, &isnull));
        p.match_weight = DatumGetFloat4(row.Value(6, &isnull));
        p.status = PairStatusOf(StepRowText(row, 8));
        ReadLevels(levels, fields, out.pair_levels);
        out.pairs.push_back(p);
        rows.pair.push_back(Ctid(row, 9));
    });
}

size_t ReadLinkConstraints(BatchStep& step, const std::string& resolution,
                           const SourceIndex& sources, const res::RecordIndex& index,
                           res::LinkConstraints& out) {
    // ReadLinkConstraints maps each decision's two records onto today's records.
    size_t unknown = 0;
    SourceLookup sources_a(sources), sources_b(sources);
    Datum name = PgCall([&] {
        return PointerGetDatum(
            cstring_to_text_with_len(resolution.data(), static_cast<int>(resolution.size())));
    });
    step.Run(
        "SELECT source_a, key_a, source_b, key_b, kind = 'must_link' FROM nightjar.link_constraint "
        "WHERE resolution = $1 ORDER BY source_a, key_a, source_b, key_b",
        {TEXTOID}, {name}, [&](const StepRow& row) {
            const int64_t a =
                FindRecord(sources_a, index, StepRowText(row, 1), StepRowText(row, 2));
            const int64_t b =
                FindRecord(sources_b, index, StepRowText(row, 3), StepRowText(row, 4));
            if (a < 0 || b < 0 || a == b) {
                ++unknown;
                return;
            }
            bool isnull = false;
            const bool must = DatumGetBool(row.Value(5, &isnull));
            res::RecordLink link{static_cast<uint32_t>(a), static_cast<uint32_t>(b)};
            (must ? out.must_link : out.cannot_link).push_back(link);
        });
    return unknown;
}

}  // namespace nightjar::pg
