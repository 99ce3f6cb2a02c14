// contact.cpp: e-mail addresses and URLs.
//
// Both are checked by hand-written scanners rather than regular expressions: the
// accepted grammar is small, the scanners are a single pass, and they say exactly what
// they refuse. Only ASCII addresses and hosts are accepted (internationalised domains
// would need IDNA/punycode conversion, which we do not guess at).
#include <cstring>

#include "core/text/transforms.hpp"
#include "core/text/utf8.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::text {
namespace {

// IsAlnum says whether `c` is an ASCII letter or digit.
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// InSet says whether `c` (never NUL) is one of `set`.
bool InSet(char c, const char* set) { return c != '\0' && std::strchr(set, c) != nullptr; }

// StartsWithNoCase compares a prefix ASCII case-insensitively (prefix in lower case).
bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && AsciiLower(s.substr(0, prefix.size())) == prefix;
}

// ValidDomain checks dot-separated labels of [a-z0-9-] (no label starts or ends with '-');
// `require_dot` asks for at least two labels.
bool ValidDomain(std::string_view d, bool require_dot) {
    if (d.empty() || d.size() > 253) return false;
    size_t labels = 0, start = 0;
    while (true) {
        size_t end = d.find('.', start);
        std::string_view label = d.substr(start, end == std::string_view::npos ? end : end - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (char c : label)
            if (!IsAlnum(c) && c != '-') return false;
        ++labels;
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return !require_dot || labels >= 2;
}

// ValidLocalPart checks an unquoted RFC 5322 dot-atom.
bool ValidLocalPart(std::string_view l) {
    if (l.empty() || l.size() > 64 || l.front() == '.' || l.back() == '.') return false;
    if (l.find("..") != std::string_view::npos) return false;
    for (char c : l)
        if (!IsAlnum(c) && !InSet(c, ".!#$%&'*+/=?^_`{|}~-")) return false;
    return true;
}

// DefaultPort returns the port a scheme implies.
std::string_view DefaultPort(std::string_view scheme) {
    if (scheme == "http") return "80";
    if (scheme == "https") return "443";
    return "21";  // ftp
}

}  // namespace

// CleanEmail trims, drops a "mailto:" prefix, lower-cases the whole address (local parts
// are case-sensitive in theory, never in practice: lower-casing makes duplicates meet),
// and accepts local@domain with a dot-atom local part and a dotted ASCII domain.
Cleaned CleanEmail(std::string_view in) {
    if (!IsValidUtf8(in) || !IsAscii(in)) return std::nullopt;
    std::string_view s = TrimView(in);
    if (StartsWithNoCase(s, "mailto:")) s = TrimView(s.substr(7));
    std::string e = AsciiLower(s);
    size_t at = e.find('@');
    if (at == std::string::npos || e.find('@', at + 1) != std::string::npos) return std::nullopt;
    if (e.size() > 254) return std::nullopt;
    std::string_view local = std::string_view(e).substr(0, at),
                     domain = std::string_view(e).substr(at + 1);
    if (!ValidLocalPart(local) || !ValidDomain(domain, true)) return std::nullopt;
    return e;
}

// CleanUrl trims, adds "https://" when no scheme is given, accepts http, https and ftp,
// lower-cases scheme and host, drops the scheme's default port and a lone "/" path, and
// refuses whitespace, control or non-ASCII characters and hosts that are not DNS names,
// "localhost", IPv4 or bracketed IPv6 literals.
Cleaned CleanUrl(std::string_view in) {
    if (!IsValidUtf8(in) || !IsAscii(in)) return std::nullopt;
    std::string_view s = TrimView(in);
    if (s.empty()) return std::nullopt;
    for (char c : s)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || InSet(c, "\"<>\\^`{|}"))
            return std::nullopt;
    std::string scheme = "https";
    size_t sep = s.find("://");
    if (sep != std::string_view::npos) {
        scheme = AsciiLower(s.substr(0, sep));
        if (scheme != "http" && scheme != "https" && scheme != "ftp") return std::nullopt;
        s.remove_prefix(sep + 3);
    } else {
        // "mailto:x", "javascript:…" name another scheme; "host:8080" names a port.
        size_t colon = s.find(':'), end = s.find_first_of("/?#");
        if (colon < end) {
            std::string_view after =
                s.substr(colon + 1, end == std::string_view::npos ? end : end - colon - 1);
            if (after.empty() || after.find_first_not_of("0123456789") != std::string_view::npos)
                return std::nullopt;
        }
    }
    size_t auth_end = s.find_first_of("/?#");
    std::string_view authority = s.substr(0, auth_end);
    std::string_view rest =
        auth_end == std::string_view::npos ? std::string_view() : s.substr(auth_end);
    if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials
    std::string host, port;
    if (!authority.empty() && authority[0] == '[') {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = AsciiLower(authority.substr(0, close + 1));
        for (char c : host.substr(1, host.size() - 2))
            if (!IsAlnum(c) && c != ':' && c != '.') return std::nullopt;
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return std::nullopt;
            port = std::string(after.substr(1));
        }
    } else {
        size_t colon = authority.find(':');
        host = AsciiLower(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = std::string(authority.substr(colon + 1));
        if (!host.empty() && host.back() == '.') host.pop_back();  // "example.com." is absolute
        if (host != "localhost" && !ValidDomain(host, true)) return std::nullopt;
    }
    if (!port.empty()) {
        if (port.size() > 5) return std::nullopt;
        for (char c : port)
            if (!IsDigit(c)) return std::nullopt;
        int value = std::stoi(port);
        if (value < 1 || value > 65535) return std::nullopt;
        port = std::to_string(value);
        if (port == DefaultPort(scheme)) port.clear();
    }
    std::string out = scheme + "://" + host;
    if (!port.empty()) out += ":" + port;
    if (rest != "/") out += rest;
    return out;
}

}  // namespace nightjar::core::text
