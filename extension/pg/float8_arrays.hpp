// float8_arrays.hpp: float8[] values (arguments or SPI columns) as read-only views of
// doubles, for the modal KPI glue, which reads mode shapes of hundreds of values per
// state and must not copy them.
//
// The mistake it prevents: reading a float8[] element by element (deconstruct_array)
// allocates a Datum and a bool per element and, for an array with a NULL, silently
// yields a hole; a MAC over a hole is meaningless. Float8ArrayView detoasts under
// PgCall (detoasting may ereport), refuses any NULL element with 22023
// "nightjar: <what> must not contain NULL" and then points straight into the array's
// data (float8 is 8-byte aligned in an array without a NULL bitmap). The view is valid
// while the detoasted array lives (the current memory context of the call or chunk).
#pragma once

#include "extension/pg/boundary.hpp"

extern "C" {
#include "utils/array.h"
}

#include <vector>

namespace nightjar::pg {

// Float8Array is a float8[]'s values, row-major, and its dimensions (at most 2).
struct Float8Array {
    const double* data = nullptr;
    int ndim = 0;
    int dims[2] = {0, 0};
    size_t size() const {
        return ndim == 0 ? 0 : static_cast<size_t>(dims[0]) * (ndim == 2 ? dims[1] : 1);
    }
    // Values copies the elements into a vector.
    std::vector<double> Values() const { return std::vector<double>(data, data + size()); }
};

// Float8ArrayView reads a float8[] Datum of at most `max_dims` dimensions; `what` names
// it in errors (22023 for NULL elements or too many dimensions).
Float8Array Float8ArrayView(Datum value, const char* what, int max_dims);

}  // namespace nightjar::pg
