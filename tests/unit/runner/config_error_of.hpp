// config_error_of.hpp: the configuration tests' one helper.
#pragma once

#include <string>

#include "runner/config/config.hpp"

namespace nightjar::runner::testing {

// ErrorOf returns the ConfigError message of parsing text as `origin` ("" if it parses).
inline std::string ErrorOf(const std::string& text, const std::string& origin) {
    try {
        ParseConfig(text, origin);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

}  // namespace nightjar::runner::testing
