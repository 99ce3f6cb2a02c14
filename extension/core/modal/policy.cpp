// policy.cpp: policy invariants and JSON reading (format in policy.hpp).
#include "core/modal/policy.hpp"

#include <cmath>
#include <string>

#include "core/errors.hpp"
#include "core/json/json_value.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::modal {

namespace {

constexpr double kSumTolerance = 1e-9;
const char* const kLocalNames[kLocalKpis] = {"frequency", "damping", "mcf", "mac"};

// Prefix names a policy version in messages.
std::string Prefix(int64_t version) { return "policy version " + std::to_string(version) + ": "; }

// CheckWeights refuses negative or non-finite weights and a sum other than 1.
void CheckWeights(const double* w, size_t n, const std::string& what) {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(w[i]) || w[i] < 0.0)
            throw InvalidArgument(what + " has a negative or non-finite weight " +
                                  std::to_string(w[i]));
        sum += w[i];
    }
    if (std::fabs(sum - 1.0) > kSumTolerance)
        throw InvalidArgument(what + " sums to " + std::to_string(sum) + ", not 1");
}

// Member returns object member `key` or throws.
const JsonValue& Member(const JsonValue& obj, const char* key, int64_t version) {
    const JsonValue* v = obj.Find(key);
    if (v == nullptr) throw InvalidArgument(Prefix(version) + "missing \"" + key + "\"");
    return *v;
}

// Numbers reads an array of numbers, of exactly `n` elements unless n is 0.
std::vector<double> Numbers(const JsonValue& v, size_t n, const std::string& what) {
    if (v.type != JsonValue::Type::kArray || (n != 0 && v.items.size() != n))
        throw InvalidArgument(what + " must be an array of " +
                              (n ? std::to_string(n) + " numbers" : std::string("numbers")));
    std::vector<double> out;
    out.reserve(v.items.size());
    for (const JsonValue& x : v.items) {
        if (x.type != JsonValue::Type::kNumber) throw InvalidArgument(what + " must hold numbers");
        out.push_back(x.AsNumber());
    }
    return out;
}

// Four reads an array of four numbers.
Thresholds4 Four(const JsonValue& v, const std::string& what) {
    std::vector<double> x = Numbers(v, 4, what);
    return {x[0], x[1], x[2], x[3]};
}

// ThresholdList reads [{"absolute": [...], "relative": [...]}, ...].
std::vector<KpiThresholds> ThresholdList(const JsonValue& v, const std::string& what) {
    if (v.type != JsonValue::Type::kArray) throw InvalidArgument(what + " must be an array");
    std::vector<KpiThresholds> out;
    for (const JsonValue& t : v.items) {
        const JsonValue* a = t.Find("absolute");
        const JsonValue* r = t.Find("relative");
        if (a == nullptr || r == nullptr)
            throw InvalidArgument(what + " entries need \"absolute\" and \"relative\"");
        out.push_back({Four(*a, what + " absolute"), Four(*r, what + " relative")});
    }
    return out;
}

// ParseOne reads one policy object.
Policy ParseOne(const JsonValue& obj) {
    if (obj.type != JsonValue::Type::kObject) throw InvalidArgument("a policy must be an object");
    Policy p;
    const JsonValue* version = obj.Find("version");
    if (version == nullptr || version->type != JsonValue::Type::kNumber)
        throw InvalidArgument("a policy needs a numeric \"version\"");
    p.version = static_cast<int64_t>(version->AsNumber());
    const std::string pre = Prefix(p.version);
    std::vector<double> beta = Numbers(Member(obj, "beta", p.version), 5, pre + "beta");
    for (int k = 0; k < 5; ++k) p.beta[k] = beta[k];
    const JsonValue& rho = Member(obj, "rho", p.version);
    if (rho.type != JsonValue::Type::kNumber) throw InvalidArgument(pre + "rho must be a number");
    p.rho = rho.AsNumber();
    p.global = Four(Member(obj, "global", p.version), pre + "global");
    for (const JsonValue& row : Member(obj, "alpha", p.version).items) {
        std::vector<double> a = Numbers(row, kLocalKpis, pre + "alpha row");
        p.alpha.push_back({a[0], a[1], a[2], a[3]});
    }
    p.phi = Numbers(Member(obj, "phi", p.version), 0, pre + "phi");
    for (int t = 0; t < kLocalKpis; ++t) {
        std::vector<KpiThresholds> list =
            ThresholdList(Member(obj, kLocalNames[t], p.version), pre + kLocalNames[t]);
        if (t == 0) p.local.resize(list.size());
        if (list.size() != p.local.size())
            throw InvalidArgument(pre + kLocalNames[t] + " has " + std::to_string(list.size()) +
                                  " modes, frequency has " + std::to_string(p.local.size()));
        for (size_t m = 0; m < list.size(); ++m) p.local[m][t] = list[m];
    }
    p.comac = ThresholdList(Member(obj, "comac", p.version), pre + "comac");
    p.Check();
    return p;
}

}  // namespace

void Policy::Check() const {
    const std::string pre = Prefix(version);
    for (int k = 0; k < 5; ++k) {
        if (!std::isfinite(beta[k]) || beta[k] < 0.0)
            throw InvalidArgument(pre + "beta of L" + std::to_string(k + 1) +
                                  " must be finite and >= 0");
        if (k > 0 && beta[k] < beta[k - 1])
            throw InvalidArgument(pre + "beta must not decrease from L" + std::to_string(k) +
                                  " to L" + std::to_string(k + 1));
    }
    if (!(beta[4] > 0.0)) throw InvalidArgument(pre + "beta of L5 must be > 0");
    if (!(rho >= 0.0 && rho <= 1.0))
        throw InvalidArgument(pre + "rho must be in [0, 1], not " + std::to_string(rho));
    CheckThresholds(global, true, (pre + "global thresholds").c_str());
    if (alpha.size() != local.size())
        throw InvalidArgument(pre + std::to_string(alpha.size()) + " alpha rows for " +
                              std::to_string(local.size()) + " modes");
    if (alpha.empty()) throw InvalidArgument(pre + "no mode");
    for (size_t m = 0; m < alpha.size(); ++m) {
        CheckWeights(alpha[m].data(), kLocalKpis, pre + "alpha of mode " + std::to_string(m + 1));
        for (int t = 0; t < kLocalKpis; ++t) {
            const std::string what =
                pre + kLocalNames[t] + " thresholds of mode " + std::to_string(m + 1);
            CheckThresholds(local[m][t].absolute, false, (what + " (absolute)").c_str());
            CheckThresholds(local[m][t].relative, false, (what + " (relative)").c_str());
        }
    }
    if (phi.size() != comac.size())
        throw InvalidArgument(pre + std::to_string(phi.size()) + " phi weights for " +
                              std::to_string(comac.size()) + " sensors");
    if (phi.empty()) throw InvalidArgument(pre + "no sensor");
    CheckWeights(phi.data(), phi.size(), pre + "phi");
    for (size_t s = 0; s < comac.size(); ++s) {
        const std::string what = pre + "comac thresholds of sensor " + std::to_string(s + 1);
        CheckThresholds(comac[s].absolute, false, (what + " (absolute)").c_str());
        CheckThresholds(comac[s].relative, false, (what + " (relative)").c_str());
    }
}

std::map<int64_t, Policy> ParsePolicies(std::string_view json) {
    const JsonValue doc = ParseJson(json);
    if (doc.type != JsonValue::Type::kArray) throw InvalidArgument("policies must be a JSON array");
    std::map<int64_t, Policy> out;
    for (const JsonValue& obj : doc.items) {
        Policy p = ParseOne(obj);
        const int64_t v = p.version;
        out[v] = std::move(p);
    }
    return out;
}

}  // namespace nightjar::core::modal
