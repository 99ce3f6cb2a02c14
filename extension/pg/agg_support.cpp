// agg_support.cpp: aggregate context lookup, bytea and array/composite conversion.
#include "extension/pg/agg_support.hpp"

#include <string>

#include "core/errors.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
}

namespace nightjar::pg {

MemoryContext AggregateMemory(FunctionCallInfo fcinfo, const char* fn_name) {
    MemoryContext ctx = nullptr;
    if (!AggCheckCallContext(fcinfo, &ctx))
        throw core::InvalidArgument(std::string(fn_name) + " called in non-aggregate context");
    return ctx;
}

Datum MakeCountAndFloat8Composite(FunctionCallInfo fcinfo, int64 count,
                                  const std::vector<std::optional<double>>& fields) {
    return PgCall([&] {
        TupleDesc desc;
        if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
            elog(ERROR, "return type must be a row type");
        desc = BlessTupleDesc(desc);
        const size_t natts = fields.size() + 1;
        if (static_cast<size_t>(desc->natts) != natts)
            elog(ERROR, "result type has %d attributes, expected %zu", desc->natts, natts);
        Datum* values = static_cast<Datum*>(palloc(natts * sizeof(Datum)));
        bool* nulls = static_cast<bool*>(palloc(natts * sizeof(bool)));
        values[0] = Int64GetDatum(count);
        nulls[0] = false;
        for (size_t i = 0; i < fields.size(); ++i) {
            nulls[i + 1] = !fields[i].has_value();
            values[i + 1] = nulls[i + 1] ? Datum(0) : Float8GetDatum(*fields[i]);
        }
        return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
    });
}

Datum MakeFloat8Array(const std::vector<std::optional<double>>& values) {
    return PgCall([&] {
        int n = static_cast<int>(values.size());
        if (n == 0) return PointerGetDatum(construct_empty_array(FLOAT8OID));
        Datum* elems = static_cast<Datum*>(palloc(n * sizeof(Datum)));
        bool* nulls = static_cast<bool*>(palloc(n * sizeof(bool)));
        for (int i = 0; i < n; ++i) {
            nulls[i] = !values[static_cast<size_t>(i)].has_value();
            elems[i] = nulls[i] ? Datum(0) : Float8GetDatum(*values[static_cast<size_t>(i)]);
        }
        int dims[1] = {n};
        int lbs[1] = {1};
        return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, FLOAT8OID,
                                                  sizeof(float8), FLOAT8PASSBYVAL,
                                                  TYPALIGN_DOUBLE));
    });
}

}  // namespace nightjar::pg
