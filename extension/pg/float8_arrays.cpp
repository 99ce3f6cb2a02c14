// float8_arrays.cpp: zero-copy float8[] views (see float8_arrays.hpp).
#include "extension/pg/float8_arrays.hpp"

extern "C" {
#include "catalog/pg_type.h"
}

#include <string>

#include "core/errors.hpp"

namespace nightjar::pg {

Float8Array Float8ArrayView(Datum value, const char* what, int max_dims) {
    // Float8ArrayView detoasts under the guard, then checks and points into the data.
    ArrayType* arr = PgCall([&] { return DatumGetArrayTypeP(value); });
    if (ARR_ELEMTYPE(arr) != FLOAT8OID)
        throw core::InvalidArgument(std::string("nightjar: ") + what + " must be a float8 array");
    const int ndim = ARR_NDIM(arr);
    if (ndim > max_dims)
        throw core::InvalidArgument(std::string("nightjar: ") + what + " must have at most " +
                                    std::to_string(max_dims) + " dimension" +
                                    (max_dims > 1 ? "s" : "") + ", not " + std::to_string(ndim));
    if (PgCall([&] { return array_contains_nulls(arr); }))
        throw core::InvalidArgument(std::string("nightjar: ") + what + " must not contain NULL");
    Float8Array out;
    out.ndim = ndim;
    for (int d = 0; d < ndim; ++d) out.dims[d] = ARR_DIMS(arr)[d];
    out.data = reinterpret_cast<const double*>(ARR_DATA_PTR(arr));
    return out;
}

}  // namespace nightjar::pg
