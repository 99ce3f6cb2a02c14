// messages.cpp: trimming error messages to the one line the runner reports.
#include "runner/util/messages.hpp"

namespace nightjar::runner {

// FirstLine returns the first line of a message.
std::string FirstLine(std::string message) {
    if (auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
    while (!message.empty() && (message.back() == ' ' || message.back() == '\r'))
        message.pop_back();
    return message;
}

// ServerMessage returns the first line of a server error without "ERROR:".
std::string ServerMessage(const std::string& message) {
    std::string line = FirstLine(message);
    if (line.rfind("ERROR:", 0) == 0) {
        auto start = line.find_first_not_of(' ', 6);
        line = start == std::string::npos ? "" : line.substr(start);
    }
    return line;
}

}  // namespace nightjar::runner
