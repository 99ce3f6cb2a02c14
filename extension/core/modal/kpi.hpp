// kpi.hpp: the modal KPIs of one measurement state against its reference state, and the
// batch evaluation of many states (the KPI step's computation).
//
// Phases per state: (1) MAC matrix between the reference's and the state's mode shapes
// (reference modes in rows) and pairing by maximum MAC (mac.hpp); (2) per reference mode
// i and its paired state mode j: deviations of frequency, damping and MCF (absolute or
// relative, levels.hpp) and the MAC of the pair; (3) COMAC per sensor over the paired
// modes (comac.hpp, x/y/z as one vector); (4) each KPI mapped to a level with the
// policy's thresholds of the calculation mode — MAC and COMAC through 1 − MAC and
// 1 − COMAC, so that for every KPI a larger value is worse; (5) the global score
//
//   S = [ ρ · (1/M) Σₘ Σₜ αₘₜ · β(Lₘₜ)  +  (1 − ρ) · Σₛ φₛ · β(Lₛ) ] / β(L5)
//
// (t over frequency, damping, MCF, MAC; each α row and φ sum to 1, so S ∈ [β1/β5, 1]),
// mapped to a global level by s1..s4 (same inclusive rule as every level).
// Cost per state: O(M² · 3S) for the MAC matrix, O(M · 3S) for COMAC; memory: the
// StateKpis of one chunk. The batch reports progress (and can be cancelled) through the
// core's Progress hook every 256 states.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/modal/policy.hpp"
#include "core/util/progress.hpp"

namespace nightjar::core::modal {

// ModalState views one state's modal data: `modes` frequencies, damping ratios and MCFs,
// and the mode shapes, row-major modes × sensors × 3 (x, y, z). Not owned.
struct ModalState {
    size_t modes = 0, sensors = 0;
    const double* frequency = nullptr;
    const double* damping = nullptr;
    const double* mcf = nullptr;
    const double* shape = nullptr;
};

// StateKpis is the result for one state; per-mode vectors follow the reference's modes.
struct StateKpis {
    // value[kFrequency|kDamping|kMcf]: deviations; value[kMac]: the MAC of the pair.
    std::array<std::vector<double>, kLocalKpis> value;
    std::array<std::vector<int>, kLocalKpis> level;
    std::vector<int> pairing;  // state mode (0-based) paired with each reference mode
    std::vector<double> comac;
    std::vector<int> comac_level;
    double local_points = 0.0;  // (1/M) Σ α β, before ρ
    double comac_points = 0.0;  // Σ φ β, before 1 − ρ
    double score = 0.0;         // normalised global score
    int global_level = 0;
};

// EvaluateState computes every KPI of `state` against `reference` under `policy`.
void EvaluateState(const ModalState& state, const ModalState& reference, const Policy& policy,
                   bool relative, StateKpis& out);

// GlobalScore fills the points, score and global level of `kpis` from its levels.
void GlobalScore(const Policy& policy, StateKpis& kpis);

// KpiJob is one state to evaluate; state_id only names it in error messages.
struct KpiJob {
    int64_t state_id = 0;
    ModalState state, reference;
    const Policy* policy = nullptr;
    bool relative = false;
};

// EvaluateStates evaluates every job into `out` (resized), reporting to `progress`; an
// error names the state whose KPIs failed.
void EvaluateStates(const std::vector<KpiJob>& jobs, std::vector<StateKpis>& out,
                    Progress& progress = NoProgress());

}  // namespace nightjar::core::modal

#include "core/cpp_only.hpp"
