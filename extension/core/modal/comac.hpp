// comac.hpp: the Coordinate Modal Assurance Criterion — per degree of freedom (or per
// sensor, a group of degrees of freedom), how well two sets of paired modes agree there.
//
//   COMACⱼ = (Σᵣ |aᵣⱼ · bᵣⱼ|)² / (Σᵣ aᵣⱼ² · Σᵣ bᵣⱼ²)      (Lieven & Ewins, 1988)
//
// r runs over the paired modes (row r of a is paired with row r of b), j over the
// degrees of freedom. The absolute value inside the sum makes COMAC blind to the
// arbitrary sign of each mode shape; the other published form, |Σᵣ aᵣⱼ bᵣⱼ|² / (…),
// is not (docs/monitoring.md says why we chose this one). For a sensor with x, y, z
// components (group = 3), aᵣⱼ · bᵣⱼ is the dot product of the sensor's 3-vectors and
// aᵣⱼ² its squared length: the same formula with a sensor as one vector-valued
// degree of freedom.
//
// Design: one pass over both matrices, three sums per group; O(rows × cols) time and
// O(cols / group) memory. Errors throw InvalidArgument (never NaN).
#pragma once

#include <cstddef>
#include <vector>

namespace nightjar::core::modal {

// Comac returns one COMAC per group of `group` consecutive columns of the row-major
// rows × cols matrices a and b (paired modes in rows, degrees of freedom in columns).
std::vector<double> Comac(const double* a, const double* b, size_t rows, size_t cols,
                          size_t group = 1);

}  // namespace nightjar::core::modal

#include "core/cpp_only.hpp"
