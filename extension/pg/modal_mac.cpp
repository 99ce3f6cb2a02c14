// modal_mac.cpp: nightjar.mac(a float8[], b float8[]) and
// nightjar.mac(a_re, a_im, b_re, b_im float8[]) → float8, over the core's Mac and
// MacComplex (core/modal/mac.hpp). One C symbol serves both overloads (docs/boundary.md:
// the symbol is nightjar_ + the SQL name); the argument count tells them apart.
#include <cstring>
#include <string>

#include "core/errors.hpp"
#include "core/modal/mac.hpp"
#include "extension/pg/float8_arrays.hpp"

using namespace nightjar::pg;
namespace modal = nightjar::core::modal;

namespace {

// MacBody computes the MAC of the real (2 arguments) or complex (4) mode shapes.
Datum MacBody(FunctionCallInfo fcinfo) {
    if (PG_NARGS() == 2) {
        const Float8Array a = Float8ArrayView(PG_GETARG_DATUM(0), "a", 1);
        const Float8Array b = Float8ArrayView(PG_GETARG_DATUM(1), "b", 1);
        PG_RETURN_FLOAT8(modal::Mac(a.Values(), b.Values()));
    }
    const char* names[4] = {"a_re", "a_im", "b_re", "b_im"};
    std::vector<double> v[4];
    for (int i = 0; i < 4; ++i) v[i] = Float8ArrayView(PG_GETARG_DATUM(i), names[i], 1).Values();
    PG_RETURN_FLOAT8(modal::MacComplex(v[0], v[1], v[2], v[3]));
}

}  // namespace

// nightjar_mac returns the MAC of two real (2 arguments) or complex (4) mode shapes.
NIGHTJAR_FUNCTION(nightjar_mac) {
    try {
        return MacBody(fcinfo);
    } catch (const nightjar::core::InvalidArgument& e) {
        if (std::strncmp(e.what(), "nightjar: ", 10) == 0) throw;
        throw nightjar::core::InvalidArgument(std::string("nightjar: ") + e.what());
    }
}
