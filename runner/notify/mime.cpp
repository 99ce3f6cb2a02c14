// mime.cpp builds a plain-text MIME message. The body goes out in base64 (lines of 76),
// so no line is too long, no "." line needs stuffing and any UTF-8 survives 7-bit relays;
// the price is a body that is not readable raw. Header values that are not plain ASCII
// become encoded-words; CR and LF never reach a header (an address or subject containing
// them is refused or flattened, so no header can be injected).
#include "runner/notify/mime.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "runner/notify/signature.hpp"

namespace nightjar::runner {
namespace {

// IsPlainAscii says whether text is printable ASCII without "=?" (which would look encoded).
bool IsPlainAscii(const std::string& text) {
    for (unsigned char c : text)
        if (c < 0x20 || c > 0x7e) return false;
    return text.find("=?") == std::string::npos;
}

// Utf8Chunks splits text into chunks of at most max_bytes without cutting a UTF-8 sequence.
std::vector<std::string> Utf8Chunks(const std::string& text, size_t max_bytes) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        size_t end = std::min(text.size(), i + max_bytes);
        while (end < text.size() && end > i + 1 &&
               (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
            --end;
        out.push_back(text.substr(i, end - i));
        i = end;
    }
    return out;
}

// RfcDate formats t as an RFC 5322 date in UTC.
std::string RfcDate(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

}  // namespace

// HasHeaderInjection says whether a header value carries CR or LF (refused).
bool HasHeaderInjection(const std::string& value) {
    return value.find_first_of("\r\n") != std::string::npos;
}

// EncodeHeaderWord returns text unchanged when it is printable ASCII, else encoded-words.
std::string EncodeHeaderWord(const std::string& text) {
    std::string flat;
    for (char c : text) flat.push_back(c == '\r' || c == '\n' || c == '\t' ? ' ' : c);
    if (IsPlainAscii(flat) && flat.size() <= 900) return flat;
    // "=?UTF-8?B?" + base64 + "?=" <= 75 characters: 45 bytes of payload give 60 of base64.
    std::string out;
    for (const auto& chunk : Utf8Chunks(flat, 45)) {
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + Base64Encode(chunk) + "?=";
    }
    return out;
}

// AddressDomain returns the domain of the address in `from` ("nightjar.invalid" if none).
std::string AddressDomain(const std::string& from) {
    size_t at = from.rfind('@');
    if (at == std::string::npos) return "nightjar.invalid";
    size_t end = from.find_first_of("> ", at);
    std::string domain =
        from.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
    return domain.empty() ? "nightjar.invalid" : domain;
}

// MessageId returns "<message_key@domain of from>".
std::string MessageId(const EmailMessage& m) {
    return "<" + m.message_key + "@" + AddressDomain(m.from) + ">";
}

// BuildEmail renders the whole message (headers and base64 body) with CRLF line ends.
std::string BuildEmail(const EmailMessage& m, std::time_t now) {
    for (const std::string* v : {&m.from, &m.to, &m.message_key, &m.kind})
        if (HasHeaderInjection(*v))
            throw std::invalid_argument("an e-mail header value contains a line break");
    std::string text;
    text.reserve(m.body.size() + 64);
    for (size_t i = 0; i < m.body.size(); ++i) {  // normalise line ends to CRLF
        if (m.body[i] == '\r') continue;
        if (m.body[i] == '\n')
            text += "\r\n";
        else
            text.push_back(m.body[i]);
    }
    std::string encoded = Base64Encode(text);
    std::string out;
    out += "Date: " + RfcDate(now) + "\r\n";
    out += "From: " + m.from + "\r\n";
    out += "To: " + m.to + "\r\n";
    out += "Subject: " + EncodeHeaderWord(m.subject) + "\r\n";
    out += "Message-ID: " + MessageId(m) + "\r\n";
    if (!m.kind.empty()) out += "X-Nightjar-Kind: " + m.kind + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    for (size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
    return out;
}

}  // namespace nightjar::runner
