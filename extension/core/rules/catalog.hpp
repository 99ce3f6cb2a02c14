// catalog.hpp: the names of every rule kind and transform — the one list that the SQL
// CHECK constraints (sql/40_quality_catalog.sql), the SQL function nightjar.rule_kinds()
// and docs/rules.md are checked against (tests/sql/rule_kinds.sql and
// tests/unit/core/rules_catalog_test.cpp fail when they drift).
#pragma once

#include <string>
#include <vector>

namespace nightjar::core::rules {

// ValidationKinds lists the validation rule kinds, in documentation order.
const std::vector<std::string>& ValidationKinds();

// NormalizationKinds lists the normalisation rule kinds, in the order they apply.
const std::vector<std::string>& NormalizationKinds();

// TransformNames lists the transforms of normalisation "transform" rules and of
// nightjar.transform (core/text/transform_catalog.hpp owns them).
const std::vector<std::string>& TransformNames();

// MultiFunctions lists the functions of normalisation "multi" rules.
const std::vector<std::string>& MultiFunctions();

// JoinNames joins names with ", " (for "known: ..." in error messages).
std::string JoinNames(const std::vector<std::string>& names);

// CatalogJson returns {"validation": [...], "normalization": [...], "transforms": [...],
// "multi": [...]} (what nightjar.rule_kinds() returns).
std::string CatalogJson();

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"
