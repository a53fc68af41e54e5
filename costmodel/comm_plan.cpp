#include "costmodel/comm_plan.hpp"

namespace flopmeter::cost {

namespace {

struct Timer {
    const Predictor& p;
    std::set<std::string>& sources;
    double operator()(Collective c, double bytes, int ranks, bool inter, double times = 1.0) {
        if (ranks < 2 || bytes <= 0 || times <= 0) return 0;
        const Prediction r = p.comm(CommQuery{c, bytes, ranks, inter});
        sources.insert(collective_name(c) + ": " + r.source);
        return r.seconds * times;
    }
};

int per_node(const Predictor& p) { return p.facts().devices_per_node > 0 ? p.facts().devices_per_node : 1; }

// One Megatron tensor-parallel all-reduce (or, with sequence parallelism, the reduce-scatter +
// all-gather pair that replaces it).
double tp_reduce(Timer& t, double bytes, int tp, bool inter, bool seq_parallel, double times) {
    if (seq_parallel)
        return t(Collective::reduce_scatter, bytes, tp, inter, times) + t(Collective::all_gather, bytes, tp, inter, times);
    return t(Collective::all_reduce, bytes, tp, inter, times);
}

}  // namespace

CommTimes plan_training_comm(const ModelConfig& m, const TrainingSetup& s, std::int64_t layers_on_stage, bool first,
                             double trainable_per_device, double params_per_device, const Predictor& p) {
    CommTimes c;
    Timer t{p, c.sources};
    const Parallelism& par = s.par;
    const int node = per_node(p);
    const double act = double(dtype_size(s.dtype));
    const double tokens = double(par.micro_batch) * double(s.seq_len);
    const double layer_msg = tokens * double(m.hidden) * act;
    if (par.tp > 1) {
        const bool inter = par.tp > node;
        // Per layer: after attention and MLP in forward, and their input gradients in backward;
        // full recomputation repeats the forward pair.
        double per_layer = 4.0 + (s.recompute == Recompute::full ? 2.0 : 0.0);
        double n = per_layer * double(layers_on_stage) + (first ? 1.0 : 0.0);  // + vocab-parallel embedding
        c.tp_per_microbatch = tp_reduce(t, layer_msg, par.tp, inter, par.sequence_parallel, n);
        c.tp_bytes_per_microbatch = layer_msg * n;
    }
    if (par.pp > 1) {
        // Activations forward to the next stage, their gradients back: one of each per micro-batch.
        const bool inter = par.tp * par.pp > node;
        c.pp_per_microbatch = t(Collective::send_recv, layer_msg / (par.sequence_parallel ? par.tp : 1), 2, inter, 2.0);
    }
    if (par.dp > 1) {
        const bool inter = par.dp * par.tp * par.pp > node;
        const double grads = trainable_per_device * act;
        const double weights = (s.mode == Mode::lora ? trainable_per_device : params_per_device) * act;
        const double micro = double(s.global_batch) / double(par.dp * par.micro_batch);
        switch (par.zero) {
            case 0:  // one all-reduce of the accumulated gradients
                c.dp_per_step = t(Collective::all_reduce, grads, par.dp, inter);
                c.dp_bytes_per_step = 2.0 * grads;
                break;
            case 1:  // reduce-scatter gradients, all-gather updated weights
                c.dp_per_step = t(Collective::reduce_scatter, grads, par.dp, inter) +
                                t(Collective::all_gather, weights, par.dp, inter);
                c.dp_bytes_per_step = grads + weights;
                break;
            case 2:  // sharded gradients: reduce-scatter after every micro-batch's backward
                c.dp_per_step = t(Collective::reduce_scatter, grads, par.dp, inter, micro) +
                                t(Collective::all_gather, weights, par.dp, inter);
                c.dp_bytes_per_step = micro * grads + weights;
                break;
            default:  // 3: weights gathered for each micro-batch's forward and backward
                c.dp_per_step = t(Collective::all_gather, weights, par.dp, inter, 2.0 * micro) +
                                t(Collective::reduce_scatter, grads, par.dp, inter, micro);
                c.dp_bytes_per_step = micro * (2.0 * weights + grads);
                break;
        }
    }
    return c;
}

double inference_tp_comm(const ModelConfig& m, std::int64_t tokens, int tp, DType dtype, const Predictor& p,
                         std::set<std::string>& sources) {
    if (tp < 2) return 0;
    Timer t{p, sources};
    const double msg = double(tokens) * double(m.hidden) * double(dtype_size(dtype));
    return t(Collective::all_reduce, msg, tp, tp > per_node(p), 2.0 * double(m.layers));
}

}  // namespace flopmeter::cost
