// The attention backend registry: every implementation (own fused, unfused on a GEMM backend,
// reference) is one entry and goes through the same plan -> validate -> time path in measure/.
//
// A plan is made once per (problem, pass, threads) outside any timed region: it picks the
// kernels and allocates workspace; forward() and backward() are what gets timed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.hpp"
#include "kernels/attention/attention_problem.hpp"

namespace flopmeter {

class AttentionPlan {
  public:
    virtual ~AttentionPlan() = default;
    virtual void forward(const AttentionOperands& ops) = 0;  // writes o, lse
    virtual void backward(
        const AttentionOperands& ops) = 0;  // reads q, k, v, o, lse, d_o; writes dq, dk, dv
    // What actually runs, e.g. "flash_fwd_f32_avx512_12x32 q48 k128".
    virtual std::string kernel_set() const = 0;
    virtual std::string binding() const = 0;
    // Extra memory the timed pass uses beyond its operands (packed K/V, score matrices), bytes.
    virtual double workspace_bytes() const = 0;
    // (query, key) pairs per (batch, head) the kernels compute, masked-tile work included, and
    // whether the backward recomputes the scores (for flops::attention_*_executed_flops).
    virtual double fwd_pairs_per_head() const = 0;
    virtual double bwd_pairs_per_head() const = 0;
    virtual bool bwd_recomputes_scores() const = 0;
    // Unit roundoff of intermediates rounded below fp32 (the unfused kernel's bf16 P and dS
    // when its GEMMs take bf16), 0 when every intermediate is fp32: part of the tolerance.
    virtual double intermediate_roundoff() const { return 0.0; }
};

struct AttentionBackend {
    std::string name;         // "own", "unfused:own", "unfused:openblas", "reference"
    std::string description;  // one line for listings
    std::vector<DType> dtypes;
    // Why this backend cannot run a dtype here (a GEMM library not built in), or nullopt.
    std::function<std::optional<std::string>(DType)> unavailable;
    // Why this backend refuses a problem here before allocating anything (the unfused kernel's
    // S x S matrices that do not fit in memory), or nullopt; make_plan throws the same reason.
    std::function<std::optional<std::string>(const AttentionProblem&, AttentionPass)> refuses;
    std::function<std::unique_ptr<AttentionPlan>(const AttentionProblem&, AttentionPass,
                                                 int threads)>
        make_plan;
    std::function<std::vector<std::string>()> warnings;

    bool supports(DType t) const;
};

const std::vector<AttentionBackend>& attention_backends();
std::string attention_backend_names();  // "own, unfused:own, unfused:openblas, reference"

// Looks a backend up by name ("unfused" means "unfused:own"); throws UsageError listing the
// valid names when unknown.
const AttentionBackend& find_attention_backend(std::string_view name);
// Throws UnavailableError when the backend cannot run the dtype here or (unfused) its S x S
// matrices do not fit in memory, UsageError for a bad problem.
std::unique_ptr<AttentionPlan> make_attention_plan(const AttentionBackend& backend,
                                                   const AttentionProblem& p, AttentionPass pass,
                                                   int threads);

// Entries, one per file.
AttentionBackend own_attention_backend();
AttentionBackend unfused_attention_backend(const std::string& gemm_backend);
AttentionBackend reference_attention_backend();

}  // namespace flopmeter
