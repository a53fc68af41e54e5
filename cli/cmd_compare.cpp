// `flopmeter compare P1 P2 [...]`: accelerators or machines side by side: measured vs
// datasheet ceilings, efficiency at key shapes, bandwidth, $ per PFLOP-hour at the predicted
// rates, FLOP per joule. Markdown on stdout (and --markdown FILE), JSON (--json FILE) that
// scripts/plot_compare.py turns into a bar chart.
#include <memory>
#include <sstream>

#include "calibrate/profile.hpp"
#include "calibrate/profile_predictor.hpp"
#include "calibrate/profile_store.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/flops.hpp"
#include "core/shape_presets.hpp"
#include "core/text_table.hpp"

namespace flopmeter {

namespace {

struct CompareOptions {
    std::vector<std::string> profiles;
    std::string json_path, markdown_path;
    double price = 0;
};

struct KeyShape {
    std::string label;
    bool attention;
    GemmQuery g;
    AttentionQuery a;
};

// The key shapes are the one preset table's `compare` lists.
std::vector<KeyShape> key_shapes(DType d) {
    std::vector<KeyShape> v;
    for (const GemmShape& g : gemm_preset("compare", "gemm").shapes)
        v.push_back(
            {"GEMM " + std::to_string(g.m) + "x" + std::to_string(g.n) + "x" + std::to_string(g.k),
             false,
             GemmQuery{g.m, g.n, g.k, Layout::nn, d, 1},
             {}});
    for (const flops::AttentionShape& s : attention_preset("compare", "attention").shapes) {
        KeyShape at{std::string("attention fwd") + (s.causal ? " causal" : "") + " B" +
                        std::to_string(s.batch) + " H" + std::to_string(s.heads) + " S" +
                        std::to_string(s.seq_q) + " D" + std::to_string(s.head_dim),
                    true,
                    {},
                    {}};
        at.a.batch = s.batch;
        at.a.heads = s.heads;
        at.a.kv_heads = s.kv_heads;
        at.a.seq_q = s.seq_q;
        at.a.seq_k = s.seq_k;
        at.a.head_dim = s.head_dim;
        at.a.value_dim = s.value_dim;
        at.a.causal = s.causal;
        at.a.dtype = d;
        v.push_back(at);
    }
    return v;
}

int run_compare(const CompareOptions& o, Io io_in) {
    check_output_paths({o.json_path, o.markdown_path});
    Io io{text_stream(io_in, {o.json_path, o.markdown_path}),
          io_in.err};  // text to stderr when data goes to stdout
    std::ostream& data_out = io_in.out;
    if (o.profiles.size() < 1) throw UsageError("give at least one profile to compare");
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    std::ostringstream md;
    Table t({"profile", "kind", "dtype", "peak TFLOP/s", "key shape", "TFLOP/s", "efficiency",
             "$/PFLOP-h", "GFLOP/J"});
    Table bw({"profile", "memory", "bandwidth GB/s", "TDP W", "$/h"});
    for (const auto& name : o.profiles) {
        const DeviceProfile prof = load_profile(name);
        auto pred = make_profile_predictor(prof);
        const DType d = prof.ceiling("bf16") > 0 ? DType::bf16 : DType::fp32;
        const double peak = prof.ceiling(std::string(dtype_name(d)));
        const double price = o.price > 0 ? o.price : prof.facts.price_per_hour;
        nlohmann::ordered_json shapes = nlohmann::ordered_json::array();
        for (const auto& ks : key_shapes(d)) {
            Prediction p;
            double flops;
            try {
                if (ks.attention) {
                    p = pred->attention(ks.a);
                    flops = flops::attention_fwd_model_flops({ks.a.batch, ks.a.heads, ks.a.kv_heads,
                                                              ks.a.seq_q, ks.a.seq_k, ks.a.head_dim,
                                                              ks.a.value_dim, ks.a.causal});
                } else {
                    p = pred->gemm(ks.g);
                    flops = flops::gemm_model_flops(ks.g.m, ks.g.n, ks.g.k);
                }
            } catch (const UsageError& e) {
                io.err << "WARNING: " << prof.name << ": " << ks.label << ": " << e.what() << "\n";
                continue;
            }
            const double rate = flops / p.seconds;
            const double usd_per_pflop_h = price > 0 ? price * 1e15 / rate : 0.0;
            const double flop_per_j = prof.facts.tdp_watts > 0 ? rate / prof.facts.tdp_watts : 0.0;
            t.add_row({prof.name, prof.kind, std::string(dtype_name(d)), fmt_fixed(peak / 1e12, 3),
                       ks.label, fmt_fixed(rate / 1e12, 3), fmt_fixed(100 * rate / peak, 1) + "%",
                       usd_per_pflop_h > 0 ? fmt_fixed(usd_per_pflop_h, 2) : "-",
                       flop_per_j > 0 ? fmt_fixed(flop_per_j / 1e9, 1) : "-"});
            shapes.push_back({{"shape", ks.label},
                              {"seconds", p.seconds},
                              {"flops_per_s", rate},
                              {"efficiency", rate / peak},
                              {"usd_per_pflop_hour", usd_per_pflop_h},
                              {"flop_per_joule", flop_per_j},
                              {"source", p.source}});
        }
        bw.add_row({prof.name, fmt_bytes(prof.facts.memory_bytes),
                    fmt_fixed(prof.facts.memory_bandwidth / 1e9, 0),
                    prof.facts.tdp_watts > 0 ? fmt_fixed(prof.facts.tdp_watts, 0) : "-",
                    price > 0 ? fmt_fixed(price, 2) : "-"});
        nlohmann::ordered_json peaks = nlohmann::ordered_json::object();
        for (const auto& c : prof.ceilings)
            peaks[c.dtype] = {
                {prof.kind == "datasheet" ? "datasheet_flops_per_s" : "measured_flops_per_s",
                 c.flops_per_s},
                {"source", c.source.empty() ? c.kernel : c.source}};
        out.push_back({{"name", prof.name},
                       {"kind", prof.kind},
                       {"device", prof.device},
                       {"description", prof.description},
                       {"dtype", dtype_name(d)},
                       {"peaks", peaks},
                       {"memory_bytes", prof.facts.memory_bytes},
                       {"memory_bandwidth", prof.facts.memory_bandwidth},
                       {"tdp_watts", prof.facts.tdp_watts},
                       {"price_per_hour", price},
                       {"shapes", shapes}});
    }
    t.print(io.out);
    io.out << "\n";
    bw.print(io.out);
    io.out << "\nefficiency = predicted rate / the profile's peak (datasheet profiles: dense "
              "datasheet peak x stated "
              "efficiency; measured profiles: rate model over the measured ceiling).\n";
    if (!o.json_path.empty()) {
        write_output(
            o.json_path,
            nlohmann::ordered_json{{"schema", "flopmeter.compare"}, {"profiles", out}}.dump(2) +
                "\n",
            data_out);
        io.out << "JSON written to " << o.json_path << " (bar chart: scripts/plot_compare.py "
               << o.json_path << ")\n";
    }
    if (!o.markdown_path.empty()) {
        std::ostringstream m;
        t.print_markdown(m);
        m << "\n";
        bw.print_markdown(m);
        write_output(o.markdown_path, m.str(), data_out);
    }
    return 0;
}

}  // namespace

void register_compare(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<CompareOptions>();
    CLI::App* sub = app.add_subcommand(
        "compare", "Compare device profiles side by side (rates, efficiency, $/PFLOP-h, FLOP/J)");
    sub->add_option("profiles", o->profiles, "Profiles: built-in names, local profiles or files")
        ->required();
    sub->add_option("--json", o->json_path, "Write the comparison as JSON to FILE");
    sub->add_option("--markdown", o->markdown_path, "Write the tables as Markdown to FILE");
    sub->add_option("--price", o->price, "Override every profile's price per device-hour (USD)");
    sub->callback([o, io, &action] { action = [o, io] { return run_compare(*o, io); }; });
}

}  // namespace flopmeter
