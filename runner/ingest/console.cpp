// console.cpp: operator-facing lines. Progress goes to stderr so stdout keeps the report;
// without a terminal there is no carriage return and one line per batch.
#include "runner/ingest/console.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <iostream>

namespace nightjar::runner {

// PrintPlan prints the plan of a dry run.
void PrintPlan(const std::string& source, const std::vector<PlannedBatch>& plan, int from) {
    std::cout << "plan for source " << source << ": " << plan.size() << " batches";
    if (from > 1) std::cout << " (resumed at batch " << from << ")";
    std::cout << "\n";
    for (const auto& b : plan) {
        if (b.seq < from) continue;
        std::printf("batch %d: %zu files, %.2f MB\n", b.seq, b.files.size(), b.bytes / 1048576.0);
        for (const auto& f : b.files)
            std::printf("  %.3f  %10llu  %s\n", f.confidence,
                        static_cast<unsigned long long>(f.size), f.key.c_str());
    }
    std::fflush(stdout);
}

// Confirm asks the operator about a batch.
char Confirm(const PlannedBatch& b) {
    std::fprintf(stderr, "stage batch %d (%zu files, %.2f MB)? [y/n/q] ", b.seq, b.files.size(),
                 b.bytes / 1048576.0);
    std::string answer;
    bool got = static_cast<bool>(std::getline(std::cin, answer));
    // Answers piped in are not echoed by a terminal: end the question's line ourselves.
    if (!isatty(STDIN_FILENO))
        std::fprintf(stderr, "%s\n", got ? answer.c_str() : "(end of input: q)");
    if (!got) return 'q';
    return answer.empty() ? 'n'
                          : static_cast<char>(std::tolower(static_cast<unsigned char>(answer[0])));
}

// Print shows the live (TTY) or final (plain) line of a batch.
void Progress::Print(bool final, long records, double seconds, double eta_s) const {
    double rate = seconds > 0 ? records / seconds : 0;
    if (tty) {
        // The ETA comes from finished batches' MB/s; before the first one ends it is unknown.
        std::string eta = eta_s > 0 ? std::to_string(static_cast<long>(eta_s + 0.5)) + " s" : "--";
        std::fprintf(stderr,
                     "\r\033[Kbatch %d/%d: %zu files, %.1f MB, %ld records, %.0f rec/s, ETA %s",
                     seq, nbatches, files, bytes / 1048576.0, records, rate, eta.c_str());
        if (final) std::fprintf(stderr, "\n");
    } else if (final) {
        std::fprintf(stderr, "batch %d/%d: %zu files, %.1f MB, %ld records, %.0f rec/s, %.2f s\n",
                     seq, nbatches, files, bytes / 1048576.0, records, rate, seconds);
    }
}

}  // namespace nightjar::runner
