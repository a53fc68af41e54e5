#include "costmodel/layout_search.hpp"

#include <algorithm>
#include <ostream>

#include "core/error.hpp"
#include "core/text_table.hpp"
#include "costmodel/training_estimate.hpp"

namespace flopmeter::cost {

namespace {

std::vector<int> divisors(int n) {
    std::vector<int> v;
    for (int d = 1; d <= n; ++d)
        if (n % d == 0) v.push_back(d);
    return v;
}

}  // namespace

std::vector<TrainingSetup> layout_candidates(const ModelConfig& m, const TrainingSetup& base,
                                             const LayoutGrid& g, int devices_per_node) {
    if (g.devices < 1) throw UsageError("the layout search needs --devices");
    const Parallelism& b = base.par;
    if (g.devices % b.cp != 0) throw UsageError("--devices is not a multiple of --cp");
    std::vector<TrainingSetup> out;
    const int per_node = std::max(1, devices_per_node);
    for (int tp : divisors(g.devices / b.cp)) {
        if (b.tp > 0 && tp != b.tp) continue;
        // Tensor parallelism stays inside one node unless the user fixed it.
        if (b.tp == 0 && tp > per_node) continue;
        if (m.heads % tp != 0 || m.ffn % tp != 0 || (m.kv_heads % tp != 0 && tp % m.kv_heads != 0))
            continue;
        for (int pp : divisors(g.devices / b.cp / tp)) {
            if (b.pp > 0 && pp != b.pp) continue;
            if (pp > m.layers || (m.layers % pp != 0 && !b.uneven_pipeline)) continue;
            const int dp = g.devices / (b.cp * tp * pp);
            if (b.ep > 1 && dp % b.ep != 0) continue;
            for (int v : g.virtual_stages) {
                if (v > 1 && (pp == 1 || b.schedule != Schedule::one_f_one_b ||
                              m.layers % (std::int64_t(pp) * v) != 0))
                    continue;
                if (b.schedule == Schedule::dualpipe && pp % 2 != 0) continue;
                if (b.schedule != Schedule::one_f_one_b && pp < 2) continue;
                for (std::int64_t mb : g.micro_batches) {
                    if (base.global_batch % (std::int64_t(dp) * mb) != 0) continue;
                    for (int zero : g.zero_stages) {
                        if (dp * b.cp == 1 && zero > 0) continue;  // nothing to shard over
                        for (Recompute rc : g.recompute) {
                            // Selective recomputation changes nothing for fused attention outside
                            // MLA.
                            if (rc == Recompute::selective &&
                                base.attention == AttentionImpl::fused && !m.mla)
                                continue;
                            TrainingSetup s = base;
                            s.par.tp = tp;
                            s.par.pp = pp;
                            s.par.dp = dp;
                            s.par.virtual_stages = v;
                            s.par.micro_batch = mb;
                            s.par.zero = zero;
                            s.recompute = rc;
                            if (s.par.sequence_parallel && (mb * s.seq_len / s.par.cp) % tp != 0)
                                continue;
                            out.push_back(s);
                        }
                    }
                }
            }
        }
    }
    return out;
}

LayoutSearch search_layouts(const ModelConfig& m, const TrainingSetup& base, const LayoutGrid& g,
                            const Predictor& p, std::size_t top) {
    LayoutSearch r;
    for (const TrainingSetup& s : layout_candidates(m, base, g, p.facts().devices_per_node)) {
        ++r.evaluated;
        TrainingEstimate e;
        try {
            e = estimate_training(m, s, p, {});
        } catch (const UsageError&) {  // does not fit (or a size the model refuses)
            ++r.refused;
            continue;
        }
        ++r.fitting;
        r.best.push_back({s, e.step_s, e.tokens_per_s_per_device, e.mfu, e.memory.total()});
    }
    std::sort(r.best.begin(), r.best.end(), [](const LayoutCandidate& a, const LayoutCandidate& b) {
        return a.step_s != b.step_s ? a.step_s < b.step_s : a.memory_bytes < b.memory_bytes;
    });
    if (r.best.size() > top) r.best.resize(top);
    return r;
}

void print_layout_search(std::ostream& os, const LayoutSearch& r, const DeviceFacts& f, bool md) {
    os << (md ? "### " : "") << "Layout search: " << r.evaluated << " layouts, " << r.fitting
       << " fit in " << fmt_bytes(f.memory_bytes) << ", best first\n"
       << (md ? "\n" : "");
    Table t({"#", "tp", "pp", "dp", "virtual", "ZeRO", "micro-batch", "recompute", "step",
             "tokens/s/device", "memory", "MFU"});
    int i = 0;
    for (const auto& c : r.best) {
        const Parallelism& p = c.setup.par;
        t.add_row({std::to_string(++i), std::to_string(p.tp), std::to_string(p.pp),
                   std::to_string(p.dp), std::to_string(p.virtual_stages), std::to_string(p.zero),
                   std::to_string(p.micro_batch), recompute_name(c.setup.recompute),
                   fmt_time(c.step_s), fmt_sig(c.tokens_per_s_per_device, 4),
                   fmt_bytes(c.memory_bytes), fmt_fixed(100.0 * c.mfu, 1) + "%"});
    }
    md ? t.print_markdown(os) : t.print(os);
    if (r.best.empty())
        os << "no layout fits: more devices, a smaller --global-batch or a larger-memory profile\n";
}

}  // namespace flopmeter::cost
