// validate_params.cpp: jsonb params → core::JsonValue (rules' ParamValue), and text[] → strings.
#include "extension/pg/validate_params.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

#include <cstdlib>

#include "core/errors.hpp"

namespace nightjar::pg {

namespace {

using core::rules::ParamValue;

// ScalarParam converts one scalar or container JsonbValue into a ParamValue (numbers
// keep numeric_out's text; objects keep their members).
ParamValue ScalarParam(const JsonbValue& v) {
    ParamValue p;
    switch (v.type) {
        case jbvNull:
            break;
        case jbvBool:
            p = ParamValue::Bool(v.val.boolean);
            break;
        case jbvString:
            p = ParamValue::String(std::string(ScalarText(v)));
            break;
        case jbvNumeric:
            p.type = ParamValue::Type::kNumber;
            p.text = std::string(ScalarText(v));
            break;
        case jbvBinary: {
            bool is_array = PgCall([&] { return JsonContainerIsArray(v.val.binary.data); });
            if (is_array) {
                p.type = ParamValue::Type::kArray;
                for (const JsonbValue& e : ArrayElements(v)) p.items.push_back(ScalarParam(e));
            } else {
                p.type = ParamValue::Type::kObject;
                std::vector<JsonPair> pairs;
                FlattenContainer(v.val.binary.data, &pairs);
                for (const JsonPair& m : pairs)
                    p.members.emplace_back(std::string(m.key), ScalarParam(m.value));
            }
            break;
        }
        default:
            break;
    }
    return p;
}

}  // namespace

std::map<std::string, ParamValue> ParamsFromJsonb(Jsonb* params) {
    std::vector<JsonPair> pairs;
    if (!FlattenObject(params, &pairs))
        throw core::InvalidArgument("nightjar: params must be a JSON object");
    std::map<std::string, ParamValue> out;
    for (const JsonPair& p : pairs) out.emplace(std::string(p.key), ScalarParam(p.value));
    return out;
}

}  // namespace nightjar::pg
