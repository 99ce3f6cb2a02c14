// xlsx_dates.hpp: which xlsx cell styles display dates or times, and the conversion of
// spreadsheet serial numbers to ISO 8601 text. Spreadsheets store dates as numbers
// (days since 1899-12-30, or 1904-01-01 with date1904); only the cell's style says
// it is a date, so without this a date column would be staged as 46349.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nightjar::runner::formats {

// DateKind is how a style displays a number.
enum class DateKind : std::uint8_t { kNone, kDate, kDateTime, kTime };

// FormatCodeKind classifies a number format code ("dd/mm/yyyy" -> kDate, "h:mm" -> kTime).
DateKind FormatCodeKind(const std::string& code);

// BuiltinFormatKind classifies a built-in number format id (14 -> kDate, 20 -> kTime).
DateKind BuiltinFormatKind(int id);

// DateStyles maps cell style indexes (<c s="N">) to their DateKind.
class DateStyles {
  public:
    // Load reads xl/styles.xml text (numFmts and cellXfs).
    void Load(std::string& styles_xml);
    // KindOf returns the DateKind of a style index (kNone when unknown).
    DateKind KindOf(long style) const {
        return style >= 0 && static_cast<size_t>(style) < kinds_.size() ? kinds_[style]
                                                                        : DateKind::kNone;
    }

  private:
    std::vector<DateKind> kinds_;
};

// SerialToIso converts a serial number: kDate "2026-11-23", kDateTime
// "2026-11-23T14:30:00", kTime "14:30:00"; returns "" when out of range (kept a number).
std::string SerialToIso(double serial, DateKind kind, bool date1904);

}  // namespace nightjar::runner::formats
