// transform_catalog.hpp: named transforms with checked parameters.
//
// A CompiledTransform is built once from a name and a JSON parameter object (the
// "function" and "params" of a normalisation rule, or the arguments of the SQL function
// nightjar.transform); every definition error is found there, so Apply never fails.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/json/json_value.hpp"
#include "core/text/transforms.hpp"

namespace nightjar::core::text {

// CompiledTransform is one named transform with its parameters, ready to apply.
class CompiledTransform {
  public:
    // Compile checks `name` and `params` (an object, or nullptr for none) and throws
    // core::InvalidArgument naming the problem.
    static CompiledTransform Compile(std::string_view name, const JsonValue* params);

    // Apply transforms one value; nullopt when the value is unusable.
    Cleaned Apply(std::string_view in) const;

    const std::string& Name() const { return name_; }
    // NumericOutput says whether the result is a number (JSON number in records).
    bool NumericOutput() const { return fn_ == Fn::kParseDecimalFr; }

    // Names lists every transform name, in documentation order.
    static const std::vector<std::string>& Names();

  private:
    enum class Fn {
        kTrim,
        kLower,
        kUpper,
        kUnaccent,
        kCollapseSpaces,
        kCleanPhone,
        kCleanEmail,
        kCleanUrl,
        kCleanSiren,
        kCleanSiret,
        kCleanPostcode,
        kParseDecimalFr,
        kParseDateFr,
        kMap
    };
    Fn fn_ = Fn::kTrim;
    std::string name_;
    std::string country_ = "FR";                                       // clean_phone
    std::unordered_map<std::string, std::optional<std::string>> map_;  // map: key → value
    bool map_has_default_ = false;
    std::optional<std::string> map_default_;
    bool map_case_insensitive_ = false;
};

}  // namespace nightjar::core::text

#include "core/cpp_only.hpp"
