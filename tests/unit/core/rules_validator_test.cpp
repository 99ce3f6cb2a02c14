// rules_validator_test.cpp evaluates every rule kind through the Validator: passes,
// failures with their messages, missing/null handling, typed outputs, warnings versus
// errors, batch state, value sets, and hostile values (SQL fragments, quotes, 1 MB
// strings, unicode, escaped control characters) that must be treated as plain data.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/rules/validator.hpp"

namespace nightjar::core::rules {
namespace {

const std::vector<std::string> kFields = {"id",    "amount", "day",  "code",
                                          "start", "end",    "flag", "name"};

// Str, Num, Bool and Arr build parameter values.
ParamValue Str(const std::string& s) { return ParamValue::String(s); }
ParamValue Num(double d) { return ParamValue::Number(d); }
[[maybe_unused]] ParamValue Bool(bool b) { return ParamValue::Bool(b); }
ParamValue Arr(std::vector<ParamValue> items) { return ParamValue::Array(std::move(items)); }

// Rule compiles one rule named `name`.
CompiledRule Rule(const std::string& name, const std::string& kind, const std::string& field,
                  std::map<std::string, ParamValue> params = {},
                  const std::string& severity = "error") {
    RuleSpec s;
    s.name = name;
    s.kind = kind;
    s.field = field;
    s.params = std::move(params);
    s.severity = severity;
    return CompileRule(s, kFields);
}

// Record builds field values: each pair is field name and (kind, text).
struct Rec {
    std::vector<FieldValue> values = std::vector<FieldValue>(kFields.size());
    std::vector<std::string> storage = std::vector<std::string>(kFields.size());
    // S, N, B, Null set a string, number, boolean or null field.
    Rec& S(const std::string& f, std::string v) {
        return Set(f, FieldValue::Kind::kString, std::move(v));
    }
    Rec& N(const std::string& f, std::string v) {
        return Set(f, FieldValue::Kind::kNumber, std::move(v));
    }
    Rec& J(const std::string& f, std::string v) {
        return Set(f, FieldValue::Kind::kJson, std::move(v));
    }
    Rec& B(const std::string& f, bool b) {
        Set(f, FieldValue::Kind::kBool, "");
        values[Index(f)].boolean = b;
        return *this;
    }
    Rec& Null(const std::string& f) { return Set(f, FieldValue::Kind::kNull, ""); }
    // Index returns the position of field f.
    static size_t Index(const std::string& f) {
        return static_cast<size_t>(std::find(kFields.begin(), kFields.end(), f) - kFields.begin());
    }
    // Set stores the text and points the value at it.
    Rec& Set(const std::string& f, FieldValue::Kind k, std::string v) {
        size_t i = Index(f);
        storage[i] = std::move(v);
        values[i].kind = k;
        values[i].text = storage[i];
        return *this;
    }
};

// Messages runs `v` over `r` and returns "rule: message" for every failure.
std::vector<std::string> Messages(Validator& v, const Rec& r, RecordResult* out = nullptr) {
    RecordResult local;
    RecordResult* res = out ? out : &local;
    v.Validate(r.values, std::vector<std::optional<bool>>(v.Rules().size()), res);
    std::vector<std::string> m;
    for (const auto& f : res->failures)
        m.push_back(v.Rules()[f.rule_index].name + ": " + f.message);
    return m;
}

using Msgs = std::vector<std::string>;

TEST(RulesValidator, RequiredFailsOnMissingNullBlankOnly) {
    Validator v({Rule("id_req", "required", "id")}, kFields.size());
    EXPECT_EQ(Messages(v, Rec()), Msgs{"id_req: is missing"});
    EXPECT_EQ(Messages(v, Rec().Null("id")), Msgs{"id_req: is null"});
    EXPECT_EQ(Messages(v, Rec().S("id", " \t")), Msgs{"id_req: is blank"});
    EXPECT_EQ(Messages(v, Rec().S("id", "0")), Msgs{});
    EXPECT_EQ(Messages(v, Rec().B("id", false)), Msgs{});
    EXPECT_EQ(Messages(v, Rec().J("id", "{}")), Msgs{});
}

TEST(RulesValidator, MissingValuesPassEveryOtherRule) {
    Validator v(
        {Rule("t", "type", "id", {{"type", Str("integer")}}),
         Rule("e", "enum", "code", {{"values", Arr({Str("A")})}}),
         Rule("g", "range", "amount", {{"min", Num(0)}}),
         Rule("l", "length", "name", {{"max", Num(1)}}),
         Rule("x", "regex", "code", {{"pattern", Str("^A$")}}), Rule("u", "unique_in_batch", "id"),
         Rule("c", "compare", "start", {{"op", Str("<")}, {"other", Str("end")}})},
        kFields.size());
    EXPECT_EQ(Messages(v, Rec()), Msgs{});
    EXPECT_EQ(Messages(v, Rec().Null("id").Null("code").Null("amount").Null("name").Null("start")),
              Msgs{});
    EXPECT_EQ(Messages(v, Rec().Null("id")), Msgs{});  // twice: nulls are not duplicates
}

TEST(RulesValidator, TypeIntegerConverts) {
    Validator v({Rule("t", "type", "id", {{"type", Str("integer")}})}, kFields.size());
    RecordResult r;
    EXPECT_EQ(Messages(v, Rec().S("id", " 12 "), &r), Msgs{});
    EXPECT_EQ(r.typed[0].kind, TypedValue::Kind::kInteger);
    EXPECT_EQ(r.typed[0].integer, 12);
    EXPECT_EQ(Messages(v, Rec().N("id", "-0"), &r), Msgs{});
    EXPECT_EQ(r.typed[0].integer, 0);
    EXPECT_EQ(Messages(v, Rec().N("id", "12.5")), Msgs{"t: is not an integer"});
    EXPECT_EQ(Messages(v, Rec().S("id", "1e309")), Msgs{"t: is not an integer"});
    EXPECT_EQ(Messages(v, Rec().B("id", true)), Msgs{"t: is not an integer"});
    EXPECT_EQ(Messages(v, Rec().J("id", "[1]")), Msgs{"t: is not an integer"});
}

TEST(RulesValidator, TypeDecimalUsesTheRuleSeparatorForStringsOnly) {
    Validator v(
        {Rule("t", "type", "amount",
              {{"type", Str("decimal")}, {"decimal_separator", Str(",")}, {"thousands", Str(".")}}),
         Rule("g", "range", "amount", {{"min", Num(0)}, {"max", Num(2000)}})},
        kFields.size());
    RecordResult r;
    EXPECT_EQ(Messages(v, Rec().S("amount", "1.234,56"), &r), Msgs{});
    EXPECT_EQ(r.typed[1].text, "1234.56");
    EXPECT_EQ(Messages(v, Rec().N("amount", "12.5"), &r), Msgs{});  // JSON numbers always use '.'
    EXPECT_EQ(r.typed[1].text, "12.5");
    EXPECT_EQ(Messages(v, Rec().S("amount", "2.000,01")), Msgs{"g: is greater than 2000"});
    EXPECT_EQ(Messages(v, Rec().S("amount", "-0,5")), Msgs{"g: is less than 0"});
    // A value its type refuses is reported once, not again by the range.
    EXPECT_EQ(Messages(v, Rec().S("amount", "12.5.3")), Msgs{"t: is not a decimal number"});
}

TEST(RulesValidator, TypeDateTimestampBoolean) {
    Validator v(
        {Rule("d", "type", "day",
              {{"type", Str("date")}, {"formats", Arr({Str("%d/%m/%Y"), Str("%Y-%m-%d")})}}),
         Rule("ts", "type", "start", {{"type", Str("timestamp")}}),
         Rule("b", "type", "flag", {{"type", Str("boolean")}})},
        kFields.size());
    RecordResult r;
    EXPECT_EQ(
        Messages(v, Rec().S("day", "29/02/2024").S("start", "2024-01-02 03:04:05").S("flag", "Oui"),
                 &r),
        Msgs{});
    EXPECT_EQ(r.typed[2].text, "2024-02-29");
    EXPECT_EQ(r.typed[4].text, "2024-01-02T03:04:05");
    EXPECT_TRUE(r.typed[6].boolean);
    EXPECT_EQ(Messages(v, Rec().S("day", "2024-02-29").B("flag", false), &r), Msgs{});
    EXPECT_EQ(r.typed[2].text, "2024-02-29");
    EXPECT_FALSE(r.typed[6].boolean);
    EXPECT_EQ(Messages(v, Rec().S("day", "2024-02-30").S("start", "yesterday").N("flag", "2")),
              (Msgs{"d: is not a date", "ts: is not a timestamp", "b: is not a boolean"}));
    EXPECT_EQ(Messages(v, Rec().N("day", "20240101")), Msgs{"d: is not a date"});
}

TEST(RulesValidator, EnumRangeLength) {
    Validator v({Rule("e", "enum", "code", {{"values", Arr({Str("A"), Str("B'); --")})}}),
                 Rule("g", "range", "amount", {{"min", Num(-1.5)}, {"max", Num(10)}}),
                 Rule("l", "length", "name", {{"min", Num(2)}, {"max", Num(3)}})},
                kFields.size());
    EXPECT_EQ(Messages(v, Rec().S("code", "A").N("amount", "10").S("name", "été")), Msgs{});
    EXPECT_EQ(Messages(v, Rec().S("code", "B'); --").N("amount", "-1.5").S("name", "日本")),
              Msgs{});
    EXPECT_EQ(Messages(v, Rec().S("code", "a").N("amount", "10.01").S("name", "x")),
              (Msgs{"e: is not one of the allowed values", "g: is greater than 10",
                    "l: is shorter than 2 characters"}));
    EXPECT_EQ(Messages(v, Rec().S("amount", "abc").S("name", "abcd")),
              (Msgs{"g: is not a number", "l: is longer than 3 characters"}));
    EXPECT_EQ(Messages(v, Rec().S("amount", " 5 ")), Msgs{});  // a numeric string without type rule
    EXPECT_EQ(Messages(v, Rec().N("amount", "1000000000000000000000000000000")),
              Msgs{"g: is greater than 10"});
}

TEST(RulesValidator, RegexIsRe2PartialMatch) {
    Validator v({Rule("x", "regex", "code", {{"pattern", Str("^[A-Z]{2}[0-9]+$")}}),
                 Rule("y", "regex", "name", {{"pattern", Str("b")}})},
                kFields.size());
    EXPECT_EQ(Messages(v, Rec().S("code", "FR75").S("name", "abc")), Msgs{});
    EXPECT_EQ(Messages(v, Rec().S("code", "FR75 ").S("name", "xyz")),
              (Msgs{"x: does not match ^[A-Z]{2}[0-9]+$", "y: does not match b"}));
    // RE2 runs in linear time: a classic catastrophic pattern for backtracking engines.
    Validator w({Rule("z", "regex", "name", {{"pattern", Str("^(a+)+$")}})}, kFields.size());
    EXPECT_EQ(Messages(w, Rec().S("name", std::string(100000, 'a') + "!")),
              Msgs{"z: does not match ^(a+)+$"});
}

TEST(RulesValidator, UniqueInBatchUsesCanonicalValues) {
    Validator v(
        {Rule("t", "type", "id", {{"type", Str("integer")}}), Rule("u", "unique_in_batch", "id")},
        kFields.size());
    EXPECT_EQ(Messages(v, Rec().S("id", "12")), Msgs{});
    EXPECT_EQ(Messages(v, Rec().N("id", "12")), Msgs{"u: is a duplicate within the batch"});
    EXPECT_EQ(Messages(v, Rec().S("id", " 012 ")), Msgs{"u: is a duplicate within the batch"});
    EXPECT_EQ(Messages(v, Rec().S("id", "13")), Msgs{});
    v.ResetBatch();
    EXPECT_EQ(Messages(v, Rec().S("id", "12")), Msgs{});
}

TEST(RulesValidator, ReferenceAndUniqueExistingUseValueSets) {
    Validator v(
        {Rule("ref", "reference", "code", {{"table", Str("ref.codes")}, {"column", Str("code")}}),
         Rule("ex", "unique_existing", "id")},
        kFields.size());
    v.SetValueSet(0, {"FR", "DE"});
    v.SetValueSet(1, {"7"});
    EXPECT_EQ(Messages(v, Rec().S("code", "FR").S("id", "8")), Msgs{});
    EXPECT_EQ(Messages(v, Rec().S("code", "fr").S("id", "7")),
              (Msgs{"ref: is not in ref.codes.code", "ex: already exists in valid data"}));
}

TEST(RulesValidator, ComparedTextIsWhatUniqueExistingLooksUp) {
    Validator v({Rule("t", "type", "id", {{"type", Str("integer")}}),
                 Rule("ex", "unique_existing", "id"), Rule("ex_code", "unique_existing", "code")},
                kFields.size());
    EXPECT_EQ(v.ComparedText(1, Rec().S("id", " 012 ").values), std::optional<std::string>("12"));
    EXPECT_EQ(v.ComparedText(1, Rec().N("id", "7").values), std::optional<std::string>("7"));
    EXPECT_EQ(v.ComparedText(1, Rec().S("id", "x").values), std::nullopt);  // type refused
    EXPECT_EQ(v.ComparedText(1, Rec().Null("id").values), std::nullopt);
    EXPECT_EQ(v.ComparedText(1, Rec().values), std::nullopt);  // missing
    EXPECT_EQ(v.ComparedText(2, Rec().S("code", "FR").values), std::optional<std::string>("FR"));
    EXPECT_EQ(v.ComparedText(2, Rec().B("code", true).values), std::optional<std::string>("true"));
    // The set the glue fills per chunk is what Validate then consults.
    v.SetValueSet(1, {"12"});
    EXPECT_EQ(Messages(v, Rec().S("id", "012")), Msgs{"ex: already exists in valid data"});
}

TEST(RulesValidator, CompareNumbersDatesAndText) {
    Validator v(
        {Rule("ts", "type", "start", {{"type", Str("date")}, {"formats", Arr({Str("%d/%m/%Y")})}}),
         Rule("te", "type", "end", {{"type", Str("date")}}),
         Rule("c", "compare", "start", {{"op", Str("<=")}, {"other", Str("end")}}),
         Rule("n", "compare", "id", {{"op", Str("<")}, {"other", Str("amount")}}),
         Rule("s", "compare", "code", {{"op", Str("<>")}, {"other", Str("name")}})},
        kFields.size());
    // Dates compare as ISO text whatever their input format.
    EXPECT_EQ(Messages(v, Rec().S("start", "31/01/2024").S("end", "2024-02-01")), Msgs{});
    EXPECT_EQ(Messages(v, Rec().S("start", "02/02/2024").S("end", "2024-02-01")),
              Msgs{"c: is not <= end"});
    // Numbers compare numerically (9 < 10), not as text.
    EXPECT_EQ(Messages(v, Rec().N("id", "9").N("amount", "10")), Msgs{});
    EXPECT_EQ(Messages(v, Rec().N("id", "11").S("amount", "10")), Msgs{"n: is not < amount"});
    EXPECT_EQ(Messages(v, Rec().S("code", "x").S("name", "x")), Msgs{"s: is not <> name"});
    EXPECT_EQ(Messages(v, Rec().S("code", "x")), Msgs{});  // the other field missing: pass
    EXPECT_EQ(Messages(v, Rec().S("start", "bad").S("end", "2024-01-01")),
              Msgs{"ts: is not a date"});
}

TEST(RulesValidator, CustomResultsComeFromTheGlue) {
    Validator v({Rule("cu", "custom_sql", "id", {{"function", Str("s.f(jsonb)")}})},
                kFields.size());
    RecordResult r;
    v.Validate(Rec().values, {false}, &r);
    ASSERT_EQ(r.failures.size(), 1u);
    EXPECT_EQ(r.failures[0].message, "fails s.f(jsonb)");
    v.Validate(Rec().values, {true}, &r);
    EXPECT_TRUE(r.failures.empty());
    v.Validate(Rec().values, {std::nullopt}, &r);  // NULL verdict: pass
    EXPECT_TRUE(r.failures.empty());
}

TEST(RulesValidator, WarningsDoNotReject) {
    Validator v({Rule("w", "enum", "code", {{"values", Arr({Str("A")})}}, "warning"),
                 Rule("e", "required", "id")},
                kFields.size());
    RecordResult r;
    EXPECT_EQ(Messages(v, Rec().S("code", "B").S("id", "1"), &r),
              Msgs{"w: is not one of the allowed values"});
    EXPECT_FALSE(r.rejected);
    EXPECT_EQ(Messages(v, Rec().S("code", "B"), &r).size(), 2u);
    EXPECT_TRUE(r.rejected);
}

TEST(RulesValidator, HostileValuesAreJustData) {
    Validator v(
        {Rule("t", "type", "id", {{"type", Str("integer")}}),
         Rule("e", "enum", "code", {{"values", Arr({Str("A")})}}),
         Rule("x", "regex", "name", {{"pattern", Str("^[a-z ]*$")}}),
         Rule("l", "length", "name", {{"max", Num(2000000)}}),
         Rule("d", "type", "day", {{"type", Str("date")}}), Rule("u", "unique_in_batch", "code")},
        kFields.size());
    const std::string sql = "'; DROP TABLE x; --";
    EXPECT_EQ(
        Messages(v, Rec().S("id", sql).S("code", sql).S("day", sql)),
        (Msgs{"t: is not an integer", "d: is not a date", "e: is not one of the allowed values"}));
    EXPECT_EQ(Messages(v, Rec().S("code", "\"quoted\" and 'single' and \\backslash")).size(), 1u);
    std::string big(1 << 20, 'a');
    EXPECT_EQ(Messages(v, Rec().S("name", big)), Msgs{});
    EXPECT_EQ(Messages(v, Rec().S("name", big + "!")), Msgs{"x: does not match ^[a-z ]*$"});
    EXPECT_EQ(Messages(v, Rec().S("name", std::string(2000001, 'b'))),
              Msgs{"l: is longer than 2000000 characters"});
    // Control characters that jsonb accepts as escapes (\u0001, \u001f) and non-ASCII text.
    EXPECT_EQ(Messages(v, Rec().S("name", std::string("a\x01"
                                                      "b\x1f",
                                                      4))),
              Msgs{"x: does not match ^[a-z ]*$"});
    EXPECT_EQ(Messages(v, Rec().S("id", "１２")),
              Msgs{"t: is not an integer"});  // full-width digits
    EXPECT_EQ(Messages(v, Rec().S("code", "\xF0\x9F\x98\x80")),
              Msgs{"e: is not one of the allowed values"});
    EXPECT_EQ(Messages(v, Rec().S("code", "\xF0\x9F\x98\x80")),
              (Msgs{"e: is not one of the allowed values", "u: is a duplicate within the batch"}));
}

TEST(RulesValidator, InvalidUtf8AndNulBytesAreComparedAsBytes) {
    // jsonb never hands the validator such values (it refuses \u0000 and invalid UTF-8),
    // but the core must not depend on that: no C-string truncation, no crash, no match.
    Validator v(
        {Rule("e", "enum", "code", {{"values", Arr({Str("A")})}}),
         Rule("x", "regex", "name", {{"pattern", Str("^[a-z]*$")}}),
         Rule("l", "length", "name", {{"max", Num(2)}}), Rule("u", "unique_in_batch", "id")},
        kFields.size());
    EXPECT_EQ(Messages(v, Rec().S("code", std::string("A\0", 2))),
              Msgs{"e: is not one of the allowed values"});  // "A\0" is not "A"
    EXPECT_EQ(Messages(v, Rec().S("code", "A").S("id", std::string("x\0a", 3))), Msgs{});
    EXPECT_EQ(Messages(v, Rec().S("code", "A").S("id", std::string("x\0b", 3))),
              Msgs{});  // differs after the NUL
    EXPECT_EQ(Messages(v, Rec().S("code", "A").S("id", std::string("x\0a", 3))),
              Msgs{"u: is a duplicate within the batch"});
    EXPECT_EQ(Messages(v, Rec().S("code", "A").S("name", "ab\xC3\x28")),  // invalid 2-byte sequence
              (Msgs{"x: does not match ^[a-z]*$", "l: is longer than 2 characters"}));
    EXPECT_EQ(Messages(v, Rec().S("code", "\xFF\xFE")),
              Msgs{"e: is not one of the allowed values"});
}

}  // namespace
}  // namespace nightjar::core::rules
