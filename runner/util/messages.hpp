// messages.hpp: one-line error messages. libpq and libpqxx errors carry DETAIL, HINT and
// CONTEXT lines and a leading "ERROR:  "; the runner prints and stores one line per cause.
#pragma once

#include <string>

namespace nightjar::runner {

// FirstLine returns the first line of a message, trailing spaces and newlines removed.
std::string FirstLine(std::string message);

// ServerMessage returns the first line of a server error without its "ERROR:  " prefix.
std::string ServerMessage(const std::string& message);

}  // namespace nightjar::runner
