#include "cli/help_examples.hpp"

#include <sstream>
#include <stdexcept>

namespace flopmeter {

const std::vector<CommandExamples>& help_examples() {
    static const std::vector<CommandExamples> v = {
        {"info", {{"flopmeter info"}, {"flopmeter info --json machine.json"}}},
        {"bench gemm",
         {{"flopmeter bench gemm --size 1024,2048 --backend own,openblas"},
          {"flopmeter bench gemm --preset llm --dtype bf16 --rounds 3 --json llm.json"},
          {"flopmeter bench gemm --preset quick --gbench-json - > run.gbench.json"}}},
        {"bench attention",
         {{"flopmeter bench attention --preset train --pass fwd,bwd --mask causal"},
          {"flopmeter bench attention --heads 32 --kv-heads 8 --seq-q 1 --seq-k 4096 --head-dim "
           "128 --dram-ceiling"},
          {"flopmeter bench attention --preset quick --backend own,unfused --markdown "
           "attention.md"}}},
        {"bench quant",
         {{"flopmeter bench quant --preset decode --format q4_0,q8_0"},
          {"flopmeter bench quant --preset gemv --cache warm --json gemv.json"}}},
        {"bench cuda-gemm",
         {{"flopmeter bench cuda-gemm --preset llm --mode bf16,fp8"},
          {"flopmeter bench cuda-gemm --size 8192 --backend cublas,own --cache cold --json "
           "gemm.json"}}},
        {"bench cuda-attention",
         {{"flopmeter bench cuda-attention --preset llm --direction fwd,bwd --mask causal"},
          {"flopmeter bench cuda-attention --preset decode --backend flash,unfused"}}},
        {"roofline",
         {{"flopmeter roofline --quick"},
          {"flopmeter roofline --device cuda --json gpu-roofline.json"}}},
        {"cuda-info", {{"flopmeter cuda-info"}, {"flopmeter cuda-info --json gpu.json"}}},
        {"cuda-sweep",
         {{"flopmeter cuda-sweep --list", true},
          {"flopmeter cuda-sweep --mode quick --json sweep.json"}}},
        {"calibrate",
         {{"flopmeter calibrate --quick --out my-cpu.json"},
          {"flopmeter calibrate --full --backend own,openblas,onednn --out my-cpu.json"}}},
        {"convert",
         {{"flopmeter convert results.json --to gbench --out results.gbench.json"},
          {"flopmeter convert results.json --to csv"}}},
        {"profiles", {{"flopmeter profiles", true}, {"flopmeter profiles h800", true}}},
        {"predict",
         {{"flopmeter predict gemm --profile h100-sxm --m 8192 --n 8192 --k 8192", true},
          {"flopmeter predict attention --profile h100-sxm --batch 4 --heads 32 --seq-q 4096 "
           "--head-dim 128 --causal",
           true}}},
        {"compare",
         {{"flopmeter compare h100-sxm h200 mi300x", true},
          {"flopmeter compare my-cpu.json h100-sxm"}}},
        {"selfcheck", {{"flopmeter selfcheck"}}},
        {"estimate",
         {{"flopmeter estimate --model llama2-7b --profile h100-sxm --tokens 2e12 --devices 1024 "
           "--zero 1",
           true},
          {"flopmeter estimate --model llama2-7b --profile h100-sxm --mode inference --batch 8 "
           "--prompt-tokens 512 "
           "--output-tokens 128",
           true},
          {"flopmeter estimate --model gpt2 --profile my-cpu.json --compare-datasheet h100-sxm "
           "--tokens 1e9"}}},
        {"validate", {{"flopmeter validate", true}, {"flopmeter validate --markdown validate.md"}}},
        {"record",
         {{"flopmeter record results.json --tag nightly"},
          {"flopmeter record a.json b.json --db ci.db"}}},
        {"check",
         {{"flopmeter check --baseline nightly --markdown pr.md"},
          {"flopmeter check --baseline base.json --candidate new.json --json check.json"}}},
        {"history",
         {{"flopmeter history --case gemm/own --plot gemm-history"}, {"flopmeter history --runs"}}},
        {"export", {{"flopmeter export latest --output run.json"}, {"flopmeter export nightly"}}},
        {"merge", {{"flopmeter merge ci-a.db ci-b.db --db all.db"}}},
        {"ab",
         {{"flopmeter ab ./old/flopmeter ./new/flopmeter -- gemm --size 256,512"},
          {"flopmeter ab old-bench new-bench --duet -- --benchmark_filter=gemm/own"}}},
        {"pocket", {{"flopmeter pocket"}, {"flopmeter pocket --markdown docs/pocket.md"}}},
        {"serve", {{"flopmeter serve --reply-fd 3"}}},
    };
    return v;
}

void add_help_examples(CLI::App& app) {
    for (const auto& c : help_examples()) {
        CLI::App* sub = &app;
        std::istringstream words(c.path);
        for (std::string w; words >> w;) {
            try {
                sub = sub->get_subcommand(w);
            } catch (const CLI::OptionNotFound&) {
                throw std::logic_error("help example for unknown command '" + c.path + "'");
            }
        }
        std::string footer = "\nExamples:\n";
        for (const auto& e : c.examples) footer += "  " + e.line + "\n";
        sub->footer(footer);
    }
}

}  // namespace flopmeter
