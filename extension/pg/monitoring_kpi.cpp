// monitoring_kpi.cpp: nightjar._monitoring_kpi(load_id bigint, policies jsonb) → jsonb, the
// heavy part of the KPI step (nightjar.monitoring_compute_kpis, sql/65_monitoring_kpi.sql).
//
// Phases: the policy versions the load uses arrive once as JSON and are parsed and checked
// by the core (ParsePolicies); the matched states of the load, joined with their
// reference state and calculation mode, stream through the BatchStep loop 1000 at a
// time; each row's float8[] columns are read as zero-copy views (float8_arrays.hpp); at
// the end of a chunk the core evaluates its states (EvaluateStates, with the interrupt
// hook), then one INSERT writes the chunk's KPI rows — their per-mode and per-sensor
// arrays travel as one flat float8[] and one flat int4[] sliced by offsets in SQL,
// because an array of arrays cannot pass through unnest — and the level rows go through
// a BulkWriter. Memory: one chunk of states and results; the scratch context is reset
// after each chunk.
#include "extension/pg/batch_step.hpp"
#include "extension/pg/float8_arrays.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
}

#include <array>
#include <map>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/modal/kpi.hpp"
#include "core/modal/policy.hpp"

using namespace nightjar::pg;
namespace modal = nightjar::core::modal;
using nightjar::core::InvalidArgument;

namespace {

constexpr long kChunkRows = 1000;

constexpr const char* kStatesQuery =
    "SELECT m.state_id, m.structure_id, m.policy_version_id, m.measured_at, "
    "s.calculation_mode = 'RELATIVE', m.frequency, m.damping, m.mcf, m.shape, "
    "r.frequency, r.damping, r.mcf, r.shape "
    "FROM nightjar.monitoring_state_match m "
    "JOIN nightjar.monitoring_structure s ON s.structure_id = m.structure_id "
    "JOIN nightjar.monitoring_reference_state r ON r.structure_id = m.structure_id "
    "WHERE m.load_id = $1 AND m.status = 'matched' ORDER BY m.state_id";

// The KPI rows of a chunk: per-row scalars unnested, arrays sliced out of $8 (float8:
// frequency, damping, MCF deviations, MAC, each m values, then COMAC, s values) and $9
// (int4: pairing, then the levels of the same five KPIs) at offsets $10 and $11.
constexpr const char* kKpiInsert =
    "INSERT INTO nightjar.monitoring_kpi (state_id, load_id, structure_id, policy_version_id, "
    "measured_at, pairing, frequency_dev, damping_dev, mcf_dev, mac, comac, frequency_level, "
    "damping_level, mcf_level, mac_level, comac_level) "
    "SELECT u.state_id, $1, u.structure_id, u.policy_version_id, u.measured_at, "
    "$9[u.io + 1 : u.io + u.m], "
    "$8[u.fo + 1 : u.fo + u.m], $8[u.fo + u.m + 1 : u.fo + 2 * u.m], "
    "$8[u.fo + 2 * u.m + 1 : u.fo + 3 * u.m], $8[u.fo + 3 * u.m + 1 : u.fo + 4 * u.m], "
    "$8[u.fo + 4 * u.m + 1 : u.fo + 4 * u.m + u.s], "
    "$9[u.io + u.m + 1 : u.io + 2 * u.m], $9[u.io + 2 * u.m + 1 : u.io + 3 * u.m], "
    "$9[u.io + 3 * u.m + 1 : u.io + 4 * u.m], $9[u.io + 4 * u.m + 1 : u.io + 5 * u.m], "
    "$9[u.io + 5 * u.m + 1 : u.io + 5 * u.m + u.s] "
    "FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::int[], "
    "$7::int[], $10::int[], $11::int[]) AS u(state_id, structure_id, policy_version_id, "
    "measured_at, m, s, fo, io)";

// Prefixed rethrows a core error with the "nightjar: " prefix of SQL messages.
[[noreturn]] void Prefixed(const InvalidArgument& e) {
    throw InvalidArgument(std::string("nightjar: ") + e.what());
}

// View reads a state's or reference's modal data out of four float8[] columns.
modal::ModalState View(const StepRow& row, int first_col, const char* who, int64 state_id) {
    Float8Array a[4];
    const char* names[4] = {"frequency", "damping", "mcf", "shape"};
    for (int i = 0; i < 4; ++i) {
        bool isnull = false;
        Datum d = row.Value(first_col + i, &isnull);
        if (isnull)
            throw InvalidArgument("nightjar: state " + std::to_string(state_id) + ": " + who + " " +
                                  names[i] + " is NULL");
        a[i] = Float8ArrayView(d, names[i], 1);
    }
    modal::ModalState s;
    s.modes = a[0].size();
    if (s.modes == 0 || a[1].size() != s.modes || a[2].size() != s.modes ||
        a[3].size() % (3 * s.modes) != 0)
        throw InvalidArgument("nightjar: state " + std::to_string(state_id) + ": " + who +
                              " arrays do not fit " + std::to_string(s.modes) + " modes");
    s.sensors = a[3].size() / (3 * s.modes);
    s.frequency = a[0].data;
    s.damping = a[1].data;
    s.mcf = a[2].data;
    s.shape = a[3].data;
    return s;
}

// KpiBatch computes and writes the KPIs of one load.
class KpiBatch {
  public:
    KpiBatch(int64 load_id, std::map<int64_t, modal::Policy> policies)
        : load_id_(load_id), policies_(std::move(policies)) {}

    // Run streams the load's matched states and writes their KPI and level rows.
    void Run();
    // ResultJson returns the step's counts as JSON text.
    std::string ResultJson() const;

  private:
    // AddRow turns one matched state into a job of the chunk.
    void AddRow(const StepRow& row);
    // WriteChunk evaluates the chunk's jobs and writes their rows.
    void WriteChunk(BulkWriter& levels);

    const int64 load_id_;
    const std::map<int64_t, modal::Policy> policies_;
    SPIPlanPtr kpi_plan_ = nullptr;
    ActivityProgress interrupts_;  // no label: the BatchStep shows the progress line
    std::vector<modal::KpiJob> jobs_;
    std::vector<Datum> structure_ids_, versions_, measured_at_;
    std::vector<modal::StateKpis> results_;
    int64 rows_in_ = 0;
    std::array<int64, 5> level_counts_{};
};

void KpiBatch::Run() {
    BatchStep step("nightjar.monitoring_kpi(" + std::to_string(load_id_) + ")", kChunkRows);
    PgCall([&] {
        Oid types[11] = {INT8OID,      INT8ARRAYOID,        INT8ARRAYOID,
                         INT8ARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID,
                         INT4ARRAYOID, FLOAT8ARRAYOID,      INT4ARRAYOID,
                         INT4ARRAYOID, INT4ARRAYOID};
        kpi_plan_ = SPI_prepare(kKpiInsert, 11, types);
        if (kpi_plan_ == nullptr)
            elog(ERROR, "nightjar: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    });
    BulkWriter& levels = step.Writer(
        "INSERT INTO nightjar.monitoring_level (state_id, load_id, structure_id, "
        "policy_version_id, measured_at, local_points, comac_points, global_score, global_level) "
        "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], "
        "$5::timestamptz[], $6::float8[], $7::float8[], $8::float8[], $9::int[])",
        {INT8OID, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID, FLOAT8OID, FLOAT8OID, FLOAT8OID,
         INT4OID});
    step.Run(
        kStatesQuery, {INT8OID}, {Int64GetDatum(load_id_)},
        [&](const StepRow& row) { AddRow(row); }, [&] { WriteChunk(levels); });
    step.Finish();
}

void KpiBatch::AddRow(const StepRow& row) {
    ++rows_in_;
    bool isnull = false;
    modal::KpiJob job;
    job.state_id = row.Int64(1);
    const int64 version = row.Int64(3);
    auto policy = policies_.find(version);
    if (policy == policies_.end())
        throw InvalidArgument("nightjar: state " + std::to_string(job.state_id) +
                              ": policy version " + std::to_string(version) + " was not given");
    job.policy = &policy->second;
    job.relative = DatumGetBool(row.Value(5, &isnull));
    job.state = View(row, 6, "state", job.state_id);
    job.reference = View(row, 10, "reference", job.state_id);
    jobs_.push_back(job);
    structure_ids_.push_back(row.Value(2, &isnull));
    versions_.push_back(Int64GetDatum(version));
    measured_at_.push_back(row.Value(4, &isnull));
}

void KpiBatch::WriteChunk(BulkWriter& levels) {
    if (jobs_.empty()) return;
    try {
        modal::EvaluateStates(jobs_, results_, interrupts_);
    } catch (const InvalidArgument& e) {
        Prefixed(e);
    }
    const size_t n = jobs_.size();
    std::vector<Datum> state_ids(n), ms(n), ss(n), fos(n), ios(n), floats, ints;
    for (size_t k = 0; k < n; ++k) {
        const modal::StateKpis& r = results_[k];
        const size_t m = r.pairing.size(), s = r.comac.size();
        state_ids[k] = Int64GetDatum(jobs_[k].state_id);
        ms[k] = Int32GetDatum(static_cast<int32>(m));
        ss[k] = Int32GetDatum(static_cast<int32>(s));
        fos[k] = Int32GetDatum(static_cast<int32>(floats.size()));
        ios[k] = Int32GetDatum(static_cast<int32>(ints.size()));
        for (int t = 0; t < modal::kLocalKpis; ++t)
            for (double v : r.value[t]) floats.push_back(Float8GetDatum(v));
        for (double v : r.comac) floats.push_back(Float8GetDatum(v));
        for (int p : r.pairing) ints.push_back(Int32GetDatum(p + 1));
        for (int t = 0; t < modal::kLocalKpis; ++t)
            for (int l : r.level[t]) ints.push_back(Int32GetDatum(l));
        for (int l : r.comac_level) ints.push_back(Int32GetDatum(l));
        Datum values[9] = {state_ids[k],
                           Int64GetDatum(load_id_),
                           structure_ids_[k],
                           versions_[k],
                           measured_at_[k],
                           Float8GetDatum(r.local_points),
                           Float8GetDatum(r.comac_points),
                           Float8GetDatum(r.score),
                           Int32GetDatum(r.global_level)};
        bool nulls[9] = {false};
        levels.Add(values, nulls);
        ++level_counts_[r.global_level - 1];
    }
    PgCall([&] {
        auto array = [](std::vector<Datum>& v, Oid type) {
            int16 len;
            bool byval;
            char align;
            get_typlenbyvalalign(type, &len, &byval, &align);
            return PointerGetDatum(
                construct_array(v.data(), static_cast<int>(v.size()), type, len, byval, align));
        };
        Datum args[11] = {Int64GetDatum(load_id_),
                          array(state_ids, INT8OID),
                          array(structure_ids_, INT8OID),
                          array(versions_, INT8OID),
                          array(measured_at_, TIMESTAMPTZOID),
                          array(ms, INT4OID),
                          array(ss, INT4OID),
                          array(floats, FLOAT8OID),
                          array(ints, INT4OID),
                          array(fos, INT4OID),
                          array(ios, INT4OID)};
        const int rc = SPI_execute_plan(kpi_plan_, args, nullptr, false, 0);
        if (rc != SPI_OK_INSERT)
            elog(ERROR, "nightjar: writing KPI rows failed: %s", SPI_result_code_string(rc));
    });
    jobs_.clear();
    structure_ids_.clear();
    versions_.clear();
    measured_at_.clear();
}

std::string KpiBatch::ResultJson() const {
    std::string levels;
    for (int l = 0; l < 5; ++l)
        levels += (l ? ", " : "") + std::string("\"L") + std::to_string(l + 1) +
                  "\": " + std::to_string(level_counts_[l]);
    return "{\"rows_in\": " + std::to_string(rows_in_) +
           ", \"rows_out\": " + std::to_string(rows_in_) + ", \"counts\": {" + levels + "}}";
}

}  // namespace

// nightjar_monitoring_kpi computes the KPIs of one load's matched states under the given policies.
NIGHTJAR_FUNCTION(nightjar_monitoring_kpi) {
    const int64 load_id = PG_GETARG_INT64(0);
    const std::string policies_json = JsonbTextArg(fcinfo, 1);
    std::map<int64_t, modal::Policy> policies;
    try {
        policies = modal::ParsePolicies(policies_json);
    } catch (const InvalidArgument& e) {
        Prefixed(e);
    }
    KpiBatch batch(load_id, std::move(policies));
    batch.Run();
    const std::string result = batch.ResultJson();
    return PgCall([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(result.c_str())); });
}
