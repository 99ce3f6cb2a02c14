// formats_xlsx_test.cpp: the xlsx reader on workbooks built with libzip — shared and
// inline strings, numbers, booleans, sheet choice, header-row detection, missing shared
// strings, and the zip-bomb caps.
#include "formats_test_util.hpp"
#include "runner/formats/xlsx_dates.hpp"
#include "runner/formats/xlsx_reader.hpp"

namespace nightjar::runner::formats {
namespace {

using testing::ErrorOf;
using testing::Options;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteZip;
using testing::XlsxMembers;
using V = std::vector<std::string>;

// Inline returns an inline-string cell.
std::string Inline(const std::string& ref, const std::string& text) {
    return "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + text + "</t></is></c>";
}

const char* kShared =
    "<si><t>code</t></si><si><t>prix</t></si><si><r><t>Soci</t></r><r><t>&#233;t&#233;</t></r></"
    "si>";

TEST(FormatsXlsx, SharedInlineNumbersBooleans) {
    TempDir d;
    std::string sheet =
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>" +
        Inline("C1", "ok") +
        "</row>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\"><v>12.5</v></c><c r=\"C2\" "
        "t=\"b\"><v>1</v></c></row>"
        "<row r=\"3\"/>"
        "<row r=\"4\">" +
        Inline("A4", "a &amp; \"b\"") +
        "<c r=\"C4\" t=\"str\"><v>f</v></c><c r=\"E4\"><v>1E-3</v></c></row>";
    WriteZip(d.Path("a.xlsx"), XlsxMembers({{"Feuil1", sheet}}, kShared));
    auto r = OpenReader(d.Path("a.xlsx"), Options(""));
    Record rec;
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, "{\"code\":\"Soci\xC3\xA9t\xC3\xA9\",\"prix\":12.5,\"ok\":true}");
    EXPECT_EQ(rec.pos.line, 2);
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json, R"({"code":"a & \"b\"","prix":null,"ok":"f","column_5":1E-3})");
    EXPECT_EQ(rec.pos.line, 4);
    EXPECT_EQ(rec.pos.record_no, 2);
    EXPECT_FALSE(r->Next(rec));
}

TEST(FormatsXlsx, ChosenSheetByName) {
    TempDir d;
    WriteZip(d.Path("a.xlsx"),
             XlsxMembers({{"First", "<row r=\"1\">" + Inline("A1", "x") +
                                        "</row><row r=\"2\"><c r=\"A2\"><v>1</v></c></row>"},
                          {"Prices", "<row r=\"1\">" + Inline("A1", "y") +
                                         "</row><row r=\"2\"><c r=\"A2\"><v>2</v></c></row>"}}));
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx")), (V{R"({"x":1})"}));
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx", {{"sheet", "Prices"}})), (V{R"({"y":2})"}));
    EXPECT_EQ(ErrorOf(d.Path("a.xlsx"), Options("xlsx", {{"sheet", "Nope"}})),
              d.Path("a.xlsx") + ":0 (byte 0): sheet 'Nope' not found (sheets: First, Prices)");
}

TEST(FormatsXlsx, HeaderDetectedOnRow4AmongJunk) {
    TempDir d;
    std::string sheet = "<row r=\"1\">" + Inline("A1", "Bordereau des prix") + "</row>" +
                        "<row r=\"2\">" + Inline("B2", "Lot 3") + Inline("C2", "code") + "</row>" +
                        "<row r=\"4\">" + Inline("A4", "Code") +
                        Inline("B4", "D\xC3\xA9signation") + Inline("C4", "Prix unitaire") +
                        "</row>" + "<row r=\"5\">" + Inline("A5", "A001") + Inline("B5", "Beton") +
                        "<c r=\"C5\"><v>99.5</v></c></row>";
    WriteZip(d.Path("a.xlsx"), XlsxMembers({{"S", sheet}}));
    FormatOptions o = Options("xlsx");
    o.expected_headers = {"code", "designation", "prix_unitaire"};
    EXPECT_EQ(PeekHeaders(d.Path("a.xlsx"), o), (V{"Code", "D\xC3\xA9signation", "Prix unitaire"}));
    auto r = OpenReader(d.Path("a.xlsx"), o);
    Record rec;
    ASSERT_TRUE(r->Next(rec));
    EXPECT_EQ(rec.json,
              "{\"Code\":\"A001\",\"D\xC3\xA9signation\":\"Beton\",\"Prix unitaire\":99.5}");
    EXPECT_EQ(rec.pos.line, 5);
    EXPECT_FALSE(r->Next(rec));
    // Without expected headers the first non-empty row is the header.
    EXPECT_EQ(PeekHeaders(d.Path("a.xlsx"), Options("xlsx")), (V{"Bordereau des prix"}));
}

TEST(FormatsXlsx, MissingSharedStringsNamesTheCell) {
    TempDir d;
    std::string sheet =
        "<row r=\"1\">" + Inline("A1", "a") + Inline("B1", "b") + "</row>" +
        "<row r=\"7\"><c r=\"A7\"><v>1</v></c><c r=\"B7\" t=\"s\"><v>12</v></c></row>";
    WriteZip(d.Path("a.xlsx"), XlsxMembers({{"S", sheet}}));
    std::string err = ErrorOf(d.Path("a.xlsx"), Options("xlsx"));
    EXPECT_NE(err.find(d.Path("a.xlsx") + ":7 (byte "), std::string::npos) << err;
    EXPECT_NE(err.find("): B7: shared string 12 but the workbook has no sharedStrings.xml"),
              std::string::npos)
        << err;
}

TEST(FormatsXlsx, ZipBombRefusedByDeclaredSizeAndByRatio) {
    TempDir d;
    auto m = XlsxMembers({{"S", "<row r=\"1\">" + Inline("A1", "a") + "</row>"}});
    m["xl/worksheets/sheet1.xml"] +=
        std::string(4 << 20, ' ');  // 4 MiB of blanks: deflates ~1000:1
    WriteZip(d.Path("bomb.xlsx"), m);
    EXPECT_EQ(ErrorOf(d.Path("bomb.xlsx"), Options("xlsx", {{"max_uncompressed_bytes", "1048576"},
                                                            {"max_compression_ratio", "100000"}})),
              d.Path("bomb.xlsx") + ":0 (byte 0): member xl/worksheets/sheet1.xml declares " +
                  std::to_string(m["xl/worksheets/sheet1.xml"].size()) +
                  " uncompressed bytes, over max_uncompressed_bytes (1048576)");
    std::string err = ErrorOf(d.Path("bomb.xlsx"), Options("xlsx"));
    EXPECT_NE(err.find("member xl/worksheets/sheet1.xml has a compression ratio of "),
              std::string::npos)
        << err;
    EXPECT_NE(err.find(":1, over max_compression_ratio (500)"), std::string::npos) << err;
    // Within generous caps the same file reads (the blanks are outside rows).
    EXPECT_EQ(
        ReadAll(d.Path("bomb.xlsx"), Options("xlsx", {{"max_compression_ratio", "100000"}})).size(),
        0u);
}

// PatchDeclaredSize sets the uncompressed size of `member` in the local and central
// headers of a zip (a forged directory that understates the size).
std::string PatchDeclaredSize(std::string zipbytes, const std::string& member, std::uint32_t size) {
    auto put32 = [&](size_t at) {
        for (int b = 0; b < 4; ++b) zipbytes[at + b] = static_cast<char>((size >> (8 * b)) & 0xFF);
    };
    auto get16 = [&](size_t at) {
        return static_cast<size_t>(static_cast<unsigned char>(zipbytes[at])) |
               (static_cast<size_t>(static_cast<unsigned char>(zipbytes[at + 1])) << 8);
    };
    struct Kind {
        const char* sig;
        size_t name_len_at, size_at, header;
    };
    for (Kind k : {Kind{"PK\x03\x04", 26, 22, 30}, Kind{"PK\x01\x02", 28, 24, 46}})
        for (size_t i = zipbytes.find(k.sig, 0, 4); i != std::string::npos;
             i = zipbytes.find(k.sig, i + 4, 4))
            if (zipbytes.compare(i + k.header, get16(i + k.name_len_at), member) == 0)
                put32(i + k.size_at);
    return zipbytes;
}

TEST(FormatsXlsx, LyingDeclaredSizeStoppedByTheInflatedCount) {
    TempDir d;
    auto m = XlsxMembers({{"S", "<row r=\"1\">" + Inline("A1", "a") + "</row>"}});
    m["xl/worksheets/sheet1.xml"] += std::string(4 << 20, ' ');
    WriteZip(d.Path("z.xlsx"), m);
    std::ifstream in(d.Path("z.xlsx"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string forged = PatchDeclaredSize(bytes, "xl/worksheets/sheet1.xml", 1000);
    ASSERT_NE(forged, bytes);
    auto p = d.Write("liar.xlsx", forged);
    EXPECT_EQ(ErrorOf(p, Options("xlsx", {{"max_uncompressed_bytes", "1048576"}})),
              p + ":0 (byte 0): member xl/worksheets/sheet1.xml inflates past "
                  "max_uncompressed_bytes (1048576)");
}

TEST(FormatsXlsx, DateStyledNumbersBecomeIsoText) {
    TempDir d;
    auto m = XlsxMembers(
        {{"S",
          "<row r=\"1\">" + Inline("A1", "le") + Inline("B1", "at") + Inline("C1", "n") +
              Inline("D1", "t") +
              "</row>"
              "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>45000</v></c><c r=\"B2\" "
              "s=\"2\"><v>45000.5</v></c>"
              "<c r=\"C2\" s=\"0\"><v>45000</v></c><c r=\"D2\" s=\"3\"><v>0.75</v></c></row>"}});
    m["xl/styles.xml"] =
        "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy\\ "
        "hh:mm\"/></numFmts>"
        "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/><xf "
        "numFmtId=\"20\"/></cellXfs>"
        "</styleSheet>";
    WriteZip(d.Path("a.xlsx"), m);
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx")),
              (V{R"({"le":"2023-03-15","at":"2023-03-15T12:00:00","n":45000,"t":"18:00:00"})"}));
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx", {{"dates", "number"}})),
              (V{R"({"le":45000,"at":45000.5,"n":45000,"t":0.75})"}));
}

TEST(FormatsXlsx, DateFormatDetectionAndSerials) {
    EXPECT_EQ(FormatCodeKind("dd/mm/yyyy"), DateKind::kDate);
    EXPECT_EQ(FormatCodeKind("mmm\\-yy"), DateKind::kDate);
    EXPECT_EQ(FormatCodeKind("[$-40C]d\\ mmmm\\ yyyy;@"), DateKind::kDate);
    EXPECT_EQ(FormatCodeKind("hh:mm"), DateKind::kTime);
    EXPECT_EQ(FormatCodeKind("d/m/yyyy h:mm"), DateKind::kDateTime);
    EXPECT_EQ(FormatCodeKind("#,##0.00\\ \"€\""), DateKind::kNone);
    EXPECT_EQ(FormatCodeKind("[Red]0.00"), DateKind::kNone);
    EXPECT_EQ(FormatCodeKind("General"), DateKind::kNone);
    EXPECT_EQ(BuiltinFormatKind(14), DateKind::kDate);
    EXPECT_EQ(BuiltinFormatKind(46), DateKind::kNone);
    // References: Excel shows these serials as these dates (1900 and 1904 systems).
    EXPECT_EQ(SerialToIso(1, DateKind::kDate, false), "1900-01-01");
    EXPECT_EQ(SerialToIso(59, DateKind::kDate, false), "1900-02-28");
    EXPECT_EQ(SerialToIso(60, DateKind::kDate, false), "1900-02-29");
    EXPECT_EQ(SerialToIso(61, DateKind::kDate, false), "1900-03-01");
    EXPECT_EQ(SerialToIso(44927, DateKind::kDate, false), "2023-01-01");
    EXPECT_EQ(SerialToIso(0, DateKind::kDate, true), "1904-01-01");
    EXPECT_EQ(SerialToIso(43465.999999, DateKind::kDateTime, false), "2019-01-01T00:00:00");
    EXPECT_EQ(SerialToIso(-1, DateKind::kDate, false), "");
}

TEST(FormatsXlsx, SharedStringsPartNamedByTheRelationships) {
    TempDir d;
    auto m = XlsxMembers({{"S",
                           "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
                           "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c></row>"}},
                         "<si><t>k</t></si><si><t>v</t></si>");
    m["xl/strings/SST.xml"] = m["xl/sharedStrings.xml"];
    m.erase("xl/sharedStrings.xml");
    std::string& rels = m["xl/_rels/workbook.xml.rels"];
    rels.insert(rels.find("</Relationships>"),
                "<Relationship Id=\"rId9\" "
                "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                "sharedStrings\" Target=\"/xl/strings/SST.xml\"/>");
    WriteZip(d.Path("a.xlsx"), m);
    EXPECT_EQ(ReadAll(d.Path("a.xlsx"), Options("xlsx")), (V{R"({"k":"v"})"}));
}

TEST(FormatsXlsx, NamespacePrefixedElements) {
    // As the .NET Open XML SDK writes them: every element of every part carries "x:".
    TempDir d;
    const std::string ns = "xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"";
    auto m = XlsxMembers({{"S", ""}});
    m["xl/workbook.xml"] =
        "<x:workbook " + ns +
        " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
        "<x:sheets><x:sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></x:sheets></x:workbook>";
    m["xl/sharedStrings.xml"] =
        "<x:sst " + ns + "><x:si><x:t>code</x:t></x:si><x:si><x:t>A-1</x:t></x:si></x:sst>";
    m["xl/worksheets/sheet1.xml"] =
        "<?xml version=\"1.0\"?><x:worksheet " + ns +
        "><x:sheetData>"
        "<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c><x:c r=\"B1\" "
        "t=\"inlineStr\"><x:is><x:t>qty</x:t></x:is></x:c></x:row>"
        "<x:row r=\"2\"/>"
        "<x:row r=\"3\"><x:c r=\"A3\" t=\"s\"><x:v>1</x:v></x:c><x:c "
        "r=\"B3\"><x:v>7</x:v></x:c></x:row>"
        "</x:sheetData></x:worksheet>";
    WriteZip(d.Path("p.xlsx"), m);
    EXPECT_EQ(ReadAll(d.Path("p.xlsx"), Options("xlsx")), (V{R"({"code":"A-1","qty":7})"}));
}

TEST(FormatsXlsx, NotAZip) {
    TempDir d;
    auto p = d.Write("a.xlsx", "not a zip");
    EXPECT_NE(ErrorOf(p, Options("")).find(p + ":0 (byte 0): not a readable zip (xlsx) file"),
              std::string::npos);
}

TEST(FormatsXlsx, ZeroByteFileIsAClearError) {
    TempDir d;
    auto p = d.Write("e.xlsx", "");
    EXPECT_NE(ErrorOf(p, Options("")).find(p + ":0 (byte 0): not a readable zip (xlsx) file"),
              std::string::npos)
        << ErrorOf(p, Options(""));
    EXPECT_THROW(PeekHeaders(p, Options("")), FormatError);
}

TEST(FormatsXlsx, ColumnIndex) {
    EXPECT_EQ(ColumnIndex("A1"), 0);
    EXPECT_EQ(ColumnIndex("Z9"), 25);
    EXPECT_EQ(ColumnIndex("AA10"), 26);
    EXPECT_EQ(ColumnIndex("7"), -1);
}

}  // namespace
}  // namespace nightjar::runner::formats
