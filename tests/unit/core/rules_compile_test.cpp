// rules_compile_test.cpp checks that CompileRule refuses every malformed rule at
// definition time with a message that names the problem: unknown kind, field, severity,
// parameter key, wrong parameter types, bad regexes (with RE2's error), bad bounds,
// unknown types and date directives, bad compare operators.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/rules/compiled_rule.hpp"

namespace nightjar::core::rules {
namespace {

const std::vector<std::string> kFields = {"id", "amount", "day", "code", "start", "end"};

// Str, Num, Bool and Arr build parameter values.
ParamValue Str(const std::string& s) { return ParamValue::String(s); }
ParamValue Num(double d) { return ParamValue::Number(d); }
[[maybe_unused]] ParamValue Bool(bool b) { return ParamValue::Bool(b); }
ParamValue Arr(std::vector<ParamValue> items) { return ParamValue::Array(std::move(items)); }

// Spec builds a rule spec.
RuleSpec Spec(const std::string& kind, const std::string& field,
              std::map<std::string, ParamValue> params = {}) {
    RuleSpec s;
    s.name = "r";
    s.kind = kind;
    s.field = field;
    s.params = std::move(params);
    return s;
}

// ErrorOf returns the InvalidArgument message CompileRule throws ("" if it does not).
std::string ErrorOf(const RuleSpec& spec) {
    try {
        CompileRule(spec, kFields);
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return "";
}

// Contains says whether `haystack` contains `needle`.
bool Contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

TEST(RulesCompile, ValidRulesCompile) {
    EXPECT_EQ(ErrorOf(Spec("required", "id")), "");
    EXPECT_EQ(
        ErrorOf(Spec(
            "type", "amount",
            {{"type", Str("decimal")}, {"decimal_separator", Str(",")}, {"thousands", Str(".")}})),
        "");
    EXPECT_EQ(ErrorOf(Spec(
                  "type", "day",
                  {{"type", Str("date")}, {"formats", Arr({Str("%d/%m/%Y"), Str("%Y-%m-%d")})}})),
              "");
    EXPECT_EQ(ErrorOf(Spec("enum", "code", {{"values", Arr({Str("A"), Str("B")})}})), "");
    EXPECT_EQ(ErrorOf(Spec("range", "amount", {{"min", Num(0)}})), "");
    EXPECT_EQ(ErrorOf(Spec("length", "code", {{"min", Num(1)}, {"max", Num(3)}})), "");
    EXPECT_EQ(ErrorOf(Spec("regex", "code", {{"pattern", Str("^[A-Z]{2}$")}})), "");
    EXPECT_EQ(ErrorOf(Spec("compare", "start", {{"op", Str("<=")}, {"other", Str("end")}})), "");
    EXPECT_EQ(
        ErrorOf(Spec("reference", "code", {{"table", Str("ref.codes")}, {"column", Str("code")}})),
        "");
    EXPECT_EQ(ErrorOf(Spec("custom_sql", "id", {{"function", Str("s.f(jsonb)")}})), "");
    CompiledRule r =
        CompileRule(Spec("compare", "start", {{"op", Str("<")}, {"other", Str("end")}}), kFields);
    EXPECT_EQ(r.field_index, 4u);
    EXPECT_EQ(r.other_index, 5u);
}

TEST(RulesCompile, UnknownKindFieldSeverity) {
    EXPECT_TRUE(Contains(ErrorOf(Spec("notakind", "id")), "unknown rule kind \"notakind\""));
    std::string e = ErrorOf(Spec("required", "nope"));
    EXPECT_TRUE(Contains(e, "field \"nope\" is not a declared field")) << e;
    EXPECT_TRUE(Contains(e, "known fields: id, amount, day, code, start, end")) << e;
    RuleSpec s = Spec("required", "id");
    s.severity = "fatal";
    EXPECT_TRUE(Contains(ErrorOf(s), "severity must be \"error\" or \"warning\""));
    EXPECT_TRUE(
        Contains(ErrorOf(Spec("compare", "start", {{"op", Str("<")}, {"other", Str("ghost")}})),
                 "other \"ghost\""));
}

TEST(RulesCompile, UnknownAndMistypedParameters) {
    std::string e = ErrorOf(Spec("required", "id", {{"strict", Bool(true)}}));
    EXPECT_TRUE(Contains(e, "unknown parameter \"strict\"")) << e;
    e = ErrorOf(Spec("range", "amount", {{"min", Str("0")}}));
    EXPECT_TRUE(Contains(e, "parameter \"min\" must be a number, not a string")) << e;
    e = ErrorOf(Spec("enum", "code", {{"values", Str("A,B")}}));
    EXPECT_TRUE(Contains(e, "parameter \"values\" must be an array, not a string")) << e;
    e = ErrorOf(Spec("enum", "code", {{"values", Arr({Str("A"), Num(1)})}}));
    EXPECT_TRUE(Contains(e, "must be an array of strings, found a number")) << e;
    EXPECT_TRUE(
        Contains(ErrorOf(Spec("enum", "code", {{"values", Arr({})}})), "must not be empty"));
    EXPECT_TRUE(Contains(ErrorOf(Spec("enum", "code")), "parameter \"values\" is required"));
    EXPECT_TRUE(Contains(ErrorOf(Spec("regex", "code", {{"pattern", Num(1)}})),
                         "must be a string, not a number"));
    EXPECT_TRUE(Contains(ErrorOf(Spec("reference", "code", {{"table", Str("t")}})),
                         "parameter \"column\" is required"));
    EXPECT_TRUE(Contains(ErrorOf(Spec("custom_sql", "id", {{"function", Bool(true)}})),
                         "must be a string, not a boolean"));
}

TEST(RulesCompile, BadRegexCarriesRe2Error) {
    std::string e = ErrorOf(Spec("regex", "code", {{"pattern", Str("([a-z")}}));
    EXPECT_TRUE(Contains(e, "invalid regular expression")) << e;
    EXPECT_TRUE(Contains(e, "missing ]: [a-z")) << e;  // RE2's own words
    EXPECT_TRUE(Contains(ErrorOf(Spec("regex", "code", {{"pattern", Str("(?<=a)b")}})),
                         "invalid regular expression"));
    EXPECT_TRUE(Contains(ErrorOf(Spec("regex", "code", {{"pattern", Str("a**")}})),
                         "invalid regular expression"));
}

TEST(RulesCompile, BoundsAndLengths) {
    EXPECT_TRUE(Contains(ErrorOf(Spec("range", "amount")), "needs \"min\", \"max\" or both"));
    EXPECT_TRUE(Contains(ErrorOf(Spec("range", "amount", {{"min", Num(5)}, {"max", Num(1)}})),
                         "min must not exceed max"));
    EXPECT_TRUE(
        Contains(ErrorOf(Spec("length", "code", {{"max", Num(-1)}})), "non-negative integer"));
    EXPECT_TRUE(
        Contains(ErrorOf(Spec("length", "code", {{"max", Num(2.5)}})), "non-negative integer"));
    EXPECT_TRUE(Contains(ErrorOf(Spec("length", "code", {{"min", Num(3)}, {"max", Num(2)}})),
                         "min must not exceed max"));
}

TEST(RulesCompile, TypesAndFormats) {
    EXPECT_TRUE(
        Contains(ErrorOf(Spec("type", "id", {{"type", Str("money")}})), "unknown type \"money\""));
    EXPECT_TRUE(Contains(ErrorOf(Spec("type", "id")), "parameter \"type\" is required"));
    EXPECT_TRUE(Contains(ErrorOf(Spec("type", "amount",
                                      {{"type", Str("decimal")}, {"decimal_separator", Str(";")}})),
                         "decimal_separator must be"));
    EXPECT_TRUE(Contains(
        ErrorOf(Spec("type", "amount", {{"type", Str("decimal")}, {"thousands", Str(".")}})),
        "thousands must differ from decimal_separator"));
    EXPECT_TRUE(Contains(
        ErrorOf(Spec("type", "id", {{"type", Str("integer")}, {"decimal_separator", Str(",")}})),
        "apply to type decimal only"));
    EXPECT_TRUE(Contains(
        ErrorOf(Spec("type", "id", {{"type", Str("integer")}, {"formats", Arr({Str("%Y")})}})),
        "formats apply to types date and timestamp only"));
    std::string e =
        ErrorOf(Spec("type", "day", {{"type", Str("date")}, {"formats", Arr({Str("%d/%m/%y")})}}));
    EXPECT_TRUE(Contains(e, "unknown directive %y")) << e;
    EXPECT_TRUE(
        Contains(ErrorOf(Spec("compare", "start", {{"op", Str("==")}, {"other", Str("end")}})),
                 "op must be one of <, <=, =, <>, >=, >"));
}

}  // namespace
}  // namespace nightjar::core::rules
