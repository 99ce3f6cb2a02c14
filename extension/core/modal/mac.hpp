// mac.hpp: the Modal Assurance Criterion between mode shapes, real and complex, the MAC
// matrix between two sets of modes, and mode pairing by maximum MAC.
//
//   MAC(a, b) = |aᴴb|² / ((aᴴa)(bᴴb))
//
// Design: one pass over the two vectors per MAC (three sums, compensated by nothing: the
// sums are of n ≤ a few hundred products of values of the same order, where double
// precision loses less than 1e-13). The matrix precomputes each mode's norm once, so an
// m × m matrix of dimension n costs m² n multiply-adds. Pairing is greedy on the whole
// matrix (the largest MAC first, each mode used once), O(m² log m); it trades the
// optimal assignment (Hungarian, O(m³)) for simplicity — with well-separated modes both
// give the same pairs. Errors (dimension mismatch, empty or all-zero vectors) throw
// InvalidArgument: a MAC is never NaN.
#pragma once

#include <cstddef>
#include <vector>

namespace nightjar::core::modal {

// Mac returns the MAC of two real mode shapes of `n` components.
double Mac(const double* a, const double* b, size_t n);

// Mac checks the dimensions of two real mode shapes and returns their MAC.
double Mac(const std::vector<double>& a, const std::vector<double>& b);

// MacComplex returns the MAC of two complex mode shapes given as real and imaginary parts.
double MacComplex(const std::vector<double>& a_re, const std::vector<double>& a_im,
                  const std::vector<double>& b_re, const std::vector<double>& b_im);

// MacMatrix returns the row-major n_a × n_b matrix of MACs between the modes of `a`
// (n_a rows of `dim` values, row-major) and those of `b` (n_b rows of `dim` values).
std::vector<double> MacMatrix(const double* a, size_t n_a, const double* b, size_t n_b, size_t dim);

// PairModes pairs each row mode of an n_a × n_b MAC matrix with the column mode of
// largest MAC, greedily over the whole matrix, each column used once; a row left without
// a column (n_b < n_a) gets -1. Ties go to the lower row, then the lower column.
std::vector<int> PairModes(const std::vector<double>& mac, size_t n_a, size_t n_b);

}  // namespace nightjar::core::modal

#include "core/cpp_only.hpp"
