// xlsx_reader.cpp: reads one worksheet. The package relationships (_rels/.rels, else
// xl/workbook.xml) name the workbook; the workbook and its rels name the sheet's part (part
// names are matched case-insensitively, backslashes as slashes: see zip_archive.hpp);
// sharedStrings.xml (optional) is loaded whole into a vector (bounded by the member cap);
// the sheet itself is streamed: its XML is inflated in 256 KiB blocks and each
// <row>...</row> is cut out of the byte stream and parsed alone with pugixml, so memory
// is one row plus the shared strings, whatever the number of rows. Cell types: s (shared
// string), inlineStr, str (formula text), b (boolean), e (error text), n/absent (number,
// emitted as a JSON number, except that a number whose cell style displays a date or time
// — xl/styles.xml, see xlsx_dates.hpp — becomes ISO 8601 text unless dates = "number"). The header
// row is the best match to expected_headers among the first 30 non-empty rows (else the
// first non-empty row); rows above it are skipped, empty rows are skipped.
// Position.line is the sheet row; Position.byte_offset is the row's offset in the sheet XML.
#include "runner/formats/xlsx_reader.hpp"

#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <pugixml.hpp>
#include <vector>

#include "runner/formats/json_writer.hpp"
#include "runner/formats/jsonb_guard.hpp"
#include "runner/formats/xlsx_dates.hpp"
#include "runner/formats/xml_names.hpp"
#include "runner/formats/zip_archive.hpp"

namespace nightjar::runner::formats {

namespace {

constexpr int kHeaderSearchRows = 30;
constexpr unsigned kXmlParse = pugi::parse_default | pugi::parse_ws_pcdata_single;

// Child returns the first child element with the given local name.
pugi::xml_node Child(pugi::xml_node n, const char* local) {
    for (pugi::xml_node c : n.children())
        if (std::strcmp(LocalName(c.name()), local) == 0) return c;
    return {};
}

// RunText concatenates the <t> texts of a string item (<si> or <is>), skipping phonetic runs.
std::string RunText(pugi::xml_node item) {
    std::string s;
    for (pugi::xml_node c : item.children()) {
        const char* name = LocalName(c.name());
        if (std::strcmp(name, "t") == 0)
            s += c.text().get();
        else if (std::strcmp(name, "r") == 0)
            s += Child(c, "t").text().get();
    }
    return s;
}

// ResolvePart resolves a relationship target against the source part's folder `base`
// ("xl/"): an absolute target ("/xl/x.xml") is taken from the root; "." and ".." segments
// are applied; backslashes are read as slashes.
std::string ResolvePart(const std::string& base, std::string target) {
    for (char& c : target)
        if (c == '\\') c = '/';
    std::string joined = !target.empty() && target[0] == '/' ? target.substr(1) : base + target;
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= joined.size()) {
        size_t slash = joined.find('/', start);
        if (slash == std::string::npos) slash = joined.size();
        std::string seg = joined.substr(start, slash - start);
        if (seg == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!seg.empty() && seg != ".") {
            parts.push_back(seg);
        }
        start = slash + 1;
    }
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
    return out;
}

// Cell is one non-empty cell: its column and its value as JSON text.
struct Cell {
    int col;
    std::string json;
    std::string text;  // the value as text (header names)
};

// Row is one parsed row.
struct Row {
    long number;
    std::uint64_t offset;
    std::vector<Cell> cells;
};

// XlsxReader yields the records of one sheet.
class XlsxReader : public RecordReader {
  public:
    // XlsxReader opens the workbook, finds the sheet, loads shared strings and styles, and
    // reads up to 30 rows to find the header.
    XlsxReader(const std::string& path, const FormatOptions& opts)
        : path_(path),
          zip_(path, opts.GetSize("max_uncompressed_bytes", kDefaultMaxUncompressedBytes),
               opts.GetSize("max_compression_ratio", kDefaultMaxCompressionRatio)),
          max_row_(opts.GetSize("max_record_bytes", kDefaultMaxRecordBytes)) {
        all_sheets_ = opts.Get("sheet") == "*";
        sheet_key_ = opts.Get("sheet_key");
        expected_ = opts.expected_headers;
        FindSheets(all_sheets_ ? "" : opts.Get("sheet"));
        if (zip_.Has(shared_part_)) LoadSharedStrings();
        std::string dates = opts.Get("dates", "iso");
        if (dates != "iso" && dates != "number")
            Fail(0, 0, "format option dates = '" + dates + "': expected iso or number");
        if (dates == "iso" && zip_.Has(styles_part_)) {
            std::string styles = zip_.ReadAll(styles_part_);
            styles_.Load(styles);
        }
        OpenSheet(0);
    }

    // Headers returns the header row's keys.
    std::vector<std::string> Headers() override { return headers_; }

    // Next returns the next non-empty row after the header.
    bool Next(Record& rec) override {
        Row row;
        do {
            if (!pending_.empty()) {
                row = std::move(pending_.front());
                pending_.pop_front();
            } else if (done_ || !ReadRow(row)) {
                if (done_ || !all_sheets_ || !OpenSheet(sheet_index_ + 1)) return false;
                row.cells.clear();  // the next sheet's first rows are pending
            }
        } while (row.cells.empty());
        rec.pos = Position{path_, row.number, row.offset, ++records_};
        JsonObjectWriter w(rec.json);
        if (!sheet_key_.empty()) w.String(sheet_key_, sheets_[sheet_index_].first);
        size_t k = 0;
        for (size_t c = 0; c < headers_.size(); ++c) {
            while (k < row.cells.size() && row.cells[k].col < static_cast<int>(c)) ++k;
            if (k < row.cells.size() && row.cells[k].col == static_cast<int>(c))
                w.Raw(headers_[c], row.cells[k].json);
            else
                w.Null(headers_[c]);
        }
        for (const Cell& cell : row.cells)
            if (cell.col >= static_cast<int>(headers_.size()))
                w.Raw("column_" + std::to_string(cell.col + 1), cell.json);
        w.Finish();
        CheckJsonbRecord(rec, false);  // the text is generated: the row's position
        return true;
    }

  private:
    // Fail throws a FormatError at a row.
    [[noreturn]] void Fail(long row, std::uint64_t offset, const std::string& problem) const {
        throw FormatError(Position{path_, row, offset, 0}, problem);
    }

    // OpenSheet starts reading sheet i (with sheet = "*", the first sheet from i on whose
    // header row matches expected_headers at all; sheets without one are skipped). Returns
    // false, and marks the reader done, when there is no such sheet.
    bool OpenSheet(size_t i) {
        for (; i < sheets_.size(); ++i) {
            sheet_index_ = i;
            xml_.clear();
            row_open_.clear();
            row_close_.clear();
            pending_.clear();
            headers_.clear();
            scan_ = 0;
            consumed_ = 0;
            last_row_ = 0;
            sheet_ = std::make_unique<ZipArchive::Member>(zip_, sheets_[i].second);
            double score = FindHeader(expected_);
            if (!all_sheets_ || expected_.empty() || score > 0) return true;
        }
        done_ = true;
        return false;
    }

    // Parse parses a member's XML text (kept in `text`, parsed in place).
    pugi::xml_document Parse(std::string& text, const std::string& member) {
        pugi::xml_document doc;
        auto res = doc.load_buffer_inplace(&text[0], text.size(), kXmlParse);
        if (!res) Fail(0, res.offset, member + ": invalid XML: " + res.description());
        return doc;
    }

    // WorkbookPart returns the workbook's part name: the package relationship of type
    // officeDocument in _rels/.rels, else xl/workbook.xml (writers that omit the package
    // relationships). Part names are matched case-insensitively by the archive.
    std::string WorkbookPart() {
        if (zip_.Has("_rels/.rels")) {
            std::string text = zip_.ReadAll("_rels/.rels");
            pugi::xml_document rels = Parse(text, "_rels/.rels");
            for (pugi::xml_node r : rels.document_element().children()) {
                std::string type = r.attribute("Type").value();
                const std::string suffix = "/officeDocument";
                if (type.size() < suffix.size() ||
                    type.compare(type.size() - suffix.size(), suffix.size(), suffix) != 0)
                    continue;
                std::string part = ResolvePart("", r.attribute("Target").value());
                if (zip_.Has(part)) return part;
                Fail(0, 0,
                     "not an xlsx workbook: _rels/.rels names the workbook part " + part +
                         ", which the package does not contain");
            }
        }
        if (zip_.Has("xl/workbook.xml")) return "xl/workbook.xml";
        Fail(0, 0,
             "not an xlsx workbook: no officeDocument relationship in _rels/.rels and no "
             "xl/workbook.xml");
    }

    // FindSheets lists the sheets to read in sheets_ (name, part): the one named `wanted`,
    // the first when `wanted` is empty, every sheet with sheet = "*".
    void FindSheets(const std::string& wanted) {
        const std::string wb_part = WorkbookPart();
        const std::string base = wb_part.substr(0, wb_part.rfind('/') + 1);  // "xl/"
        shared_part_ = base + "sharedStrings.xml";  // unless the relationships name others
        styles_part_ = base + "styles.xml";
        std::string wb_text = zip_.ReadAll(wb_part);
        pugi::xml_document wb = Parse(wb_text, wb_part);
        std::string names;
        std::vector<std::pair<std::string, std::string>> rids;  // (sheet name, r:id)
        pugi::xml_node pr = Child(wb.document_element(), "workbookPr");
        std::string d1904 = pr.attribute("date1904").value();
        date1904_ = d1904 == "1" || d1904 == "true";
        for (pugi::xml_node s : Child(wb.document_element(), "sheets").children()) {
            std::string name = s.attribute("name").value();
            names += (names.empty() ? "" : ", ") + name;
            if ((!all_sheets_ && !rids.empty()) || (!wanted.empty() && name != wanted)) continue;
            for (pugi::xml_attribute a : s.attributes())
                if (std::strcmp(LocalName(a.name()), "id") == 0 && std::strchr(a.name(), ':'))
                    rids.emplace_back(name, a.value());
        }
        if (rids.empty()) {
            if (!wanted.empty())
                Fail(0, 0, "sheet '" + wanted + "' not found (sheets: " + names + ")");
            Fail(0, 0, "the workbook lists no sheet");
        }
        const std::string rels_name =
            base + "_rels/" + wb_part.substr(base.size()) + ".rels";  // xl/_rels/workbook.xml.rels
        if (!zip_.Has(rels_name)) Fail(0, 0, "not an xlsx workbook: no " + rels_name);
        std::string rels_text = zip_.ReadAll(rels_name);
        pugi::xml_document rels = Parse(rels_text, rels_name);
        std::map<std::string, std::string> parts;  // r:id -> part
        for (pugi::xml_node r : rels.document_element().children()) {
            std::string target = r.attribute("Target").value();
            std::string part = ResolvePart(base, target);
            std::string type = r.attribute("Type").value();
            auto ends_with = [&](const char* suffix) {
                size_t n = std::strlen(suffix);
                return type.size() >= n && type.compare(type.size() - n, n, suffix) == 0;
            };
            parts[r.attribute("Id").value()] = part;
            if (ends_with("/sharedStrings"))
                shared_part_ = part;  // writers may rename the parts
            else if (ends_with("/styles"))
                styles_part_ = part;
        }
        for (const auto& [name, rid] : rids) {
            auto it = parts.find(rid);
            if (it == parts.end())
                Fail(0, 0, "sheet relationship " + rid + " not found in " + rels_name);
            sheets_.emplace_back(name, it->second);
        }
    }

    // LoadSharedStrings reads the shared string table.
    void LoadSharedStrings() {
        has_shared_ = true;
        std::string text = zip_.ReadAll(shared_part_);
        pugi::xml_document doc = Parse(text, shared_part_);
        for (pugi::xml_node si : doc.document_element().children())
            if (std::strcmp(LocalName(si.name()), "si") == 0) shared_.push_back(RunText(si));
    }

    // FindHeader reads up to 30 non-empty rows and picks the header among them.
    double FindHeader(const std::vector<std::string>& expected) {
        Row row;
        while (pending_.size() < static_cast<size_t>(kHeaderSearchRows) && ReadRow(row))
            if (!row.cells.empty()) pending_.push_back(std::move(row));
        if (pending_.empty()) return 0;
        size_t best = 0;
        double best_score = 0;
        if (!expected.empty()) {
            for (size_t i = 0; i < pending_.size(); ++i) {
                std::vector<std::string> names;
                for (const Cell& c : pending_[i].cells) names.push_back(c.text);
                double s = HeaderScore(names, expected);
                if (s > best_score) best_score = s, best = i;
            }
        }
        const Row& h = pending_[best];
        std::vector<std::string> raw(h.cells.back().col + 1);
        for (const Cell& c : h.cells) raw[c.col] = c.text;
        headers_ = UniqueHeaders(raw);
        pending_.erase(pending_.begin(), pending_.begin() + best + 1);
        return best_score;
    }

    // ReadMore appends the next block of the sheet to xml_; false at its end.
    bool ReadMore() {
        if (xml_.size() > max_row_)
            Fail(last_row_ + 1, consumed_,
                 "row longer than max_record_bytes (" + std::to_string(max_row_) + " bytes)");
        char buf[1 << 18];
        size_t n = sheet_->Read(buf, sizeof buf);
        xml_.append(buf, n);
        return n > 0;
    }

    // FindRowTag reads the sheet's root element (<worksheet> or <x:worksheet>) and sets
    // the row tags to match its namespace prefix (<row> or <x:row>).
    void FindRowTag() {
        for (;;) {
            size_t lt = xml_.find('<');
            while (lt != std::string::npos && lt + 1 < xml_.size() &&
                   (xml_[lt + 1] == '?' || xml_[lt + 1] == '!'))
                lt = xml_.find('<', lt + 1);  // the XML declaration, comments
            size_t end = lt == std::string::npos ? lt : xml_.find_first_of(" \t\r\n/>", lt + 1);
            if (end != std::string::npos) {
                std::string root = xml_.substr(lt + 1, end - lt - 1);
                size_t colon = root.find(':');
                std::string prefix = colon == std::string::npos ? "" : root.substr(0, colon + 1);
                row_open_ = "<" + prefix + "row";
                row_close_ = "</" + prefix + "row>";
                return;
            }
            if (!ReadMore()) return;  // no root: no rows either
        }
    }

    // ReadRow cuts the next row element out of the sheet stream and parses it.
    bool ReadRow(Row& row) {
        if (row_open_.empty()) FindRowTag();
        const size_t open = row_open_.size();
        for (;;) {
            size_t k = xml_.find(row_open_, scan_);
            while (k != std::string::npos && k + open < xml_.size() && xml_[k + open] != ' ' &&
                   xml_[k + open] != '>' && xml_[k + open] != '/')
                k = xml_.find(row_open_, k + open);
            if (k == std::string::npos) {
                if (xml_.size() > open && xml_.size() - open > scan_)
                    scan_ = xml_.size() - open;  // the tag may straddle blocks
            } else {
                scan_ = k;
                size_t gt = k + open < xml_.size() ? xml_.find('>', k) : std::string::npos;
                if (gt != std::string::npos) {
                    if (xml_[gt - 1] == '/') {  // <row r="5"/>: empty row
                        scan_ = gt + 1;
                        continue;
                    }
                    size_t end = xml_.find(row_close_, gt);
                    if (end != std::string::npos) {
                        ParseRow(k, end + row_close_.size(), row);
                        scan_ = end + row_close_.size();
                        return true;
                    }
                }
            }
            if (scan_ > 0) {  // drop consumed bytes before reading more
                consumed_ += scan_;
                xml_.erase(0, scan_);
                scan_ = 0;
            }
            if (!ReadMore()) return false;
        }
    }

    // ParseRow parses xml_[begin, end) as one row.
    void ParseRow(size_t begin, size_t end, Row& row) {
        std::uint64_t offset = consumed_ + begin;
        pugi::xml_document doc;
        auto res = doc.load_buffer(xml_.data() + begin, end - begin, kXmlParse);
        if (!res)
            Fail(last_row_ + 1, offset + res.offset,
                 std::string("invalid sheet XML: ") + res.description());
        pugi::xml_node r = doc.document_element();
        long number = r.attribute("r").as_llong(last_row_ + 1);
        last_row_ = number;
        row.number = number;
        row.offset = offset;
        row.cells.clear();
        int col = -1;
        for (pugi::xml_node c : r.children()) {
            if (std::strcmp(LocalName(c.name()), "c") != 0) continue;
            const char* ref = c.attribute("r").value();
            int at = *ref ? ColumnIndex(ref) : col + 1;
            if (at < 0) Fail(number, offset, std::string("bad cell reference '") + ref + "'");
            col = at;
            Cell cell{col, {}, {}};
            if (CellValue(c, number, offset, cell)) row.cells.push_back(std::move(cell));
        }
    }

    // CellValue converts one <c> into JSON and text; false for an empty cell.
    bool CellValue(pugi::xml_node c, long row, std::uint64_t offset, Cell& cell) {
        std::string type = c.attribute("t").value();
        pugi::xml_node v = Child(c, "v");
        std::string ref = c.attribute("r").value();
        if (ref.empty())
            ref = "column " + std::to_string(cell.col + 1) + " of row " + std::to_string(row);
        if (type == "inlineStr") {
            pugi::xml_node is = Child(c, "is");
            if (!is) return false;
            cell.text = RunText(is);
        } else if (!v) {
            return false;
        } else if (type == "s") {
            if (!*v.text().get()) return false;  // <c t="s"><v/></c>: no index, an empty cell
            long idx = v.text().as_llong(-1);
            if (!has_shared_)
                Fail(row, offset,
                     ref + ": shared string " + std::to_string(idx) +
                         " but the workbook has no sharedStrings.xml");
            if (idx < 0 || static_cast<size_t>(idx) >= shared_.size())
                Fail(row, offset,
                     ref + ": shared string " + std::to_string(idx) +
                         " out of range (the workbook has " + std::to_string(shared_.size()) + ")");
            cell.text = shared_[idx];
        } else if (type == "b") {
            cell.text = v.text().get();
            cell.json = cell.text == "1" ? "true" : "false";
            return true;
        } else if (type == "str" || type == "e") {
            cell.text = v.text().get();
        } else {
            cell.text = v.text().get();
            if (cell.text.empty()) return false;
            DateKind kind = styles_.KindOf(c.attribute("s").as_llong(-1));
            if (kind != DateKind::kNone) {
                char* end = nullptr;
                double serial = std::strtod(cell.text.c_str(), &end);
                std::string iso = *end ? "" : SerialToIso(serial, kind, date1904_);
                if (!iso.empty()) {
                    cell.text = iso;
                    AppendJsonString(cell.json, cell.text);
                    return true;
                }
            }
            if (IsJsonNumber(cell.text)) {
                cell.json = cell.text;
                return true;
            }
        }
        AppendJsonString(cell.json, cell.text);
        return true;
    }

    std::string path_;
    ZipArchive zip_;
    std::uint64_t max_row_;
    std::unique_ptr<ZipArchive::Member> sheet_;
    std::vector<std::pair<std::string, std::string>> sheets_;  // (name, part) to read
    size_t sheet_index_ = 0;
    bool all_sheets_ = false;  // sheet = "*"
    bool done_ = false;        // no sheet left to read
    std::string sheet_key_;    // sheet_key: the key that carries the sheet's name
    std::vector<std::string> expected_;
    std::string shared_part_ = "xl/sharedStrings.xml";  // unless workbook.xml.rels names another
    std::string styles_part_ = "xl/styles.xml";
    bool has_shared_ = false;
    DateStyles styles_;
    bool date1904_ = false;
    std::vector<std::string> shared_;
    std::vector<std::string> headers_;
    std::deque<Row> pending_;
    std::string xml_;
    std::string row_open_, row_close_;  // "<row" and "</row>", or with the sheet's prefix
    size_t scan_ = 0;
    std::uint64_t consumed_ = 0;
    long last_row_ = 0;
    long records_ = 0;
};

}  // namespace

// ColumnIndex converts the letters of a cell reference.
int ColumnIndex(const char* ref) {
    int col = 0, letters = 0;
    for (; *ref >= 'A' && *ref <= 'Z'; ++ref, ++letters) col = col * 26 + (*ref - 'A' + 1);
    if (letters == 0 || letters > 3) return -1;
    return col - 1;
}

// OpenXlsxReader constructs the reader (reading the workbook and the header row).
std::unique_ptr<RecordReader> OpenXlsxReader(const std::string& path, const FormatOptions& opts) {
    return std::make_unique<XlsxReader>(path, opts);
}

}  // namespace nightjar::runner::formats
