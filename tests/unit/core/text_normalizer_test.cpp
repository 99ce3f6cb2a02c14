// text_normalizer_test.cpp: the transform catalog's parameter checks, the Normalizer's
// definition errors (exact messages), the kind order, counters and record ids.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/text/normalizer.hpp"

namespace nightjar::core::text {
namespace {

// CompileError returns the message Normalizer::Compile throws for `rules` ("" if none).
std::string CompileError(const std::string& rules,
                         const std::vector<std::string>* known = nullptr) {
    try {
        Normalizer::Compile(rules, known);
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return "";
}

// S makes a string field; N a number field.
Field S(const std::string& k, const std::string& v) { return {k, ValueKind::kString, v}; }
Field N(const std::string& k, const std::string& v) { return {k, ValueKind::kNumber, v}; }

// Show renders a record as "k=v;" with kinds (s: string, n: number, -: null, b: bool).
std::string Show(const Record& r) {
    std::string out;
    for (const auto& f : r) {
        const char* kind = f.kind == ValueKind::kString   ? "s"
                           : f.kind == ValueKind::kNumber ? "n"
                           : f.kind == ValueKind::kBool   ? "b"
                           : f.kind == ValueKind::kNull   ? "-"
                                                          : "j";
        out += f.key + "=" + kind + ":" + f.text + ";";
    }
    return out;
}

TEST(TextCatalog, ParamsAreChecked) {
    JsonValue map =
        ParseJson(R"({"values": {"M": "m", "Mme": "f", "?": null}, "case_insensitive": true})");
    auto t = CompiledTransform::Compile("map", &map);
    EXPECT_EQ(t.Apply("mme"), "f");
    EXPECT_EQ(t.Apply("M"), "m");
    EXPECT_EQ(t.Apply("?"), std::nullopt);
    EXPECT_EQ(t.Apply("x"), "x");  // no default: unmapped values kept
    JsonValue with_default = ParseJson(R"({"values": {"a": 1}, "default": "other"})");
    auto d = CompiledTransform::Compile("map", &with_default);
    EXPECT_EQ(d.Apply("a"), "1");
    EXPECT_EQ(d.Apply("A"), "other");  // case-sensitive by default
    auto expect_error = [](const char* name, const char* params, const char* message) {
        JsonValue p = ParseJson(params);
        try {
            CompiledTransform::Compile(name, &p);
            ADD_FAILURE() << name << " " << params;
        } catch (const InvalidArgument& e) {
            EXPECT_STREQ(e.what(), message);
        }
    };
    expect_error("clean_sirett", "{}", "unknown transform \"clean_sirett\"");
    expect_error("trim", R"({"x": 1})", "transform \"trim\" has no parameter \"x\"");
    expect_error("map", "{}", "map: params.values is required");
    expect_error("map", R"({"values": []})", "map: params.values must be an object, not array");
    expect_error("map", R"({"values": {"a": [1]}})",
                 "map: values.\"a\" must be a string, a number or null, not array");
    expect_error("map", R"({"values": {}, "case_insensitive": "yes"})",
                 "map: case_insensitive must be a boolean, not string");
    expect_error(
        "clean_phone", R"({"default_country": "ZZ"})",
        "clean_phone: unknown default_country \"ZZ\" (known: FR, BE, CH, LU, DE, ES, IT, GB, NL)");
    expect_error("clean_phone", R"({"default_country": 33})",
                 "clean_phone: default_country must be a string, not number");
    expect_error("trim", "[]", "params of transform \"trim\" must be an object, not array");
}

TEST(TextNormalizer, DefinitionErrorsNameTheRule) {
    const std::string id = R"({"kind":"record_id","source_code":"src","id_field":"id"})";
    EXPECT_EQ(CompileError("{}"), "rules must be a JSON array of rule objects, not object");
    EXPECT_EQ(CompileError("[]"), "rules must not be empty (a record_id rule is required)");
    EXPECT_EQ(CompileError("[1").rfind("invalid JSON: ", 0), 0u) << CompileError("[1");
    EXPECT_EQ(CompileError(R"([{"kind":"rename","from":"a","to":"b"}])"),
              "a record_id rule is required (how else would records be keyed?)");
    EXPECT_EQ(
        CompileError("[" + id + R"(, {"kind":"transform","field":"s","function":"clean_sirett"}])"),
        "rule 2 (transform): unknown transform \"clean_sirett\"");
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"transform","field":"s"}])"),
              "rule 2 (transform): \"function\" is required");
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"rename","from":"a","to":7}])"),
              "rule 2 (rename): \"to\" must be a string, not number");
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"rename","from":"a","to":"a"}])"),
              "rule 2 (rename): renames \"a\" to itself");
    EXPECT_EQ(
        CompileError(
            "[" + id +
            R"(, {"kind":"rename","from":"a","to":"c"}, {"kind":"rename","from":"b","to":"c"}])"),
        "rule 3 (rename): \"c\" is already the destination of a rename");
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"rename","from":"a","to":"b","extra":1}])"),
              "rule 2 (rename): unknown key \"extra\"");
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"merge"}])"),
              "rule 2: unknown kind \"merge\" (known: rename, transform, constant, multi, drop, "
              "record_id)");
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"constant","field":"x"}])"),
              "rule 2 (constant): \"value\" is required (null is allowed)");
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"constant","field":"x","value":{}}])"),
              "rule 2 (constant): \"value\" must be a string, number, boolean or null, not object");
    EXPECT_EQ(
        CompileError("[" + id +
                     R"(, {"kind":"multi","function":"point","inputs":["lat"],"outputs":["p"]}])"),
        "rule 2 (multi): \"inputs\" must have 2 field name(s), not 1");
    EXPECT_EQ(
        CompileError("[" + id +
                     R"(, {"kind":"multi","function":"geocode","inputs":[],"outputs":[]}])"),
        "rule 2 (multi): unknown multi-column function \"geocode\" (known: split_address, point)");
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"drop","fields":[]}])"),
              "rule 2 (drop): \"fields\" must have at least one field name(s), not 0");
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"drop","fields":["id"]}])"),
              "rule 1 (record_id): field \"id\" is dropped before the record id is computed");
    EXPECT_EQ(CompileError("[" + id + "," + id + "]"),
              "rule 2 (record_id): only one record_id rule is allowed (the first is rule 1)");
    EXPECT_EQ(
        CompileError(
            R"([{"kind":"record_id","source_code":"a","source_code_field":"b","id_field":"id"}])"),
        "rule 1 (record_id): exactly one of \"source_code\" and \"source_code_field\" is required");
    EXPECT_EQ(CompileError(R"([{"kind":"record_id","source_code":"--","id_field":"id"}])"),
              "rule 1 (record_id): source_code \"--\" has no letter or digit");
    EXPECT_EQ(CompileError("[" + id + R"(, 5])"), "rule 2 must be an object, not number");
    std::vector<std::string> known{"id", "a", "b"};
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"rename","from":"zz","to":"c"}])", &known),
              "rule 2 (rename): \"zz\" is not a field of the source");
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"rename","from":"a","to":"b"}])", &known),
              "rule 2 (rename): \"b\" is already a field of the source");
    EXPECT_EQ(
        CompileError(
            "[" + id +
                R"(, {"kind":"rename","from":"b","to":"c"}, {"kind":"rename","from":"a","to":"b"}])",
            &known),
        "");
    // With declared fields, every field a rule reads or drops must exist at its stage.
    const std::string at_this_point =
        "\" is not a field of the records at this point (rules apply in the order rename, "
        "transform, constant, multi, drop, record_id)";
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"transform","field":"aa","function":"trim"}])",
                           &known),
              "rule 2 (transform): \"aa" + at_this_point);
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"rename","from":"a","to":"c"},
                                        {"kind":"transform","field":"a","function":"trim"}])",
                           &known),
              "rule 3 (transform): \"a" + at_this_point);  // renamed away before transforms run
    EXPECT_EQ(CompileError("[" + id + R"(, {"kind":"drop","fields":["b","zz"]}])", &known),
              "rule 2 (drop): \"zz" + at_this_point);
    EXPECT_EQ(
        CompileError(
            "[" + id +
                R"(, {"kind":"multi","function":"point","inputs":["a","lon"],"outputs":["p"]}])",
            &known),
        "rule 2 (multi): \"lon" + at_this_point);
    // Fields made by earlier stages count, whatever the array order.
    EXPECT_EQ(CompileError(R"([{"kind":"record_id","source_code":"s","id_field":"key"},
                               {"kind":"multi","function":"point","inputs":["c","lon"],"outputs":["p"]},
                               {"kind":"constant","field":"lon","value":"2,35"},
                               {"kind":"transform","field":"c","function":"trim","into":"key"},
                               {"kind":"transform","field":"key","function":"upper"},
                               {"kind":"rename","from":"a","to":"c"}])",
                           &known),
              "");
}

TEST(TextNormalizer, AppliesKindsInOrderAndCounts) {
    // Array order deliberately scrambled: the kind order decides (rename before transform,
    // constant after transform, drop after multi, record_id last).
    auto n = Normalizer::Compile(R"([
        {"kind":"record_id","source_code":"Région Sud","id_field":"code"},
        {"kind":"drop","fields":["adresse","raw"]},
        {"kind":"multi","function":"split_address","inputs":["adresse"],"outputs":["street","postcode","city"]},
        {"kind":"constant","field":"country","value":"FR"},
        {"kind":"transform","field":"siret","function":"clean_siret"},
        {"kind":"transform","field":"name","function":"upper"},
        {"kind":"transform","field":"montant","function":"parse_decimal_fr"},
        {"kind":"transform","field":"tel","function":"clean_phone","into":"phone_e164"},
        {"kind":"multi","function":"point","inputs":["lat","lon"],"outputs":["geo"]},
        {"kind":"rename","from":"raison_sociale","to":"name"}
    ])");
    EXPECT_EQ(n.CounterNames(),
              (std::vector<std::string>{"split_address_nulled", "clean_siret_nulled",
                                        "upper_nulled", "parse_decimal_fr_nulled",
                                        "clean_phone_nulled", "point_nulled", "no_id"}));
    std::vector<int64_t> counters(n.CounterNames().size(), 0);
    Record r{S("code", " A1 "),
             S("raison_sociale", "Café Œuvre"),
             S("siret", "732 829 320 00074"),
             S("montant", "1 234,50"),
             S("tel", "01 23 45 67 89"),
             S("adresse", "12 rue de la Paix 75002 Paris"),
             N("lat", "48.86"),
             N("lon", "2.33"),
             S("raw", "x")};
    EXPECT_EQ(n.Apply(r, counters), "region_sud_A1");
    EXPECT_EQ(
        Show(r),
        "code=s: A1 ;name=s:CAFÉ ŒUVRE;siret=s:73282932000074;montant=n:1234.50;tel=s:01 23 45 67 "
        "89;"
        "lat=n:48.86;lon=n:2.33;phone_e164=s:+33123456789;country=s:FR;street=s:12 rue de la Paix;"
        "postcode=s:75002;city=s:Paris;geo=s:(2.33,48.86);");
    EXPECT_EQ(counters, (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0}));

    Record bad{S("code", ""),
               S("siret", "123"),
               {"name", ValueKind::kNull, ""},
               S("montant", "beaucoup"),
               S("adresse", "nulle part"),
               S("lat", "91"),
               S("lon", "0")};
    EXPECT_EQ(n.Apply(bad, counters), std::nullopt);
    EXPECT_EQ(Show(bad),
              "code=s:;siret=-:;name=-:;montant=-:;lat=s:91;lon=s:0;country=s:FR;street=-:;"
              "postcode=-:;city=-:;geo=-:;");
    EXPECT_EQ(counters, (std::vector<int64_t>{1, 1, 0, 1, 0, 1, 1}));  // null name: not counted
}

TEST(TextNormalizer, RenameReplacesAndRecordIdFromField) {
    auto n = Normalizer::Compile(R"([{"kind":"rename","from":"a","to":"b"},
        {"kind":"record_id","source_code_field":"src","id_field":"b"},
        {"kind":"transform","field":"v","function":"map","params":{"values":{"1":"one"},"default":null}}])");
    std::vector<int64_t> counters(n.CounterNames().size(), 0);
    Record r{S("b", "old"), N("a", "42"), S("src", "Île"), N("v", "1")};
    EXPECT_EQ(n.Apply(r, counters), "ile_42");
    EXPECT_EQ(Show(r), "b=n:42;src=s:Île;v=s:one;");
    Record no_src{N("a", "43"), N("v", "2")};
    EXPECT_EQ(n.Apply(no_src, counters), std::nullopt);
    EXPECT_EQ(Show(no_src), "b=n:43;v=-:;");
    EXPECT_EQ(counters, (std::vector<int64_t>{1, 1}));
}

TEST(TextNormalizer, OriginMarksUnchangedValues) {
    auto n = Normalizer::Compile(R"([{"kind":"rename","from":"a","to":"b"},
        {"kind":"transform","field":"c","function":"trim"},
        {"kind":"constant","field":"k","value":1},
        {"kind":"record_id","source_code":"s","id_field":"b"}])");
    std::vector<int64_t> counters(n.CounterNames().size(), 0);
    Record r{{"a", ValueKind::kString, "1", 0},
             {"c", ValueKind::kString, " x ", 1},
             {"d", ValueKind::kJson, "[1]", 2}};
    EXPECT_EQ(n.Apply(r, counters), "s_1");
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].origin, 0);   // renamed, value unchanged: reusable
    EXPECT_EQ(r[1].origin, -1);  // transformed
    EXPECT_EQ(r[2].origin, 2);   // untouched container
    EXPECT_EQ(r[3].origin, -1);  // created by a constant
    EXPECT_EQ(Show(r), "b=s:1;c=s:x;d=j:[1];k=n:1;");
}

}  // namespace
}  // namespace nightjar::core::text
