// toml_file.hpp: the text of a configuration file and its TOML parse, with the errors
// every reader of nightjar.toml reports the same way ("<file>:<line>: <problem>").
#pragma once

#include <toml++/toml.h>

#include <string>

namespace nightjar::runner {

// ReadConfigText returns the whole file at `path`; throws ConfigError if it cannot be opened.
std::string ReadConfigText(const std::string& path);

// ParseToml parses TOML `text`; `origin` names the file in the ConfigError thrown on a syntax
// error.
toml::table ParseToml(const std::string& text, const std::string& origin);

}  // namespace nightjar::runner
