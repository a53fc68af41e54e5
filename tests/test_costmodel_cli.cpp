// `flopmeter estimate` and `flopmeter validate` through cli_main: bad input gives one line and
// exit 2; good input prints the estimate, JSON that parses, and side-by-side comparisons.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "cli/commands.hpp"
#include "cli_runner.hpp"
#include "core/atomic_file.hpp"

using namespace flopmeter;
using flopmeter::test::cli;
using flopmeter::test::Run;

namespace {

std::string temp_file(const std::string& name, const std::string& content) {
    const std::string p = "/tmp/flopmeter-test-" + std::to_string(::getpid()) + "-" + name;
    write_file_atomic(p, content);
    return p;
}

}  // namespace

TEST_CASE("estimate: bad input gives one clear line and exit 2", "[costmodel][cli]") {
    const std::string bad_json = temp_file("bad.json", "{\"model_type\": \"llama\",");
    const std::string missing = temp_file(
        "missing.json",
        R"({"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "vocab_size": 100, "n_positions": 64})");
    const std::string unknown = temp_file(
        "unknown.json",
        R"({"model_type": "gpt2", "n_embd": 64, "n_head": 4, "n_layer": 2, "vocab_size": 100, "n_positions": 64, "use_magic": true})");
    struct Bad {
        std::vector<std::string> args;
        std::string expect;
    };
    const std::vector<std::string> base = {"estimate", "--model", "gpt2", "--profile", "h100-sxm"};
    auto with = [&](std::vector<std::string> extra) {
        auto v = base;
        v.insert(v.end(), extra.begin(), extra.end());
        return v;
    };
    const std::vector<Bad> cases = {
        {with({"--tokens", "0"}), "--tokens: must be a positive"},
        {with({"--tokens", "-5"}), "--tokens: must be a positive"},
        {with({}), "give --tokens"},
        {with({"--tokens", "1e9", "--tp", "5"}), "does not divide the 12 attention heads"},
        {with({"--tokens", "1e9", "--pp", "5"}), "does not divide the 12 layers"},
        {with({"--tokens", "1e9", "--devices", "10", "--tp", "4"}),
         "not a multiple of --tp x --pp"},
        {with({"--tokens", "1e9", "--global-batch", "6", "--dp", "4"}),
         "not a multiple of --dp x --micro-batch"},
        {with({"--tokens", "1e9", "--mode", "finetune"}), "unknown --mode 'finetune'"},
        {with({"--tokens", "1e9", "--recompute", "some"}), "unknown --recompute 'some'"},
        {with({"--mode", "inference", "--weights", "int3"}), "unknown --weights 'int3'"},
        {with({"--mode", "inference", "--op-overhead", "10 parsecs"}),
         "--op-overhead must be a time >= 0"},
        {with({"--mode", "inference", "--op-overhead", "fast"}),
         "--op-overhead must be a time >= 0"},
        {with({"--mode", "inference", "--op-overhead=-3us"}), "--op-overhead must be a time >= 0"},
        {with({"--mode", "inference", "--op-overhead", "inf"}),
         "--op-overhead must be a time >= 0"},
        {with({"--mode", "inference", "--kv-append", "copy"}), "unknown --kv-append 'copy'"},
        {with({"--tokens", "1e9", "--pue", "0.5"}), "--pue"},
        {with({"--tokens", "1e9", "--years", "3", "--hw-improvement", "0"}), "--hw-improvement"},
        {{"estimate", "--model", "gpt-5", "--profile", "h100-sxm", "--tokens", "1e9"},
         "unknown model 'gpt-5'"},
        {with({"--tokens", "1e9", "--tp", "two"}), "--tp must be a positive integer or 'auto'"},
        {with({"--tokens", "1e9", "--tp", "auto"}), "need --devices"},
        {with({"--tokens", "1e9", "--ep", "2"}), "--ep needs a mixture-of-experts model"},
        {with({"--tokens", "1e9", "--schedule", "gpipe"}), "unknown --schedule 'gpipe'"},
        {with({"--tokens", "1e9", "--pp", "3", "--schedule", "dualpipe"}), "even --pp"},
        {with({"--tokens", "1e9", "--tp-overlap", "2"}), "--tp-overlap must be between 0 and 1"},
        {with({"--tokens", "1e9", "--moe-imbalance", "0.5"}), "--moe-imbalance must be at least 1"},
        {{"estimate", "--model", "gpt2", "--profile", "nosuchgpu", "--tokens", "1e9"},
         "unknown profile"},
        {{"estimate", "--model", bad_json, "--profile", "h100-sxm", "--tokens", "1e9"},
         "not valid JSON"},
        {{"estimate", "--model", missing, "--profile", "h100-sxm", "--tokens", "1e9"},
         "missing required field 'n_head'"},
        {{"estimate", "--model", unknown, "--profile", "h100-sxm", "--tokens", "1e9"},
         "unknown field 'use_magic'"},
        {{"estimate", "--model", "llama3.1-405b", "--profile", "h100-sxm", "--tokens", "1e9"},
         "does not fit"},
        {{"estimate", "--model", "llama3.1-405b", "--profile", "h100-sxm", "--mode", "inference"},
         "does not fit"},
        {{"estimate", "--profile", "h100-sxm", "--tokens", "1e9"}, "--model is required"},
    };
    for (const auto& c : cases) {
        const Run r = cli(c.args);
        std::string joined;
        for (const auto& a : c.args) joined += a + " ";
        INFO("flopmeter " << joined << "-> " << r.code << "\n" << r.err);
        CHECK(r.code == 2);
        CHECK(r.err.find(c.expect) != std::string::npos);
        // One line; CLI11's own parse errors add a pointer to --help.
        const auto lines = std::count(r.err.begin(), r.err.end(), '\n');
        CHECK((lines == 1 || (lines == 2 && r.err.find("--help") != std::string::npos)));
    }
    // The unknown field is accepted when asked.
    CHECK(cli({"estimate", "--model", unknown, "--profile", "h100-sxm", "--tokens", "1e9",
               "--allow-unknown-fields"})
              .code == 0);
    for (const auto& f : {bad_json, missing, unknown}) std::remove(f.c_str());
}

TEST_CASE("estimate: training report, JSON and the datasheet side by side", "[costmodel][cli]") {
    const Run r = cli({"estimate", "--model", "llama2-7b", "--profile", "a100-80gb",
                       "--compare-datasheet", "h100-sxm", "--tokens", "2e12", "--devices", "64",
                       "--zero", "1", "--years", "5", "--json", "-"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j["estimates"].size() == 2);
    const auto& a = j["estimates"][0];
    CHECK(a["model"]["params"]["total"] == 6738415616.0);
    CHECK(a["flops"]["six_nd"].get<double>() == Approx(6 * 6738415616.0 * 2e12));
    CHECK(a["run"]["mfu"].get<double>() > 0.1);
    CHECK(a["run"]["mfu"].get<double>() < 1.0);
    CHECK(a["run"]["dollars"].get<double>() > 0);
    CHECK(a["breakdown"].size() > 5);
    CHECK(j["whatif"]["rows"].size() == 6);
    // The faster device finishes sooner.
    CHECK(j["estimates"][1]["run"]["wall_seconds"].get<double>() <
          a["run"]["wall_seconds"].get<double>());
    // The text report (on stderr with --json -) names both profiles and the FLOP conventions.
    CHECK(r.err.find("a100-80gb") != std::string::npos);
    CHECK(r.err.find("h100-sxm") != std::string::npos);
    CHECK(r.err.find("non-causal") != std::string::npos);
    CHECK(r.err.find("6ND") != std::string::npos);
}

TEST_CASE("estimate: inference, LoRA and delta modes run", "[costmodel][cli]") {
    const Run inf = cli({"estimate", "--model", "llama2-7b", "--profile", "h100-sxm", "--mode",
                         "inference", "--weights", "int4", "--batch", "8"});
    INFO(inf.err);
    CHECK(inf.code == 0);
    CHECK(inf.out.find("decode tokens/s per sequence") != std::string::npos);
    CHECK(inf.out.find("$ per 1M output tokens") != std::string::npos);
    // --op-overhead in any unit: the same seconds per op, added once per launched op.
    const std::vector<std::string> gpt = {"estimate",  "--model",  "gpt2",
                                          "--profile", "h100-sxm", "--mode",
                                          "inference", "--json",   "-"};
    auto step = [&](std::vector<std::string> extra) {
        auto a = gpt;
        a.insert(a.end(), extra.begin(), extra.end());
        const Run r = cli(a);
        INFO(r.err);
        REQUIRE(r.code == 0);
        return nlohmann::json::parse(r.out)["estimates"][0]["decode"];
    };
    const auto none = step({}), us = step({"--op-overhead", "20us"}),
               sec = step({"--op-overhead", "2e-5"});
    const auto ms = step({"--op-overhead", "0.02ms"});
    const double ops = us["runtime"]["ops"].get<double>();
    CHECK(ops == 124);
    CHECK(us["step_seconds"].get<double>() - none["step_seconds"].get<double>() ==
          Approx(ops * 20e-6));
    CHECK(sec["step_seconds"].get<double>() == Approx(us["step_seconds"].get<double>()));
    CHECK(ms["step_seconds"].get<double>() == Approx(us["step_seconds"].get<double>()));
    const auto cat = step({"--kv-append", "concat"});
    CHECK(cat["runtime"]["ops_per_layer"].get<double>() == 12);
    CHECK(cat["runtime"]["kv_concat_seconds"].get<double>() > 0);
    const Run lora = cli({"estimate", "--model", "llama3.1-8b", "--profile", "h100-sxm", "--mode",
                          "lora", "--tokens", "1e8", "--lora-rank", "8", "--lora-targets",
                          "q,k,v,o", "--seq-len", "2048", "--global-batch", "64"});
    INFO(lora.err);
    CHECK(lora.code == 0);
    CHECK(lora.out.find("LoRA adapters") != std::string::npos);
    const Run delta = cli({"estimate", "--model", "gpt2", "--profile", "h100-sxm", "--mode",
                           "delta", "--tokens", "1e9", "--base-tokens", "1e10"});
    CHECK(delta.code == 0);
    CHECK(delta.out.find("from scratch") != std::string::npos);
}

TEST_CASE("estimate: --tp auto --pp auto prints the best layouts, frontier options run",
          "[costmodel][cli]") {
    const Run r = cli({"estimate", "--model", "gpt2", "--profile", "h100-sxm", "--tokens", "1e9",
                       "--devices", "8", "--tp", "auto", "--pp", "auto", "--top", "3"});
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("Layout search:") != std::string::npos);
    CHECK(r.out.find("\n3  ") != std::string::npos);
    CHECK(r.out.find("\n4  ") == std::string::npos);
    const Run ds = cli({"estimate",
                        "--model",
                        "deepseek-v3",
                        "--profile",
                        "h800",
                        "--tokens",
                        "14.8e12",
                        "--global-batch",
                        "15360",
                        "--devices",
                        "2048",
                        "--pp",
                        "16",
                        "--ep",
                        "64",
                        "--zero",
                        "1",
                        "--schedule",
                        "dualpipe",
                        "--fp8",
                        "--uneven-pipeline",
                        "--recompute",
                        "selective"});
    INFO(ds.out << ds.err);
    CHECK(ds.code == 0);
    CHECK(ds.out.find("EP 64") != std::string::npos);
    CHECK(ds.out.find("MFU (every pair: PaLM/Megatron convention)") != std::string::npos);
    CHECK(ds.out.find("q 1536), MTP depth 1") != std::string::npos);
    CHECK(ds.out.find("NOTE: DualPipe pipeline:") != std::string::npos);
    // The JSON shows each stage's transfers beside its compute: DeepSeek-V3's expert all-to-all
    // hidden under DualPipe, the SMs it borrows charged.
    std::vector<std::string> ds_json = {"estimate",
                                        "--model",
                                        "deepseek-v3",
                                        "--profile",
                                        "h800",
                                        "--tokens",
                                        "14.8e12",
                                        "--global-batch",
                                        "15360",
                                        "--devices",
                                        "2048",
                                        "--pp",
                                        "16",
                                        "--ep",
                                        "64",
                                        "--zero",
                                        "1",
                                        "--schedule",
                                        "dualpipe",
                                        "--fp8",
                                        "--uneven-pipeline",
                                        "--recompute",
                                        "selective",
                                        "--json",
                                        "-"};
    const Run dj = cli(ds_json);
    REQUIRE(dj.code == 0);
    const auto middle = nlohmann::json::parse(dj.out)["estimates"][0]["stages"][1];
    CHECK(middle["ep_comm_seconds"].get<double>() > 0);
    CHECK(middle["ep_exposed_seconds"].get<double>() == 0);
    CHECK(middle["sm_share_seconds"].get<double>() > 0);
    CHECK(middle["compute_seconds"].get<double>() > middle["ep_comm_seconds"].get<double>());
    std::vector<std::string> no_mtp = {"estimate",
                                       "--model",
                                       "deepseek-v3",
                                       "--profile",
                                       "h800",
                                       "--tokens",
                                       "14.8e12",
                                       "--global-batch",
                                       "15360",
                                       "--devices",
                                       "2048",
                                       "--pp",
                                       "16",
                                       "--ep",
                                       "64",
                                       "--zero",
                                       "1",
                                       "--schedule",
                                       "dualpipe",
                                       "--fp8",
                                       "--uneven-pipeline",
                                       "--recompute",
                                       "selective",
                                       "--mtp-depth",
                                       "0"};
    const Run nm = cli(no_mtp);
    CHECK(nm.code == 0);
    CHECK(nm.out.find("q 1536), vocab") != std::string::npos);  // the modules are gone
}

TEST_CASE("validate: prints each row's error and the median", "[costmodel][cli]") {
    const Run r = cli({"validate"});
    INFO(r.out << r.err);
    CHECK(r.code ==
          0);  // the compute totals are within 3%; throughput errors are reported, not judged
    CHECK(r.out.find("Median |error| over") != std::string::npos);
    CHECK(r.out.find("2 compute totals within 3%, 0 outside") != std::string::npos);
    CHECK(r.out.find("Card GPU-hours include more than steady training steps") !=
          std::string::npos);
}
