// record_feed.cpp: a two-stage pipeline for reading a resolution's inputs.
//
// Reading 1M records costs ~1.5 s of PostgreSQL (the input queries, their sort, the
// tuples) and ~3.8 s of normalising and interning every value (RecordSet::Add). The caller
// (the backend's thread: only it may call PostgreSQL) normalises each row (~1 s:
// RecordSet::Canonicalize, which touches no store) into a batch; a worker thread interns
// the batches' rows, in order, into the RecordSet (RecordSet::AddCanonical). At most kQueued
// batches wait (bounded memory: a few thousand rows each), and spent batches are reused.
// Order is kept (one worker, a FIFO queue), so record indexes are those of adding the rows
// on one thread. Errors: an exception of the worker stops it and is rethrown to the caller
// at its next hand-over or at Finish; an exception of the caller (a cancel) reaches the
// destructor, which stops the worker and joins it, so no thread outlives the RecordSet.
#include "core/resolve/record_feed.hpp"

#include <utility>

#include "core/resolve/parallel.hpp"
#include "core/resolve/record_data.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

constexpr size_t kQueued = 4;  // batches waiting for the worker at most

}  // namespace

void RecordFeed::Batch::Clear() {
    // Clear keeps the capacity of every buffer.
    source.clear();
    text.clear();
    ends.clear();
    present.clear();
    valid.clear();
    a.clear();
    b.clear();
}

RecordFeed::RecordFeed(RecordSet& records, size_t rows_per_batch)
    : records_(records),
      config_(records.Data().config),
      rows_per_batch_(rows_per_batch == 0 ? 1 : rows_per_batch) {
    // RecordFeed starts the worker with every signal blocked.
    SignalsBlocked blocked;
    worker_ = std::thread([this] { Work(); });
}

RecordFeed::~RecordFeed() {
    // ~RecordFeed asks the worker to stop and joins it.
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
        closing_ = true;
    }
    changed_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void RecordFeed::Append(uint32_t source, std::string_view key,
                        const std::vector<std::optional<std::string_view>>& values) {
    // Append normalises the row and copies it into the current batch.
    RecordSet::Canonicalize(config_, values, canonical_);
    if (current_.source.empty()) current_.fields = values.size();
    current_.source.push_back(source);
    current_.text.append(key.data(), key.size());
    current_.ends.push_back(static_cast<uint32_t>(current_.text.size()));
    for (const CanonicalValue& v : canonical_) {
        current_.text.append(v.text);
        current_.ends.push_back(static_cast<uint32_t>(current_.text.size()));
        current_.present.push_back(v.present);
        current_.valid.push_back(v.valid);
        current_.a.push_back(v.a);
        current_.b.push_back(v.b);
    }
    if (current_.source.size() >= rows_per_batch_ || current_.text.size() > (1u << 30)) HandOver();
}

void RecordFeed::HandOver() {
    // HandOver waits for room in the queue, queues the batch and takes a spare.
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return queue_.size() < kQueued || error_ != nullptr; });
    if (error_) std::rethrow_exception(error_);
    queue_.push_back(std::move(current_));
    if (!spare_.empty()) {
        current_ = std::move(spare_.front());
        spare_.pop_front();
    } else {
        current_ = Batch();
    }
    current_.Clear();
    lock.unlock();
    changed_.notify_all();
}

void RecordFeed::Finish() {
    // Finish queues the rest and waits for an empty queue and an idle worker.
    if (!current_.source.empty()) HandOver();
    std::unique_lock<std::mutex> lock(mutex_);
    closing_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return (queue_.empty() && !busy_) || error_ != nullptr; });
    if (error_) std::rethrow_exception(error_);
}

void RecordFeed::AddBatch(const Batch& b, std::vector<CanonicalView>& values) {
    // AddBatch slices each row's text back into key and values.
    const size_t nf = b.fields;
    values.resize(nf);
    uint32_t begin = 0;
    for (size_t r = 0; r < b.source.size(); ++r) {
        const size_t base = r * (nf + 1);
        const std::string_view key(b.text.data() + begin, b.ends[base] - begin);
        begin = b.ends[base];
        for (size_t f = 0; f < nf; ++f) {
            const uint32_t end = b.ends[base + 1 + f];
            const size_t k = r * nf + f;
            values[f] = CanonicalView{b.present[k] != 0,
                                      std::string_view(b.text.data() + begin, end - begin), b.a[k],
                                      b.b[k], b.valid[k] != 0};
            begin = end;
        }
        records_.AddCanonical(b.source[r], key, values);
    }
}

void RecordFeed::Work() {
    // Work takes batches in order until closed and drained, or stopped.
    std::vector<CanonicalView> values;
    for (;;) {
        Batch b;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [this] { return stop_ || !queue_.empty() || closing_; });
            if (stop_ || queue_.empty()) return;
            b = std::move(queue_.front());
            queue_.pop_front();
            busy_ = true;
        }
        changed_.notify_all();
        try {
            AddBatch(b, values);
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            error_ = std::current_exception();
            busy_ = false;
            changed_.notify_all();
            return;
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            busy_ = false;
            b.Clear();
            if (spare_.size() < kQueued) spare_.push_back(std::move(b));
        }
        changed_.notify_all();
    }
}

}  // namespace nightjar::core::resolve
