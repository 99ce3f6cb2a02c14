// toml_file.cpp: reading and parsing a configuration file (see toml_file.hpp).
#include "runner/config/toml_file.hpp"

#include <fstream>
#include <sstream>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// ReadConfigText returns the whole file at `path`.
std::string ReadConfigText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path + ": cannot open configuration file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// ParseToml parses TOML text, turning a syntax error into a ConfigError with its line.
toml::table ParseToml(const std::string& text, const std::string& origin) {
    try {
        return toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        throw ConfigError(origin + ":" + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()));
    }
}

}  // namespace nightjar::runner
