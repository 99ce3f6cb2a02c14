// validator.cpp: per-record evaluation. Cost per record is one pass over the rules; no
// allocation on the passing path except the typed values' canonical text (and the
// hash-set insert of unique_in_batch). Messages are built only for failures.
#include "core/rules/validator.hpp"

#include <re2/re2.h>

#include <cstdlib>

#include "core/rules/scalars.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::rules {

namespace {

// IsMissing says whether a value is absent or JSON null.
bool IsMissing(const FieldValue& v) {
    return v.kind == FieldValue::Kind::kAbsent || v.kind == FieldValue::Kind::kNull;
}

// Canonical returns the text a field is compared by: its typed form if converted, else as given.
std::string_view Canonical(const FieldValue& v, const TypedValue& t) {
    if (t.kind != TypedValue::Kind::kNone) return t.text;
    if (v.kind == FieldValue::Kind::kBool) return v.boolean ? "true" : "false";
    return v.text;
}

// NumberOf returns the numeric value of a field: its typed number, or a plain '.' decimal.
std::optional<double> NumberOf(const FieldValue& v, const TypedValue& t) {
    if (t.kind == TypedValue::Kind::kInteger) return static_cast<double>(t.integer);
    if (t.kind == TypedValue::Kind::kDecimal) return DecimalValue(t.text);
    if (t.kind != TypedValue::Kind::kNone || v.kind == FieldValue::Kind::kBool ||
        v.kind == FieldValue::Kind::kJson)
        return std::nullopt;
    if (auto plain = PlainDecimalValue(v.text)) return plain;  // no copy for the usual form
    auto d = ParseDecimal(v.text, '.', 0);
    if (!d) return std::nullopt;
    return DecimalValue(*d);
}

// FormatNumber prints a rule bound without trailing noise ("10", "2.5").
std::string FormatNumber(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", d);
    return buf;
}

// TypeName names a value type for messages.
const char* TypeName(ValueType t) {
    switch (t) {
        case ValueType::kInteger:
            return "an integer";
        case ValueType::kDecimal:
            return "a decimal number";
        case ValueType::kDate:
            return "a date";
        case ValueType::kTimestamp:
            return "a timestamp";
        case ValueType::kBoolean:
            return "a boolean";
    }
    return "?";
}

// OpName spells a comparison operator.
const char* OpName(CompareOp op) {
    static const char* const kNames[] = {"<", "<=", "=", "<>", ">=", ">"};
    return kNames[static_cast<int>(op)];
}

// Holds applies `op` to a three-way comparison result.
bool Holds(CompareOp op, int c) {
    switch (op) {
        case CompareOp::kLt:
            return c < 0;
        case CompareOp::kLe:
            return c <= 0;
        case CompareOp::kEq:
            return c == 0;
        case CompareOp::kNe:
            return c != 0;
        case CompareOp::kGe:
            return c >= 0;
        case CompareOp::kGt:
            return c > 0;
    }
    return false;
}

}  // namespace

void RecordResult::Clear(size_t field_count) {
    failures.clear();
    typed.resize(field_count);
    type_failed.assign(field_count, false);
    for (auto& t : typed) t.kind = TypedValue::Kind::kNone;
    rejected = false;
}

std::optional<TypedValue> ApplyType(const CompiledRule& rule, const FieldValue& value) {
    TypedValue t;
    if (value.kind == FieldValue::Kind::kJson) return std::nullopt;
    if (rule.type == ValueType::kBoolean) {
        std::optional<bool> b = value.kind == FieldValue::Kind::kBool
                                    ? std::optional<bool>(value.boolean)
                                    : ParseBoolean(value.text);
        if (!b) return std::nullopt;
        t.kind = TypedValue::Kind::kBoolean;
        t.boolean = *b;
        t.text = *b ? "true" : "false";
        return t;
    }
    if (value.kind == FieldValue::Kind::kBool) return std::nullopt;
    switch (rule.type) {
        case ValueType::kInteger: {
            auto i = ParseInteger(value.text);
            if (!i) return std::nullopt;
            t.kind = TypedValue::Kind::kInteger;
            t.integer = *i;
            t.text = std::to_string(*i);
            return t;
        }
        case ValueType::kDecimal: {
            // A JSON number is always written with '.', whatever the rule says of strings.
            bool json_number = value.kind == FieldValue::Kind::kNumber;
            auto d = ParseDecimal(value.text, json_number ? '.' : rule.decimal_separator,
                                  json_number ? 0 : rule.thousands);
            if (!d) return std::nullopt;
            t.kind = TypedValue::Kind::kDecimal;
            t.text = std::move(*d);
            return t;
        }
        case ValueType::kDate:
        case ValueType::kTimestamp: {
            if (value.kind != FieldValue::Kind::kString) return std::nullopt;
            bool ts = rule.type == ValueType::kTimestamp;
            for (const DateFormat& f : rule.formats) {
                if (auto iso = MatchDate(f, value.text, ts)) {
                    t.kind = ts ? TypedValue::Kind::kTimestamp : TypedValue::Kind::kDate;
                    t.text = std::move(*iso);
                    return t;
                }
            }
            return std::nullopt;
        }
        case ValueType::kBoolean:
            break;
    }
    return std::nullopt;
}

Validator::Validator(std::vector<CompiledRule> rules, size_t field_count)
    : rules_(std::move(rules)), field_count_(field_count), sets_(rules_.size()) {
    for (size_t i = 0; i < rules_.size(); ++i)
        if (rules_[i].kind == RuleKind::kType) order_.push_back(i);
    for (size_t i = 0; i < rules_.size(); ++i)
        if (rules_[i].kind != RuleKind::kType) order_.push_back(i);
    for (size_t i = 0; i < rules_.size(); ++i) {
        if (rules_[i].kind != RuleKind::kUniqueInBatch) continue;
        // The text as written is the compared one when the field has no type rule or only
        // integer ones (an integer is usually written canonically: no sign, blank or
        // leading zero); decimals, dates and booleans are rewritten.
        bool raw = true;
        for (const CompiledRule& r : rules_)
            if (r.kind == RuleKind::kType && r.field_index == rules_[i].field_index &&
                r.type != ValueType::kInteger)
                raw = false;
        unique_in_batch_.push_back(i);
        prefetch_raw_.push_back(raw);
    }
}

void Validator::Prefetch(const std::vector<FieldValue>& fields) const {
    for (size_t k = 0; k < unique_in_batch_.size(); ++k) {
        const size_t i = unique_in_batch_[k];
        const FieldValue& v = fields[rules_[i].field_index];
        if (prefetch_raw_[k]) {
            // A guess, not ComparedText (its type rules run again, ~2% of a validation):
            // a wrong one only brings in a slot that is not used.
            if (v.kind == FieldValue::Kind::kString || v.kind == FieldValue::Kind::kNumber)
                sets_[i].Prefetch(v.text);
        } else if (auto text = ComparedText(i, fields)) {
            sets_[i].Prefetch(*text);
        }
    }
}

void Validator::SetValueSet(size_t rule_index, StringSet values) {
    sets_.at(rule_index) = std::move(values);
}

std::optional<std::string> Validator::ComparedText(size_t rule_index,
                                                   const std::vector<FieldValue>& fields) const {
    // ComparedText mirrors Validate: every type rule of the field runs, the first one that
    // converts gives the typed value, and any refusal means the rule is not checked.
    const size_t field = rules_.at(rule_index).field_index;
    const FieldValue& v = fields[field];
    if (IsMissing(v)) return std::nullopt;
    TypedValue typed;
    for (const CompiledRule& rule : rules_) {
        if (rule.kind != RuleKind::kType || rule.field_index != field) continue;
        std::optional<TypedValue> t = ApplyType(rule, v);
        if (!t) return std::nullopt;
        if (typed.kind == TypedValue::Kind::kNone) typed = std::move(*t);
    }
    return std::string(Canonical(v, typed));
}

void Validator::ResetBatch() {
    for (size_t i = 0; i < rules_.size(); ++i)
        if (rules_[i].kind == RuleKind::kUniqueInBatch) sets_[i].Clear();
}

void Validator::ReserveBatch(size_t records) {
    for (size_t i = 0; i < rules_.size(); ++i)
        if (rules_[i].kind == RuleKind::kUniqueInBatch) sets_[i].Reserve(records);
}

void Validator::Validate(const std::vector<FieldValue>& fields,
                         const std::vector<std::optional<bool>>& custom, RecordResult* out) {
    out->Clear(field_count_);
    for (size_t index : order_) {
        const CompiledRule& rule = rules_[index];
        std::optional<std::string> message;
        if (rule.kind == RuleKind::kType) {
            const FieldValue& v = fields[rule.field_index];
            if (IsMissing(v)) continue;
            if (auto t = ApplyType(rule, v)) {
                if (out->typed[rule.field_index].kind == TypedValue::Kind::kNone)
                    out->typed[rule.field_index] = std::move(*t);
                continue;
            }
            message = std::string("is not ") + TypeName(rule.type);
            out->type_failed[rule.field_index] = true;
        } else {
            message = Check(index, fields, custom, out);
        }
        if (message) {
            out->failures.push_back({index, std::move(*message)});
            out->rejected |= rule.is_error;
        }
    }
}

std::optional<std::string> Validator::Check(size_t index, const std::vector<FieldValue>& fields,
                                            const std::vector<std::optional<bool>>& custom,
                                            RecordResult* out) {
    const CompiledRule& rule = rules_[index];
    const FieldValue& v = fields[rule.field_index];
    const TypedValue& t = out->typed[rule.field_index];
    if (rule.kind == RuleKind::kRequired) {
        if (IsMissing(v))
            return std::string(v.kind == FieldValue::Kind::kAbsent ? "is missing" : "is null");
        if (v.kind == FieldValue::Kind::kString && TrimAscii(v.text).empty())
            return std::string("is blank");
        return std::nullopt;
    }
    if (rule.kind == RuleKind::kCustomSql) {
        if (index < custom.size() && custom[index].has_value() && !*custom[index])
            return "fails " + rule.function;
        return std::nullopt;
    }
    if (IsMissing(v) || out->type_failed[rule.field_index]) return std::nullopt;
    switch (rule.kind) {
        case RuleKind::kEnum:
            if (!rule.enum_values.Contains(Canonical(v, t)))
                return std::string("is not one of the allowed values");
            return std::nullopt;
        case RuleKind::kRange: {
            auto d = NumberOf(v, t);
            if (!d) return std::string("is not a number");
            if (rule.min && *d < *rule.min) return "is less than " + FormatNumber(*rule.min);
            if (rule.max && *d > *rule.max) return "is greater than " + FormatNumber(*rule.max);
            return std::nullopt;
        }
        case RuleKind::kLength: {
            int64_t n = static_cast<int64_t>(CodePoints(Canonical(v, t)));
            if (rule.min_length && n < *rule.min_length)
                return "is shorter than " + std::to_string(*rule.min_length) + " characters";
            if (rule.max_length && n > *rule.max_length)
                return "is longer than " + std::to_string(*rule.max_length) + " characters";
            return std::nullopt;
        }
        case RuleKind::kRegex: {
            std::string_view text = Canonical(v, t);
            if (!RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *rule.regex))
                return "does not match " + rule.regex->pattern();
            return std::nullopt;
        }
        case RuleKind::kUniqueInBatch:
            if (!sets_[index].Insert(Canonical(v, t)))
                return std::string("is a duplicate within the batch");
            return std::nullopt;
        case RuleKind::kUniqueExisting:
            if (sets_[index].Contains(Canonical(v, t)))
                return std::string("already exists in valid data");
            return std::nullopt;
        case RuleKind::kReference:
            if (!sets_[index].Contains(Canonical(v, t)))
                return "is not in " + rule.table + "." + rule.column;
            return std::nullopt;
        case RuleKind::kCompare: {
            const FieldValue& w = fields[rule.other_index];
            const TypedValue& u = out->typed[rule.other_index];
            if (IsMissing(w) || out->type_failed[rule.other_index]) return std::nullopt;
            int c;
            auto a = NumberOf(v, t), b = NumberOf(w, u);
            if (a && b)
                c = *a < *b ? -1 : *a > *b ? 1 : 0;
            else
                c = Canonical(v, t).compare(Canonical(w, u));
            if (!Holds(rule.op, c))
                return std::string("is not ") + OpName(rule.op) + " " + rule.other;
            return std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

}  // namespace nightjar::core::rules
