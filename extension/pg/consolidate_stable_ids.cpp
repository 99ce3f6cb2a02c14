// consolidate_stable_ids.cpp: nightjar._stable_ids, the glue of
// core/consolidate/stable_ids.hpp and link_constraints.hpp.
//
// The record lists are int8[] (one element per record, in the (source, key) order
// sql/55_consolidate.sql numbers them), not jsonb: a million records read as arrays
// cost one deconstruct_array each, where a jsonb tree would cost a node per number.
// The answer is jsonb (core::consolidate::StableIdsJson).
#include "extension/pg/args.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/fmgrprotos.h"
}

#include <optional>
#include <string>
#include <vector>

#include "core/consolidate/json_codec.hpp"
#include "core/consolidate/link_constraints.hpp"
#include "core/consolidate/stable_ids.hpp"
#include "core/errors.hpp"
#include "extension/pg/progress.hpp"

using namespace nightjar::pg;
namespace consolidate = nightjar::core::consolidate;

namespace {

// Int8ArrayArg reads a one-dimensional int8[] argument; NULL elements become nullopt.
std::vector<std::optional<int64_t>> Int8ArrayArg(FunctionCallInfo fcinfo, int argno,
                                                 const char* what) {
    Datum* elems = nullptr;
    bool* nulls = nullptr;
    int n = 0;
    bool multi = false;
    PgCall([&] {
        ArrayType* arr = PG_GETARG_ARRAYTYPE_P(argno);
        multi = ARR_NDIM(arr) > 1;
        if (!multi) {
            deconstruct_array(arr, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems,
                              &nulls, &n);
        }
    });
    if (multi) {
        throw nightjar::core::InvalidArgument(std::string(what) +
                                              " must be a one-dimensional array");
    }
    std::vector<std::optional<int64_t>> out(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        if (!nulls[i]) out[static_cast<size_t>(i)] = DatumGetInt64(elems[i]);
    }
    return out;
}

// Links pairs two int8[] arguments into record links (NULLs refused).
std::vector<consolidate::RecordLink> Links(FunctionCallInfo fcinfo, int argno, const char* what) {
    const auto a = Int8ArrayArg(fcinfo, argno, what);
    const auto b = Int8ArrayArg(fcinfo, argno + 1, what);
    if (a.size() != b.size()) {
        throw nightjar::core::InvalidArgument(std::string(what) + ": " + std::to_string(a.size()) +
                                              " and " + std::to_string(b.size()) +
                                              " elements on either side");
    }
    std::vector<consolidate::RecordLink> out;
    for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i] || !b[i]) {
            throw nightjar::core::InvalidArgument(std::string(what) + " must not contain NULL");
        }
        out.push_back({*a[i], *b[i]});
    }
    return out;
}

}  // namespace

// nightjar_stable_ids applies the link constraints to tonight's clusters, maps them onto
// the prior entities and returns the answer as jsonb. Arguments: prior entity ids and
// creation times; per record its prior entity (NULL: none) and cluster (NULL: gone);
// must-link and cannot-link pairs as two arrays of record indexes each.
NIGHTJAR_FUNCTION(nightjar_stable_ids) {
    const auto prior_ids = Int8ArrayArg(fcinfo, 0, "prior entity ids");
    const auto prior_created = Int8ArrayArg(fcinfo, 1, "prior creation times");
    const auto rec_prior = Int8ArrayArg(fcinfo, 2, "record prior entities");
    const auto rec_cluster = Int8ArrayArg(fcinfo, 3, "record clusters");
    const auto must = Links(fcinfo, 4, "must-links");
    const auto cannot = Links(fcinfo, 6, "cannot-links");
    if (prior_ids.size() != prior_created.size() || rec_prior.size() != rec_cluster.size()) {
        throw nightjar::core::InvalidArgument("stable ids: parallel arrays differ in length");
    }
    std::vector<consolidate::PriorEntity> prior(prior_ids.size());
    for (size_t i = 0; i < prior.size(); ++i) {
        if (!prior_ids[i])
            throw nightjar::core::InvalidArgument("prior entity ids must not contain NULL");
        prior[i] = {*prior_ids[i], prior_created[i].value_or(0)};
    }
    std::vector<consolidate::RecordPlacement> records(rec_prior.size());
    for (size_t i = 0; i < records.size(); ++i) {
        records[i].prior_entity = rec_prior[i].value_or(consolidate::kNoEntity);
        records[i].cluster = rec_cluster[i].value_or(consolidate::kGone);
    }
    const consolidate::ConstraintReport report =
        consolidate::ApplyLinkConstraints(records, must, cannot);
    ActivityProgress progress("nightjar.consolidate", "records placed");
    const consolidate::StableIdResult result =
        consolidate::AssignStableIds(prior, records, progress);
    const std::string json = consolidate::StableIdsJson(result, report);
    return PgCall([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
}
