// catalog.cpp: the lists of catalog.hpp, gathered from where each is defined next to the
// code that interprets it (compile.cpp's kind table, the Normalizer, the transform
// catalog), so each name is written once.
#include "core/rules/catalog.hpp"

#include "core/rules/compiled_rule.hpp"
#include "core/text/normalizer.hpp"
#include "core/text/transform_catalog.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::rules {

const std::vector<std::string>& ValidationKinds() {
    // ValidationKinds reads the names of compile.cpp's kind table.
    static const std::vector<std::string> kinds = [] {
        std::vector<std::string> out;
        for (const auto& entry : KindTable()) out.emplace_back(entry.first);
        return out;
    }();
    return kinds;
}

const std::vector<std::string>& NormalizationKinds() {
    // NormalizationKinds forwards to the normaliser, which owns them.
    return text::Normalizer::Kinds();
}

const std::vector<std::string>& TransformNames() {
    // TransformNames forwards to the transform catalog.
    return text::CompiledTransform::Names();
}

const std::vector<std::string>& MultiFunctions() {
    // MultiFunctions forwards to the normaliser, which owns them.
    return text::Normalizer::MultiFunctions();
}

std::string JoinNames(const std::vector<std::string>& names) {
    // JoinNames separates with ", ".
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::string CatalogJson() {
    // CatalogJson writes names that are [a-z_] only, so no escaping is needed.
    auto array = [](const std::vector<std::string>& names) {
        std::string out = "[";
        for (size_t i = 0; i < names.size(); ++i) out += (i ? ", \"" : "\"") + names[i] + "\"";
        return out + "]";
    };
    return "{\"validation\": " + array(ValidationKinds()) +
           ", \"normalization\": " + array(NormalizationKinds()) +
           ", \"transforms\": " + array(TransformNames()) +
           ", \"multi\": " + array(MultiFunctions()) + "}";
}

}  // namespace nightjar::core::rules
