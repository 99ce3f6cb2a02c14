// policy.hpp: a monitoring policy version as the KPI computation needs it, and its
// reading from the JSON the glue builds out of the configuration tables.
//
// JSON (an array, one object per policy version):
//   [{"version": 7, "beta": [b1..b5], "rho": 0.6, "global": [s1..s4],
//     "alpha": [[a_freq, a_damp, a_mcf, a_mac], ...one per mode],
//     "phi": [p1, ...one per sensor],
//     "frequency": [{"absolute": [t1..t4], "relative": [t1..t4]}, ...one per mode],
//     "damping": [...], "mcf": [...], "mac": [...] (one per mode),
//     "comac": [...one per sensor]}]
// Every invariant the SQL configuration enforces is checked again here (a policy read
// from elsewhere — a test, a benchmark — gets the same errors): β non-decreasing with
// β5 > 0, ρ in [0, 1], each α row and the φ vector sum to 1, local thresholds
// non-decreasing, global ones strictly increasing. Small: read once per KPI batch.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "core/modal/levels.hpp"

namespace nightjar::core::modal {

// LocalKpi numbers the per-mode KPI types (the columns of α).
enum LocalKpi { kFrequency = 0, kDamping = 1, kMcf = 2, kMac = 3 };
constexpr int kLocalKpis = 4;

// KpiThresholds is one KPI's thresholds in both calculation modes.
struct KpiThresholds {
    Thresholds4 absolute{}, relative{};
    // For returns the thresholds of the structure's calculation mode.
    const Thresholds4& For(bool is_relative) const { return is_relative ? relative : absolute; }
};

// Policy is one version of a structure's monitoring policy.
struct Policy {
    int64_t version = 0;
    std::array<double, 5> beta{};  // points of levels L1..L5
    double rho = 0.5;              // weight of the local KPIs (1 − rho: COMAC)
    Thresholds4 global{};          // s1 < s2 < s3 < s4 on the normalised score
    std::vector<std::array<double, kLocalKpis>> alpha;         // per mode
    std::vector<double> phi;                                   // per sensor
    std::vector<std::array<KpiThresholds, kLocalKpis>> local;  // per mode, per KPI type
    std::vector<KpiThresholds> comac;                          // per sensor

    // Check throws InvalidArgument naming the first invariant the policy breaks.
    void Check() const;
};

// ParsePolicies reads the JSON array described above into checked policies by version.
std::map<int64_t, Policy> ParsePolicies(std::string_view json);

}  // namespace nightjar::core::modal

#include "core/cpp_only.hpp"
