// rule_set.cpp: validation rules from JSON text (see rule_set.hpp). Parsing a rule list is
// a per-batch cost proportional to its size (dominated by reference value sets, one string
// per distinct value); evaluation never sees JSON.
#include "core/rules/rule_set.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::rules {

namespace {

// Where returns "rule <name>" or "rule <position>" for messages about a rule object.
std::string Where(const JsonValue& rule, size_t position) {
    const JsonValue* name = rule.Find("name");
    if (name != nullptr && name->type == JsonValue::Type::kString)
        return "nightjar: rule " + name->text.substr(0, 64);
    return "nightjar: rule " + std::to_string(position);
}

// StringMember returns member `key` of `rule`, which must be a string when present.
std::string StringMember(const JsonValue& rule, const char* key, bool required,
                         const std::string& where) {
    const JsonValue* v = rule.Find(key);
    if (v == nullptr) {
        if (required) throw InvalidArgument(where + ": \"" + key + "\" is required");
        return "";
    }
    if (v->type != JsonValue::Type::kString)
        throw InvalidArgument(where + ": \"" + key + "\" must be a string, not " +
                              TypeNameWithArticle(v->type));
    return v->text;
}

// IntegerMember returns member `key` of `rule` as a non-negative integer (0 when absent).
int64_t IntegerMember(const JsonValue& rule, const char* key, const std::string& where) {
    const JsonValue* v = rule.Find(key);
    if (v == nullptr) return 0;
    const double d = v->type == JsonValue::Type::kNumber ? v->AsNumber() : -1.0;
    if (d < 0 || d != std::floor(d) || d > 9.2e18)
        throw InvalidArgument(where + ": \"" + key + "\" must be a non-negative integer");
    return static_cast<int64_t>(d);
}

}  // namespace

RuleSpec RuleSpecFromJson(const JsonValue& rule) {
    // RuleSpecFromJson copies the definition members; params default to {}.
    const std::string where = Where(rule, 0);
    if (rule.type != JsonValue::Type::kObject)
        throw InvalidArgument("nightjar: a rule must be a JSON object, not " +
                              std::string(TypeNameWithArticle(rule.type)));
    RuleSpec spec;
    spec.name = StringMember(rule, "name", true, where);
    spec.kind = StringMember(rule, "kind", true, where);
    spec.field = StringMember(rule, "field", true, where);
    if (rule.Find("severity") != nullptr)
        spec.severity = StringMember(rule, "severity", true, where);
    if (const JsonValue* params = rule.Find("params")) {
        if (params->type != JsonValue::Type::kObject)
            throw InvalidArgument(where + ": params must be a JSON object, not " +
                                  TypeNameWithArticle(params->type));
        for (const auto& [key, value] : params->members) spec.params.emplace(key, value);
    }
    return spec;
}

RuleSet CompileRuleSet(std::string_view rules_json, const std::vector<std::string>& fields) {
    // CompileRuleSet checks the envelope of each rule object, then compiles it.
    const JsonValue list = ParseJson(rules_json);
    if (list.type != JsonValue::Type::kArray)
        throw InvalidArgument("nightjar: rules must be a JSON array of rule objects, not " +
                              std::string(TypeNameWithArticle(list.type)));
    static const char* const kKeys[] = {"name",    "kind",   "field",        "severity", "params",
                                        "rule_id", "values", "function_oid", "probe"};
    RuleSet set;
    for (size_t i = 0; i < list.items.size(); ++i) {
        const JsonValue& rule = list.items[i];
        const RuleSpec spec = RuleSpecFromJson(rule);
        const std::string where = Where(rule, i + 1);
        for (const auto& [key, value] : rule.members) {
            (void)value;
            if (std::none_of(std::begin(kKeys), std::end(kKeys),
                             [&](const char* k) { return key == k; }))
                throw InvalidArgument(where + ": unknown key \"" + key.substr(0, 64) + "\"");
        }
        set.rules.push_back(CompileRule(spec, fields));
        set.rule_ids.push_back(IntegerMember(rule, "rule_id", where));
        set.function_oids.push_back(
            static_cast<uint32_t>(IntegerMember(rule, "function_oid", where)));
        const JsonValue* probe = rule.Find("probe");
        if (probe != nullptr && probe->type != JsonValue::Type::kString)
            throw InvalidArgument(where + ": \"probe\" must be a string");
        set.probes.push_back(probe != nullptr ? probe->text : std::string());
        if (const JsonValue* values = rule.Find("values")) {
            if (values->type != JsonValue::Type::kArray)
                throw InvalidArgument(where + ": \"values\" must be an array");
            StringSet strings;
            for (const JsonValue& v : values->items)
                if (v.type != JsonValue::Type::kNull) strings.Insert(v.text);
            set.value_sets.emplace_back(i, std::move(strings));
        }
    }
    return set;
}

}  // namespace nightjar::core::rules
