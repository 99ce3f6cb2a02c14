// model_state.cpp: the model's text form (stored in nightjar.resolution.model_state).
//
// One line of space-separated tokens: "nightjar-model-1", prior, iterations, converged,
// refined, locality field, field count, then per field: fixed_m, fixed_u, u_exact_random,
// and the m, u and u_local vectors each as a count followed by its values (%.17g, so a
// double survives the round trip exactly). A few hundred bytes; parsed with strtod.
#include "core/resolve/model_state.hpp"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/errors.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

constexpr const char* kMagic = "nightjar-model-1";

// AppendNumber appends a double with full precision and a space.
void AppendNumber(std::string& out, double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g ", v);
    out += buf;
}

// AppendVector appends a count and the values.
void AppendVector(std::string& out, const std::vector<double>& v) {
    out += std::to_string(v.size()) + " ";
    for (double x : v) AppendNumber(out, x);
}

// TokenReader walks the tokens of a model text.
class TokenReader {
  public:
    explicit TokenReader(std::string_view text) : text_(text) {}
    // Next returns the next token, failing at the end of the text.
    std::string Next() {
        while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
        size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != ' ') ++pos_;
        if (start == pos_) Fail();
        return std::string(text_.substr(start, pos_ - start));
    }
    // Number reads the next token as a double.
    double Number() {
        std::string t = Next();
        char* end = nullptr;
        double v = std::strtod(t.c_str(), &end);
        if (end == t.c_str() || *end != '\0') Fail();
        return v;
    }
    // Count reads the next token as a small non-negative integer.
    size_t Count() {
        double v = Number();
        if (v < 0 || v > 1000 || v != static_cast<double>(static_cast<size_t>(v))) Fail();
        return static_cast<size_t>(v);
    }
    // Vector reads a count and that many doubles.
    std::vector<double> Vector() {
        std::vector<double> v(Count());
        for (double& x : v) x = Number();
        return v;
    }
    [[noreturn]] static void Fail() {
        throw InvalidArgument("nightjar: the stored model is not readable (run a full resolve)");
    }

  private:
    std::string_view text_;
    size_t pos_ = 0;
};

}  // namespace

std::string SerializeModel(const Model& model) {
    // SerializeModel writes the header numbers, then each field's.
    std::string out = std::string(kMagic) + " ";
    AppendNumber(out, model.prior);
    out += std::to_string(model.iterations) + " " + (model.converged ? "1 " : "0 ") +
           (model.refined ? "1 " : "0 ") + std::to_string(model.local_field) + " " +
           std::to_string(model.fields.size()) + " ";
    for (const FieldModel& f : model.fields) {
        out += std::string(f.fixed_m ? "1 " : "0 ") + (f.fixed_u ? "1 " : "0 ");
        AppendNumber(out, f.u_exact_random);
        AppendVector(out, f.m);
        AppendVector(out, f.u);
        AppendVector(out, f.u_local);
    }
    if (!out.empty()) out.pop_back();
    return out;
}

Model ParseModel(std::string_view text, const std::vector<int>& level_counts) {
    // ParseModel reads the tokens back and checks them against the fields' level counts.
    TokenReader in(text);
    if (in.Next() != kMagic) TokenReader::Fail();
    Model model;
    model.prior = in.Number();
    model.iterations = static_cast<int>(in.Number());
    model.converged = in.Number() != 0;
    model.refined = in.Number() != 0;
    model.local_field = static_cast<int>(in.Number());
    size_t fields = in.Count();
    if (fields != level_counts.size())
        throw InvalidArgument("nightjar: the stored model has " + std::to_string(fields) +
                              " fields, the resolution " + std::to_string(level_counts.size()) +
                              " (run a full resolve)");
    if (model.local_field >= static_cast<int>(fields) || model.local_field < -1 ||
        !(model.prior > 0 && model.prior < 1))
        TokenReader::Fail();
    model.fields.resize(fields);
    for (size_t f = 0; f < fields; ++f) {
        FieldModel& fm = model.fields[f];
        fm.fixed_m = in.Number() != 0;
        fm.fixed_u = in.Number() != 0;
        fm.u_exact_random = in.Number();
        fm.m = in.Vector();
        fm.u = in.Vector();
        fm.u_local = in.Vector();
        const auto levels = static_cast<size_t>(level_counts[f]);
        if (fm.m.size() != levels || fm.u.size() != levels ||
            (!fm.u_local.empty() && fm.u_local.size() != levels))
            throw InvalidArgument("nightjar: the stored model's levels of field " +
                                  std::to_string(f + 1) +
                                  " differ from the resolution's (run a full resolve)");
    }
    return model;
}

}  // namespace nightjar::core::resolve
