// json_codec.cpp: JSON text in and out of the consolidation core (see json_codec.hpp).
#include "core/consolidate/json_codec.hpp"

#include <cstdio>

#include "core/consolidate/survivorship.hpp"
#include "core/errors.hpp"

namespace nightjar::core::consolidate {

namespace {

// Member returns member `key` of `obj` or throws InvalidArgument naming it.
const JsonValue& Member(const JsonValue& obj, const char* key, const char* what) {
    const JsonValue* v = obj.Find(key);
    if (v == nullptr) throw InvalidArgument(std::string(what) + " has no \"" + key + "\"");
    return *v;
}

// ScalarText returns a string's or a number's text (record keys may come as either).
std::string ScalarText(const JsonValue& v, const char* what) {
    if (v.type != JsonValue::Type::kString && v.type != JsonValue::Type::kNumber) {
        throw InvalidArgument(std::string(what) + " must be a string or a number, not " +
                              TypeNameWithArticle(v.type));
    }
    return v.text;
}

// ReadRecords reads the records array of one entity.
std::vector<SourceRecord> ReadRecords(std::string_view json) {
    const JsonValue root = ParseJson(json);
    if (root.type != JsonValue::Type::kArray) {
        throw InvalidArgument(std::string("golden record input must be an array of records, not ") +
                              TypeNameWithArticle(root.type));
    }
    std::vector<SourceRecord> out;
    out.reserve(root.items.size());
    for (const JsonValue& item : root.items) {
        if (item.type != JsonValue::Type::kObject)
            throw InvalidArgument("a record must be an object");
        SourceRecord r;
        r.source = ScalarText(Member(item, "source", "a record"), "a record's source");
        r.key = ScalarText(Member(item, "key", "a record"), "a record's key");
        if (const JsonValue* t = item.Find("updated_at");
            t && t->type == JsonValue::Type::kNumber) {
            r.updated_at = t->AsNumber();
        }
        const JsonValue& fields = Member(item, "fields", "a record");
        if (fields.type != JsonValue::Type::kObject) {
            throw InvalidArgument("a record's fields must be an object");
        }
        for (const auto& [name, value] : fields.members) {
            std::string text;
            AppendJsonValue(text, value);
            r.fields.emplace_back(name, std::move(text));
        }
        out.push_back(std::move(r));
    }
    return out;
}

// AppendRecordRef appends "source": …, "key": … of record `r` (nulls when r < 0).
void AppendRecordRef(std::string& out, const std::vector<SourceRecord>& records, int64_t r) {
    out += "\"source\": ";
    if (r < 0) {
        out += "null, \"key\": null";
        return;
    }
    AppendJsonString(out, records[r].source);
    out += ", \"key\": ";
    AppendJsonString(out, records[r].key);
}

// AppendIds appends a JSON array of integers.
void AppendIds(std::string& out, const std::vector<int64_t>& ids) {
    out += '[';
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(ids[i]);
    }
    out += ']';
}

}  // namespace

// AppendJsonValue appends the JSON text of `v`.
void AppendJsonValue(std::string& out, const JsonValue& v) {
    switch (v.type) {
        case JsonValue::Type::kNull:
            out += "null";
            break;
        case JsonValue::Type::kBool:
        case JsonValue::Type::kNumber:
            out += v.text;
            break;
        case JsonValue::Type::kString:
            AppendJsonString(out, v.text);
            break;
        case JsonValue::Type::kArray:
            out += '[';
            for (size_t i = 0; i < v.items.size(); ++i) {
                if (i) out += ", ";
                AppendJsonValue(out, v.items[i]);
            }
            out += ']';
            break;
        case JsonValue::Type::kObject:
            out += '{';
            for (size_t i = 0; i < v.members.size(); ++i) {
                if (i) out += ", ";
                AppendJsonString(out, v.members[i].first);
                out += ": ";
                AppendJsonValue(out, v.members[i].second);
            }
            out += '}';
            break;
    }
}

// GoldenRecordJson builds one entity's golden record from JSON text.
std::string GoldenRecordJson(const SurvivorshipConfig& config, std::string_view records_json,
                             std::string_view overrides_json) {
    EntityRecords entity;
    entity.records = ReadRecords(records_json);
    const JsonValue overrides = ParseJson(overrides_json);
    if (overrides.type != JsonValue::Type::kObject) {
        throw InvalidArgument("manual corrections must be an object (field -> value)");
    }
    for (const auto& [name, value] : overrides.members) {
        std::string text;
        AppendJsonValue(text, value);
        entity.overrides.emplace_back(name, std::move(text));
    }
    const GoldenRecord g = ChooseGolden(config, entity);
    const auto& recs = entity.records;
    std::string out = "{\"parent\": ";
    if (g.parent < 0) {
        out += "null";
    } else {
        out += '{';
        AppendRecordRef(out, recs, g.parent);
        out += '}';
    }
    out += ", \"fields\": {";
    for (size_t i = 0; i < g.fields.size(); ++i) {
        if (i) out += ", ";
        AppendJsonString(out, g.fields[i].field);
        out += ": " + g.fields[i].value;
    }
    out += "}, \"provenance\": [";
    for (size_t i = 0; i < g.fields.size(); ++i) {
        const FieldChoice& c = g.fields[i];
        if (i) out += ", ";
        out += "{\"field\": ";
        AppendJsonString(out, c.field);
        out += ", ";
        AppendRecordRef(out, recs, c.record);
        out += ", \"rule\": ";
        AppendJsonString(out, c.rule);
        if (!c.function.empty()) {
            out += ", \"function\": ";
            AppendJsonString(out, c.function);
            out += ", \"candidates\": [";
            for (size_t k = 0; k < c.candidates.size(); ++k) {
                const int64_t r = c.candidates[k];
                if (k) out += ", ";
                out += '{';
                AppendRecordRef(out, recs, r);
                out += ", \"value\": ";
                for (const auto& [name, value] : recs[r].fields) {
                    if (name == c.field) out += value;
                }
                char buf[40];
                std::snprintf(buf, sizeof buf, "%.17g", recs[r].updated_at);
                out += ", \"updated_at\": " + std::string(buf) + '}';
            }
            out += ']';
        }
        out += '}';
    }
    out += "]}";
    return out;
}

// StableIdsJson renders AssignStableIds' answer and the constraints' report.
std::string StableIdsJson(const StableIdResult& r, const ConstraintReport& c) {
    std::string out = "{\"record_entity\": ";
    out.reserve(r.record_entity.size() * 8 + r.events.size() * 96 + 256);
    AppendIds(out, r.record_entity);
    out += ", \"created\": ";
    AppendIds(out, r.created);
    out += ", \"changed\": ";
    AppendIds(out, r.changed);
    out += ", \"merged\": [";
    for (size_t i = 0; i < r.merged.size(); ++i) {
        if (i) out += ',';
        out += '[' + std::to_string(r.merged[i].id) + ',' + std::to_string(r.merged[i].into) + ']';
    }
    out += "], \"retired\": ";
    AppendIds(out, r.retired);
    out += ", \"unchanged\": " + std::to_string(r.unchanged) + ", \"events\": [";
    for (size_t i = 0; i < r.events.size(); ++i) {
        const EntityEvent& e = r.events[i];
        if (i) out += ", ";
        out += "{\"kind\": \"" + std::string(EntityEventKindName(e.kind)) +
               "\", \"entity\": " + std::to_string(e.entity) +
               ", \"other\": " + (e.other == 0 ? std::string("null") : std::to_string(e.other)) +
               ", \"record\": " + (e.record < 0 ? std::string("null") : std::to_string(e.record)) +
               ", \"reason\": ";
        AppendJsonString(out, e.reason);
        out += '}';
    }
    out += "], \"constraints\": {\"must_joined\": " + std::to_string(c.must_joined) +
           ", \"cannot_split\": " + std::to_string(c.cannot_split) +
           ", \"conflicts\": " + std::to_string(c.conflicts) +
           ", \"skipped_gone\": " + std::to_string(c.skipped_gone) + "}}";
    return out;
}

}  // namespace nightjar::core::consolidate
