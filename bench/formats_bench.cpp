// formats_bench.cpp: throughput of the format readers against a named baseline measured
// in the same run (informational; nothing here is asserted). Each reader reads the same
// 200,000 records (8 fields) from a file in /tmp (page cache warm after the first pass):
//   Ndjson, Csv (';', encoding auto: includes the whole-file UTF-8 pre-scan), CsvUtf8
//   (encoding = utf-8: per-line validation instead), Json (json_path = data.items), and
//   Xlsx (inline strings and numbers)
//   vs ReadLinesBaseline (fread + memchr line splitting, no parsing: the I/O floor).
// Bytes/s and items/s are reported; ratio = baseline time / reader time.
// Run: build/bench/formats_bench (add --benchmark_min_time=1 for steadier numbers).
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <zip.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "runner/formats/reader.hpp"

namespace {

namespace fm = nightjar::runner::formats;
constexpr int kRecords = 200000;

// Paths holds the generated files.
struct Paths {
    std::string ndjson, csv, json, xlsx;
    std::string xlsx_data;  // the sheet XML, kept alive until zip_close
};

// Field returns field values of record i.
void Fields(int i, std::string f[8]) {
    f[0] = std::to_string(i);
    f[1] = "C" + std::to_string(i % 9973);
    f[2] = "article " + std::to_string(i);
    f[3] = i % 3 ? "Lyon" : "Nantes";
    f[4] = std::to_string(i % 1000) + ".37";
    f[5] = std::to_string(i % 17);
    f[6] = i % 2 ? "true" : "false";
    f[7] = "2026-11-23T06:00:00Z";
}

// Files writes the fixtures once.
const Paths& Files() {
    static const Paths paths = [] {
        Paths p;
        std::string dir = "/tmp/nj-formats-bench-" + std::to_string(::getpid());
        std::filesystem::create_directories(dir);
        static std::string cleanup_dir = dir;
        std::atexit([] { std::filesystem::remove_all(cleanup_dir); });
        p.ndjson = dir + "/r.ndjson";
        p.csv = dir + "/r.csv";
        p.json = dir + "/r.json";
        p.xlsx = dir + "/r.xlsx";
        const char* keys[8] = {"id", "code", "name", "city", "price", "qty", "active", "updated"};
        std::ofstream nd(p.ndjson), cs(p.csv), js(p.json);
        cs << "id;code;name;city;price;qty;active;updated\n";
        js << "{\"meta\": {\"n\": " << kRecords << "}, \"data\": {\"items\": [\n";
        std::string sheet = "<worksheet><sheetData><row r=\"1\">";
        for (int c = 0; c < 8; ++c)
            sheet += std::string("<c t=\"inlineStr\"><is><t>") + keys[c] + "</t></is></c>";
        sheet += "</row>";
        std::string f[8];
        for (int i = 1; i <= kRecords; ++i) {
            Fields(i, f);
            std::string line = "{";
            for (int c = 0; c < 8; ++c) {
                bool quoted = c == 1 || c == 2 || c == 3 || c == 7;
                line += std::string(c ? "," : "") + "\"" + keys[c] +
                        "\":" + (quoted ? "\"" + f[c] + "\"" : f[c]);
                cs << (c ? ";" : "") << f[c];
            }
            line += "}";
            cs << "\n";
            nd << line << "\n";
            js << (i > 1 ? ",\n" : "") << line;
            sheet += "<row r=\"" + std::to_string(i + 1) + "\">";
            for (int c = 0; c < 8; ++c)
                sheet += c == 0 || c == 4 || c == 5
                             ? "<c><v>" + f[c] + "</v></c>"
                             : "<c t=\"inlineStr\"><is><t>" + f[c] + "</t></is></c>";
            sheet += "</row>";
        }
        js << "\n]}}\n";
        p.xlsx_data = sheet + "</sheetData></worksheet>";
        static const std::string wb =
            "<workbook xmlns:r=\"r\"><sheets><sheet name=\"S\" sheetId=\"1\" "
            "r:id=\"rId1\"/></sheets></workbook>";
        static const std::string rels =
            "<Relationships><Relationship Id=\"rId1\" Type=\"w\" "
            "Target=\"worksheets/sheet1.xml\"/></Relationships>";
        int err = 0;
        zip_t* z = zip_open(p.xlsx.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
        zip_file_add(z, "xl/workbook.xml", zip_source_buffer(z, wb.data(), wb.size(), 0), 0);
        zip_file_add(z, "xl/_rels/workbook.xml.rels",
                     zip_source_buffer(z, rels.data(), rels.size(), 0), 0);
        zip_file_add(z, "xl/worksheets/sheet1.xml",
                     zip_source_buffer(z, p.xlsx_data.data(), p.xlsx_data.size(), 0), 0);
        if (zip_close(z) != 0) std::abort();
        return p;
    }();
    return paths;
}

// FileBytes returns the size of a file.
long FileBytes(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    std::fseek(f, 0, SEEK_END);
    long n = std::ftell(f);
    std::fclose(f);
    return n;
}

// ReadAll runs one reader over a file, counting records.
void ReadAll(benchmark::State& state, const std::string& path, fm::FormatOptions opts) {
    long bytes = FileBytes(path);
    for (auto _ : state) {
        auto r = fm::OpenReader(path, opts);
        fm::Record rec;
        long n = 0;
        while (r->Next(rec)) ++n;
        if (n != kRecords) state.SkipWithError("wrong record count");
        benchmark::DoNotOptimize(n);
    }
    state.SetBytesProcessed(state.iterations() * bytes);
    state.SetItemsProcessed(state.iterations() * kRecords);
}

// ReadLinesBaseline splits the NDJSON file into lines with fread + memchr only.
void ReadLinesBaseline(benchmark::State& state) {
    const std::string& path = Files().ndjson;
    long bytes = FileBytes(path);
    std::string buf(1 << 20, '\0');
    for (auto _ : state) {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        long lines = 0;
        for (size_t n; (n = std::fread(&buf[0], 1, buf.size(), f)) > 0;)
            for (const char* p = buf.data();
                 (p = static_cast<const char*>(std::memchr(p, '\n', buf.data() + n - p))); ++p)
                ++lines;
        std::fclose(f);
        benchmark::DoNotOptimize(lines);
    }
    state.SetBytesProcessed(state.iterations() * bytes);
    state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(ReadLinesBaseline)->Unit(benchmark::kMillisecond);

// Ndjson reads the NDJSON file.
void Ndjson(benchmark::State& state) {
    fm::FormatOptions o;
    o.format = "ndjson";
    ReadAll(state, Files().ndjson, o);
}
BENCHMARK(Ndjson)->Unit(benchmark::kMillisecond);

// Csv reads the CSV file with encoding auto (whole-file pre-scan).
void Csv(benchmark::State& state) {
    fm::FormatOptions o;
    o.format = "csv";
    ReadAll(state, Files().csv, o);
}
BENCHMARK(Csv)->Unit(benchmark::kMillisecond);

// CsvUtf8 reads the CSV file with encoding = utf-8 (per-line validation).
void CsvUtf8(benchmark::State& state) {
    fm::FormatOptions o;
    o.format = "csv";
    o.options["encoding"] = "utf-8";
    ReadAll(state, Files().csv, o);
}
BENCHMARK(CsvUtf8)->Unit(benchmark::kMillisecond);

// Json reads the JSON document at json_path data.items.
void Json(benchmark::State& state) {
    fm::FormatOptions o;
    o.format = "json";
    o.options["json_path"] = "data.items";
    ReadAll(state, Files().json, o);
}
BENCHMARK(Json)->Unit(benchmark::kMillisecond);

// Xlsx reads the workbook's sheet.
void Xlsx(benchmark::State& state) {
    fm::FormatOptions o;
    o.format = "xlsx";
    ReadAll(state, Files().xlsx, o);
}
BENCHMARK(Xlsx)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
