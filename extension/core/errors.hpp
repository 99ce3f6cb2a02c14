// errors.hpp defines the typed exceptions the core throws.
//
// The glue layer (extension/pg/boundary.cpp) maps each type to one SQLSTATE:
//   InvalidArgument -> 22023 (invalid_parameter_value)
//   DataError       -> 22000 (data_exception)
//   std::bad_alloc  -> 53200 (out_of_memory)
//   anything else   -> XX000 (internal_error)
// so core code chooses the class that says what went wrong and never thinks
// about PostgreSQL.
#pragma once

#include <stdexcept>
#include <string>

namespace nightjar::core {

// InvalidArgument reports a caller error: a parameter outside its domain.
class InvalidArgument : public std::invalid_argument {
  public:
    explicit InvalidArgument(const std::string& what) : std::invalid_argument(what) {}
};

// DataError reports input data the core cannot process (corrupt state, bad bytes).
class DataError : public std::runtime_error {
  public:
    explicit DataError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace nightjar::core

#include "core/cpp_only.hpp"
