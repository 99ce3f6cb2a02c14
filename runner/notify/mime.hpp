// mime.hpp: an RFC 5322 / MIME text message: UTF-8 subject as RFC 2047 encoded-words, one
// text/plain; charset=utf-8 part in base64, CRLF line endings, a stable Message-ID.
#pragma once

#include <ctime>
#include <string>

namespace nightjar::runner {

// EmailMessage is what one e-mail says; message_key makes the Message-ID.
struct EmailMessage {
    std::string from;  // "Name <addr@host>" or "addr@host"
    std::string to;    // addr@host
    std::string subject;
    std::string body;  // UTF-8 text, '\n' line ends
    std::string message_key;
    std::string kind;
};

// EncodeHeaderWord returns text unchanged when it is printable ASCII, else as RFC 2047
// "=?UTF-8?B?...?=" words (each at most 75 characters, never splitting a UTF-8 sequence),
// folded with CRLF + space.
std::string EncodeHeaderWord(const std::string& text);

// AddressDomain returns the domain of the address in `from` ("nightjar.invalid" if none).
std::string AddressDomain(const std::string& from);

// MessageId returns "<message_key@domain of from>".
std::string MessageId(const EmailMessage& m);

// BuildEmail renders the whole message (headers and base64 body) with CRLF line ends.
std::string BuildEmail(const EmailMessage& m, std::time_t now);

// HasHeaderInjection says whether a header value carries CR or LF (refused).
bool HasHeaderInjection(const std::string& value);

}  // namespace nightjar::runner
