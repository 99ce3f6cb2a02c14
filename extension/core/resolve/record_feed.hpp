// record_feed.hpp: adding records to a RecordSet on a second thread while the caller reads
// the next ones (record_feed.cpp).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/resolve/record_set.hpp"

namespace nightjar::core::resolve {

// RecordFeed owns a worker thread that adds the rows the caller appends to a RecordSet, in
// the order appended: the caller normalises each row (RecordSet::Canonicalize) and the
// worker interns it (RecordSet::AddCanonical), so that both overlap with each other and
// with fetching the next rows. The caller must not touch the RecordSet between the feed's
// construction and Finish (or its destruction).
class RecordFeed {
  public:
    // RecordFeed starts the worker (with every signal blocked: see parallel.hpp).
    explicit RecordFeed(RecordSet& records, size_t rows_per_batch = 4096);
    // ~RecordFeed stops the worker and waits for it (rows not yet added are dropped).
    ~RecordFeed();
    RecordFeed(const RecordFeed&) = delete;
    RecordFeed& operator=(const RecordFeed&) = delete;

    // Append normalises one row (its input, key and one raw value per field, nullopt =
    // missing) into the current batch, handing the batch to the worker when it is full; rethrows
    // the worker's exception, if it failed, at the next hand-over.
    void Append(uint32_t source, std::string_view key,
                const std::vector<std::optional<std::string_view>>& values);
    // Finish hands over the last batch, waits until every row is added and rethrows the
    // worker's exception, if any.
    void Finish();

  private:
    // Batch is normalised rows as one text buffer: per row, key then values, each ending
    // at ends[i]; per value its presence, numbers and validity.
    struct Batch {
        std::vector<uint32_t> source;
        std::string text;
        std::vector<uint32_t> ends;
        std::vector<uint8_t> present, valid;  // per value
        std::vector<double> a, b;             // per value
        size_t fields = 0;
        // Clear empties the batch, keeping its buffers.
        void Clear();
    };
    // HandOver queues the current batch (waiting while the queue is full) and takes a
    // spare one.
    void HandOver();
    // Work is the worker's loop.
    void Work();
    // AddBatch adds a batch's rows to the record set (on the worker).
    void AddBatch(const Batch& b, std::vector<CanonicalView>& values);

    RecordSet& records_;
    const ResolverConfig config_;  // the record set's fields (a copy: read on this thread)
    const size_t rows_per_batch_;
    std::vector<CanonicalValue> canonical_;  // the row being appended
    Batch current_;
    std::deque<Batch> queue_, spare_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool closing_ = false, stop_ = false, busy_ = false;
    std::exception_ptr error_;
    std::thread worker_;
};

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
