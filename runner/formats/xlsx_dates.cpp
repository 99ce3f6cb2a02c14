// xlsx_dates.cpp: date-style detection (built-in ids 14-22 and 45, 47; custom format codes
// whose date/time letters remain once quoted text, [colour]/[$-locale] sections and
// escaped characters are removed) and serial-to-calendar conversion (days-from-civil
// inverse, Hinnant's algorithm). The 1900 system keeps Lotus' phantom 1900-02-29 (serial
// 60), so serials 1..59 use the epoch 1899-12-31 and serials from 61 the epoch 1899-12-30.
// Seconds are rounded to the nearest second.
#include "runner/formats/xlsx_dates.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <pugixml.hpp>

#include "runner/formats/xml_names.hpp"

namespace nightjar::runner::formats {

namespace {

// CivilFromDays converts days since 1970-01-01 to year, month, day.
void CivilFromDays(long long z, long long& y, unsigned& m, unsigned& d) {
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<long long>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

}  // namespace

// FormatCodeKind strips literals and looks for date and time letters.
DateKind FormatCodeKind(const std::string& code) {
    std::string letters;
    for (size_t i = 0; i < code.size(); ++i) {
        char c = code[i];
        if (c == '"') {
            size_t end = code.find('"', i + 1);
            if (end == std::string::npos) break;
            i = end;
        } else if (c == '[') {
            size_t end = code.find(']', i + 1);
            if (end == std::string::npos) break;
            // [h], [hh], [mm], [ss]...: elapsed time, a duration — kept a number.
            std::string inner = code.substr(i + 1, end - i - 1);
            bool elapsed = !inner.empty();
            for (char e : inner)
                if (e != inner[0] ||
                    (e != 'h' && e != 'H' && e != 'm' && e != 'M' && e != 's' && e != 'S'))
                    elapsed = false;
            if (elapsed) return DateKind::kNone;
            i = end;
        } else if (c == '\\' || c == '_' || c == '*') {
            ++i;
        } else if (c == ';') {
            break;  // the first section decides
        } else {
            letters += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
    }
    if (letters == "general") return DateKind::kNone;
    bool time = letters.find_first_of("hs") != std::string::npos;
    bool date = letters.find_first_of("yd") != std::string::npos ||
                (!time && letters.find('m') != std::string::npos);
    if (date && time) return DateKind::kDateTime;
    if (date) return DateKind::kDate;
    if (time) return DateKind::kTime;
    return DateKind::kNone;
}

// BuiltinFormatKind knows the ECMA-376 built-in date and time formats.
DateKind BuiltinFormatKind(int id) {
    if (id >= 14 && id <= 17) return DateKind::kDate;
    if ((id >= 18 && id <= 21) || id == 45 || id == 47) return DateKind::kTime;
    if (id == 22) return DateKind::kDateTime;
    return DateKind::kNone;  // 46 ([h]:mm:ss) is a duration: kept a number
}

// Load reads the custom formats, then the kind of each cellXfs entry.
void DateStyles::Load(std::string& text) {
    kinds_.clear();
    pugi::xml_document doc;
    if (!doc.load_buffer_inplace(&text[0], text.size())) return;
    std::map<int, DateKind> custom;
    for (pugi::xml_node section : doc.document_element().children()) {
        const char* name = LocalName(section.name());
        if (std::strcmp(name, "numFmts") == 0) {
            for (pugi::xml_node f : section.children())
                custom[f.attribute("numFmtId").as_int(-1)] =
                    FormatCodeKind(f.attribute("formatCode").value());
        } else if (std::strcmp(name, "cellXfs") == 0) {
            for (pugi::xml_node xf : section.children()) {
                int id = xf.attribute("numFmtId").as_int(0);
                auto it = custom.find(id);
                kinds_.push_back(it != custom.end() ? it->second : BuiltinFormatKind(id));
            }
        }
    }
}

// SerialToIso converts days (and the day fraction) to ISO text.
std::string SerialToIso(double serial, DateKind kind, bool date1904) {
    if (!std::isfinite(serial) || serial < 0 || serial >= 2958466) return "";  // 9999-12-31
    long long secs = std::llround(serial * 86400.0);
    long long days = secs / 86400;
    long long tod = secs % 86400;
    char buf[40];
    if (kind == DateKind::kTime && days == 0) {
        std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", tod / 3600, tod / 60 % 60, tod % 60);
        return buf;
    }
    long long y;
    unsigned m, d;
    if (!date1904 && days == 60) {
        y = 1900, m = 2, d = 29;
    } else {
        // Days from 1970-01-01: 1899-12-30 is -25569, 1904-01-01 is -24107.
        long long epoch = date1904 ? -24107 : (days < 60 ? -25568 : -25569);
        if (!date1904 && days == 0) return "";  // "1900-01-00": kept a number
        CivilFromDays(epoch + days, y, m, d);
    }
    if (kind == DateKind::kDate)
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", y, m, d);
    else
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", y, m, d, tod / 3600,
                      tod / 60 % 60, tod % 60);
    return buf;
}

}  // namespace nightjar::runner::formats
