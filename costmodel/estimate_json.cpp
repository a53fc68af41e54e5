// JSON of estimates: every number the text report shows, plus each op with its shape, time and
// source, for scripts (scripts/plot_breakdown.py, the PyTorch comparisons).
#include "costmodel/estimate_report.hpp"

namespace flopmeter::cost {

using nlohmann::json;

json model_json(const ModelConfig& m, const ParamCount& p) {
    return {{"name", m.name},
            {"source", m.source},
            {"layers", m.layers},
            {"hidden", m.hidden},
            {"heads", m.heads},
            {"kv_heads", m.kv_heads},
            {"head_dim", m.head_dim},
            {"ffn", m.ffn},
            {"vocab", m.vocab},
            {"gated_mlp", m.gated_mlp},
            {"activation", activation_name(m.activation)},
            {"norm", norm_name(m.norm)},
            {"tied_embeddings", m.tied_embeddings},
            {"experts", m.experts},
            {"top_k", m.top_k},
            {"params",
             {{"total", p.total()},
              {"non_embedding", p.non_embedding()},
              {"active", p.active},
              {"embedding", p.token_embedding},
              {"position_embedding", p.position_embedding},
              {"lm_head", p.lm_head},
              {"attention", p.attention},
              {"mlp", p.mlp},
              {"router", p.router},
              {"norms", p.norms}}}};
}

namespace {

json op_json(const TimedOp& t) {
    const Op& op = t.op;
    json j = {{"name", op.name},
              {"group", op_group_name(op.group)},
              {"phase", phase_name(op.phase)},
              {"repeat", op.repeat},
              {"seconds", t.pred.seconds},
              {"model_flops", op.model_flops},
              {"model_flops_noncausal", op.model_flops_noncausal},
              {"executed_flops", op.executed_flops},
              {"other_flops", op.other_flops},
              {"source", t.pred.source}};
    if (op.timing == Timing::gemm)
        j["gemm"] = {{"m", op.gemm.m},         {"n", op.gemm.n},
                     {"k", op.gemm.k},         {"layout", std::string(layout_name(op.gemm.layout))},
                     {"batch", op.gemm.batch}, {"dtype", std::string(dtype_name(op.gemm.dtype))}};
    else if (op.timing == Timing::attention)
        j["attention"] = {{"batch", op.attn.batch},       {"heads", op.attn.heads},
                          {"kv_heads", op.attn.kv_heads}, {"seq_q", op.attn.seq_q},
                          {"seq_k", op.attn.seq_k},       {"head_dim", op.attn.head_dim},
                          {"causal", op.attn.causal},     {"backward", op.attn.backward}};
    else
        j["memory"] = {{"kind", mem_op_kind_name(op.mem.kind)}, {"bytes", op.mem.bytes}};
    return j;
}

json memory_json(const MemoryPlan& m) {
    return {{"weights", m.weights},         {"gradients", m.gradients}, {"optimizer", m.optimizer},
            {"activations", m.activations}, {"kv_cache", m.kv_cache},   {"total", m.total()},
            {"capacity", m.capacity}};
}

json facts_json(const std::string& profile, const DeviceFacts& f) {
    return {{"profile", profile},
            {"name", f.name},
            {"kind", f.kind},
            {"memory_bytes", f.memory_bytes},
            {"memory_bandwidth", f.memory_bandwidth},
            {"tdp_watts", f.tdp_watts},
            {"price_per_hour", f.price_per_hour}};
}

}  // namespace

json training_json(const Labelled<TrainingEstimate>& l) {
    const TrainingEstimate& e = l.estimate;
    const TrainingSetup& s = e.setup;
    json j;
    j["kind"] = "training";
    j["device"] = facts_json(l.profile, e.facts);
    j["model"] = model_json(e.model, e.params);
    j["workload"] = {{"mode", mode_name(s.mode)},
                     {"tokens", s.tokens},
                     {"base_tokens", s.base_tokens},
                     {"seq_len", s.seq_len},
                     {"global_batch", s.global_batch},
                     {"dtype", std::string(dtype_name(s.dtype))},
                     {"recompute", recompute_name(s.recompute)},
                     {"attention", attention_impl_name(s.attention)},
                     {"attention_kernel", attention_kernel_name(s.attention_kernel)},
                     {"lora_rank", s.mode == Mode::lora ? s.lora.rank : 0},
                     {"trainable_params", e.trainable_params}};
    j["parallelism"] = {{"dp", s.par.dp},
                        {"tp", s.par.tp},
                        {"pp", s.par.pp},
                        {"virtual_stages", s.par.virtual_stages},
                        {"zero", s.par.zero},
                        {"micro_batch", s.par.micro_batch},
                        {"microbatches", e.microbatches},
                        {"sequence_parallel", s.par.sequence_parallel},
                        {"overlap", s.par.overlap}};
    j["flops"] = {{"total_model", e.total_model_flops},
                  {"total_model_noncausal", e.total_model_flops_noncausal},
                  {"total_executed", e.total_executed_flops},
                  {"six_nd", e.six_nd},
                  {"step_model", e.step_flops.model_flops},
                  {"step_model_noncausal", e.step_flops.model_flops_noncausal},
                  {"step_executed", e.step_flops.executed_flops},
                  {"step_other", e.step_flops.other_flops}};
    j["step"] = {{"seconds", e.step_s},
                 {"pipeline", e.pipeline_s},
                 {"bubble", e.bubble_s},
                 {"tp_comm", e.tp_comm_s},
                 {"pp_comm", e.pp_comm_s},
                 {"ep_comm", e.ep_comm_s},
                 {"cp_comm", e.cp_comm_s},
                 {"dp_comm", e.dp_comm_s},
                 {"dp_comm_exposed", e.dp_exposed_s},
                 {"optimizer", e.optimizer_s},
                 {"fp8_weight_cast", e.fp8_weight_cast_s},
                 {"tokens", e.tokens_per_step}};
    j["run"] = {{"steps", e.steps},
                {"tokens_per_s", e.tokens_per_s},
                {"tokens_per_s_per_device", e.tokens_per_s_per_device},
                {"mfu", e.mfu},
                {"mfu_noncausal", e.mfu_noncausal},
                {"hfu", e.hfu},
                {"peak_flops_per_device", e.peak_flops},
                {"wall_seconds", e.wall_s},
                {"device_hours", e.money.device_hours},
                {"price_per_device_hour", e.money.price_per_hour},
                {"dollars", e.money.dollars},
                {"power_watts", e.money.power_watts},
                {"power_utilisation", e.money.power_utilisation},
                {"pue", e.money.pue},
                {"energy_kwh", e.money.energy_kwh},
                {"from_scratch_device_hours", e.scratch_device_hours},
                {"from_scratch_dollars", e.scratch_dollars}};
    j["memory_per_device"] = memory_json(e.memory);
    json br = json::array();
    for (const auto& r : e.breakdown)
        br.push_back({{"kind", r.kind}, {"seconds", r.seconds}, {"model_flops", r.model_flops}});
    j["breakdown"] = br;
    json stages = json::array();
    for (const auto& st : e.stages) {
        json ops = json::array();
        for (const auto& t : st.timed.ops) ops.push_back(op_json(t));
        stages.push_back({{"name", st.name},
                          {"layers", st.layers},
                          {"per_microbatch_seconds", st.per_microbatch_s},
                          {"tp_comm_seconds", st.comm.tp_per_microbatch},
                          {"pp_comm_seconds", st.comm.pp_per_microbatch},
                          {"ep_comm_seconds", st.comm.ep_per_microbatch},
                          {"cp_comm_seconds", st.comm.cp_per_microbatch},
                          {"tp_exposed_seconds", st.tp_exposed_s},
                          {"ep_exposed_seconds", st.ep_exposed_s},
                          {"pp_exposed_seconds", st.pp_exposed_s},
                          {"sm_share_seconds", st.sm_share_s},
                          {"compute_seconds", st.timed.total.seconds},
                          {"dp_comm_seconds", st.comm.dp_per_step},
                          {"memory", memory_json(st.memory)},
                          {"ops", ops}});
    }
    j["stages"] = stages;
    j["sources"] = e.sources;
    j["notes"] = e.notes;
    return j;
}

json inference_json(const Labelled<InferenceEstimate>& l) {
    const InferenceEstimate& e = l.estimate;
    const InferenceSetup& s = e.setup;
    json j;
    j["kind"] = "inference";
    j["device"] = facts_json(l.profile, e.facts);
    j["model"] = model_json(e.model, e.params);
    j["workload"] = {{"batch", s.batch},
                     {"prompt_tokens", s.prompt_tokens},
                     {"output_tokens", s.output_tokens},
                     {"weights", weight_precision_name(s.weights)},
                     {"compute", std::string(dtype_name(s.compute))},
                     {"tp", s.tp},
                     {"op_overhead_seconds", s.op_overhead_s},
                     {"kv_append", kv_append_name(s.kv_append)},
                     {"attention", attention_impl_name(s.attention)}};
    j["prefill"] = {{"seconds", e.prefill_s},
                    {"tokens_per_s", e.prefill_tokens_per_s},
                    {"model_flops", e.prefill_model_flops},
                    {"mfu", e.prefill_mfu},
                    {"ops", e.prefill_ops},
                    {"overhead_seconds", e.prefill_overhead_s}};
    j["decode"] = {{"step_seconds", e.decode_step_s},
                   {"compute_seconds", e.decode_compute_s},
                   {"memory_seconds", e.decode_memory_s},
                   {"comm_seconds", e.decode_comm_s},
                   {"memory_bound", e.memory_bound},
                   {"weight_bytes_per_step", e.weight_bytes_per_step},
                   {"kv_bytes_per_step", e.kv_bytes_per_step},
                   {"mean_context", e.mean_context},
                   {"model_flops_per_step", e.decode_model_flops},
                   {"tokens_per_s", e.decode_tokens_per_s},
                   {"tokens_per_s_per_sequence", e.per_sequence_tokens_per_s}};
    if (e.decode_measured_quant) j["decode"]["measured_quant_weights_seconds"] = e.decode_weights_s;
    j["decode"]["runtime"] = {{"ops", e.decode_ops},
                              {"ops_per_layer", e.decode_ops_per_layer},
                              {"ops_outside_layers", e.decode_ops_outside_layers},
                              {"overhead_seconds", e.decode_overhead_s},
                              {"kv_concat_bytes", e.kv_concat_bytes_per_step},
                              {"kv_concat_seconds", e.decode_kv_concat_s}};
    j["cost"] = {{"price_per_device_hour", e.price_per_hour},
                 {"dollars_per_million_output", e.dollars_per_million_output},
                 {"dollars_per_million_prompt", e.dollars_per_million_prompt},
                 {"kwh_per_million_output", e.energy_kwh_per_million_output}};
    j["memory_per_device"] = memory_json(e.memory);
    json br = json::array();
    for (std::size_t g = 0; g < std::size_t(op_group_count); ++g) {
        const double pre = e.prefill.by_group[g].seconds, dec = e.decode.by_group[g].seconds;
        if (pre > 0 || dec > 0)
            br.push_back({{"kind", op_group_name(OpGroup(g))},
                          {"prefill_seconds", pre},
                          {"decode_step_seconds", dec}});
    }
    j["breakdown"] = br;
    j["sources"] = e.sources;
    j["notes"] = e.notes;
    return j;
}

json whatif_json(const WhatIfInputs& in, const std::vector<WhatIfRow>& rows) {
    json r = json::array();
    for (const auto& x : rows)
        r.push_back({{"year", x.year},
                     {"hardware_factor", x.hardware_factor},
                     {"algorithm_factor", x.algorithm_factor},
                     {"flops", x.flops},
                     {"device_hours", x.device_hours},
                     {"dollars", x.dollars},
                     {"energy_kwh", x.energy_kwh}});
    return {{"hardware_per_year", in.hardware_per_year},
            {"algorithm_per_year", in.algorithm_per_year},
            {"rows", r}};
}

}  // namespace flopmeter::cost
