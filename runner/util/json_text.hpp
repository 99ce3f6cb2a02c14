// json_text.hpp: the runner writes small JSON documents by hand (reports, the public
// configuration, request bodies); this is the one place that quotes a string for them.
#pragma once

#include <string>

namespace nightjar::runner {

// JsonString renders a string as a JSON string literal (quotes, backslashes and control
// characters escaped; other bytes, UTF-8 included, copied as they are).
std::string JsonString(const std::string& s);

}  // namespace nightjar::runner
