// formats_test_util.hpp: helpers of the format reader tests — a temporary directory,
// fixture files written from the test, reading every record, and xlsx packages built
// with libzip.
#pragma once

#include <gtest/gtest.h>
#include <zip.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "runner/formats/reader.hpp"

namespace nightjar::runner::formats::testing {

// TempDir is a directory removed at the end of the test.
class TempDir {
  public:
    // TempDir creates a fresh directory under the system temporary directory.
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "nj-formats-XXXXXX").string();
        dir_ = mkdtemp(&tmpl[0]);
    }
    // ~TempDir removes the directory and its files.
    ~TempDir() { std::filesystem::remove_all(dir_); }
    // Write creates a file with the given bytes and returns its path.
    std::string Write(const std::string& name, const std::string& bytes) const {
        std::string p = dir_ + "/" + name;
        std::ofstream(p, std::ios::binary) << bytes;
        return p;
    }
    // Path returns the path of a name in the directory.
    std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  private:
    std::string dir_;
};

// Options returns FormatOptions with the given format and options.
inline FormatOptions Options(const std::string& format,
                             std::map<std::string, std::string> options = {}) {
    FormatOptions o;
    o.format = format;
    o.options = std::move(options);
    return o;
}

// ReadAll returns every record's JSON text.
inline std::vector<std::string> ReadAll(const std::string& path, const FormatOptions& opts) {
    auto r = OpenReader(path, opts);
    std::vector<std::string> out;
    Record rec;
    while (r->Next(rec)) out.push_back(rec.json);
    return out;
}

// ErrorOf returns the FormatError message of reading the whole file ("" if none).
inline std::string ErrorOf(const std::string& path, const FormatOptions& opts) {
    try {
        ReadAll(path, opts);
    } catch (const FormatError& e) {
        return e.what();
    }
    return "";
}

// WriteZip writes a zip of the given members (name -> bytes, deflated) at `path`.
inline void WriteZip(const std::string& path, const std::map<std::string, std::string>& members) {
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(z, nullptr);
    for (const auto& [name, data] : members) {
        zip_source_t* src = zip_source_buffer(z, data.data(), data.size(), 0);
        ASSERT_NE(src, nullptr);
        ASSERT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE), 0);
    }
    ASSERT_EQ(zip_close(z), 0);
}

// XlsxMembers returns a minimal workbook: sheets (name -> sheetData inner XML) and an
// optional shared string table (inner XML of <sst>; absent when empty).
inline std::map<std::string, std::string> XlsxMembers(
    const std::vector<std::pair<std::string, std::string>>& sheets,
    const std::string& shared = "") {
    const std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>";
    std::map<std::string, std::string> m;
    std::string wb =
        head +
        "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
        "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>";
    std::string rels =
        head +
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">";
    for (size_t i = 0; i < sheets.size(); ++i) {
        std::string n = std::to_string(i + 1);
        wb +=
            "<sheet name=\"" + sheets[i].first + "\" sheetId=\"" + n + "\" r:id=\"rId" + n + "\"/>";
        rels += "<Relationship Id=\"rId" + n +
                "\" "
                "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                "worksheet\" "
                "Target=\"worksheets/sheet" +
                n + ".xml\"/>";
        m["xl/worksheets/sheet" + n + ".xml"] =
            head +
            "<worksheet "
            "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>" +
            sheets[i].second + "</sheetData></worksheet>";
    }
    m["xl/workbook.xml"] = wb + "</sheets></workbook>";
    m["xl/_rels/workbook.xml.rels"] = rels + "</Relationships>";
    m["[Content_Types].xml"] =
        head + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
    if (!shared.empty())
        m["xl/sharedStrings.xml"] =
            head + "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" +
            shared + "</sst>";
    return m;
}

}  // namespace nightjar::runner::formats::testing
