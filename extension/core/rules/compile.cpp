// compile.cpp: definition-time checking of rules. Each kind lists the parameter keys it
// accepts; every key is type-checked here, so that evaluation never meets a surprise and
// a user learns of a mistake when defining the rule, not at 3 a.m. in a step run.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "core/rules/catalog.hpp"
#include "core/rules/compiled_rule.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::rules {

namespace {

// Params wraps a rule's parameters with typed getters that throw precise errors.
class Params {
  public:
    explicit Params(const RuleSpec& spec) : spec_(spec) {}

    // Fail throws InvalidArgument prefixed with the rule's name.
    [[noreturn]] void Fail(const std::string& msg) const {
        throw InvalidArgument("nightjar: rule " + spec_.name + " (" + spec_.kind + "): " + msg);
    }
    // Allow rejects any key outside `keys`.
    void Allow(std::initializer_list<const char*> keys) const {
        for (const auto& [key, value] : spec_.params) {
            (void)value;
            if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; })) {
                std::string known;
                for (const char* k : keys) known += std::string(known.empty() ? "" : ", ") + k;
                Fail("unknown parameter \"" + key + "\"" +
                     (known.empty() ? " (this kind takes none)" : " (known: " + known + ")"));
            }
        }
    }
    // Find returns the parameter `key` or nullptr.
    const ParamValue* Find(const char* key) const {
        auto it = spec_.params.find(key);
        return it == spec_.params.end() ? nullptr : &it->second;
    }
    // Expect checks that `v` has `kind`.
    void Expect(const char* key, const ParamValue& v, ParamValue::Type type) const {
        if (v.type != type)
            Fail(std::string("parameter \"") + key + "\" must be " + TypeNameWithArticle(type) +
                 ", not " + TypeNameWithArticle(v.type));
    }
    // String returns a required (or optional, empty) string parameter.
    std::optional<std::string> String(const char* key, bool required) const {
        const ParamValue* v = Find(key);
        if (v == nullptr) {
            if (required) Fail(std::string("parameter \"") + key + "\" is required");
            return std::nullopt;
        }
        Expect(key, *v, ParamValue::Type::kString);
        return v->text;
    }
    // Number returns an optional finite number parameter.
    std::optional<double> Number(const char* key) const {
        const ParamValue* v = Find(key);
        if (v == nullptr) return std::nullopt;
        Expect(key, *v, ParamValue::Type::kNumber);
        if (!std::isfinite(v->AsNumber()))
            Fail(std::string("parameter \"") + key + "\" must be finite");
        return v->AsNumber();
    }
    // Strings returns a non-empty array-of-strings parameter.
    std::vector<std::string> Strings(const char* key, bool required) const {
        const ParamValue* v = Find(key);
        if (v == nullptr) {
            if (required) Fail(std::string("parameter \"") + key + "\" is required");
            return {};
        }
        Expect(key, *v, ParamValue::Type::kArray);
        if (v->items.empty()) Fail(std::string("parameter \"") + key + "\" must not be empty");
        std::vector<std::string> out;
        for (const ParamValue& item : v->items) {
            if (item.type != ParamValue::Type::kString)
                Fail(std::string("parameter \"") + key + "\" must be an array of strings, found " +
                     TypeNameWithArticle(item.type));
            out.push_back(item.text);
        }
        return out;
    }

  private:
    const RuleSpec& spec_;
};

// FieldIndex resolves `name` among `fields` or fails listing the known fields.
size_t FieldIndex(const Params& p, const std::string& what, const std::string& name,
                  const std::vector<std::string>& fields) {
    auto it = std::find(fields.begin(), fields.end(), name);
    if (it != fields.end()) return static_cast<size_t>(it - fields.begin());
    std::string known;
    for (const auto& f : fields) known += (known.empty() ? "" : ", ") + f;
    p.Fail(what + " \"" + name +
           "\" is not a declared field of the source (known fields: " + known + ")");
}

// CompileType reads the parameters of a `type` rule.
void CompileType(const Params& p, CompiledRule& r) {
    p.Allow({"type", "decimal_separator", "thousands", "formats"});
    std::string type = *p.String("type", true);
    if (type == "integer")
        r.type = ValueType::kInteger;
    else if (type == "decimal")
        r.type = ValueType::kDecimal;
    else if (type == "date")
        r.type = ValueType::kDate;
    else if (type == "timestamp")
        r.type = ValueType::kTimestamp;
    else if (type == "boolean")
        r.type = ValueType::kBoolean;
    else
        p.Fail("unknown type \"" + type + "\" (known: integer, decimal, date, timestamp, boolean)");
    auto sep = p.String("decimal_separator", false);
    auto thousands = p.String("thousands", false);
    if ((sep || thousands) && r.type != ValueType::kDecimal)
        p.Fail("decimal_separator and thousands apply to type decimal only");
    if (sep) {
        if (*sep != "." && *sep != ",")
            p.Fail("decimal_separator must be \".\" or \",\", not \"" + *sep + "\"");
        r.decimal_separator = (*sep)[0];
    }
    if (thousands) {
        if (thousands->size() != 1 ||
            std::string_view(".,' ").find((*thousands)[0]) == std::string_view::npos)
            p.Fail("thousands must be one of \".\", \",\", \"'\", \" \", not \"" + *thousands +
                   "\"");
        if ((*thousands)[0] == r.decimal_separator)
            p.Fail("thousands must differ from decimal_separator");
        r.thousands = (*thousands)[0];
    }
    bool dated = r.type == ValueType::kDate || r.type == ValueType::kTimestamp;
    std::vector<std::string> formats = p.Strings("formats", false);
    if (!formats.empty() && !dated) p.Fail("formats apply to types date and timestamp only");
    if (formats.empty() && dated)
        formats = r.type == ValueType::kDate
                      ? std::vector<std::string>{"%Y-%m-%d"}
                      : std::vector<std::string>{"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"};
    for (const auto& f : formats) {
        try {
            r.formats.push_back(CompileDateFormat(f, r.type == ValueType::kTimestamp));
        } catch (const InvalidArgument& e) {
            p.Fail(e.what());
        }
    }
}

}  // namespace

const std::vector<std::pair<const char*, RuleKind>>& KindTable() {
    // KindTable is the one list of validation kinds (catalog.hpp exposes the names).
    static const std::vector<std::pair<const char*, RuleKind>> kKinds{
        {"required", RuleKind::kRequired},
        {"type", RuleKind::kType},
        {"enum", RuleKind::kEnum},
        {"range", RuleKind::kRange},
        {"length", RuleKind::kLength},
        {"regex", RuleKind::kRegex},
        {"unique_in_batch", RuleKind::kUniqueInBatch},
        {"unique_existing", RuleKind::kUniqueExisting},
        {"reference", RuleKind::kReference},
        {"compare", RuleKind::kCompare},
        {"custom_sql", RuleKind::kCustomSql}};
    return kKinds;
}

RuleKind KindOf(const std::string& kind) {
    for (const auto& [name, k] : KindTable())
        if (kind == name) return k;
    throw InvalidArgument("nightjar: unknown rule kind \"" + kind +
                          "\" (known: " + JoinNames(ValidationKinds()) + ")");
}

CompiledRule CompileRule(const RuleSpec& spec, const std::vector<std::string>& fields) {
    Params p(spec);
    CompiledRule r;
    r.name = spec.name;
    r.field = spec.field;
    r.kind = KindOf(spec.kind);
    if (spec.severity != "error" && spec.severity != "warning")
        p.Fail("severity must be \"error\" or \"warning\", not \"" + spec.severity + "\"");
    r.is_error = spec.severity == "error";
    r.field_index = FieldIndex(p, "field", spec.field, fields);
    switch (r.kind) {
        case RuleKind::kRequired:
        case RuleKind::kUniqueInBatch:
        case RuleKind::kUniqueExisting:
            p.Allow({});
            break;
        case RuleKind::kType:
            CompileType(p, r);
            break;
        case RuleKind::kEnum: {
            p.Allow({"values"});
            for (auto& v : p.Strings("values", true)) r.enum_values.Insert(v);
            break;
        }
        case RuleKind::kRange:
            p.Allow({"min", "max"});
            r.min = p.Number("min");
            r.max = p.Number("max");
            if (!r.min && !r.max) p.Fail("needs \"min\", \"max\" or both");
            if (r.min && r.max && *r.min > *r.max) p.Fail("min must not exceed max");
            break;
        case RuleKind::kLength: {
            p.Allow({"min", "max"});
            for (const char* key : {"min", "max"}) {
                auto v = p.Number(key);
                if (!v) continue;
                if (*v < 0 || *v != std::floor(*v) || *v > 1e15)
                    p.Fail(std::string("parameter \"") + key + "\" must be a non-negative integer");
                (key[1] == 'i' ? r.min_length : r.max_length) = static_cast<int64_t>(*v);
            }
            if (!r.min_length && !r.max_length) p.Fail("needs \"min\", \"max\" or both");
            if (r.min_length && r.max_length && *r.min_length > *r.max_length)
                p.Fail("min must not exceed max");
            break;
        }
        case RuleKind::kRegex: {
            p.Allow({"pattern"});
            std::string pattern = *p.String("pattern", true);
            RE2::Options options;
            options.set_log_errors(false);
            auto re = std::make_shared<const RE2>(pattern, options);
            if (!re->ok()) p.Fail("invalid regular expression: " + re->error());
            r.regex = re;
            break;
        }
        case RuleKind::kReference:
            p.Allow({"table", "column"});
            r.table = *p.String("table", true);
            r.column = *p.String("column", true);
            break;
        case RuleKind::kCompare: {
            p.Allow({"op", "other"});
            std::string op = *p.String("op", true);
            static const std::pair<const char*, CompareOp> kOps[] = {
                {"<", CompareOp::kLt},  {"<=", CompareOp::kLe}, {"=", CompareOp::kEq},
                {"<>", CompareOp::kNe}, {">=", CompareOp::kGe}, {">", CompareOp::kGt}};
            auto it = std::find_if(std::begin(kOps), std::end(kOps),
                                   [&](const auto& o) { return op == o.first; });
            if (it == std::end(kOps))
                p.Fail("op must be one of <, <=, =, <>, >=, >, not \"" + op + "\"");
            r.op = it->second;
            r.other = *p.String("other", true);
            r.other_index = FieldIndex(p, "other", r.other, fields);
            break;
        }
        case RuleKind::kCustomSql:
            p.Allow({"function"});
            r.function = *p.String("function", true);
            break;
    }
    return r;
}

}  // namespace nightjar::core::rules
