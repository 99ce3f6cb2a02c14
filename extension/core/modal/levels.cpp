// levels.cpp: deviations and level mapping (the inclusive side is documented in levels.hpp).
#include "core/modal/levels.hpp"

#include <cmath>
#include <string>

#include "core/errors.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::modal {

int LevelOf(double value, const Thresholds4& thresholds) {
    if (std::isnan(value)) throw InvalidArgument("a KPI value is NaN and has no level");
    int level = 1;
    for (double t : thresholds)
        if (value >= t) ++level;
    return level;
}

void CheckThresholds(const Thresholds4& thresholds, bool strict, const char* what) {
    for (size_t k = 0; k < thresholds.size(); ++k) {
        if (!std::isfinite(thresholds[k]))
            throw InvalidArgument(std::string(what) + ": threshold " + std::to_string(k + 1) +
                                  " is not finite");
        if (k > 0 &&
            (strict ? thresholds[k] <= thresholds[k - 1] : thresholds[k] < thresholds[k - 1]))
            throw InvalidArgument(std::string(what) + ": thresholds must be " +
                                  (strict ? "strictly increasing" : "non-decreasing") +
                                  ", threshold " + std::to_string(k + 1) + " (" +
                                  std::to_string(thresholds[k]) + ") follows " +
                                  std::to_string(thresholds[k - 1]));
    }
}

double Deviation(double value, double reference, bool relative) {
    const double d = std::fabs(value - reference);
    if (!relative) return d;
    if (reference == 0.0) throw InvalidArgument("relative deviation from a reference value of 0");
    return d / std::fabs(reference);
}

}  // namespace nightjar::core::modal
