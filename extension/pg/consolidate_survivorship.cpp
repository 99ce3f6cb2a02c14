// consolidate_survivorship.cpp: nightjar._golden_record and nightjar._check_survivorship,
// the glue of core/consolidate/survivorship.hpp.
//
// _golden_record(config, records, corrections) is called once per entity by
// sql/55_consolidate.sql (GROUP BY entity), so the survivorship config would be parsed
// once per entity; the compiled config is kept in fn_extra for the query instead, freed
// by a memory context callback on fn_mcxt (a bare `new` there would leak one config per
// query, and a destructor never runs for memory PostgreSQL frees wholesale).
#include "extension/pg/args.hpp"

extern "C" {
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
}

#include <memory>
#include <string>

#include "core/consolidate/json_codec.hpp"
#include "core/consolidate/survivorship_config.hpp"

using namespace nightjar::pg;
namespace consolidate = nightjar::core::consolidate;

namespace {

// CachedConfig is a compiled config with the text it was compiled from.
struct CachedConfig {
    std::string text;
    consolidate::SurvivorshipConfig config;
};

// DeleteCachedConfig frees the cached config when fn_mcxt is reset or deleted.
void DeleteCachedConfig(void* arg) { delete static_cast<CachedConfig*>(arg); }

// ConfigFor returns the compiled config of `text`, compiling it once per query.
const consolidate::SurvivorshipConfig& ConfigFor(FunctionCallInfo fcinfo, const std::string& text) {
    auto* cached = static_cast<CachedConfig*>(fcinfo->flinfo->fn_extra);
    if (cached != nullptr && cached->text == text) return cached->config;
    auto fresh = std::make_unique<CachedConfig>(
        CachedConfig{text, consolidate::ParseSurvivorshipConfig(text)});
    if (cached != nullptr) {
        // Same call site, another config (rare): replace the contents in place, so the
        // callback registered below keeps owning the one object.
        *cached = std::move(*fresh);
        return cached->config;
    }
    PgCall([&] {
        auto* cb = static_cast<MemoryContextCallback*>(
            MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(MemoryContextCallback)));
        cb->func = DeleteCachedConfig;
        cb->arg = fresh.get();
        MemoryContextRegisterResetCallback(fcinfo->flinfo->fn_mcxt, cb);
    });
    cached = fresh.release();
    fcinfo->flinfo->fn_extra = cached;
    return cached->config;
}

// JsonbResult turns JSON text into a jsonb Datum.
Datum JsonbResult(const std::string& json) {
    return PgCall([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
}

}  // namespace

// nightjar_golden_record returns one entity's golden fields and provenance as jsonb.
NIGHTJAR_FUNCTION(nightjar_golden_record) {
    const std::string config_text = JsonbTextArg(fcinfo, 0);
    const std::string records = JsonbTextArg(fcinfo, 1);
    const std::string corrections = JsonbTextArg(fcinfo, 2);
    const consolidate::SurvivorshipConfig& config = ConfigFor(fcinfo, config_text);
    return JsonbResult(consolidate::GoldenRecordJson(config, records, corrections));
}

// nightjar_check_survivorship compiles a survivorship config and returns true, or raises
// 22023 with the core's message naming the field.
NIGHTJAR_FUNCTION(nightjar_check_survivorship) {
    consolidate::ParseSurvivorshipConfig(JsonbTextArg(fcinfo, 0));
    PG_RETURN_BOOL(true);
}
