// tdigest.cpp implements the merging t-digest (design in tdigest.hpp).
//
// Serialized form (host byte order): "NJTD", version byte, compression (double),
// count (int64), min, max (double), centroid count (uint32), then per centroid its mean
// and weight (double). The buffer is flushed first, so it is never serialized.
#include "core/stats/tdigest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>

#include "core/errors.hpp"
#include "core/stats/serial.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::stats {

namespace {

constexpr char kMagic[4] = {'N', 'J', 'T', 'D'};
constexpr unsigned char kVersion = 1;
constexpr double kMinCompression = 10.0;
constexpr double kMaxCompression = 10000.0;
constexpr size_t kHeaderSize = 4 + 1 + 8 + 8 + 8 + 8 + 4;
constexpr double kPi = 3.14159265358979323846;

// ScaleK maps a quantile to the k1 scale: delta/(2 pi) asin(2q - 1).
double ScaleK(double q, double compression) {
    return compression / (2.0 * kPi) * std::asin(2.0 * q - 1.0);
}

// ScaleQ is the inverse of ScaleK, clamped to [0, 1].
double ScaleQ(double k, double compression) {
    const double arg = std::clamp(k * 2.0 * kPi / compression, -kPi / 2.0, kPi / 2.0);
    return (std::sin(arg) + 1.0) / 2.0;
}

// CheckCompression throws when delta is outside the supported range.
void CheckCompression(double compression) {
    if (!(compression >= kMinCompression && compression <= kMaxCompression)) {
        char buf[96];
        std::snprintf(buf, sizeof(buf), "t-digest compression %g is not between %g and %g",
                      compression, kMinCompression, kMaxCompression);
        throw InvalidArgument(buf);
    }
}

}  // namespace

TDigest::TDigest(double compression) : compression_(compression) {
    // TDigest validates delta and reserves the buffer once.
    CheckCompression(compression);
    values_.reserve(BufferCapacity());
}

size_t TDigest::BufferCapacity() const {
    // BufferCapacity is 5 delta entries: fewer sorts per value, still a bounded size.
    return static_cast<size_t>(5.0 * compression_);
}

size_t TDigest::MaxCentroids() const {
    // MaxCentroids bounds the centroid count any valid digest can have (k1 spans
    // delta/2 units of k; greedy merging leaves at most about two centroids per unit).
    return static_cast<size_t>(2.0 * compression_) + 10;
}

void TDigest::Add(double x) {
    // Add buffers one finite value and compresses when the buffer is full.
    if (!std::isfinite(x)) return;
    if (count_ == 0) {
        min_ = max_ = x;
    } else {
        min_ = std::min(min_, x);
        max_ = std::max(max_, x);
    }
    ++count_;
    values_.push_back(x);
    if (values_.size() >= BufferCapacity()) Flush();
}

void TDigest::Merge(const TDigest& other) {
    // Merge feeds the other digest's centroids through this one's buffer.
    if (other.count_ == 0) return;
    other.Flush();
    if (count_ == 0) {
        min_ = other.min_;
        max_ = other.max_;
    } else {
        min_ = std::min(min_, other.min_);
        max_ = std::max(max_, other.max_);
    }
    count_ += other.count_;
    for (const Centroid& c : other.centroids_) {
        pending_.push_back(c);
        if (pending_.size() >= BufferCapacity()) Flush();
    }
}

void TDigest::Flush() const {
    // Flush sorts the buffers, walks them and the centroids in order of mean, and merges
    // neighbours left to right while the merged centroid's k-size stays within 1.
    if (values_.empty() && pending_.empty()) return;
    std::sort(values_.begin(), values_.end());
    const auto by_mean = [](const Centroid& a, const Centroid& b) { return a.mean < b.mean; };
    if (!pending_.empty()) {
        std::sort(pending_.begin(), pending_.end(), by_mean);
        scratch_.clear();
        std::merge(centroids_.begin(), centroids_.end(), pending_.begin(), pending_.end(),
                   std::back_inserter(scratch_), by_mean);
        centroids_.swap(scratch_);
        pending_.clear();
    }

    // The weight of everything is the count: centroids, pending centroids and values.
    const double total = static_cast<double>(count_);
    size_t ci = 0;
    size_t vi = 0;
    // Next returns the next centroid or value in order of mean.
    auto next = [&]() -> Centroid {
        if (vi < values_.size() && (ci >= centroids_.size() || values_[vi] < centroids_[ci].mean)) {
            return {values_[vi++], 1.0};
        }
        return centroids_[ci++];
    };
    const size_t items = centroids_.size() + values_.size();

    scratch_.clear();
    double weight_before = 0.0;  // weight of the centroids already emitted
    double limit = total * ScaleQ(ScaleK(0.0, compression_) + 1.0, compression_);
    Centroid cur = next();
    for (size_t i = 1; i < items; ++i) {
        const Centroid nxt = next();
        if (weight_before + cur.weight + nxt.weight <= limit) {
            // Weighted running mean, kept between the two means it combines (rounding
            // must not push it outside, or out of order with its neighbours).
            const double lo = cur.mean;
            cur.weight += nxt.weight;
            cur.mean = std::clamp(cur.mean + (nxt.mean - cur.mean) * nxt.weight / cur.weight, lo,
                                  nxt.mean);
        } else {
            scratch_.push_back(cur);
            weight_before += cur.weight;
            limit = total * ScaleQ(ScaleK(weight_before / total, compression_) + 1.0, compression_);
            cur = nxt;
        }
    }
    scratch_.push_back(cur);
    centroids_.swap(scratch_);
    values_.clear();
}

size_t TDigest::CentroidCount() const {
    // CentroidCount flushes and counts.
    Flush();
    return centroids_.size();
}

double TDigest::Quantile(double q) const {
    // Quantile interpolates between centroid centres, with the exact extremes at the ends.
    if (std::isnan(q) || q < 0.0 || q > 1.0) {
        char buf[96];
        std::snprintf(buf, sizeof(buf), "percentile value %g is not between 0 and 1", q);
        throw InvalidArgument(buf);
    }
    if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
    Flush();
    if (q == 0.0) return min_;
    if (q == 1.0) return max_;
    const size_t m = centroids_.size();
    const double n = static_cast<double>(count_);

    if (static_cast<int64_t>(m) == count_) {
        // Every centroid is one value: answer exactly as percentile_cont does.
        const double pos = q * (n - 1.0);
        const double lo_rank = std::floor(pos);
        const size_t lo = static_cast<size_t>(lo_rank);
        const size_t hi = static_cast<size_t>(std::ceil(pos));
        if (hi == lo) return centroids_[lo].mean;
        const double a = centroids_[lo].mean;
        return a + (pos - lo_rank) * (centroids_[hi].mean - a);
    }

    // Rank position of the q-quantile on the [0, n] weight axis; centroid i sits at the
    // middle of its weight, the minimum at 0 and the maximum at n.
    const double index = q * n;
    const Centroid& first = centroids_.front();
    if (index < first.weight / 2.0) {
        if (first.weight == 1.0) return min_;
        return min_ + (first.mean - min_) * (index / (first.weight / 2.0));
    }
    const Centroid& last = centroids_.back();
    if (index > n - last.weight / 2.0) {
        if (last.weight == 1.0) return max_;
        const double from_end = n - index;
        return max_ - (max_ - last.mean) * (from_end / (last.weight / 2.0));
    }
    double centre = first.weight / 2.0;  // weight position of centroid i's centre
    for (size_t i = 0; i + 1 < m; ++i) {
        const Centroid& a = centroids_[i];
        const Centroid& b = centroids_[i + 1];
        const double next_centre = centre + (a.weight + b.weight) / 2.0;
        if (index <= next_centre) {
            // A singleton owns the unit of weight around its centre exactly.
            double left = centre;
            double right = next_centre;
            if (a.weight == 1.0) {
                if (index - left < 0.5) return a.mean;
                left += 0.5;
            }
            if (b.weight == 1.0) {
                if (right - index <= 0.5) return b.mean;
                right -= 0.5;
            }
            const double t = right > left ? (index - left) / (right - left) : 0.0;
            return a.mean + t * (b.mean - a.mean);
        }
        centre = next_centre;
    }
    return last.mean;
}

std::string TDigest::Serialize() const {
    // Serialize flushes and writes header and centroids.
    Flush();
    std::string out(kHeaderSize + centroids_.size() * 16, '\0');
    ByteWriter w(out.data());
    for (char c : kMagic) w.Put(c);
    w.Put(kVersion);
    w.Put(compression_);
    w.Put(count_);
    w.Put(min_);
    w.Put(max_);
    w.Put(static_cast<uint32_t>(centroids_.size()));
    for (const Centroid& c : centroids_) {
        w.Put(c.mean);
        w.Put(c.weight);
    }
    return out;
}

TDigest TDigest::Deserialize(const char* data, size_t len) {
    // Deserialize checks every field against what Serialize can produce.
    auto fail = [](const std::string& why) { throw DataError("invalid t-digest: " + why); };
    if (data == nullptr || len < kHeaderSize) fail("too short");
    if (std::memcmp(data, kMagic, 4) != 0) fail("bad magic");
    ByteReader r(data + 4);
    if (r.Get<unsigned char>() != kVersion) fail("unsupported format version");
    const double compression = r.Get<double>();
    if (!(compression >= kMinCompression && compression <= kMaxCompression)) {
        fail("compression out of range");
    }
    TDigest d(compression);
    d.count_ = r.Get<int64_t>();
    d.min_ = r.Get<double>();
    d.max_ = r.Get<double>();
    const uint32_t m = r.Get<uint32_t>();
    if (d.count_ < 0) fail("negative count");
    if (m > d.MaxCentroids()) fail("too many centroids");
    if (len != kHeaderSize + static_cast<size_t>(m) * 16) fail("size does not match");
    if ((d.count_ == 0) != (m == 0)) fail("count and centroids disagree");
    if (d.count_ > 0 && !(std::isfinite(d.min_) && std::isfinite(d.max_) && d.min_ <= d.max_)) {
        fail("bad min/max");
    }
    double total = 0.0;
    double prev = -std::numeric_limits<double>::infinity();
    d.centroids_.reserve(m);
    for (uint32_t i = 0; i < m; ++i) {
        const double mean = r.Get<double>();
        const double weight = r.Get<double>();
        if (!std::isfinite(mean) || mean < prev || mean < d.min_ || mean > d.max_) {
            fail("centroid means out of order or range");
        }
        if (!(weight >= 1.0) || weight != std::floor(weight) || weight > 9.007199254740992e15) {
            fail("bad centroid weight");
        }
        total += weight;
        prev = mean;
        d.centroids_.push_back({mean, weight});
    }
    if (total != static_cast<double>(d.count_)) fail("weights do not add up to the count");
    return d;
}

size_t TDigest::MemoryBytes() const {
    // MemoryBytes counts the object and the capacity of both vectors.
    return sizeof(*this) + values_.capacity() * sizeof(double) +
           (centroids_.capacity() + pending_.capacity() + scratch_.capacity()) * sizeof(Centroid);
}

}  // namespace nightjar::core::stats
