// text_transforms_bench.cpp: throughput of the normalisation transforms on a French-like
// corpus, against named baselines measured in the same run (informational; nothing here
// is asserted).
//   Unaccent                 vs IcuPerCall (creating the ICU transliterator for every
//                            value, as a naive wrapper would) and IcuReusedNoFastPath
//                            (one transliterator, but ICU for ASCII values too)
//   every catalog transform  values/s through CompiledTransform::Apply
// Run: build/bench/text_transforms_bench (add --benchmark_min_time=1 for steadier numbers).
#include <benchmark/benchmark.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <memory>
#include <string>
#include <vector>

#include "core/text/transform_catalog.hpp"
#include "core/text/transforms.hpp"

namespace {

namespace text = nightjar::core::text;

// Corpus returns 1,000 names, half of them with accents or ligatures.
const std::vector<std::string>& Corpus() {
    static const std::vector<std::string> corpus = [] {
        const char* words[] = {"Boulangerie", "Élise",           "Café",   "de la Gare",
                               "Œuvre",       "Saint-Étienne",   "Dupont", "Hôtel",
                               "Martin",      "Société Générale"};
        std::vector<std::string> out;
        for (int i = 0; i < 1000; ++i)
            out.push_back(std::string(words[i % 10]) + " " + words[(i * 7 + 3) % 10]);
        return out;
    }();
    return corpus;
}

// Inputs returns typical raw values for a transform.
std::vector<std::string> Inputs(const std::string& name) {
    if (name == "clean_phone")
        return {"01 23 45 67 89", "+33 6 12 34 56 78", "0033123456789", "n/c"};
    if (name == "clean_email")
        return {"Jean.Dupont@Example.FR", "mailto:contact@mairie.fr", "pas d'email"};
    if (name == "clean_url")
        return {"www.Example.com/", "http://example.org:80/a?b=1", "javascript:x"};
    if (name == "clean_siren") return {"732 829 320", "732829321"};
    if (name == "clean_siret") return {"732 829 320 00074", "35600000049837", "123"};
    if (name == "clean_postcode") return {"75 001", "1000", "2A004"};
    if (name == "parse_decimal_fr") return {"1 234,56", "-0,5", "12", "beaucoup"};
    if (name == "parse_date_fr") return {"23/11/2026", "1er janvier 2026", "30/02/2024"};
    return Corpus();
}

// Unaccent is ours: one transliterator per thread, ASCII values skip ICU.
void BM_Unaccent(benchmark::State& state) {
    for (auto _ : state)
        for (const auto& v : Corpus()) benchmark::DoNotOptimize(text::Unaccent(v));
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(Corpus().size()));
}
BENCHMARK(BM_Unaccent);

// IcuPerCall creates the transliterator for every value.
void BM_UnaccentIcuPerCall(benchmark::State& state) {
    for (auto _ : state) {
        for (const auto& v : Corpus()) {
            UErrorCode status = U_ZERO_ERROR;
            std::unique_ptr<icu::Transliterator> t(icu::Transliterator::createInstance(
                "NFD; [:Nonspacing Mark:] Remove; NFC", UTRANS_FORWARD, status));
            icu::UnicodeString u = icu::UnicodeString::fromUTF8(v);
            t->transliterate(u);
            std::string out;
            benchmark::DoNotOptimize(u.toUTF8String(out));
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(Corpus().size()));
}
BENCHMARK(BM_UnaccentIcuPerCall);

// IcuReusedNoFastPath reuses one transliterator but sends every value through ICU.
void BM_UnaccentIcuReusedNoFastPath(benchmark::State& state) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> t(icu::Transliterator::createInstance(
        "NFD; [:Nonspacing Mark:] Remove; NFC", UTRANS_FORWARD, status));
    for (auto _ : state) {
        for (const auto& v : Corpus()) {
            icu::UnicodeString u = icu::UnicodeString::fromUTF8(v);
            t->transliterate(u);
            std::string out;
            benchmark::DoNotOptimize(u.toUTF8String(out));
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(Corpus().size()));
}
BENCHMARK(BM_UnaccentIcuReusedNoFastPath);

// Catalog applies one named transform to its typical inputs.
void BM_Catalog(benchmark::State& state, const std::string& name) {
    nightjar::core::JsonValue params =
        nightjar::core::ParseJson(R"({"values": {"Café Dupont": "x"}})");
    auto t = text::CompiledTransform::Compile(name, name == "map" ? &params : nullptr);
    const std::vector<std::string> inputs = Inputs(name);
    for (auto _ : state)
        for (const auto& v : inputs) benchmark::DoNotOptimize(t.Apply(v));
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(inputs.size()));
}

// RegisterCatalog registers BM_Catalog for every transform name.
int RegisterCatalog() {
    for (const auto& name : text::CompiledTransform::Names())
        benchmark::RegisterBenchmark(("BM_Catalog/" + name).c_str(), BM_Catalog, name);
    return 0;
}
const int kRegistered = RegisterCatalog();

}  // namespace

BENCHMARK_MAIN();
