// survivorship_config.hpp: how a golden record is built, read from JSON text.
//
//   {"parent":  {"rule": "preferred_source", "sources": ["registry", "shops_a"]},
//    "default": {"rule": "first_non_empty"},
//    "fields": {
//      "name":     {"rule": "source_priority", "sources": ["registry", "shops_a"]},
//      "phone":    {"rule": "most_recent", "exclude": ["scraped"]},
//      "category": "most_frequent",
//      "score":    {"rule": "custom", "function": "public.pick_score"}}}
//
// Parent rules: most_complete (default), preferred_source (needs "sources"), most_recent,
// synthetic (no parent record: every field comes from its own rule). Field rules:
// first_non_empty (default), parent, source_priority (needs "sources"), most_recent,
// most_frequent, longest, custom (needs "function": the glue calls it). Every field rule
// takes "exclude": sources whose values it never uses. A rule may be written as its name
// alone. Unknown keys are refused, and every error names the field it is about.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nightjar::core::consolidate {

// ParentRule chooses the parent (golden) record of an entity.
enum class ParentRule { kMostComplete, kPreferredSource, kMostRecent, kSynthetic };

// FieldRule chooses the value of one golden field.
enum class FieldRule {
    kFirstNonEmpty,
    kParent,
    kSourcePriority,
    kMostRecent,
    kMostFrequent,
    kLongest,
    kCustom
};

// ParentRuleName and FieldRuleName return the rule's name as written in the config.
const char* ParentRuleName(ParentRule rule);
const char* FieldRuleName(FieldRule rule);

// FieldPolicy is one field's rule with its parameters.
struct FieldPolicy {
    FieldRule rule = FieldRule::kFirstNonEmpty;
    std::vector<std::string> sources;  // source_priority: highest priority first
    std::vector<std::string> exclude;  // sources never used for this field
    std::string function;              // custom: the SQL function's name, as written
};

// SurvivorshipConfig is a compiled survivorship configuration.
struct SurvivorshipConfig {
    ParentRule parent = ParentRule::kMostComplete;
    std::vector<std::string> parent_sources;                  // preferred_source: highest first
    FieldPolicy defaults;                                     // fields not listed in `fields`
    std::vector<std::pair<std::string, FieldPolicy>> fields;  // in the config's order

    // PolicyOf returns the policy of `field`: its own, or the default.
    const FieldPolicy& PolicyOf(std::string_view field) const;
};

// ParseSurvivorshipConfig reads a configuration; throws InvalidArgument naming the field
// (or "parent" / "default") and the problem.
SurvivorshipConfig ParseSurvivorshipConfig(std::string_view json);

}  // namespace nightjar::core::consolidate

#include "core/cpp_only.hpp"
