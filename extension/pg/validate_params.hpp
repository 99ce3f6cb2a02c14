// validate_params.hpp: conversion of catalog rows (jsonb) into core rule specs, shared
// by nightjar._check_rule (definition time) and nightjar._validate_records.
#pragma once

// clang-format off: the PostgreSQL headers (through record_io.hpp) come first
#include "extension/pg/record_io.hpp"
// clang-format on

#include <map>
#include <string>
#include <vector>

#include "core/rules/rule_spec.hpp"

namespace nightjar::pg {

// ParamsFromJsonb converts a params object into the core's parameter map; nested
// objects become kObject and arrays keep their scalar elements.
std::map<std::string, core::rules::ParamValue> ParamsFromJsonb(Jsonb* params);

}  // namespace nightjar::pg
