// json_text.hpp: the runner writes small JSON documents by hand (reports, the public
// configuration, request bodies, records read from CSV and xlsx); it quotes strings with the
// core's quoter, so the project has one.
#pragma once

#include "core/json/json_string.hpp"

namespace nightjar::runner {

using core::AppendJsonString;
using core::JsonString;

}  // namespace nightjar::runner
