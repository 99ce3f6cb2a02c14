// xml_names.hpp: element names of the xlsx parts. Producers may write them with a
// namespace prefix (<x:row>, <x:c>, as the .NET Open XML SDK does) or without; pugixml
// keeps names as written, so the readers compare local names.
#pragma once

#include <cstring>

namespace nightjar::runner::formats {

// LocalName strips a namespace prefix ("x:row" -> "row").
inline const char* LocalName(const char* name) {
    const char* colon = std::strchr(name, ':');
    return colon ? colon + 1 : name;
}

}  // namespace nightjar::runner::formats
