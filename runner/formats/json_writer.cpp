// json_writer.cpp: the JSON number grammar check used for spreadsheet numbers (string
// escaping is runner/util/json_text.cpp).
#include "runner/formats/json_writer.hpp"

namespace nightjar::runner::formats {

// IsJsonNumber checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
bool IsJsonNumber(std::string_view s) {
    size_t i = 0, n = s.size();
    auto digits = [&]() {
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
        return i > start;
    };
    if (i < n && s[i] == '-') ++i;
    if (i < n && s[i] == '0')
        ++i;
    else if (!digits())
        return false;
    if (i < n && s[i] == '.') {
        ++i;
        if (!digits()) return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == n;
}

}  // namespace nightjar::runner::formats
