// run_snapshot.cpp: a resolve run's stored rows as one compact binary value.
//
// Why: an incremental run needs, for every record, the fingerprint and entity id it was
// stored with, and every stored pair with its levels, status and weight -- and where each
// of those rows is, to replace the few that change. Reading them back from entity_member
// and match_pair costs a scan of ~3M rows at 1M records with a text lookup per row (about
// 3 s of a 1% night's 10 s). The snapshot holds the same facts as arrays: records keyed by
// a 64-bit hash of (input label, key), sorted, so that today's records map onto them by
// one sort and one merge.
// Layout (native byte order, read back by the same server): a 32-byte header -- magic,
// format version, fields, records, pairs -- then each array in the order of RunSnapshot's
// members. 32 bytes a record, 25 + fields bytes a pair (~90 MB at 1M records, 2M pairs).
// Trust: the glue stores the snapshot beside the rows in the same transaction and drops it
// when anything else writes the rows (sql/52_resolve.sql); an identity collision among
// today's records (two (label, key) with one hash) makes PreviousFromSnapshot decline.
#include "core/resolve/run_snapshot.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <unordered_map>
#include <utility>

#include "core/errors.hpp"
#include "core/resolve/record_data.hpp"
#include "core/util/radix_sort.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

constexpr uint32_t kMagic = 0x534A4E52;  // "RNJS" read little-endian: also the byte-order check
constexpr uint32_t kVersion = 1;
constexpr uint32_t kBase = 0, kDelta = 1;  // the header's fourth word

// Append writes a vector's bytes.
template <typename T>
void Append(std::string& out, const std::vector<T>& v) {
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// Reader takes arrays off the front of the encoded bytes.
class Reader {
  public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}
    // Take fills `v` with `n` elements.
    template <typename T>
    void Take(std::vector<T>& v, uint64_t n) {
        if (n > (bytes_.size() - pos_) / sizeof(T))
            throw DataError("nightjar: the resolution's run snapshot is cut short");
        v.resize(n);
        std::memcpy(v.data(), bytes_.data() + pos_, n * sizeof(T));
        pos_ += n * sizeof(T);
    }
    // AtEnd says whether every byte was read.
    bool AtEnd() const { return pos_ == bytes_.size(); }

  private:
    std::string_view bytes_;
    size_t pos_ = 0;
};

// OrderByIdentity returns the indexes of `identity` in ascending order of identity (ties
// by index): a stable radix sort of (identity, index) pairs.
std::vector<uint32_t> OrderByIdentity(const std::vector<uint64_t>& identity) {
    std::vector<std::pair<uint64_t, uint32_t>> v(identity.size());
    for (size_t i = 0; i < identity.size(); ++i) v[i] = {identity[i], static_cast<uint32_t>(i)};
    StableRadixSort(v, 64, [](const std::pair<uint64_t, uint32_t>& e) { return e.first; });
    std::vector<uint32_t> order(v.size());
    for (size_t i = 0; i < v.size(); ++i) order[i] = v[i].second;
    return order;
}

}  // namespace

std::vector<uint64_t> RecordIdentities(const RecordSet& records,
                                       const std::vector<std::string>& labels) {
    // RecordIdentities seeds the key's hash with the label's.
    std::vector<uint64_t> seed(labels.size());
    for (size_t s = 0; s < labels.size(); ++s) seed[s] = HashBytes(labels[s], 0x5EED);
    std::vector<uint64_t> out(records.size());
    for (uint32_t r = 0; r < records.size(); ++r) {
        const uint32_t s = records.Source(r);
        if (s >= seed.size()) throw InvalidArgument("nightjar: a record names an unknown input");
        out[r] = HashBytes(records.Key(r), seed[s]);
    }
    return out;
}

RunSnapshot BuildSnapshot(const ResolveResult& result, const std::vector<int64_t>& ids,
                          const std::vector<uint64_t>& identity,
                          const std::vector<uint64_t>& member_row,
                          const std::vector<uint64_t>& pair_row, const std::vector<uint32_t>& kept,
                          const PreviousRun* previous) {
    // BuildSnapshot orders the records by identity, then lists the pairs by position.
    const size_t n = result.entity_of.size(), np = result.pairs.size(), nf = result.field_count;
    if (identity.size() != n || member_row.size() != n || result.fingerprint.size() != n ||
        pair_row.size() != np || (!kept.empty() && kept.size() != np))
        throw InvalidArgument("nightjar: a run snapshot needs one row per record and per pair");
    const std::vector<uint32_t> order = OrderByIdentity(identity);
    RunSnapshot s;
    s.fields = static_cast<uint32_t>(nf);
    std::vector<uint32_t> position(n);
    s.identity.reserve(n);
    s.fingerprint.reserve(n);
    s.entity.reserve(n);
    s.member_row.reserve(n);
    for (uint32_t k = 0; k < n; ++k) {
        const uint32_t r = order[k];
        if (k > 0 && identity[r] == s.identity.back())
            throw InvalidArgument("nightjar: two records share an identity hash");
        position[r] = k;
        const uint32_t e = result.entity_of[r];
        s.identity.push_back(identity[r]);
        s.fingerprint.push_back(result.fingerprint[r]);
        s.entity.push_back(ids.empty() ? static_cast<int64_t>(e) + 1 : ids.at(e));
        s.member_row.push_back(member_row[r]);
    }
    s.pair_a.resize(np);
    s.pair_b.resize(np);
    s.probability.resize(np);
    s.match_weight.resize(np);
    s.status.resize(np);
    s.pair_row = pair_row;
    s.levels.assign(result.pair_levels.begin(),
                    result.pair_levels.begin() + static_cast<std::ptrdiff_t>(np * nf));
    for (size_t i = 0; i < np; ++i) {
        const ScoredPair& p = result.pairs[i];
        s.pair_a[i] = position[p.a];
        s.pair_b[i] = position[p.b];
        s.status[i] = static_cast<uint8_t>(p.status);
        const uint32_t j = kept.empty() ? kNoOrigin : kept[i];
        const bool stayed = j != kNoOrigin && previous != nullptr && j < previous->pairs.size();
        s.probability[i] = stayed ? previous->pairs[j].probability : p.probability;
        s.match_weight[i] = stayed ? previous->pairs[j].match_weight : p.match_weight;
    }
    return s;
}

std::string EncodeSnapshot(const RunSnapshot& s) {
    // EncodeSnapshot writes the header, then the arrays.
    std::string out;
    const uint64_t n = s.identity.size(), np = s.pair_a.size();
    out.reserve(32 + n * 32 + np * (25 + s.fields));
    const uint32_t head[4] = {kMagic, kVersion, s.fields, kBase};
    out.append(reinterpret_cast<const char*>(head), sizeof head);
    out.append(reinterpret_cast<const char*>(&n), 8);
    out.append(reinterpret_cast<const char*>(&np), 8);
    Append(out, s.identity);
    Append(out, s.fingerprint);
    Append(out, s.entity);
    Append(out, s.member_row);
    Append(out, s.pair_a);
    Append(out, s.pair_b);
    Append(out, s.probability);
    Append(out, s.match_weight);
    Append(out, s.status);
    Append(out, s.pair_row);
    Append(out, s.levels);
    return out;
}

RunSnapshot DecodeSnapshot(std::string_view bytes) {
    // DecodeSnapshot checks the header, reads the arrays and checks the pairs' records.
    if (bytes.size() < 32) throw DataError("nightjar: the resolution's run snapshot is cut short");
    uint32_t head[4];
    uint64_t n = 0, np = 0;
    std::memcpy(head, bytes.data(), sizeof head);
    std::memcpy(&n, bytes.data() + 16, 8);
    std::memcpy(&np, bytes.data() + 24, 8);
    if (head[0] != kMagic || head[1] != kVersion || head[3] != kBase)
        throw DataError("nightjar: the resolution's run snapshot is not of this format");
    RunSnapshot s;
    s.fields = head[2];
    Reader in(bytes.substr(32));
    in.Take(s.identity, n);
    in.Take(s.fingerprint, n);
    in.Take(s.entity, n);
    in.Take(s.member_row, n);
    in.Take(s.pair_a, np);
    in.Take(s.pair_b, np);
    in.Take(s.probability, np);
    in.Take(s.match_weight, np);
    in.Take(s.status, np);
    in.Take(s.pair_row, np);
    if (s.fields != 0 && np > UINT64_MAX / s.fields)
        throw DataError("nightjar: the resolution's run snapshot is cut short");
    in.Take(s.levels, np * s.fields);
    if (!in.AtEnd()) throw DataError("nightjar: the resolution's run snapshot has trailing bytes");
    for (size_t i = 0; i < np; ++i)
        if (s.pair_a[i] >= n || s.pair_b[i] >= n || s.status[i] > 2)
            throw DataError("nightjar: the resolution's run snapshot names a record it lacks");
    for (size_t k = 1; k < n; ++k)
        if (s.identity[k - 1] >= s.identity[k])
            throw DataError("nightjar: the resolution's run snapshot is not sorted");
    return s;
}

std::string EncodeDelta(const SnapshotDelta& d) {
    // EncodeDelta writes the header (four counts), then the arrays.
    std::string out;
    const uint32_t head[4] = {kMagic, kVersion, d.fields, kDelta};
    const uint64_t counts[4] = {d.gone.size(), d.identity.size(), d.gone_a.size(), d.pair_a.size()};
    out.append(reinterpret_cast<const char*>(head), sizeof head);
    out.append(reinterpret_cast<const char*>(counts), sizeof counts);
    Append(out, d.gone);
    Append(out, d.identity);
    Append(out, d.fingerprint);
    Append(out, d.entity);
    Append(out, d.member_row);
    Append(out, d.gone_a);
    Append(out, d.gone_b);
    Append(out, d.pair_a);
    Append(out, d.pair_b);
    Append(out, d.probability);
    Append(out, d.match_weight);
    Append(out, d.status);
    Append(out, d.pair_row);
    Append(out, d.levels);
    return out;
}

bool IsDelta(std::string_view bytes) {
    // IsDelta reads the header's kind.
    uint32_t head[4];
    if (bytes.size() < sizeof head) return false;
    std::memcpy(head, bytes.data(), sizeof head);
    return head[0] == kMagic && head[3] == kDelta;
}

SnapshotDelta DecodeDelta(std::string_view bytes) {
    // DecodeDelta checks the header and reads the arrays.
    uint32_t head[4];
    uint64_t counts[4];
    if (bytes.size() < sizeof head + sizeof counts)
        throw DataError("nightjar: a delta of the resolution's run snapshot is cut short");
    std::memcpy(head, bytes.data(), sizeof head);
    std::memcpy(counts, bytes.data() + sizeof head, sizeof counts);
    if (head[0] != kMagic || head[1] != kVersion || head[3] != kDelta)
        throw DataError("nightjar: a delta of the resolution's run snapshot is not of this format");
    SnapshotDelta d;
    d.fields = head[2];
    Reader in(bytes.substr(sizeof head + sizeof counts));
    in.Take(d.gone, counts[0]);
    in.Take(d.identity, counts[1]);
    in.Take(d.fingerprint, counts[1]);
    in.Take(d.entity, counts[1]);
    in.Take(d.member_row, counts[1]);
    in.Take(d.gone_a, counts[2]);
    in.Take(d.gone_b, counts[2]);
    in.Take(d.pair_a, counts[3]);
    in.Take(d.pair_b, counts[3]);
    in.Take(d.probability, counts[3]);
    in.Take(d.match_weight, counts[3]);
    in.Take(d.status, counts[3]);
    in.Take(d.pair_row, counts[3]);
    in.Take(d.levels, counts[3] * d.fields);
    if (!in.AtEnd())
        throw DataError("nightjar: a delta of the resolution's run snapshot has trailing bytes");
    for (uint8_t st : d.status)
        if (st > 2)
            throw DataError("nightjar: a delta of the resolution's run snapshot is corrupt");
    return d;
}

namespace {

// PairKey names a pair by its two identities, in either order.
std::pair<uint64_t, uint64_t> PairKey(uint64_t a, uint64_t b) {
    return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
}

// PairKeyHash hashes a PairKey.
struct PairKeyHash {
    size_t operator()(const std::pair<uint64_t, uint64_t>& k) const {
        return static_cast<size_t>(k.first * 0x9E3779B97F4A7C15ULL ^ k.second);
    }
};

}  // namespace

RunSnapshot ApplyDeltas(const RunSnapshot& base, const std::vector<SnapshotDelta>& deltas) {
    // ApplyDeltas merges the records (sorted by identity; a later delta wins), then keeps
    // the base pairs no delta named and appends the pairs the deltas left written.
    for (const SnapshotDelta& d : deltas)
        if (d.fields != base.fields)
            throw DataError("nightjar: a delta of the resolution's run snapshot is for " +
                            std::to_string(d.fields) + " fields, its base for " +
                            std::to_string(base.fields));
    const size_t nf = base.fields;
    // A record or pair operation: which delta, which entry of it (kGone: removed).
    struct Op {
        uint32_t delta, entry;
    };
    constexpr uint32_t kGone = 0xFFFFFFFFu;
    std::vector<std::pair<uint64_t, Op>> ops;
    for (uint32_t t = 0; t < deltas.size(); ++t) {
        for (uint64_t id : deltas[t].gone) ops.push_back({id, Op{t, kGone}});
        for (uint32_t i = 0; i < deltas[t].identity.size(); ++i)
            ops.push_back({deltas[t].identity[i], Op{t, i}});
    }
    std::stable_sort(ops.begin(), ops.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    RunSnapshot out;
    out.fields = base.fields;
    const size_t n = base.identity.size();
    std::vector<int64_t> moved(n, -1);  // a base record's position in `out`, -1: gone
    auto take_base = [&](size_t k) {
        moved[k] = static_cast<int64_t>(out.identity.size());
        out.identity.push_back(base.identity[k]);
        out.fingerprint.push_back(base.fingerprint[k]);
        out.entity.push_back(base.entity[k]);
        out.member_row.push_back(base.member_row[k]);
    };
    size_t k = 0;
    for (size_t o = 0; o < ops.size(); ++o) {
        if (o + 1 < ops.size() && ops[o + 1].first == ops[o].first) continue;  // the last wins
        const uint64_t id = ops[o].first;
        while (k < n && base.identity[k] < id) take_base(k++);
        const Op op = ops[o].second;
        if (k < n && base.identity[k] == id) {  // rewritten (its pairs stay) or gone
            if (op.entry != kGone) moved[k] = static_cast<int64_t>(out.identity.size());
            ++k;
        }
        if (op.entry == kGone) continue;
        const SnapshotDelta& d = deltas[op.delta];
        out.identity.push_back(id);
        out.fingerprint.push_back(d.fingerprint[op.entry]);
        out.entity.push_back(d.entity[op.entry]);
        out.member_row.push_back(d.member_row[op.entry]);
    }
    while (k < n) take_base(k++);
    // Pairs: each delta's deletions, then its writes, decide every pair they name.
    std::unordered_map<std::pair<uint64_t, uint64_t>, Op, PairKeyHash> decided;
    for (uint32_t t = 0; t < deltas.size(); ++t) {
        const SnapshotDelta& d = deltas[t];
        for (size_t i = 0; i < d.gone_a.size(); ++i)
            decided[PairKey(d.gone_a[i], d.gone_b[i])] = Op{t, kGone};
        for (uint32_t i = 0; i < d.pair_a.size(); ++i)
            decided[PairKey(d.pair_a[i], d.pair_b[i])] = Op{t, i};
    }
    auto position = [&](uint64_t id) -> int64_t {
        auto it = std::lower_bound(out.identity.begin(), out.identity.end(), id);
        return it != out.identity.end() && *it == id ? it - out.identity.begin() : -1;
    };
    auto add_pair = [&](int64_t a, int64_t b, float p, float w, uint8_t st, uint64_t row,
                        const int8_t* levels) {
        out.pair_a.push_back(static_cast<uint32_t>(a));
        out.pair_b.push_back(static_cast<uint32_t>(b));
        out.probability.push_back(p);
        out.match_weight.push_back(w);
        out.status.push_back(st);
        out.pair_row.push_back(row);
        out.levels.insert(out.levels.end(), levels, levels + nf);
    };
    for (size_t i = 0; i < base.pair_a.size(); ++i) {
        const int64_t a = moved[base.pair_a[i]], b = moved[base.pair_b[i]];
        if (a < 0 || b < 0) continue;
        if (!decided.empty() && decided.count(PairKey(base.identity[base.pair_a[i]],
                                                      base.identity[base.pair_b[i]])) > 0)
            continue;
        add_pair(a, b, base.probability[i], base.match_weight[i], base.status[i], base.pair_row[i],
                 base.levels.data() + i * nf);
    }
    for (uint32_t t = 0; t < deltas.size(); ++t) {  // in the deltas' order: deterministic
        const SnapshotDelta& d = deltas[t];
        for (uint32_t i = 0; i < d.pair_a.size(); ++i) {
            const Op op = decided.at(PairKey(d.pair_a[i], d.pair_b[i]));
            if (op.delta != t || op.entry != i) continue;  // deleted or written again later
            const int64_t a = position(d.pair_a[i]), b = position(d.pair_b[i]);
            if (a < 0 || b < 0) continue;
            add_pair(a, b, d.probability[i], d.match_weight[i], d.status[i], d.pair_row[i],
                     d.levels.data() + static_cast<size_t>(i) * nf);
        }
    }
    return out;
}

bool PreviousFromSnapshot(const RunSnapshot& s, const std::vector<uint64_t>& identity,
                          size_t fields, PreviousRun& out, StoredRows& rows,
                          std::vector<uint64_t>* gone) {
    // PreviousFromSnapshot merges today's sorted identities with the snapshot's.
    if (s.fields != fields) return false;
    const size_t n = identity.size();
    const std::vector<uint32_t> order = OrderByIdentity(identity);
    for (size_t k = 1; k < n; ++k)
        if (identity[order[k - 1]] == identity[order[k]]) return false;
    // today[k]: today's record of the snapshot's k-th record, or -1 when it is gone.
    std::vector<int64_t> today(s.identity.size(), -1);
    for (size_t i = 0, k = 0; i < n && k < s.identity.size();) {
        const uint64_t a = identity[order[i]], b = s.identity[k];
        if (a < b) {
            ++i;
        } else if (b < a) {
            ++k;
        } else {
            today[k++] = order[i++];
        }
    }
    out = PreviousRun();
    rows = StoredRows();
    if (gone != nullptr) gone->clear();
    out.fingerprint.assign(n, kNewRecord);
    out.entity.assign(n, -1);
    rows.member.assign(n, 0);
    for (size_t k = 0; k < s.identity.size(); ++k) {
        const int64_t e = s.entity[k];
        if (e >= 0) {
            if (static_cast<size_t>(e) >= out.entity_size.size())
                out.entity_size.resize(static_cast<size_t>(e) + 1, 0);
            ++out.entity_size[static_cast<size_t>(e)];
        }
        if (today[k] < 0) {
            ++out.deleted;
            rows.stale_members.push_back(s.member_row[k]);
            if (gone != nullptr) gone->push_back(s.identity[k]);
            continue;
        }
        const size_t r = static_cast<size_t>(today[k]);
        out.fingerprint[r] = s.fingerprint[k];
        out.entity[r] = e;
        rows.member[r] = s.member_row[k];
    }
    out.pairs.reserve(s.pair_a.size());
    out.pair_levels.reserve(s.levels.size());
    rows.pair.reserve(s.pair_a.size());
    for (size_t i = 0; i < s.pair_a.size(); ++i) {
        const int64_t a = today[s.pair_a[i]], b = today[s.pair_b[i]];
        if (a < 0 || b < 0) {
            rows.stale_pairs.push_back(s.pair_row[i]);
            continue;
        }
        ScoredPair p;
        p.a = static_cast<uint32_t>(a);
        p.b = static_cast<uint32_t>(b);
        p.probability = s.probability[i];
        p.match_weight = s.match_weight[i];
        p.status = static_cast<PairStatus>(s.status[i]);
        out.pairs.push_back(p);
        out.pair_levels.insert(out.pair_levels.end(),
                               s.levels.begin() + static_cast<std::ptrdiff_t>(i * fields),
                               s.levels.begin() + static_cast<std::ptrdiff_t>((i + 1) * fields));
        rows.pair.push_back(s.pair_row[i]);
    }
    return true;
}

}  // namespace nightjar::core::resolve
