#include "costmodel/comm_plan.hpp"

#include <algorithm>

#include "core/flops.hpp"

namespace flopmeter::cost {

namespace {

struct Timer {
    const Predictor& p;
    std::set<std::string>& sources;
    double operator()(Collective c, double bytes, int ranks, bool inter, double times = 1.0,
                      int ranks_per_node = 1) {
        if (ranks < 2 || bytes <= 0 || times <= 0) return 0;
        const Prediction r = p.comm(CommQuery{c, bytes, ranks, inter, ranks_per_node});
        sources.insert(collective_name(c) + ": " + r.source);
        return r.seconds * times;
    }
};

int per_node(const Predictor& p) {
    return p.facts().devices_per_node > 0 ? p.facts().devices_per_node : 1;
}

// One Megatron tensor-parallel all-reduce (or, with sequence parallelism, the reduce-scatter +
// all-gather pair that replaces it).
double tp_reduce(Timer& t, double bytes, int tp, bool inter, bool seq_parallel, double times) {
    if (seq_parallel)
        return t(Collective::reduce_scatter, bytes, tp, inter, times) +
               t(Collective::all_gather, bytes, tp, inter, times);
    return t(Collective::all_reduce, bytes, tp, inter, times);
}

// Gradient and ZeRO traffic of one step over `ranks` data-parallel ranks, `per_node` of them on
// each node (their NICs carry the rings' crossings side by side).
double dp_traffic(Timer& t, int zero, double grads, double weights, int ranks, bool inter,
                  double micro, double& bytes, int per_node) {
    const int k = per_node;
    switch (zero) {
        case 0:  // one all-reduce of the accumulated gradients
            bytes += 2.0 * grads;
            return t(Collective::all_reduce, grads, ranks, inter, 1.0, k);
        case 1:  // reduce-scatter gradients, all-gather updated weights
            bytes += grads + weights;
            return t(Collective::reduce_scatter, grads, ranks, inter, 1.0, k) +
                   t(Collective::all_gather, weights, ranks, inter, 1.0, k);
        case 2:  // sharded gradients: reduce-scatter after every micro-batch's backward
            bytes += micro * grads + weights;
            return t(Collective::reduce_scatter, grads, ranks, inter, micro, k) +
                   t(Collective::all_gather, weights, ranks, inter, 1.0, k);
        default:  // 3: weights gathered for each micro-batch's forward and backward
            bytes += micro * (2.0 * weights + grads);
            return t(Collective::all_gather, weights, ranks, inter, 2.0 * micro, k) +
                   t(Collective::reduce_scatter, grads, ranks, inter, micro, k);
    }
}

// Expert-parallel all-to-all of one micro-batch: dispatch and combine forward, their gradients
// backward (and the forward pair again under full recomputation). Each token goes to top_k
// experts; the busiest rank carries `moe_imbalance` times the average. With node-limited
// routing (DeepSeek-V3, section 3.2.2) a token crosses the inter-node link once per target node
// (at most route_nodes) and is forwarded over NVLink inside the node, concurrently.
double ep_all_to_all(Timer& t, const ModelConfig& m, const TrainingSetup& s, double tokens,
                     double moe_layers, int node) {
    const Parallelism& par = s.par;
    if (par.ep < 2 || moe_layers <= 0) return 0;
    const double h = double(m.hidden), k = double(m.top_k);
    // Bytes per token. Under FP8, DeepSeek-V3 (section 3.3.2) dispatches in FP8 both the forward
    // activations (before the MoE up-projections) and, backward, the activation gradients before
    // the MoE down-projections, i.e. the combine's gradient, which travels as a dispatch; both
    // combines (the forward one and the dispatch's gradient) stay in BF16. An FP8 token carries
    // one FP32 scale per 1x128 tile (section 3.3.1's activation tiles; DeepEP's Buffer.dispatch
    // takes FP8 values with float32 scales of shape hidden / 128).
    const double wide = double(dtype_size(s.dtype)) * h;
    const double narrow = s.fp8 ? flops::fp8_tile_scaled_bytes(m.hidden) : wide;
    const double per_layer_passes = s.recompute == Recompute::full ? 2.0 : 1.0;
    const int group = par.tp * par.ep;  // expert-parallel ranks are placed inside nodes first
    auto exchange = [&](double bytes_per_token) {
        const double pairs = tokens * par.moe_imbalance;
        if (group <= node)
            return t(Collective::all_to_all, pairs * k * bytes_per_token, par.ep, false);
        const int nodes = (group + node - 1) / node;
        if (m.route_nodes <= 0)
            return t(Collective::all_to_all, pairs * k * bytes_per_token, par.ep, true);
        const double targets = std::min({k, double(m.route_nodes), double(nodes)});
        const double ib = t(Collective::all_to_all, pairs * targets * bytes_per_token, nodes, true);
        const double nvl =
            t(Collective::all_to_all, pairs * k * bytes_per_token, std::min(node, par.ep), false);
        return std::max(ib, nvl);
    };
    const double dispatch = exchange(narrow), combine = exchange(wide);
    // Forward: dispatch + combine; backward: the combine's gradient (a dispatch) + the dispatch's
    // gradient (a combine).
    return moe_layers * (per_layer_passes * (dispatch + combine) + dispatch + combine);
}

}  // namespace

CommTimes plan_training_comm(const ModelConfig& m, const TrainingSetup& s, const StageSpec& st,
                             const StageParams& params, double lora_trainable, const Predictor& p) {
    CommTimes c;
    Timer t{p, c.sources};
    const Parallelism& par = s.par;
    const int node = per_node(p);
    const double act = double(dtype_size(s.dtype));
    const double tokens = double(par.micro_batch) * double(s.seq_len) / double(par.cp);
    const double layer_msg = tokens * double(m.hidden) * act;
    const double mtp = st.last ? double(m.mtp_depth) : 0.0;  // MTP modules: one layer each
    const double layers = double(st.layers) + mtp;
    if (par.tp > 1) {
        const bool inter = par.tp > node;
        // Per layer: after attention and MLP in forward, and their input gradients in backward;
        // full recomputation repeats the forward pair.
        double per_layer = 4.0 + (s.recompute == Recompute::full ? 2.0 : 0.0);
        double n = per_layer * layers + (st.first ? 1.0 : 0.0);  // + vocab-parallel embedding
        c.tp_per_microbatch = tp_reduce(t, layer_msg, par.tp, inter, par.sequence_parallel, n);
        c.tp_bytes_per_microbatch = layer_msg * n;
    }
    if (par.pp > 1) {
        // Activations forward to the next stage, their gradients back: one of each per
        // micro-batch. Each tensor rank sends a tp-th: with sequence parallelism the activation
        // is already split; without it Megatron scatters it over the tensor group before the send
        // and all-gathers it after (scatter/gather, Narayanan et al. 2021, section 4.1).
        const bool inter = par.tp * par.cp * par.pp > node;
        const double msg = layer_msg / double(par.tp);
        c.pp_per_microbatch = t(Collective::send_recv, msg, 2, inter, 2.0);
        if (!par.sequence_parallel && par.tp > 1)
            c.pp_per_microbatch += t(Collective::all_gather, layer_msg, par.tp, par.tp > node, 2.0);
    }
    if (par.cp > 1) {
        // All-gather of the keys and values before attention, reduce-scatter of their gradients
        // after its backward (Llama 3's all-gather context parallelism, Dubey et al. 2024,
        // section 3.3.2); per layer, again under full recomputation.
        const double kv = tokens * double(m.kv_heads / std::min<std::int64_t>(m.kv_heads, par.tp)) *
                          double(m.q_head_dim() + m.v_dim_per_head()) * act * double(par.cp);
        const bool inter = par.tp * par.cp > node;
        const double gathers = layers * (s.recompute == Recompute::full ? 2.0 : 1.0);
        c.cp_per_microbatch = t(Collective::all_gather, kv, par.cp, inter, gathers) +
                              t(Collective::reduce_scatter, kv, par.cp, inter, layers);
    }
    if (m.is_moe() && par.ep > 1) {
        const std::int64_t dense =
            std::clamp<std::int64_t>(m.first_dense_layers - st.first_layer, 0, st.layers);
        const double tok = tokens / (par.sequence_parallel ? double(par.tp) : 1.0);
        c.ep_per_microbatch = ep_all_to_all(t, m, s, tok, double(st.layers - dense) + mtp, node);
    }
    // Gradients reduce over the data-parallel ranks and the context-parallel ones (same weights).
    const int dp_group = par.dp * par.cp;
    if (dp_group > 1) {
        const bool inter = par.dp * par.tp * par.pp * par.cp > node;
        const double micro = double(s.global_batch) / double(par.dp * par.micro_batch);
        // Ranks are placed tensor-parallel innermost, then pipeline, then data, so a node holds
        // node / (tp pp) ranks of each data-parallel group, each with its NIC.
        const int inner = std::max(1, par.tp * par.pp);
        auto on_node = [&](int group) { return std::clamp(node / inner, 1, std::max(1, group)); };
        if (s.mode == Mode::lora) {
            const double g = lora_trainable * act;
            c.dp_per_step = dp_traffic(t, par.zero, g, g, dp_group, inter, micro,
                                       c.dp_bytes_per_step, on_node(dp_group));
        } else {
            c.dp_per_step =
                dp_traffic(t, par.zero, params.shared * act, params.shared * act, dp_group, inter,
                           micro, c.dp_bytes_per_step, on_node(dp_group));
            const int edp = std::max(1, par.dp / std::max(1, par.ep)) * par.cp;
            // Expert weights reduce over the ranks holding the same experts: one per ep block,
            // so one rank per node once the expert group fills a node.
            const int edp_on_node =
                std::clamp(node / (inner * std::max(1, par.ep)), 1, std::max(1, edp));
            c.dp_per_step += dp_traffic(t, par.zero, params.experts * act, params.experts * act,
                                        edp, inter, micro, c.dp_bytes_per_step, edp_on_node);
        }
    }
    return c;
}

double inference_tp_comm(const ModelConfig& m, std::int64_t tokens, int tp, DType dtype,
                         const Predictor& p, std::set<std::string>& sources) {
    if (tp < 2) return 0;
    Timer t{p, sources};
    const double msg = double(tokens) * double(m.hidden) * double(dtype_size(dtype));
    return t(Collective::all_reduce, msg, tp, tp > per_node(p), 2.0 * double(m.layers));
}

}  // namespace flopmeter::cost
