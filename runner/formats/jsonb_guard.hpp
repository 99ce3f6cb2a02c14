// jsonb_guard.hpp: finds the text PostgreSQL's jsonb refuses although it is valid JSON —
// the escape \u0000 (jsonb values are text, which cannot hold NUL) and lone UTF-16
// surrogate escapes (\ud800 not followed by a low surrogate, or a low surrogate alone).
// A record holding one would make the whole batch's COPY fail, so the readers fail the
// file instead, at the escape's line and byte.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "runner/formats/reader.hpp"

namespace nightjar::runner::formats {

// FindJsonbProblem returns the offset in `json` (valid JSON text) of the backslash of the
// first escape jsonb refuses, or std::string::npos; `problem` then describes it.
size_t FindJsonbProblem(std::string_view json, std::string& problem);

// CheckJsonbEscapes throws FormatError when rec.json holds such an escape. With
// `exact_offsets` (the record text is the file's bytes: NDJSON, JSON) the position is the
// escape's own line and byte; otherwise (generated text: xlsx) it is the record's.
void CheckJsonbEscapes(const Record& rec, bool exact_offsets);

// CheckJsonbRecord is CheckJsonbEscapes behind an inline memchr: a record without a
// backslash (most records) costs one memchr and no call.
inline void CheckJsonbRecord(const Record& rec, bool exact_offsets) {
    if (std::memchr(rec.json.data(), '\\', rec.json.size())) CheckJsonbEscapes(rec, exact_offsets);
}

// PositionInRecord returns the file position of byte `offset` of rec.json, when the record
// text is the file's bytes (NDJSON line, JSON element): lines are counted within the text.
Position PositionInRecord(const Record& rec, size_t offset);

// NulProblem is the problem text of a NUL (U+0000) in a record.
std::string NulProblem();

}  // namespace nightjar::runner::formats
