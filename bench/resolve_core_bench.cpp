// resolve_core_bench.cpp: the entity-resolution core alone (no PostgreSQL), informational.
//
// Two modes:
//   resolve_core_bench --records=N [--sources=20] [--coverage=0.25]
//   [--config-extra='"u_by_em":false']
//       generates N synthetic actor records (tests/unit/core/resolve_synthetic.hpp), loads
//       them into a RecordSet, runs Resolve with the default config, and prints the phase
//       timings, the counts, the store's bytes per record and the pairwise precision /
//       recall / F1 against the generator's truth. Measure peak memory with
//       /usr/bin/time -v. The baseline named in the same run is "exact blocking": records
//       linked when they share a normalised name and postcode, or a SIRET, the rule a
//       plain-SQL GROUP BY gives.
//   resolve_core_bench [Google Benchmark flags]
//       per-call cost of the comparators against a named baseline (std::string equality).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "core/resolve/resolver.hpp"
#include "tests/unit/core/resolve_synthetic.hpp"

namespace {

using namespace nightjar::core::resolve;

// CpuSeconds returns the process's user + system CPU time (a loaded machine inflates wall
// times, not this).
double CpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// PairCount returns n(n-1)/2.
double PairCount(double n) { return n * (n - 1) / 2; }

// Score prints pairwise precision, recall and F1 of `entity_of` against the truth.
void Score(const char* label, const std::vector<synthetic::Record>& recs,
           const std::vector<uint32_t>& entity_of) {
    std::unordered_map<uint64_t, uint32_t> both;
    std::unordered_map<uint32_t, uint32_t> pred, truth;
    for (size_t i = 0; i < recs.size(); ++i) {
        ++both[uint64_t{entity_of[i]} << 32 | recs[i].entity];
        ++pred[entity_of[i]];
        ++truth[recs[i].entity];
    }
    double tp = 0, pp = 0, tt = 0;
    for (auto& [k, c] : both) tp += PairCount(c);
    for (auto& [k, c] : pred) pp += PairCount(c);
    for (auto& [k, c] : truth) tt += PairCount(c);
    double precision = pp > 0 ? tp / pp : 1, recall = tt > 0 ? tp / tt : 1;
    std::printf("%-16s precision %.4f recall %.4f F1 %.4f (true pairs %.0f, predicted %.0f)\n",
                label, precision, recall, 2 * precision * recall / (precision + recall), tt, pp);
}

// ExactBaseline links records sharing (normalised name, postcode) or a SIRET.
std::vector<uint32_t> ExactBaseline(const std::vector<synthetic::Record>& recs) {
    std::vector<uint32_t> parent(recs.size());
    for (uint32_t i = 0; i < parent.size(); ++i) parent[i] = i;
    auto find = [&](uint32_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    };
    std::unordered_map<std::string, uint32_t> first;
    for (uint32_t i = 0; i < recs.size(); ++i) {
        const auto& v = recs[i].values;
        std::vector<std::string> keys;
        if (v[0] && v[2]) keys.push_back("n" + NormalizeName(*v[0]) + "|" + *v[2]);
        if (v[3]) {
            std::string digits;
            for (char c : *v[3])
                if (c >= '0' && c <= '9') digits += c;
            keys.push_back("s" + digits);
        }
        for (const auto& k : keys) {
            auto [it, added] = first.try_emplace(k, i);
            if (!added) parent[find(i)] = find(it->second);
        }
    }
    std::vector<uint32_t> out(recs.size());
    for (uint32_t i = 0; i < recs.size(); ++i) out[i] = find(i);
    return out;
}

// ReadTsv reads records written by a flattening of examples/consolidation's generator:
// source index, key, the five field values (\N: missing), actor id; tab-separated.
std::vector<synthetic::Record> ReadTsv(const std::string& path) {
    std::vector<synthetic::Record> recs;
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (!f) throw std::runtime_error("cannot open " + path);
    char* line = nullptr;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        std::string_view l(line, static_cast<size_t>(len));
        if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
        std::vector<std::string> cols;
        for (size_t i = 0;;) {
            size_t j = l.find('\t', i);
            cols.emplace_back(
                l.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
            if (j == std::string_view::npos) break;
            i = j + 1;
        }
        if (cols.size() != 8) continue;
        synthetic::Record r;
        r.source = static_cast<uint32_t>(std::stoul(cols[0]));
        r.key = cols[1];
        for (size_t c = 2; c < 7; ++c)
            r.values.push_back(cols[c] == "\\N" ? std::nullopt
                                                : std::optional<std::string>(cols[c]));
        r.entity = static_cast<uint32_t>(std::stoul(cols[7]));
        recs.push_back(std::move(r));
    }
    std::free(line);
    std::fclose(f);
    return recs;
}

// RunResolve is the --records / --tsv mode.
int RunResolve(size_t n, uint32_t sources, double coverage, const std::string& extra,
               const std::string& tsv) {
    using Clock = std::chrono::steady_clock;
    auto t0 = Clock::now();
    auto recs = tsv.empty() ? synthetic::Generate(n, sources, coverage, 2026) : ReadTsv(tsv);
    auto t1 = Clock::now();
    std::string json = std::getenv("RESOLVE_BENCH_CONFIG") ? std::getenv("RESOLVE_BENCH_CONFIG")
                                                           : synthetic::kConfig;
    if (!extra.empty()) json = json.substr(0, json.rfind('}')) + "," + extra + "}";
    ResolverConfig config = ResolverConfig::FromJson(json);
    RecordSet records(config);
    double cpu_load = CpuSeconds();
    for (const auto& r : recs) records.Add(r.source, r.key, r.values);
    cpu_load = CpuSeconds() - cpu_load;
    auto t2 = Clock::now();
    double cpu_before = CpuSeconds();
    ResolveResult result = Resolve(config, records);
    double cpu_resolve = CpuSeconds() - cpu_before;
    auto t3 = Clock::now();
    auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::printf("records %zu  generate %.2f s  load (normalise+intern) %.2f s  resolve %.2f s\n",
                recs.size(), secs(t0, t1), secs(t1, t2), secs(t2, t3));
    std::printf("CPU time (user + system, all threads): load %.2f s, resolve %.2f s\n", cpu_load,
                cpu_resolve);
    std::printf("store %.1f MB (%.0f bytes/record)\n", records.MemoryBytes() / 1e6,
                static_cast<double>(records.MemoryBytes()) / static_cast<double>(recs.size()));
    std::printf("%s\n", result.SummaryJson().c_str());
    Score("resolve", recs, result.entity_of);
    size_t true_kept = 0, true_matched = 0;
    for (const auto& p : result.pairs)
        if (recs[p.a].entity == recs[p.b].entity) {
            ++true_kept;
            true_matched += p.status != PairStatus::kReview;
        }
    if (std::getenv("RESOLVE_BENCH_WRONG")) {  // print a few false matches
        int shown = 0;
        for (size_t i = 0; i < result.pairs.size() && shown < 30; ++i) {
            const auto& p = result.pairs[i];
            if (p.status != PairStatus::kMatch || recs[p.a].entity == recs[p.b].entity) continue;
            if (++shown % 3) continue;
            std::printf("p=%.3f w=%.1f levels", p.probability, p.match_weight);
            for (size_t f = 0; f < result.field_count; ++f)
                std::printf(" %d", result.PairLevel(i, f));
            std::printf("\n");
            for (uint32_t r : {p.a, p.b}) {
                for (const auto& v : recs[r].values) std::printf("%s | ", v ? v->c_str() : "-");
                std::printf("\n");
            }
        }
    }
    if (std::getenv("RESOLVE_BENCH_MISSED")) {  // print a few true pairs never compared
        std::unordered_map<uint32_t, std::vector<uint32_t>> by_entity;
        for (uint32_t i = 0; i < recs.size(); ++i) by_entity[recs[i].entity].push_back(i);
        std::unordered_map<uint64_t, bool> seen;
        for (const auto& p : result.pairs) seen[uint64_t{p.a} << 32 | p.b] = true;
        int shown = 0;
        for (auto& [e, members] : by_entity) {
            for (size_t x = 0; x < members.size() && shown < 25; ++x)
                for (size_t y = x + 1; y < members.size() && shown < 25; ++y) {
                    uint32_t a = std::min(members[x], members[y]),
                             b = std::max(members[x], members[y]);
                    if (seen.count(uint64_t{a} << 32 | b)) continue;
                    ++shown;
                    for (uint32_t r : {a, b}) {
                        for (const auto& v : recs[r].values)
                            std::printf("%s | ", v ? v->c_str() : "-");
                        std::printf("\n");
                    }
                    std::printf("\n");
                }
        }
    }
    std::printf(
        "true pairs among the %zu pairs >= review_threshold: %zu (%zu of them >= "
        "match_threshold); with review_threshold 0 this is the blocking recall\n",
        result.pairs.size(), true_kept, true_matched);
    Score("exact blocking", recs, ExactBaseline(recs));
    return 0;
}

// BM_JaroWinkler measures one Jaro-Winkler of two 18-character names.
void BM_JaroWinkler(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(
            Similarity("boulangerie dupont", "boulangerie dupond", "jaro_winkler"));
}
BENCHMARK(BM_JaroWinkler);

// BM_TokenSet measures one token_set similarity (folding included).
void BM_TokenSet(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(
            Similarity("Boulangerie Dupont SARL", "dupond boulangerie", "token_set"));
}
BENCHMARK(BM_TokenSet);

// BM_StringEquality is the baseline: comparing two std::strings.
void BM_StringEquality(benchmark::State& state) {
    std::string a = "boulangerie dupont", b = "boulangerie dupond";
    for (auto _ : state) benchmark::DoNotOptimize(a == b);
}
BENCHMARK(BM_StringEquality);

}  // namespace

int main(int argc, char** argv) {
    size_t records = 0;
    uint32_t sources = 20;
    double coverage = 0.25;
    std::string extra, tsv;
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--tsv=", 6) == 0) tsv = argv[i] + 6;
        if (std::strncmp(argv[i], "--records=", 10) == 0) records = std::stoul(argv[i] + 10);
        if (std::strncmp(argv[i], "--sources=", 10) == 0)
            sources = static_cast<uint32_t>(std::stoul(argv[i] + 10));
        if (std::strncmp(argv[i], "--coverage=", 11) == 0) coverage = std::stod(argv[i] + 11);
        if (std::strncmp(argv[i], "--config-extra=", 15) == 0) extra = argv[i] + 15;
    }
    if (records > 0 || !tsv.empty()) return RunResolve(records, sources, coverage, extra, tsv);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    return 0;
}
