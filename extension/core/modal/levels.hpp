// levels.hpp: deviations from a reference and their mapping to levels L1–L5.
//
// A KPI value is a deviation (larger is worse): |x − x_ref| (ABSOLUTE) or
// |x − x_ref| / |x_ref| (RELATIVE) for frequency, damping and MCF, 1 − MAC and
// 1 − COMAC for mode shapes. Four non-decreasing thresholds t1 ≤ t2 ≤ t3 ≤ t4 cut the
// line into five levels, each threshold belonging to the level above it:
//
//   L1: v < t1    L2: t1 ≤ v < t2    L3: t2 ≤ v < t3    L4: t3 ≤ v < t4    L5: t4 ≤ v
//
// i.e. the level is 1 + the number of thresholds the value reaches (v ≥ tₖ). The global
// score uses the same rule with s1 < s2 < s3 < s4. Constant time; nothing allocated.
#pragma once

#include <array>

namespace nightjar::core::modal {

// Thresholds4 is the four thresholds between levels L1..L5.
using Thresholds4 = std::array<double, 4>;

// LevelOf returns the level (1..5) of `value`: 1 + the number of thresholds t with value ≥ t.
int LevelOf(double value, const Thresholds4& thresholds);

// CheckThresholds refuses thresholds that are not finite and non-decreasing (strictly
// increasing when `strict`); `what` names them in the message.
void CheckThresholds(const Thresholds4& thresholds, bool strict, const char* what);

// Deviation returns |value − reference| (relative = false) or |value − reference| / |reference|.
double Deviation(double value, double reference, bool relative);

}  // namespace nightjar::core::modal

#include "core/cpp_only.hpp"
