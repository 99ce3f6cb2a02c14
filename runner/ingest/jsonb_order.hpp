// jsonb_order.hpp: the top-level members of a record's JSON object text, put in the order
// jsonb stores them, so that the server's COPY need not sort them (see jsonb_order.cpp).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace nightjar::runner {

// JsonMember is one top-level member of an object text: the bytes from its key's opening
// quote to the end of its value (no surrounding whitespace), and its key's bytes.
struct JsonMember {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    std::uint32_t key_begin = 0;
    std::uint32_t key_size = 0;
};

// JsonbMemberOrder fills `members` with the object's members in jsonb's key order (shorter
// keys first, then bytewise) and returns true when the text is worth rewriting in that
// order; false (members unspecified) when it should be sent as it is: already in order, one
// member or none, a key with an escape, a duplicate key, a text that is not one object.
// `json` must be valid JSON (the readers validate every record before it is staged).
bool JsonbMemberOrder(std::string_view json, std::vector<JsonMember>& members);

// JsonbOrderedSize returns the size of the object text written from `members`:
// '{' member ',' member ... '}'.
std::size_t JsonbOrderedSize(const std::vector<JsonMember>& members);

}  // namespace nightjar::runner
