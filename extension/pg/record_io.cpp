// record_io.cpp: the SPI and jsonb plumbing described in record_io.hpp. Each function
// keeps its PostgreSQL calls inside one PgCall and creates no C++ object with a
// destructor inside that call, so an ereport there never skips a destructor.
#include "extension/pg/record_io.hpp"

#include <memory>

extern "C" {
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
}

namespace nightjar::pg {

bool FlattenObject(Jsonb* jb, std::vector<JsonPair>* out) {
    out->clear();
    if (!JB_ROOT_IS_OBJECT(jb)) return false;
    return FlattenContainer(&jb->root, out);
}

bool FlattenContainer(JsonbContainer* container, std::vector<JsonPair>* out) {
    out->clear();
    if (!JsonContainerIsObject(container)) return false;
    PgCall([&] {
        JsonbIterator* it = JsonbIteratorInit(container);
        JsonbValue v;
        JsonbIteratorToken tok;
        std::string_view key;
        while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
            if (tok == WJB_KEY) {
                key = std::string_view(v.val.string.val, static_cast<size_t>(v.val.string.len));
            } else if (tok == WJB_VALUE) {
                out->push_back(JsonPair{key, v});
            }
        }
    });
    return true;
}

core::ValueKind JsonbKind(const JsonbValue& v) {
    switch (v.type) {
        case jbvNull:
            return core::ValueKind::kNull;
        case jbvString:
            return core::ValueKind::kString;
        case jbvNumeric:
            return core::ValueKind::kNumber;
        case jbvBool:
            return core::ValueKind::kBool;
        default:
            return core::ValueKind::kJson;
    }
}

std::vector<JsonbValue> ArrayElements(const JsonbValue& v) {
    std::vector<JsonbValue> elems;
    if (v.type != jbvBinary) return elems;
    PgCall([&] {
        if (!JsonContainerIsArray(v.val.binary.data)) return;
        JsonbIterator* it = JsonbIteratorInit(v.val.binary.data);
        JsonbValue e;
        JsonbIteratorToken tok;
        while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
            if (tok == WJB_ELEM) elems.push_back(e);
    });
    return elems;
}

std::string_view ScalarText(const JsonbValue& v) {
    switch (v.type) {
        case jbvString:
            return std::string_view(v.val.string.val, static_cast<size_t>(v.val.string.len));
        case jbvBool:
            return v.val.boolean ? "true" : "false";
        case jbvNull:
            return "null";
        case jbvNumeric: {
            const char* s = PgCall([&] {
                return DatumGetCString(
                    DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
            });
            return s;
        }
        case jbvBinary: {
            const char* s = PgCall([&] {
                StringInfoData buf;
                initStringInfo(&buf);
                return static_cast<const char*>(
                    JsonbToCString(&buf, v.val.binary.data, v.val.binary.len));
            });
            return s;
        }
        default:
            return "";
    }
}

JsonbValue StringValue(std::string_view s) {
    JsonbValue v;
    v.type = jbvString;
    v.val.string.val = const_cast<char*>(s.data());
    v.val.string.len = static_cast<int>(s.size());
    return v;
}

JsonbValue BoolValue(bool b) {
    JsonbValue v;
    v.type = jbvBool;
    v.val.boolean = b;
    return v;
}

JsonbValue NumericValue(Numeric n) {
    JsonbValue v;
    v.type = jbvNumeric;
    v.val.numeric = n;
    return v;
}

JsonbValue NumericFromText(const std::string& text) {
    return NumericValue(PgCall([&] {
        return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text.c_str()),
                                                   ObjectIdGetDatum(InvalidOid),
                                                   Int32GetDatum(-1)));
    }));
}

JsonbValue Int64Value(int64 i) {
    return NumericValue(PgCall([&] { return int64_to_numeric(i); }));
}

// BuildObject is in jsonb_object.cpp.

Jsonb* BuildArrayOfObjects(const std::vector<std::vector<JsonPair>>& objects) {
    return PgCall([&] {
        JsonbParseState* state = nullptr;
        pushJsonbValue(&state, WJB_BEGIN_ARRAY, nullptr);
        for (const auto& pairs : objects) {
            pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
            for (const JsonPair& p : pairs) {
                JsonbValue key = StringValue(p.key);
                pushJsonbValue(&state, WJB_KEY, &key);
                pushJsonbValue(&state, WJB_VALUE, const_cast<JsonbValue*>(&p.value));
            }
            pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
        }
        return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_ARRAY, nullptr));
    });
}

SpiSession::SpiSession() : outer_(CurrentMemoryContext) {
    PgCall([&] {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "nightjar: SPI_connect failed");
    });
    connected_ = true;
}

SpiSession::~SpiSession() {
    if (!connected_) return;
    try {
        Finish();
    } catch (...) {
        // Disconnecting only fails when SPI's state is already broken; the transaction's
        // abort cleans it up (AtEOXact_SPI), so nothing is left to do here.
    }
}

void SpiSession::Finish() {
    if (!connected_) return;
    connected_ = false;
    PgCall([&] { SPI_finish(); });
}

RecordCursor::RecordCursor(const char* query, const std::vector<Oid>& types,
                           const std::vector<Datum>& values) {
    // CURSOR_OPT_FAST_PLAN: a batch step reads its batch in key order a chunk at a time;
    // planned for total cost, a batch that is a large part of its table (a first load)
    // was read by a sequential scan of the whole table and an external sort of the batch
    // before the first chunk came, where the key's index returns it in order as it goes.
    portal_ = PgCall([&] {
        return SPI_cursor_open_with_args(
            nullptr, query, static_cast<int>(types.size()), const_cast<Oid*>(types.data()),
            const_cast<Datum*>(values.data()), nullptr, true, CURSOR_OPT_FAST_PLAN);
    });
}

RecordCursor::~RecordCursor() {
    try {
        PgCall([&] {
            if (rows_ != nullptr) SPI_freetuptable(rows_);
            if (portal_ != nullptr) SPI_cursor_close(portal_);
        });
    } catch (...) {
        // A failing close happens only in an aborting transaction, which closes portals itself.
    }
}

uint64 RecordCursor::Fetch(long n) {
    return PgCall([&] {
        if (rows_ != nullptr) SPI_freetuptable(rows_);
        rows_ = nullptr;
        SPI_cursor_fetch(portal_, true, n);
        rows_ = SPI_tuptable;
        return SPI_processed;
    });
}

Datum RecordCursor::Value(uint64 row, int col, bool* isnull) const {
    return PgCall([&] { return SPI_getbinval(rows_->vals[row], rows_->tupdesc, col, isnull); });
}

void RecordCursor::Deform(uint64 row, Datum* values, bool* nulls) const {
    PgCall([&] { heap_deform_tuple(rows_->vals[row], rows_->tupdesc, values, nulls); });
}

int RecordCursor::Columns() const { return rows_ == nullptr ? 0 : rows_->tupdesc->natts; }

varlena* RecordCursor::DetoastedValue(uint64 row, int col) const {
    return PgCall([&]() -> varlena* {
        bool isnull = false;
        Datum d = SPI_getbinval(rows_->vals[row], rows_->tupdesc, col, &isnull);
        return isnull ? nullptr : PG_DETOAST_DATUM(d);
    });
}

BulkWriter::BulkWriter(const std::string& sql, const std::vector<Oid>& element_types) {
    std::vector<Oid> array_types(element_types.size());
    columns_.resize(element_types.size());
    PgCall([&] {
        for (size_t i = 0; i < element_types.size(); ++i) {
            Column& c = columns_[i];
            c.element_type = element_types[i];
            get_typlenbyvalalign(c.element_type, &c.typlen, &c.typbyval, &c.typalign);
            array_types[i] = get_array_type(c.element_type);
            if (array_types[i] == InvalidOid)
                elog(ERROR, "nightjar: type %u has no array type", c.element_type);
        }
        plan_ = SPI_prepare(sql.c_str(), static_cast<int>(array_types.size()), array_types.data());
        if (plan_ == nullptr)
            elog(ERROR, "nightjar: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    });
}

BulkWriter::~BulkWriter() {
    if (plan_ == nullptr) return;
    try {
        PgCall([&] { SPI_freeplan(plan_); });
    } catch (...) {
        // The plan lives in the SPI procedure context, freed with it anyway.
    }
}

void BulkWriter::Add(const Datum* values, const bool* nulls) {
    for (size_t i = 0; i < columns_.size(); ++i) {
        columns_[i].values.push_back(values[i]);
        columns_[i].nulls.push_back(nulls[i]);
    }
    ++rows_;
}

uint64 BulkWriter::Flush() {
    if (rows_ == 0) return 0;
    std::vector<Datum> args(columns_.size());
    std::vector<std::unique_ptr<bool[]>>
        owned;  // construct_md_array wants bool*; vector<bool> has none
    for (Column& c : columns_) {
        owned.emplace_back(new bool[rows_]);
        for (size_t r = 0; r < rows_; ++r) owned.back()[r] = c.nulls[r];
    }
    uint64 written = PgCall([&] {
        int dims[1] = {static_cast<int>(rows_)};
        int lbs[1] = {1};
        for (size_t i = 0; i < columns_.size(); ++i) {
            Column& c = columns_[i];
            args[i] = PointerGetDatum(construct_md_array(c.values.data(), owned[i].get(), 1, dims,
                                                         lbs, c.element_type, c.typlen, c.typbyval,
                                                         c.typalign));
        }
        int rc = SPI_execute_plan(plan_, args.data(), nullptr, false, 0);
        if (rc != (tids_ != nullptr ? SPI_OK_INSERT_RETURNING : SPI_OK_INSERT))
            elog(ERROR, "nightjar: bulk insert failed: %s", SPI_result_code_string(rc));
        for (uint64 r = 0; tids_ != nullptr && r < SPI_processed; ++r) {
            bool isnull = false;
            Datum d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull);
            tids_->push_back(isnull ? 0
                                    : PackTid(*reinterpret_cast<ItemPointer>(DatumGetPointer(d))));
        }
        if (tids_ != nullptr) SPI_freetuptable(SPI_tuptable);
        return SPI_processed;
    });
    for (Column& c : columns_) {
        c.values.clear();
        c.nulls.clear();
    }
    rows_ = 0;
    return written;
}

}  // namespace nightjar::pg
