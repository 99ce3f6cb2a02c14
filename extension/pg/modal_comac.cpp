// modal_comac.cpp: nightjar.comac(a float8[][], b float8[][]) → float8[], one COMAC per
// column (degree of freedom) over the paired modes in rows, by the core's Comac
// (core/modal/comac.hpp, the Lieven–Ewins form).
#include "core/modal/comac.hpp"
#include "extension/pg/float8_arrays.hpp"

extern "C" {
#include "catalog/pg_type.h"
}

#include <string>

#include "core/errors.hpp"

using namespace nightjar::pg;
namespace modal = nightjar::core::modal;

namespace {

// Rows and Cols read a matrix's shape; a one-dimensional array is one mode (one row).
int Rows(const Float8Array& m) { return m.ndim == 2 ? m.dims[0] : (m.ndim == 1 ? 1 : 0); }
int Cols(const Float8Array& m) { return m.ndim == 2 ? m.dims[1] : (m.ndim == 1 ? m.dims[0] : 0); }

}  // namespace

// nightjar_comac returns COMAC per column of two matrices of paired mode shapes.
NIGHTJAR_FUNCTION(nightjar_comac) {
    const Float8Array a = Float8ArrayView(PG_GETARG_DATUM(0), "a", 2);
    const Float8Array b = Float8ArrayView(PG_GETARG_DATUM(1), "b", 2);
    if (Rows(a) != Rows(b) || Cols(a) != Cols(b))
        throw nightjar::core::InvalidArgument(
            "nightjar: different matrix dimensions " + std::to_string(Rows(a)) + "x" +
            std::to_string(Cols(a)) + " and " + std::to_string(Rows(b)) + "x" +
            std::to_string(Cols(b)));
    if (a.size() == 0)
        throw nightjar::core::InvalidArgument("nightjar: mode shapes must not be empty");
    std::vector<double> comac;
    try {
        comac = modal::Comac(a.data, b.data, static_cast<size_t>(Rows(a)),
                             static_cast<size_t>(Cols(a)));
    } catch (const nightjar::core::InvalidArgument& e) {
        throw nightjar::core::InvalidArgument(std::string("nightjar: ") + e.what());
    }
    std::vector<Datum> elems(comac.size());  // outside PgCall: never skipped by a longjmp
    for (size_t i = 0; i < comac.size(); ++i) elems[i] = Float8GetDatum(comac[i]);
    return PgCall([&] {
        return PointerGetDatum(construct_array(elems.data(), static_cast<int>(elems.size()),
                                               FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
                                               TYPALIGN_DOUBLE));
    });
}
