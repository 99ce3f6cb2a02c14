// pipeline_config_test.cpp: [[pipeline]] tables in nightjar.toml — shape checked with the
// line of every mistake; values (intervals, times, functions) are left to the database.
#include <gtest/gtest.h>

#include "runner/config/config.hpp"
#include "tests/unit/runner/config_error_of.hpp"

using nightjar::runner::ConfigError;
using nightjar::runner::ParseConfig;

namespace {

// ErrorOf returns the ConfigError message of parsing text ("" if it parses).
std::string ErrorOf(const std::string& text) {
    return nightjar::runner::testing::ErrorOf(text, "p.toml");
}

const char* kPipeline =
    "[[pipeline]]\n"
    "name = \"nightly\"\n"
    "deadline = \"07:00\"\n"
    "deadline_tz = \"Europe/Paris\"\n"
    "notify = \"ops@example.org\"\n"
    "\n"
    "[[pipeline.step]]\n"
    "name = \"validate\"\n"
    "function = \"nightjar.validate_step(jsonb)\"\n"
    "subscribes = \"batch.staged\"\n"
    "max_attempts = 5\n"
    "timeout = \"30 minutes\"\n"
    "\n"
    "[[pipeline.step]]\n"
    "name = \"normalize\"\n"
    "function = \"nightjar.normalize_step(jsonb)\"\n"
    "subscribes = \"batch.validated\"\n"
    "emits = \"batch.normalized\"\n";

}  // namespace

TEST(PipelineConfig, ReadsPipelinesWithTheirStepsAndDefaults) {
    auto c = ParseConfig(kPipeline, "p.toml");
    ASSERT_EQ(c.pipelines.size(), 1u);
    const auto& p = c.pipelines[0];
    EXPECT_EQ(p.name, "nightly");
    EXPECT_EQ(p.deadline, "07:00");
    EXPECT_EQ(p.deadline_tz, "Europe/Paris");
    EXPECT_EQ(p.lock_key, "source_id");
    EXPECT_EQ(p.line, 1);
    ASSERT_EQ(p.steps.size(), 2u);
    EXPECT_EQ(p.steps[0].name, "validate");
    EXPECT_EQ(p.steps[0].max_attempts, 5);
    EXPECT_EQ(p.steps[0].timeout, "30 minutes");
    EXPECT_EQ(p.steps[0].backoff, "30 seconds");
    EXPECT_EQ(p.steps[0].emits, "");
    EXPECT_EQ(p.steps[0].line, 7);
    EXPECT_EQ(p.steps[1].emits, "batch.normalized");
    EXPECT_EQ(p.steps[1].line, 14);
}

TEST(PipelineConfig, AFileWithoutPipelinesHasNone) {
    EXPECT_TRUE(ParseConfig("", "p.toml").pipelines.empty());
}

TEST(PipelineConfig, UnknownKeyInAStepNamesKeyAndLine) {
    std::string text = std::string(kPipeline) + "retries = 3\n";
    EXPECT_EQ(ErrorOf(text), "p.toml:19: pipeline[0].step[1].retries: unknown key");
}

TEST(PipelineConfig, MissingFunctionIsAnError) {
    EXPECT_EQ(ErrorOf("[[pipeline]]\nname = \"a\"\n[[pipeline.step]]\nname = \"s\"\n"
                      "subscribes = \"x.y\"\n"),
              "p.toml:3: pipeline[0].step[0].function: missing required key");
}

TEST(PipelineConfig, WrongTypeIsAnError) {
    EXPECT_EQ(ErrorOf("[[pipeline]]\nname = \"a\"\n[[pipeline.step]]\nname = \"s\"\n"
                      "function = \"f(jsonb)\"\nsubscribes = \"x.y\"\nmax_attempts = \"3\"\n"),
              "p.toml:7: pipeline[0].step[0].max_attempts: expected an integer");
}

TEST(PipelineConfig, HostileNamesAreRefusedBeforeTheDatabase) {
    EXPECT_EQ(ErrorOf("[[pipeline]]\nname = \"x'; DROP TABLE t; --\"\n"),
              "p.toml:2: pipeline[0].name: must match ^[a-z][a-z0-9_]{0,62}$");
}

TEST(PipelineConfig, DuplicateStepsAndPipelinesAreErrors) {
    EXPECT_NE(
        ErrorOf("[[pipeline]]\nname = \"a\"\n[[pipeline.step]]\nname = \"s\"\n"
                "function = \"f(jsonb)\"\nsubscribes = \"x.y\"\n"
                "[[pipeline.step]]\nname = \"s\"\nfunction = \"f(jsonb)\"\nsubscribes = \"x.y\"\n")
            .find("duplicate step s in pipeline a"),
        std::string::npos);
    EXPECT_NE(ErrorOf("[[pipeline]]\nname = \"a\"\n[[pipeline]]\nname = \"a\"\n")
                  .find("duplicate pipeline a"),
              std::string::npos);
}

TEST(PipelineConfig, PipelineMustBeAnArrayOfTables) {
    EXPECT_EQ(ErrorOf("[pipeline]\nname = \"a\"\n"),
              "p.toml:1: pipeline: expected [[pipeline]] tables");
}

TEST(PipelineConfig, MatchIsTheJsonObjectThePayloadMustContain) {
    const std::string head =
        "[[pipeline]]\nname = \"a\"\n[[pipeline.step]]\nname = \"s\"\n"
        "function = \"f(jsonb)\"\nsubscribes = \"batch.staged\"\n";
    auto c = ParseConfig(
        head + "match = { source = \"sup\\\"pliers\", source_id = 7, full = true }\n", "p.toml");
    EXPECT_EQ(c.pipelines[0].steps[0].match,
              R"({"full":true,"source":"sup\"pliers","source_id":7})");
    EXPECT_EQ(ParseConfig(head, "p.toml").pipelines[0].steps[0].match, "");
    EXPECT_EQ(
        ErrorOf(head + "match = \"suppliers\"\n"),
        "p.toml:7: pipeline[0].step[0].match: expected a table of payload fields, e.g. match = { "
        "source = \"suppliers\" }");
    EXPECT_EQ(ErrorOf(head + "match = { source = [\"a\", \"b\"] }\n"),
              "p.toml:7: pipeline[0].step[0].match.source: expected a string, integer or boolean");
}
