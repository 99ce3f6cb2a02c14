// kpi.cpp: one state's KPIs and the batch (phases and formulas in kpi.hpp).
#include "core/modal/kpi.hpp"

#include <string>

#include "core/errors.hpp"
#include "core/modal/comac.hpp"
#include "core/modal/levels.hpp"
#include "core/modal/mac.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::modal {

namespace {

// CheckShapes refuses a state whose dimensions do not fit its reference or the policy.
void CheckShapes(const ModalState& state, const ModalState& ref, const Policy& policy) {
    if (ref.modes == 0 || ref.sensors == 0)
        throw InvalidArgument("the reference state has no mode or no sensor");
    if (state.sensors != ref.sensors)
        throw InvalidArgument("the state has " + std::to_string(state.sensors) +
                              " sensors, its reference " + std::to_string(ref.sensors));
    if (state.modes < ref.modes)
        throw InvalidArgument("the state has " + std::to_string(state.modes) +
                              " modes, its reference " + std::to_string(ref.modes));
    if (policy.alpha.size() != ref.modes || policy.phi.size() != ref.sensors)
        throw InvalidArgument("policy version " + std::to_string(policy.version) + " has " +
                              std::to_string(policy.alpha.size()) + " modes and " +
                              std::to_string(policy.phi.size()) + " sensors, the reference " +
                              std::to_string(ref.modes) + " and " + std::to_string(ref.sensors));
}

// PairedShapes copies the state's mode shapes into reference order (row i = pair of i).
void PairedShapes(const ModalState& state, const std::vector<int>& pairing, size_t dim,
                  std::vector<double>& out) {
    out.resize(pairing.size() * dim);
    for (size_t i = 0; i < pairing.size(); ++i) {
        const double* src = state.shape + static_cast<size_t>(pairing[i]) * dim;
        std::copy(src, src + dim, out.begin() + static_cast<std::ptrdiff_t>(i * dim));
    }
}

}  // namespace

void EvaluateState(const ModalState& state, const ModalState& ref, const Policy& policy,
                   bool relative, StateKpis& out) {
    CheckShapes(state, ref, policy);
    const size_t m = ref.modes, dim = ref.sensors * 3;
    const std::vector<double> mac = MacMatrix(ref.shape, m, state.shape, state.modes, dim);
    out.pairing = PairModes(mac, m, state.modes);
    for (int t = 0; t < kLocalKpis; ++t) {
        out.value[t].resize(m);
        out.level[t].resize(m);
    }
    const double* state_values[3] = {state.frequency, state.damping, state.mcf};
    const double* ref_values[3] = {ref.frequency, ref.damping, ref.mcf};
    for (size_t i = 0; i < m; ++i) {
        const size_t j = static_cast<size_t>(out.pairing[i]);
        for (int t = 0; t < 3; ++t) {
            const double v = Deviation(state_values[t][j], ref_values[t][i], relative);
            out.value[t][i] = v;
            out.level[t][i] = LevelOf(v, policy.local[i][t].For(relative));
        }
        const double pair_mac = mac[i * state.modes + j];
        out.value[kMac][i] = pair_mac;
        out.level[kMac][i] = LevelOf(1.0 - pair_mac, policy.local[i][kMac].For(relative));
    }
    std::vector<double> paired;
    PairedShapes(state, out.pairing, dim, paired);
    out.comac = Comac(ref.shape, paired.data(), m, dim, 3);
    out.comac_level.resize(ref.sensors);
    for (size_t s = 0; s < ref.sensors; ++s)
        out.comac_level[s] = LevelOf(1.0 - out.comac[s], policy.comac[s].For(relative));
    GlobalScore(policy, out);
}

void GlobalScore(const Policy& policy, StateKpis& kpis) {
    const size_t m = policy.alpha.size();
    double local = 0.0;
    for (size_t i = 0; i < m; ++i)
        for (int t = 0; t < kLocalKpis; ++t)
            local += policy.alpha[i][t] * policy.beta[kpis.level[t].at(i) - 1];
    local /= static_cast<double>(m);
    double comac = 0.0;
    for (size_t s = 0; s < policy.phi.size(); ++s)
        comac += policy.phi[s] * policy.beta[kpis.comac_level.at(s) - 1];
    kpis.local_points = local;
    kpis.comac_points = comac;
    kpis.score = (policy.rho * local + (1.0 - policy.rho) * comac) / policy.beta[4];
    kpis.global_level = LevelOf(kpis.score, policy.global);
}

void EvaluateStates(const std::vector<KpiJob>& jobs, std::vector<StateKpis>& out,
                    Progress& progress) {
    out.resize(jobs.size());
    ProgressTicker ticker(progress, static_cast<int64_t>(jobs.size()), 256);
    for (size_t k = 0; k < jobs.size(); ++k) {
        const KpiJob& job = jobs[k];
        try {
            EvaluateState(job.state, job.reference, *job.policy, job.relative, out[k]);
        } catch (const InvalidArgument& e) {
            throw InvalidArgument("state " + std::to_string(job.state_id) + ": " + e.what());
        }
        ticker.Tick();
    }
}

}  // namespace nightjar::core::modal
