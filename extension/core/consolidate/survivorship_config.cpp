// survivorship_config.cpp: ParseSurvivorshipConfig and the rule names (see the header).
#include "core/consolidate/survivorship_config.hpp"

#include <initializer_list>

#include "core/errors.hpp"
#include "core/json/json_value.hpp"

namespace nightjar::core::consolidate {

namespace {

constexpr ParentRule kParentRules[] = {ParentRule::kMostComplete, ParentRule::kPreferredSource,
                                       ParentRule::kMostRecent, ParentRule::kSynthetic};
constexpr FieldRule kFieldRules[] = {FieldRule::kFirstNonEmpty,  FieldRule::kParent,
                                     FieldRule::kSourcePriority, FieldRule::kMostRecent,
                                     FieldRule::kMostFrequent,   FieldRule::kLongest,
                                     FieldRule::kCustom};

// Cut returns `s` cut to 64 characters for an error message.
std::string Cut(const std::string& s) { return s.size() <= 64 ? s : s.substr(0, 61) + "..."; }

// Fail throws InvalidArgument "survivorship <where>: <what>".
[[noreturn]] void Fail(const std::string& where, const std::string& what) {
    throw InvalidArgument("survivorship " + where + ": " + what);
}

// CheckKeys refuses members of `obj` outside `allowed`.
void CheckKeys(const JsonValue& obj, std::initializer_list<const char*> allowed,
               const std::string& where) {
    for (const auto& [key, value] : obj.members) {
        bool known = false;
        for (const char* a : allowed) known = known || key == a;
        if (!known) Fail(where, "unknown key \"" + Cut(key) + "\"");
    }
}

// StringList reads member `key` of `obj` as an array of strings (absent: empty).
std::vector<std::string> StringList(const JsonValue& obj, const char* key,
                                    const std::string& where) {
    std::vector<std::string> out;
    const JsonValue* v = obj.Find(key);
    if (v == nullptr) return out;
    if (v->type != JsonValue::Type::kArray) {
        Fail(where, std::string("\"") + key + "\" must be an array of source names, not " +
                        TypeNameWithArticle(v->type));
    }
    for (const JsonValue& item : v->items) {
        if (item.type != JsonValue::Type::kString || item.text.empty()) {
            Fail(where, std::string("\"") + key + "\" must hold non-empty strings");
        }
        out.push_back(item.text);
    }
    return out;
}

// RuleName reads a rule given as a name or as an object's "rule" member.
std::string RuleName(const JsonValue& v, const std::string& where) {
    if (v.type == JsonValue::Type::kString) return v.text;
    if (v.type != JsonValue::Type::kObject) {
        Fail(where,
             std::string("must be a rule name or an object, not ") + TypeNameWithArticle(v.type));
    }
    const JsonValue* rule = v.Find("rule");
    if (rule == nullptr) Fail(where, "\"rule\" is missing");
    if (rule->type != JsonValue::Type::kString) Fail(where, "\"rule\" must be a string");
    return rule->text;
}

// ParseFieldPolicy reads one field's policy.
FieldPolicy ParseFieldPolicy(const JsonValue& v, const std::string& where) {
    FieldPolicy p;
    const std::string name = RuleName(v, where);
    bool found = false;
    for (FieldRule r : kFieldRules) {
        if (name == FieldRuleName(r)) {
            p.rule = r;
            found = true;
        }
    }
    if (!found) {
        Fail(where, "unknown rule \"" + Cut(name) +
                        "\" (expected first_non_empty, parent, source_priority, most_recent, "
                        "most_frequent, longest or custom)");
    }
    if (v.type == JsonValue::Type::kObject) {
        CheckKeys(v, {"rule", "sources", "exclude", "function"}, where);
        p.sources = StringList(v, "sources", where);
        p.exclude = StringList(v, "exclude", where);
        if (const JsonValue* f = v.Find("function")) {
            if (f->type != JsonValue::Type::kString || f->text.empty()) {
                Fail(where, "\"function\" must be a non-empty string");
            }
            p.function = f->text;
        }
    }
    if (p.rule == FieldRule::kSourcePriority && p.sources.empty()) {
        Fail(where, "rule source_priority needs \"sources\" (highest priority first)");
    }
    if (p.rule == FieldRule::kCustom && p.function.empty()) {
        Fail(where, "rule custom needs \"function\" (an SQL function taking jsonb)");
    }
    if (p.rule != FieldRule::kCustom && !p.function.empty()) {
        Fail(where, "\"function\" is only for rule custom");
    }
    if (p.rule != FieldRule::kSourcePriority && !p.sources.empty()) {
        Fail(where, "\"sources\" is only for rule source_priority");
    }
    return p;
}

// ParseParent reads the parent rule into `config`.
void ParseParent(const JsonValue& v, SurvivorshipConfig& config) {
    const std::string where = "parent";
    const std::string name = RuleName(v, where);
    bool found = false;
    for (ParentRule r : kParentRules) {
        if (name == ParentRuleName(r)) {
            config.parent = r;
            found = true;
        }
    }
    if (!found) {
        Fail(where, "unknown rule \"" + Cut(name) +
                        "\" (expected most_complete, preferred_source, most_recent or synthetic)");
    }
    if (v.type == JsonValue::Type::kObject) {
        CheckKeys(v, {"rule", "sources"}, where);
        config.parent_sources = StringList(v, "sources", where);
    }
    if (config.parent == ParentRule::kPreferredSource && config.parent_sources.empty()) {
        Fail(where, "rule preferred_source needs \"sources\" (highest priority first)");
    }
}

}  // namespace

// ParentRuleName returns the parent rule's name as written in the config.
const char* ParentRuleName(ParentRule rule) {
    switch (rule) {
        case ParentRule::kMostComplete:
            return "most_complete";
        case ParentRule::kPreferredSource:
            return "preferred_source";
        case ParentRule::kMostRecent:
            return "most_recent";
        case ParentRule::kSynthetic:
            return "synthetic";
    }
    return "unknown";
}

// FieldRuleName returns the field rule's name as written in the config.
const char* FieldRuleName(FieldRule rule) {
    switch (rule) {
        case FieldRule::kFirstNonEmpty:
            return "first_non_empty";
        case FieldRule::kParent:
            return "parent";
        case FieldRule::kSourcePriority:
            return "source_priority";
        case FieldRule::kMostRecent:
            return "most_recent";
        case FieldRule::kMostFrequent:
            return "most_frequent";
        case FieldRule::kLongest:
            return "longest";
        case FieldRule::kCustom:
            return "custom";
    }
    return "unknown";
}

// PolicyOf returns the policy of `field`: its own, or the default.
const FieldPolicy& SurvivorshipConfig::PolicyOf(std::string_view field) const {
    for (const auto& [name, policy] : fields) {
        if (name == field) return policy;
    }
    return defaults;
}

// ParseSurvivorshipConfig reads a configuration, naming the field of every error.
SurvivorshipConfig ParseSurvivorshipConfig(std::string_view json) {
    const JsonValue root = ParseJson(json);
    if (root.type != JsonValue::Type::kObject) {
        throw InvalidArgument(std::string("survivorship config must be a JSON object, not ") +
                              TypeNameWithArticle(root.type));
    }
    CheckKeys(root, {"parent", "default", "fields"}, "config");
    SurvivorshipConfig config;
    if (const JsonValue* parent = root.Find("parent")) ParseParent(*parent, config);
    if (const JsonValue* d = root.Find("default"))
        config.defaults = ParseFieldPolicy(*d, "default");
    if (const JsonValue* fields = root.Find("fields")) {
        if (fields->type != JsonValue::Type::kObject) {
            Fail("config", std::string("\"fields\" must be an object (field name -> rule), not ") +
                               TypeNameWithArticle(fields->type));
        }
        for (const auto& [name, policy] : fields->members) {
            const std::string where = "field \"" + Cut(name) + "\"";
            if (name.empty()) Fail("config", "a field name is empty");
            for (const auto& [seen, unused] : config.fields) {
                if (seen == name) Fail(where, "is listed twice");
            }
            config.fields.emplace_back(name, ParseFieldPolicy(policy, where));
        }
    }
    return config;
}

}  // namespace nightjar::core::consolidate
