// rules_catalog.cpp: nightjar.rule_kinds(), the core's list of rule kinds and transforms
// (core/rules/catalog.hpp) as jsonb, so that SQL checks and tests compare against the
// one list instead of a copy.
#include "extension/pg/boundary.hpp"

extern "C" {
#include "utils/fmgrprotos.h"
}

#include <string>

#include "core/rules/catalog.hpp"

// nightjar_rule_kinds returns {"validation": [...], "normalization": [...], "transforms":
// [...], "multi": [...]}.
NIGHTJAR_FUNCTION(nightjar_rule_kinds) {
    (void)fcinfo;  // no arguments
    const std::string json = nightjar::core::rules::CatalogJson();
    return nightjar::pg::PgCall(
        [&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
}
