// report.cpp renders the run report; the JSON form is also what nightjar.ingest_run keeps.
#include "runner/ingest/report.hpp"

#include <cstdio>
#include <sstream>

#include "runner/util/json_text.hpp"

namespace nightjar::runner {

namespace {

// Totals sums the batches.
BatchReport Totals(const RunReport& r) {
    BatchReport t;
    for (const auto& b : r.batches) {
        t.files_staged += b.files_staged;
        t.files_failed += b.files_failed;
        t.files_skipped += b.files_skipped;
        t.bytes += b.bytes;
        t.records += b.records;
        t.seconds += b.seconds;
    }
    return t;
}

// JsonList renders strings as a JSON array.
std::string JsonList(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + JsonString(items[i]);
    return out + "]";
}

// IdOrNull renders an id, or null for 0.
std::string IdOrNull(long id) { return id ? std::to_string(id) : "null"; }

}  // namespace

// ReportJson renders the report as a JSON object.
std::string ReportJson(const RunReport& r) {
    BatchReport t = Totals(r);
    std::ostringstream j;
    j << "{\"source\":" << JsonString(r.source) << ",\"started_at\":" << JsonString(r.started_at)
      << ",\"exit_code\":" << r.exit_code
      << ",\"critical\":" << (r.critical.empty() ? "null" : JsonString(r.critical))
      << ",\"run_id\":" << IdOrNull(r.run_id) << ",\"plan_id\":" << IdOrNull(r.plan_id)
      << ",\"resumed\":" << (r.resumed ? "true" : "false")
      << ",\"earlier_run\":" << IdOrNull(r.earlier_run) << ",\"plan_changes\":"
      << (r.has_changes
              ? "{\"new\":" + JsonList(r.changes.added) + ",\"gone\":" + JsonList(r.changes.gone) +
                    ",\"changed\":" + JsonList(r.changes.changed) + "}"
              : std::string("null"))
      << ",\"planned_batches\":" << r.planned_batches << ",\"planned_files\":" << r.planned_files
      << ",\"totals\":{\"batches\":" << r.batches.size() << ",\"files_staged\":" << t.files_staged
      << ",\"files_failed\":" << t.files_failed << ",\"files_skipped\":" << t.files_skipped
      << ",\"bytes\":" << t.bytes << ",\"records\":" << t.records << ",\"seconds\":" << t.seconds
      << "},\"batches\":[";
    for (size_t i = 0; i < r.batches.size(); ++i) {
        const auto& b = r.batches[i];
        j << (i ? "," : "") << "{\"seq\":" << b.seq
          << ",\"batch_id\":" << (b.batch_id ? std::to_string(b.batch_id) : "null")
          << ",\"status\":" << JsonString(ToString(b.status))
          << ",\"files_staged\":" << b.files_staged << ",\"files_failed\":" << b.files_failed
          << ",\"files_skipped\":" << b.files_skipped << ",\"bytes\":" << b.bytes
          << ",\"records\":" << b.records << ",\"seconds\":" << b.seconds
          << ",\"error\":" << (b.error.empty() ? "null" : JsonString(b.error)) << "}";
    }
    j << "],\"resume_skipped_batches\":[";
    for (size_t i = 0; i < r.resume_skipped.size(); ++i) j << (i ? "," : "") << r.resume_skipped[i];
    j << "],\"failed_files\":[";
    for (size_t i = 0; i < r.failed_files.size(); ++i)
        j << (i ? "," : "") << "{\"batch\":" << r.failed_files[i].batch_seq
          << ",\"file\":" << JsonString(r.failed_files[i].file)
          << ",\"error\":" << JsonString(r.failed_files[i].error) << "}";
    j << "]}";
    return j.str();
}

// ReportText renders the report for a person.
std::string ReportText(const RunReport& r) {
    BatchReport t = Totals(r);
    std::ostringstream o;
    char line[256];
    o << "source " << r.source << ": " << r.batches.size() << "/" << r.planned_batches
      << " batches, " << t.files_staged << " files staged, " << t.files_failed << " failed, "
      << t.files_skipped << " skipped, " << t.records << " records, ";
    std::snprintf(line, sizeof line, "%.1f MB in %.2f s\n", t.bytes / 1048576.0, t.seconds);
    o << line;
    if (!r.plan_note.empty()) o << "  " << r.plan_note << "\n";
    if (r.has_changes) o << PlanChangesText(r.changes, 10);
    for (const auto& b : r.batches) {
        std::snprintf(
            line, sizeof line,
            "  batch %d: %s, %d staged, %d failed, %d skipped, %ld records, %.1f MB, %.2f s", b.seq,
            ToString(b.status), b.files_staged, b.files_failed, b.files_skipped, b.records,
            b.bytes / 1048576.0, b.seconds);
        o << line << (b.error.empty() ? "" : " — " + b.error) << "\n";
    }
    if (!r.resume_skipped.empty())
        o << "  planned batches " << r.resume_skipped.front() << ".." << r.resume_skipped.back()
          << " skipped (--resume-from-batch " << r.resume_from << ")\n";
    for (const auto& f : r.failed_files) o << "  failed: " << f.file << ": " << f.error << "\n";
    if (!r.critical.empty()) o << "  stopped: " << r.critical << "\n";
    return o.str();
}

}  // namespace nightjar::runner
