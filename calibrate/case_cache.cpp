#include "calibrate/case_cache.hpp"

#include "calibrate/attention_hook.hpp"
#include "measure/attention_case.hpp"
#include "measure/gemm_case.hpp"
#include "measure/memop_case.hpp"
#include "measure/quant_case.hpp"

namespace flopmeter {

std::shared_ptr<KernelCase> CaseCache::get(const SweepCase& c, int threads) {
    if (const auto it = cases_.find(c.name); it != cases_.end()) return it->second;
    std::shared_ptr<KernelCase> k;
    if (c.op == "gemm") {
        check_gemm_problem(c.gemm.problem);
        k = std::make_shared<GemmCase>(c.gemm, 1);
    } else if (c.op == "memory") {
        k = std::make_shared<MemOpCase>(c.memop, threads);
    } else if (c.op == "attention") {
        k = std::make_shared<AttentionCase>(attention_spec_of(c, threads));
    } else if (c.op == "kv_decode") {
        AttentionCaseSpec s = c.kv_decode;
        s.threads = threads;
        k = std::make_shared<AttentionCase>(s);
    } else if (c.op == "quant_gemm") {
        k = std::make_shared<QuantCase>(
            QuantCaseSpec{"own", parse_quant_format(c.quant_format),
                          c.quant_act == "fp32" ? QuantActivation::fp32 : QuantActivation::int8, "",
                          c.quant_m, c.quant_n, c.quant_k, threads});
    } else {
        return nullptr;
    }
    const CaseResult d = k->describe();
    const double bytes = d.operand_bytes + d.workspace_bytes;
    if (held_bytes_ + bytes <= max_bytes_) {
        held_bytes_ += bytes;
        cases_[c.name] = k;
    }
    return k;
}

}  // namespace flopmeter
