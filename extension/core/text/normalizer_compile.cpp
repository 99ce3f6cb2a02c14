// normalizer_compile.cpp: Normalizer::Compile — every check a rule list can fail is made
// here, once per definition or batch, with a message naming the rule's position (from 1),
// its kind and the problem, so that applying rules to records never fails.
#include <algorithm>

#include "core/errors.hpp"
#include "core/text/normalizer.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::text {
namespace {

// RuleReader gives typed access to one rule object's members and reports its errors.
class RuleReader {
  public:
    RuleReader(const JsonValue& rule, size_t position, std::string kind)
        : rule_(rule), prefix_("rule " + std::to_string(position) + " (" + kind + "): ") {}

    [[noreturn]] void Fail(const std::string& what) const { throw InvalidArgument(prefix_ + what); }

    // AllowOnly refuses keys other than "kind" and `keys`.
    void AllowOnly(std::initializer_list<std::string_view> keys) const {
        for (const auto& [key, value] : rule_.members) {
            if (key == "kind") continue;
            if (std::find(keys.begin(), keys.end(), key) == keys.end())
                Fail("unknown key \"" + key + "\"");
        }
    }

    // Name returns a required (or optional, "" when absent) non-empty string member.
    std::string Name(std::string_view key, bool required = true) const {
        const JsonValue* v = rule_.Find(key);
        if (v == nullptr) {
            if (required) Fail("\"" + std::string(key) + "\" is required");
            return "";
        }
        if (v->type != JsonValue::Type::kString)
            Fail("\"" + std::string(key) + "\" must be a string, not " + TypeName(v->type));
        if (v->text.empty()) Fail("\"" + std::string(key) + "\" must not be empty");
        return v->text;
    }

    // Names returns a required array of `count` (0: at least one) non-empty strings.
    std::vector<std::string> Names(std::string_view key, size_t count) const {
        const JsonValue* v = rule_.Find(key);
        if (v == nullptr) Fail("\"" + std::string(key) + "\" is required");
        if (v->type != JsonValue::Type::kArray)
            Fail("\"" + std::string(key) + "\" must be an array of field names, not " +
                 TypeName(v->type));
        if (count == 0 ? v->items.empty() : v->items.size() != count)
            Fail("\"" + std::string(key) + "\" must have " +
                 (count == 0 ? std::string("at least one") : std::to_string(count)) +
                 " field name(s), not " + std::to_string(v->items.size()));
        std::vector<std::string> names;
        for (const auto& item : v->items) {
            if (item.type != JsonValue::Type::kString || item.text.empty())
                Fail("\"" + std::string(key) + "\" must contain non-empty strings");
            names.push_back(item.text);
        }
        return names;
    }

    const JsonValue& rule() const { return rule_; }

  private:
    const JsonValue& rule_;
    std::string prefix_;
};

// Join joins names with ", " (for "known: ..." in messages).
std::string Join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

// Contains says whether `names` holds `name`.
bool Contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// KindOf maps a constant's JSON type to a field kind.
ValueKind KindOf(JsonValue::Type t) {
    switch (t) {
        case JsonValue::Type::kString:
            return ValueKind::kString;
        case JsonValue::Type::kNumber:
            return ValueKind::kNumber;
        case JsonValue::Type::kBool:
            return ValueKind::kBool;
        default:
            return ValueKind::kNull;
    }
}

// CheckFieldsExist follows the fields a record has at each stage, in the order the rules
// apply (rename, transform, constant, multi, drop, record_id), starting from the source's
// declared fields, and refuses a rule that reads or drops a field no earlier stage
// provides: a misspelt name would otherwise be skipped silently on every record. The rules
// are already known to be well formed.
void CheckFieldsExist(const JsonValue& rules, std::vector<std::string> fields) {
    auto add = [&](const std::string& name) {
        if (!name.empty() && !Contains(fields, name)) fields.push_back(name);
    };
    auto remove = [&](const std::string& name) {
        fields.erase(std::remove(fields.begin(), fields.end(), name), fields.end());
    };
    for (const std::string& kind : Normalizer::Kinds()) {
        for (size_t i = 0; i < rules.items.size(); ++i) {
            const JsonValue& rule = rules.items[i];
            if (rule.Find("kind")->text != kind) continue;
            RuleReader r(rule, i + 1, kind);
            auto need = [&](const std::string& name) {
                if (!name.empty() && !Contains(fields, name))
                    r.Fail("\"" + name +
                           "\" is not a field of the records at this point (rules apply in the "
                           "order rename, transform, constant, multi, drop, record_id)");
            };
            const std::string_view k = kind;
            if (k == "rename") {
                remove(r.Name("from"));
                add(r.Name("to"));
            } else if (k == "transform") {
                need(r.Name("field"));
                add(r.Name("into", false));
            } else if (k == "constant") {
                add(r.Name("field"));
            } else if (k == "multi") {
                for (const auto& f : r.Names("inputs", 0)) need(f);
                for (const auto& f : r.Names("outputs", 0)) add(f);
            } else if (k == "drop") {
                for (const auto& f : r.Names("fields", 0)) need(f), remove(f);
            } else {
                need(r.Name("id_field"));
                need(r.Name("source_code_field", false));
            }
        }
    }
}

}  // namespace

const std::vector<std::string>& Normalizer::Kinds() {
    // Kinds is the one list of normalisation kinds, in the order Apply runs them.
    static const std::vector<std::string> kinds{"rename", "transform", "constant",
                                                "multi",  "drop",      "record_id"};
    return kinds;
}

const std::vector<std::string>& Normalizer::MultiFunctions() {
    // MultiFunctions is the one list of the functions Compile accepts in a multi rule.
    static const std::vector<std::string> names{"split_address", "point"};
    return names;
}

// Counter returns the index of counter `name`, adding it on first use.
size_t Normalizer::Counter(const std::string& name) {
    auto it = std::find(counter_names_.begin(), counter_names_.end(), name);
    if (it != counter_names_.end()) return static_cast<size_t>(it - counter_names_.begin());
    counter_names_.push_back(name);
    return counter_names_.size() - 1;
}

// Compile reads the rules in array order and files each under its kind.
Normalizer Normalizer::Compile(std::string_view rules_json,
                               const std::vector<std::string>* known_fields) {
    JsonValue rules = ParseJson(rules_json);
    if (rules.type != JsonValue::Type::kArray)
        throw InvalidArgument(std::string("rules must be a JSON array of rule objects, not ") +
                              TypeName(rules.type));
    if (rules.items.empty())
        throw InvalidArgument("rules must not be empty (a record_id rule is required)");
    Normalizer n;
    bool has_record_id = false;
    size_t record_id_position = 0;
    for (size_t i = 0; i < rules.items.size(); ++i) {
        const JsonValue& rule = rules.items[i];
        if (rule.type != JsonValue::Type::kObject)
            throw InvalidArgument("rule " + std::to_string(i + 1) + " must be an object, not " +
                                  TypeName(rule.type));
        const JsonValue* kind_value = rule.Find("kind");
        if (kind_value == nullptr || kind_value->type != JsonValue::Type::kString)
            throw InvalidArgument("rule " + std::to_string(i + 1) +
                                  ": \"kind\" (a string) is required");
        const std::string& kind = kind_value->text;
        RuleReader r(rule, i + 1, kind);
        if (kind == "rename") {
            r.AllowOnly({"from", "to"});
            Rename rn{r.Name("from"), r.Name("to")};
            if (rn.from == rn.to) r.Fail("renames \"" + rn.from + "\" to itself");
            for (const auto& other : n.renames_) {
                if (other.from == rn.from) r.Fail("\"" + rn.from + "\" is already renamed");
                if (other.to == rn.to)
                    r.Fail("\"" + rn.to + "\" is already the destination of a rename");
            }
            if (known_fields != nullptr) {
                if (!Contains(*known_fields, rn.from))
                    r.Fail("\"" + rn.from + "\" is not a field of the source");
                bool moved_away = false;
                for (const auto& other : n.renames_) moved_away = moved_away || other.from == rn.to;
                if (Contains(*known_fields, rn.to) && !moved_away)
                    r.Fail("\"" + rn.to + "\" is already a field of the source");
            }
            n.renames_.push_back(rn);
        } else if (kind == "transform") {
            r.AllowOnly({"field", "function", "params", "into"});
            Transform t{r.Name("field"), r.Name("into", false), CompiledTransform(), 0};
            std::string function = r.Name("function");
            try {
                t.fn = CompiledTransform::Compile(function, rule.Find("params"));
            } catch (const InvalidArgument& e) {
                r.Fail(e.what());
            }
            t.counter = n.Counter(function + "_nulled");
            n.transforms_.push_back(std::move(t));
        } else if (kind == "constant") {
            r.AllowOnly({"field", "value"});
            const JsonValue* value = rule.Find("value");
            if (value == nullptr) r.Fail("\"value\" is required (null is allowed)");
            if (!value->IsScalar())
                r.Fail(std::string("\"value\" must be a string, number, boolean or null, not ") +
                       TypeName(value->type));
            n.constants_.push_back({r.Name("field"), KindOf(value->type), value->text});
        } else if (kind == "multi") {
            r.AllowOnly({"function", "inputs", "outputs"});
            std::string function = r.Name("function");
            Multi m;
            if (function == "split_address") {
                m = {false, r.Names("inputs", 1), r.Names("outputs", 3), 0};
            } else if (function == "point") {
                m = {true, r.Names("inputs", 2), r.Names("outputs", 1), 0};
            } else {
                r.Fail("unknown multi-column function \"" + function +
                       "\" (known: " + Join(MultiFunctions()) + ")");
            }
            m.counter = n.Counter(function + "_nulled");
            n.multis_.push_back(std::move(m));
        } else if (kind == "drop") {
            r.AllowOnly({"fields"});
            for (auto& f : r.Names("fields", 0)) n.drops_.push_back(std::move(f));
        } else if (kind == "record_id") {
            r.AllowOnly({"source_code", "source_code_field", "id_field"});
            if (has_record_id)
                r.Fail("only one record_id rule is allowed (the first is rule " +
                       std::to_string(record_id_position) + ")");
            has_record_id = true;
            record_id_position = i + 1;
            n.record_id_ = {r.Name("source_code", false), r.Name("source_code_field", false),
                            r.Name("id_field")};
            if (n.record_id_.code.empty() == n.record_id_.code_field.empty())
                r.Fail("exactly one of \"source_code\" and \"source_code_field\" is required");
            if (!n.record_id_.code.empty() && !RecordKey(n.record_id_.code, "x"))
                r.Fail("source_code \"" + n.record_id_.code + "\" has no letter or digit");
        } else {
            throw InvalidArgument("rule " + std::to_string(i + 1) + ": unknown kind \"" + kind +
                                  "\" (known: " + Join(Kinds()) + ")");
        }
        n.kinds_.push_back(kind);
    }
    if (!has_record_id)
        throw InvalidArgument("a record_id rule is required (how else would records be keyed?)");
    for (const auto& f : {n.record_id_.id_field, n.record_id_.code_field})
        if (!f.empty() && Contains(n.drops_, f))
            throw InvalidArgument("rule " + std::to_string(record_id_position) +
                                  " (record_id): field \"" + f +
                                  "\" is dropped before the record id is computed");
    if (known_fields != nullptr) CheckFieldsExist(rules, *known_fields);
    n.no_id_counter_ = n.Counter("no_id");
    return n;
}

}  // namespace nightjar::core::text
