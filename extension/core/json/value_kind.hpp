// value_kind.hpp: what a record's field holds, as the steps see it. Records arrive as
// jsonb objects; the glue tells each value's kind once (record_io's JsonbKind), and the
// validator and the normaliser both work from it.
#pragma once

namespace nightjar::core {

// ValueKind is the kind of a field's value: absent from the record, JSON null, a string,
// a number, a boolean, or a container (object/array, carried as JSON text).
enum class ValueKind { kAbsent, kNull, kString, kNumber, kBool, kJson };

}  // namespace nightjar::core

#include "core/cpp_only.hpp"
