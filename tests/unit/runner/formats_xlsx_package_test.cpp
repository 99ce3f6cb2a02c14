// formats_xlsx_package_test.cpp: xlsx package variants that spreadsheet writers really
// produce (issue 11 §3) — part names in another case or with backslashes, a workbook found
// only through _rels/.rels, an empty shared-string index — and duration formats, which
// stay numbers.
#include "formats_test_util.hpp"
#include "runner/formats/xlsx_dates.hpp"

namespace nightjar::runner::formats {
namespace {

using testing::ErrorOf;
using testing::Options;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteZip;
using testing::XlsxMembers;
using V = std::vector<std::string>;

const char* kRow1 =
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>";
const char* kRow2 = "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\"><v>3.5</v></c></row>";
const char* kShared = "<si><t>code</t></si><si><t>prix</t></si><si><t>A1</t></si>";
const char* kWant = R"({"code":"A1","prix":3.5})";

// Renamed returns the members with `from` renamed to `to`.
std::map<std::string, std::string> Renamed(std::map<std::string, std::string> m,
                                           const std::string& from, const std::string& to) {
    std::string data = m.at(from);
    m.erase(from);
    m[to] = data;
    return m;
}

TEST(FormatsXlsxPackage, PartNamesAreCaseInsensitive) {
    TempDir d;
    auto m = Renamed(XlsxMembers({{"S", std::string(kRow1) + kRow2}}, kShared),
                     "xl/sharedStrings.xml", "xl/SharedStrings.xml");
    m = Renamed(m, "xl/workbook.xml", "XL/Workbook.xml");
    WriteZip(d.Path("a.xlsx"), m);
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx")), (V{kWant}));
}

TEST(FormatsXlsxPackage, BackslashesInPartNames) {
    TempDir d;
    auto m = Renamed(XlsxMembers({{"S", std::string(kRow1) + kRow2}}, kShared),
                     "xl/worksheets/sheet1.xml", "xl\\worksheets\\sheet1.xml");
    m = Renamed(m, "xl/_rels/workbook.xml.rels", "xl\\_rels\\workbook.xml.rels");
    WriteZip(d.Path("a.xlsx"), m);
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx")), (V{kWant}));
}

TEST(FormatsXlsxPackage, WorkbookFoundThroughPackageRelationships) {
    TempDir d;
    auto m = XlsxMembers({{"S", std::string(kRow1) + kRow2}}, kShared);
    // The workbook lives at /book/main.xml; its parts are relative to /book/.
    std::map<std::string, std::string> p;
    p["book/main.xml"] = m.at("xl/workbook.xml");
    p["book/_rels/main.xml.rels"] = m.at("xl/_rels/workbook.xml.rels");
    p["book/worksheets/sheet1.xml"] = m.at("xl/worksheets/sheet1.xml");
    p["book/sharedStrings.xml"] = m.at("xl/sharedStrings.xml");
    p["[Content_Types].xml"] = m.at("[Content_Types].xml");
    p["_rels/.rels"] =
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "officeDocument\" Target=\"/book/main.xml\"/></Relationships>";
    WriteZip(d.Path("a.xlsx"), p);
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx")), (V{kWant}));
    // Without the package relationship, the message says what is missing.
    p.erase("_rels/.rels");
    WriteZip(d.Path("b.xlsx"), p);
    std::string e = ErrorOf(d.Path("b.xlsx"), Options("xlsx"));
    EXPECT_NE(e.find("no officeDocument relationship in _rels/.rels and no xl/workbook.xml"),
              std::string::npos)
        << e;
}

TEST(FormatsXlsxPackage, EmptySharedStringIndexIsAnEmptyCell) {
    TempDir d;
    std::string rows = std::string(kRow1) +
                       "<row r=\"2\"><c r=\"A2\" t=\"s\"><v/></c><c r=\"B2\"><v>3.5</v></c></row>";
    WriteZip(d.Path("a.xlsx"), XlsxMembers({{"S", rows}}, kShared));
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx")), (V{R"({"code":null,"prix":3.5})"}));
}

TEST(FormatsXlsxPackage, DurationFormatsStayNumbers) {
    EXPECT_EQ(FormatCodeKind("[hh]:mm:ss"), DateKind::kNone);
    EXPECT_EQ(FormatCodeKind("[h]:mm"), DateKind::kNone);
    EXPECT_EQ(FormatCodeKind("[mm]:ss"), DateKind::kNone);
    EXPECT_EQ(FormatCodeKind("[ss].00"), DateKind::kNone);
    EXPECT_EQ(FormatCodeKind("[Red][h]:mm:ss"), DateKind::kNone);
    EXPECT_EQ(FormatCodeKind("[$-40C]hh:mm"), DateKind::kTime);  // a locale, not elapsed time
    TempDir d;
    auto m = XlsxMembers({{"S",
                           "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>d</t></is></c></row>"
                           "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>1.5</v></c></row>"}});
    m["xl/styles.xml"] =
        "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"[hh]:mm:ss\"/></numFmts>"
        "<cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/></cellXfs></styleSheet>";
    WriteZip(d.Path("a.xlsx"), m);
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx")), (V{R"({"d":1.5})"}));  // 36 hours
}

TEST(FormatsXlsxPackage, EncryptedWorkbookIsNamed) {
    TempDir d;
    auto p = d.Write("enc.xlsx",
                     std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(600, '\0'));
    EXPECT_NE(ErrorOf(p, Options("xlsx")).find("password-protected (encrypted)"),
              std::string::npos);
}

// sheet = "*" reads every sheet whose header row matches expected_headers (others are
// skipped); sheet_key names the key that carries each record's sheet.
TEST(FormatsXlsxPackage, EverySheetWithItsName) {
    TempDir d;
    auto row = [](int n, const std::string& a, const std::string& b) {
        return "<row r=\"" + std::to_string(n) + "\"><c r=\"A" + std::to_string(n) +
               "\" t=\"inlineStr\"><is><t>" + a + "</t></is></c><c r=\"B" + std::to_string(n) +
               "\" t=\"inlineStr\"><is><t>" + b + "</t></is></c></row>";
    };
    WriteZip(
        d.Path("a.xlsx"),
        XlsxMembers({{"Lot 1", row(1, "Titre", "") + row(2, "code", "prix") + row(3, "A", "1")},
                     {"Notes", row(1, "Remarque", "texte") + row(2, "x", "y")},
                     {"Lot 2", row(4, "code", "prix") + row(5, "B", "2")}}));
    FormatOptions o = Options("xlsx", {{"sheet", "*"}, {"sheet_key", "sheet"}});
    o.expected_headers = {"code", "prix"};
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), o), (V{R"({"sheet":"Lot 1","code":"A","prix":"1"})",
                                               R"({"sheet":"Lot 2","code":"B","prix":"2"})"}));
    // Without expected headers every sheet is read; without sheet_key no key is added.
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx", {{"sheet", "*"}})).size(), 4u);
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx")),
              (V{R"({"Titre":"code","column_2":"prix"})", R"({"Titre":"A","column_2":"1"})"}));
}

}  // namespace
}  // namespace nightjar::runner::formats
