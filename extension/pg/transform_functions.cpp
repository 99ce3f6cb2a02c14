// transform_functions.cpp: the analyst-facing SQL functions over the core transforms
// (nightjar.clean_siret(text), nightjar.unaccent(text), …; sql/42_normalize.sql). Each is
// a thin wrapper: one helper turns "text in → optional text out" into a text Datum or
// SQL NULL, so the SQL functions return exactly what a normalisation rule would store.
#include <string>
#include <string_view>

#include "extension/pg/args.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/jsonb.h"
}

#include "core/errors.hpp"
#include "core/text/transform_catalog.hpp"
#include "core/text/transforms.hpp"

using namespace nightjar::pg;
namespace ntext = nightjar::core::text;

namespace {

// TextResult returns the cleaned value as text, or SQL NULL when it is unusable.
Datum TextResult(FunctionCallInfo fcinfo, const ntext::Cleaned& out) {
    if (!out) PG_RETURN_NULL();
    return PgCall([&] {
        return PointerGetDatum(
            cstring_to_text_with_len(out->data(), static_cast<int>(out->size())));
    });
}

// InputResult returns the cleaned value through a type's input function (numeric, date).
Datum InputResult(FunctionCallInfo fcinfo, const ntext::Cleaned& out, PGFunction input) {
    if (!out) PG_RETURN_NULL();
    return PgCall([&] {
        return DirectFunctionCall3(input, CStringGetDatum(out->c_str()),
                                   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
    });
}

// Unary applies a one-argument transform to argument 0.
Datum Unary(FunctionCallInfo fcinfo, ntext::Cleaned (*fn)(std::string_view)) {
    return TextResult(fcinfo, fn(TextViewArg(fcinfo, 0)));
}

}  // namespace

NIGHTJAR_FUNCTION(nightjar_unaccent) { return Unary(fcinfo, ntext::Unaccent); }
NIGHTJAR_FUNCTION(nightjar_collapse_spaces) { return Unary(fcinfo, ntext::CollapseSpaces); }
NIGHTJAR_FUNCTION(nightjar_clean_email) { return Unary(fcinfo, ntext::CleanEmail); }
NIGHTJAR_FUNCTION(nightjar_clean_url) { return Unary(fcinfo, ntext::CleanUrl); }
NIGHTJAR_FUNCTION(nightjar_clean_siren) { return Unary(fcinfo, ntext::CleanSiren); }
NIGHTJAR_FUNCTION(nightjar_clean_siret) { return Unary(fcinfo, ntext::CleanSiret); }
NIGHTJAR_FUNCTION(nightjar_clean_postcode) { return Unary(fcinfo, ntext::CleanPostcode); }

NIGHTJAR_FUNCTION(nightjar_clean_phone) {
    std::string_view country = TextViewArg(fcinfo, 1);
    if (!ntext::KnownPhoneCountry(country))
        throw nightjar::core::InvalidArgument("nightjar: clean_phone: unknown default_country \"" +
                                              std::string(country) +
                                              "\" (known: FR, BE, CH, LU, DE, ES, IT, GB, NL)");
    return TextResult(fcinfo, ntext::CleanPhone(TextViewArg(fcinfo, 0), country));
}

NIGHTJAR_FUNCTION(nightjar_parse_decimal_fr) {
    return InputResult(fcinfo, ntext::ParseDecimalFr(TextViewArg(fcinfo, 0)), numeric_in);
}

NIGHTJAR_FUNCTION(nightjar_parse_date_fr) {
    return InputResult(fcinfo, ntext::ParseDateFr(TextViewArg(fcinfo, 0)), date_in);
}

NIGHTJAR_FUNCTION(nightjar_record_key) {
    return TextResult(fcinfo, ntext::RecordKey(TextViewArg(fcinfo, 0), TextViewArg(fcinfo, 1)));
}

NIGHTJAR_FUNCTION(nightjar_point_text) {
    return TextResult(fcinfo, ntext::MakePoint(TextViewArg(fcinfo, 0), TextViewArg(fcinfo, 1)));
}

NIGHTJAR_FUNCTION(nightjar_split_address) {
    std::optional<ntext::Address> a = ntext::SplitAddress(TextViewArg(fcinfo, 0));
    if (!a) PG_RETURN_NULL();
    return PgCall([&] {
        TupleDesc desc;
        if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
            elog(ERROR, "nightjar: split_address must return a composite type");
        desc = BlessTupleDesc(desc);
        Datum values[3];
        bool nulls[3] = {false, false, false};
        const std::string* parts[3] = {&a->street, &a->postcode, &a->city};
        for (int i = 0; i < 3; ++i) {
            nulls[i] = parts[i]->empty();
            values[i] = nulls[i] ? Datum(0)
                                 : PointerGetDatum(cstring_to_text_with_len(
                                       parts[i]->data(), static_cast<int>(parts[i]->size())));
        }
        return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
    });
}

// nightjar_transform applies a transform named at run time. Compiling a transform (a
// map's dictionary above all) costs more than applying it, so the last compiled one is
// kept in fn_extra with its name and params text, and reused while they do not change;
// a reset callback on the function's memory context deletes it.
NIGHTJAR_FUNCTION(nightjar_transform) {
    struct Cached {
        std::string name, params;
        ntext::CompiledTransform transform;
    };
    std::string name(TextViewArg(fcinfo, 0));
    std::string params_text = JsonbTextArg(fcinfo, 2);
    auto* cached = static_cast<Cached*>(fcinfo->flinfo->fn_extra);
    if (cached == nullptr || cached->name != name || cached->params != params_text) {
        nightjar::core::JsonValue p = nightjar::core::ParseJson(params_text);
        ntext::CompiledTransform t;
        try {
            t = ntext::CompiledTransform::Compile(name, &p);
        } catch (const nightjar::core::InvalidArgument& e) {
            throw nightjar::core::InvalidArgument(std::string("nightjar: ") + e.what());
        }
        if (cached == nullptr) {
            auto* cb = PgCall([&] {
                return static_cast<MemoryContextCallback*>(
                    MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(MemoryContextCallback)));
            });
            cached = new Cached{name, params_text, std::move(t)};
            cb->func = [](void* arg) { delete static_cast<Cached*>(arg); };
            cb->arg = cached;
            MemoryContextRegisterResetCallback(fcinfo->flinfo->fn_mcxt, cb);  // never raises
            fcinfo->flinfo->fn_extra = cached;
        } else {
            *cached = Cached{name, params_text, std::move(t)};
        }
    }
    return TextResult(fcinfo, cached->transform.Apply(TextViewArg(fcinfo, 1)));
}
