// comac.cpp: COMAC per degree of freedom or per sensor (design notes in comac.hpp).
#include "core/modal/comac.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::modal {

std::vector<double> Comac(const double* a, const double* b, size_t rows, size_t cols,
                          size_t group) {
    if (rows == 0 || cols == 0)
        throw InvalidArgument("COMAC needs at least one mode and one degree of freedom");
    if (group == 0 || cols % group != 0)
        throw InvalidArgument("COMAC: " + std::to_string(cols) +
                              " columns do not split into groups of " + std::to_string(group));
    const size_t n = cols / group;
    std::vector<double> cross(n, 0.0), na(n, 0.0), nb(n, 0.0);
    for (size_t r = 0; r < rows; ++r) {
        const double* ar = a + r * cols;
        const double* br = b + r * cols;
        for (size_t g = 0; g < n; ++g) {
            double dot = 0.0, sa = 0.0, sb = 0.0;
            for (size_t d = g * group; d < (g + 1) * group; ++d) {
                dot += ar[d] * br[d];
                sa += ar[d] * ar[d];
                sb += br[d] * br[d];
            }
            cross[g] += std::fabs(dot);
            na[g] += sa;
            nb[g] += sb;
        }
    }
    const char* what = group == 1 ? "degree of freedom " : "sensor ";
    std::vector<double> comac(n);
    for (size_t g = 0; g < n; ++g) {
        if (!std::isfinite(na[g]) || !std::isfinite(nb[g]) || !std::isfinite(cross[g]))
            throw InvalidArgument(std::string("COMAC: ") + what + std::to_string(g + 1) +
                                  " has a non-finite component");
        if (na[g] == 0.0 || nb[g] == 0.0)
            throw InvalidArgument(std::string("COMAC: ") + what + std::to_string(g + 1) +
                                  " is zero in every mode of " + (na[g] == 0.0 ? "a" : "b"));
        comac[g] = std::min(1.0, cross[g] * cross[g] / (na[g] * nb[g]));
    }
    return comac;
}

}  // namespace nightjar::core::modal
