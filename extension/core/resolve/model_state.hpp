// model_state.hpp: a fitted model as text, so that a later run can reuse it (internal).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/resolve/scoring.hpp"

namespace nightjar::core::resolve {

// SerializeModel writes the model (prior, per field m, u, u given the locality, the
// random exact-match rate) as a line of numbers with full precision.
std::string SerializeModel(const Model& model);

// ParseModel reads what SerializeModel wrote; throws InvalidArgument when the text is not
// such a model, or was fitted for another number of fields or levels (`level_counts`).
Model ParseModel(std::string_view text, const std::vector<int>& level_counts);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
