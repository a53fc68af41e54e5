// The GEMM backend registry: every implementation (own, vendor, reference) is one entry and
// goes through the same plan -> validate -> time path in measure/.
//
// A plan is made once per (problem, threads) outside any timed region: it picks the kernel,
// allocates workspace and creates vendor primitives; run() is what gets timed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.hpp"
#include "kernels/gemm/gemm_problem.hpp"

namespace flopmeter {

class GemmPlan {
  public:
    virtual ~GemmPlan() = default;
    virtual void run(const GemmOperands& ops) = 0;
    // What actually runs, e.g. "sgemm_avx512_12x32" or "openblas Cooperlake".
    virtual std::string kernel_set() const = 0;
    // How the threads are placed, e.g. "threads 0..1 pinned to cores 0..1 (hwloc)".
    virtual std::string binding() const = 0;
    // Extra memory the plan holds (packing buffers, scratch), bytes.
    virtual double workspace_bytes() const { return 0.0; }
};

struct GemmBackend {
    std::string name;         // "own", "openblas", "onednn", "reference"
    std::string description;  // one line for listings
    std::vector<DType> dtypes;
    // Why this backend cannot run here (not built in, library lacks the routine), or nullopt.
    std::function<std::optional<std::string>(DType)> unavailable;
    std::function<std::unique_ptr<GemmPlan>(const GemmProblem&, int threads)> make_plan;
    // Warnings about how the backend will run (e.g. an environment override forcing a lesser
    // kernel set). Empty when there is nothing to say.
    std::function<std::vector<std::string>()> warnings;

    bool supports(DType t) const;
};

const std::vector<GemmBackend>& gemm_backends();
std::string gemm_backend_names();  // "own, openblas, onednn, reference"

// Looks a backend up by name; throws UsageError listing the valid names when unknown, and
// UnavailableError (with the reason) when it cannot run the dtype on this machine.
const GemmBackend& find_gemm_backend(std::string_view name);
std::unique_ptr<GemmPlan> make_gemm_plan(const GemmBackend& backend, const GemmProblem& p,
                                         int threads);

// Entries, one per file.
GemmBackend own_gemm_backend();
GemmBackend openblas_gemm_backend();
GemmBackend onednn_gemm_backend();
GemmBackend reference_gemm_backend();

}  // namespace flopmeter
