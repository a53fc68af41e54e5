// `flopmeter profiles` and `flopmeter predict gemm|attention ...`: list device profiles and ask
// one for the time of a single op shape, with the measurements the answer came from.
#include <memory>

#include "calibrate/datasheet.hpp"
#include "calibrate/profile.hpp"
#include "calibrate/profile_store.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/flops.hpp"
#include "core/text_table.hpp"

namespace flopmeter {

namespace {

// One profile in full, as its JSON file holds it: every fact with its source.
int show_profile(const std::string& name, Io io) {
    io.out << profile_to_json(load_profile(name)).dump(2) << "\n";
    return 0;
}

int run_profiles(Io io) {
    Table t({"name", "kind", "device", "bf16 TFLOP/s", "fp32 TFLOP/s", "memory", "bandwidth", "TDP",
             "$/h", "where"});
    auto add = [&](const DeviceProfile& p, const std::string& where) {
        t.add_row({p.name, p.kind + (p.complete ? "" : " (incomplete)"), p.device,
                   fmt_fixed(p.ceiling("bf16") / 1e12, p.device == "cpu" ? 3 : 1),
                   fmt_fixed(p.ceiling("fp32") / 1e12, p.device == "cpu" ? 3 : 1),
                   fmt_bytes(p.facts.memory_bytes),
                   fmt_fixed(p.facts.memory_bandwidth / 1e9, 0) + " GB/s",
                   p.facts.tdp_watts > 0 ? fmt_fixed(p.facts.tdp_watts, 0) + " W" : "-",
                   p.facts.price_per_hour > 0 ? fmt_fixed(p.facts.price_per_hour, 2) : "-", where});
    };
    for (const auto& p : datasheet_profiles()) add(p, "built-in");
    for (const auto& [name, path] : local_profiles()) {
        try {
            add(read_profile_file(path), path);
        } catch (const std::exception& e) {
            io.err << "WARNING: skipping " << path << ": " << e.what() << "\n";
        }
    }
    t.print(io.out);
    io.out << "\nDatasheet peaks are dense (no sparsity); their rate model is peak x a stated "
              "efficiency.\n"
           << "Local profiles directory: " << local_profile_dir() << "\n";
    return 0;
}

struct PredictOptions {
    std::string op, profile;
    std::int64_t m = 0, n = 0, k = 0;
    std::string layout = "nn", dtype = "bf16";
    std::int64_t batch = 1, heads = 0, kv_heads = 0, seq_q = 0, seq_k = 0, head_dim = 0,
                 value_dim = 0;
    bool causal = false, backward = false;
};

int run_predict(const PredictOptions& o, Io io) {
    if (o.profile.empty())
        throw UsageError("--profile is required (a built-in name, local profile or file)");
    const auto d = parse_dtype(o.dtype);
    if (!d) throw UsageError("unknown dtype '" + o.dtype + "' (valid: fp32, fp64, bf16, fp16)");
    auto pred = load_predictor(o.profile);
    Prediction p;
    double flops = 0;
    std::string what;
    if (o.op == "gemm") {
        const auto l = parse_layout(o.layout);
        if (!l) throw UsageError("unknown layout '" + o.layout + "' (valid: nn, nt, tn)");
        check_gemm_shape(GemmProblem{o.m, o.n, o.k, *l, *d});  // a prediction allocates nothing
        p = pred->gemm(GemmQuery{o.m, o.n, o.k, *l, *d, 1});
        flops = flops::gemm_model_flops(o.m, o.n, o.k);
        what = "GEMM " + std::to_string(o.m) + "x" + std::to_string(o.n) + "x" +
               std::to_string(o.k) + " " + o.layout;
    } else {
        AttentionQuery q;
        q.batch = o.batch;
        q.heads = o.heads;
        q.kv_heads = o.kv_heads > 0 ? o.kv_heads : o.heads;
        q.seq_q = o.seq_q;
        q.seq_k = o.seq_k > 0 ? o.seq_k : o.seq_q;
        q.head_dim = o.head_dim;
        q.value_dim = o.value_dim > 0 ? o.value_dim : o.head_dim;
        q.causal = o.causal;
        q.backward = o.backward;
        q.dtype = *d;
        if (q.batch <= 0 || q.heads <= 0 || q.seq_q <= 0 || q.seq_k <= 0 || q.head_dim <= 0)
            throw UsageError("attention needs positive --batch, --heads, --seq-q and --head-dim");
        if (q.heads % q.kv_heads) throw UsageError("--heads must be a multiple of --kv-heads");
        p = pred->attention(q);
        const flops::AttentionShape s{q.batch, q.heads,    q.kv_heads,  q.seq_q,
                                      q.seq_k, q.head_dim, q.value_dim, q.causal};
        flops =
            q.backward ? flops::attention_bwd_model_flops(s) : flops::attention_fwd_model_flops(s);
        what = std::string("attention ") + (q.backward ? "backward" : "forward") +
               (q.causal ? " causal" : "");
    }
    io.out << what << " " << o.dtype << " on " << pred->facts().name << " (" << pred->facts().kind
           << ")\n";
    io.out << "  predicted time  " << fmt_time(p.seconds) << "\n";
    io.out << "  model FLOPs     " << fmt_sig(flops, 6) << "\n";
    io.out << "  rate            " << fmt_fixed(flops / p.seconds / 1e9, 1) << " GFLOP/s";
    const double peak = pred->facts().peak_flops(*d);
    if (peak > 0)
        io.out << " (" << fmt_fixed(100.0 * flops / p.seconds / peak, 1) << "% of the profile's "
               << dtype_name(*d) << " "
               << (pred->facts().kind == "datasheet" ? "datasheet peak" : "measured ceiling")
               << ")";
    io.out << "\n  from            " << p.source << "\n";
    return 0;
}

}  // namespace

void register_profiles(CLI::App& app, Io io, Action& action) {
    CLI::App* sub = app.add_subcommand("profiles",
                                       "List built-in datasheet profiles and local calibrated "
                                       "profiles; with NAME, print one in full");
    auto shown = std::make_shared<std::string>();
    sub->add_option(
        "name", *shown,
        "A built-in name, local profile or profile file: print it as JSON, sources included");
    sub->callback([io, &action, shown] {
        action = [io, shown] {
            return shown->empty() ? run_profiles(io) : show_profile(*shown, io);
        };
    });

    auto o = std::make_shared<PredictOptions>();
    CLI::App* pr = app.add_subcommand(
        "predict", "Predict the time of one GEMM or attention shape from a profile");
    pr->add_option("op", o->op, "gemm or attention")
        ->required()
        ->check(CLI::IsMember({"gemm", "attention"}));
    pr->add_option("--profile", o->profile,
                   "Built-in name (h100-sxm, ...), local profile, or profile file[@backend]");
    pr->add_option("--m", o->m, "GEMM rows of C");
    pr->add_option("--n", o->n, "GEMM columns of C");
    pr->add_option("--k", o->k, "GEMM inner dimension");
    pr->add_option("--layout", o->layout, "nn, nt, tn");
    pr->add_option("--dtype", o->dtype, "fp32, fp64, bf16 (default), fp16");
    pr->add_option("--batch", o->batch, "Attention batch");
    pr->add_option("--heads", o->heads, "Attention heads");
    pr->add_option("--kv-heads", o->kv_heads, "Key/value heads (default: heads)");
    pr->add_option("--seq-q", o->seq_q, "Query length");
    pr->add_option("--seq-k", o->seq_k, "Key length (default: seq-q)");
    pr->add_option("--head-dim", o->head_dim, "Head dimension");
    pr->add_option("--value-dim", o->value_dim, "Value dimension (default: head-dim)");
    pr->add_flag("--causal", o->causal, "Causal mask");
    pr->add_flag("--backward", o->backward, "Backward pass instead of forward");
    pr->callback([o, io, &action] { action = [o, io] { return run_predict(*o, io); }; });
}

}  // namespace flopmeter
