// transform_catalog.cpp: the name → function table and the parameter checks of each
// transform. A map's dictionary is a hash table (keys lower-cased once at compile time
// when case_insensitive), so applying it is O(length of the value).
#include "core/text/transform_catalog.hpp"

#include <array>

#include "core/errors.hpp"
#include "core/text/utf8.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::text {
namespace {

// MapText returns the text a map parameter stands for: strings and numbers as written,
// null as nullopt; anything else is refused.
std::optional<std::string> MapText(const JsonValue& v, const std::string& where) {
    if (v.type == JsonValue::Type::kNull) return std::nullopt;
    if (v.type == JsonValue::Type::kString || v.type == JsonValue::Type::kNumber) return v.text;
    throw InvalidArgument(where + " must be a string, a number or null, not " + TypeName(v.type));
}

// CheckKeys refuses parameter keys outside `allowed`.
void CheckKeys(std::string_view name, const JsonValue* params,
               std::initializer_list<std::string_view> allowed) {
    if (params == nullptr) return;
    for (const auto& [key, value] : params->members) {
        bool ok = false;
        for (auto a : allowed) ok = ok || key == a;
        if (!ok)
            throw InvalidArgument("transform \"" + std::string(name) + "\" has no parameter \"" +
                                  key + "\"");
    }
}

}  // namespace

// Names lists the transforms in the order of docs/rules.md.
const std::vector<std::string>& CompiledTransform::Names() {
    static const std::vector<std::string> kNames{"trim",
                                                 "lower",
                                                 "upper",
                                                 "unaccent",
                                                 "collapse_spaces",
                                                 "clean_phone",
                                                 "clean_email",
                                                 "clean_url",
                                                 "clean_siren",
                                                 "clean_siret",
                                                 "clean_postcode",
                                                 "parse_decimal_fr",
                                                 "parse_date_fr",
                                                 "map"};
    return kNames;
}

// Compile resolves the name and checks the parameters of the chosen transform.
CompiledTransform CompiledTransform::Compile(std::string_view name, const JsonValue* params) {
    if (params != nullptr && params->type != JsonValue::Type::kObject)
        throw InvalidArgument("params of transform \"" + std::string(name) +
                              "\" must be an object, not " + TypeName(params->type));
    const auto& names = Names();
    size_t index = 0;
    while (index < names.size() && names[index] != name) ++index;
    if (index == names.size())
        throw InvalidArgument("unknown transform \"" + std::string(name) + "\"");
    CompiledTransform t;
    t.name_ = std::string(name);
    t.fn_ = static_cast<Fn>(index);
    if (t.fn_ == Fn::kCleanPhone) {
        CheckKeys(name, params, {"default_country"});
        if (const JsonValue* c = params ? params->Find("default_country") : nullptr) {
            if (c->type != JsonValue::Type::kString)
                throw InvalidArgument("clean_phone: default_country must be a string, not " +
                                      std::string(TypeName(c->type)));
            if (!KnownPhoneCountry(c->text))
                throw InvalidArgument("clean_phone: unknown default_country \"" + c->text +
                                      "\" (known: FR, BE, CH, LU, DE, ES, IT, GB, NL)");
            t.country_ = c->text;
        }
    } else if (t.fn_ == Fn::kMap) {
        CheckKeys(name, params, {"values", "default", "case_insensitive"});
        const JsonValue* values = params ? params->Find("values") : nullptr;
        if (values == nullptr) throw InvalidArgument("map: params.values is required");
        if (values->type != JsonValue::Type::kObject)
            throw InvalidArgument(std::string("map: params.values must be an object, not ") +
                                  TypeName(values->type));
        if (const JsonValue* ci = params->Find("case_insensitive")) {
            if (ci->type != JsonValue::Type::kBool)
                throw InvalidArgument(std::string("map: case_insensitive must be a boolean, not ") +
                                      TypeName(ci->type));
            t.map_case_insensitive_ = ci->text == "true";
        }
        for (const auto& [from, to] : values->members) {
            std::string key = t.map_case_insensitive_ ? Lower(from).value_or(from) : from;
            if (!t.map_.emplace(key, MapText(to, "map: values.\"" + from + "\"")).second)
                throw InvalidArgument("map: values has \"" + from + "\" twice");
        }
        if (const JsonValue* d = params->Find("default")) {
            t.map_has_default_ = true;
            t.map_default_ = MapText(*d, "map: default");
        }
    } else {
        CheckKeys(name, params, {});
    }
    return t;
}

// Apply dispatches to the transform function.
Cleaned CompiledTransform::Apply(std::string_view in) const {
    switch (fn_) {
        case Fn::kTrim:
            return Trim(in);
        case Fn::kLower:
            return Lower(in);
        case Fn::kUpper:
            return Upper(in);
        case Fn::kUnaccent:
            return Unaccent(in);
        case Fn::kCollapseSpaces:
            return CollapseSpaces(in);
        case Fn::kCleanPhone:
            return CleanPhone(in, country_);
        case Fn::kCleanEmail:
            return CleanEmail(in);
        case Fn::kCleanUrl:
            return CleanUrl(in);
        case Fn::kCleanSiren:
            return CleanSiren(in);
        case Fn::kCleanSiret:
            return CleanSiret(in);
        case Fn::kCleanPostcode:
            return CleanPostcode(in);
        case Fn::kParseDecimalFr:
            return ParseDecimalFr(in);
        case Fn::kParseDateFr:
            return ParseDateFr(in);
        case Fn::kMap:
            break;
    }
    if (!IsValidUtf8(in)) return std::nullopt;
    auto it = map_case_insensitive_ ? map_.find(*Lower(in)) : map_.find(std::string(in));
    if (it != map_.end()) return it->second;
    if (map_has_default_) return map_default_;
    return std::string(in);
}

}  // namespace nightjar::core::text
