#include "calibrate/case_cache.hpp"

#include "calibrate/attention_hook.hpp"
#include "measure/attention_case.hpp"
#include "measure/gemm_case.hpp"
#include "measure/memop_case.hpp"

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
