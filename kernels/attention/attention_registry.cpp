#include <algorithm>

#include "core/error.hpp"
#include "kernels/attention/attention_backend.hpp"

namespace flopmeter {

bool AttentionBackend::supports(DType t) const {
    return std::find(dtypes.begin(), dtypes.end(), t) != dtypes.end();
}

const std::vector<AttentionBackend>& attention_backends() {
    static const std::vector<AttentionBackend> v = {
        own_attention_backend(), unfused_attention_backend("own"),
        unfused_attention_backend("openblas"), reference_attention_backend()};
    return v;
}

std::string attention_backend_names() {
    std::string s;
    for (const auto& b : attention_backends()) s += (s.empty() ? "" : ", ") + b.name;
    return s;
}

const AttentionBackend& find_attention_backend(std::string_view name) {
    const std::string_view want = name == "unfused" ? std::string_view("unfused:own") : name;
    for (const auto& b : attention_backends())
        if (b.name == want) return b;
    throw UsageError("unknown attention backend '" + std::string(name) +
                     "' (valid: " + attention_backend_names() + "; 'unfused' means unfused:own)");
}

std::unique_ptr<AttentionPlan> make_attention_plan(const AttentionBackend& backend,
                                                   const AttentionProblem& p, AttentionPass pass,
                                                   int threads) {
    if (!backend.supports(p.dtype)) {
        std::string valid;
        for (DType t : backend.dtypes)
            valid += (valid.empty() ? "" : ", ") + std::string(dtype_name(t));
        throw UnavailableError("attention backend '" + backend.name + "' does not support dtype " +
                               std::string(dtype_name(p.dtype)) + " (it supports: " + valid + ")");
    }
    if (p.kv != KvCache::same && backend.name != "own")
        throw UsageError("a " + std::string(kv_cache_name(p.kv)) +
                         " KV cache is read by the own backend's decode kernel only, not '" +
                         backend.name + "'");
    if (auto why = backend.unavailable(p.dtype))
        throw UnavailableError("attention backend '" + backend.name +
                               "' is unavailable here: " + *why);
    if (threads < 1) throw UsageError("thread count must be at least 1");
    check_attention_problem(p, pass);
    if (auto why = backend.refuses(p, pass)) throw UnavailableError(*why);
    return backend.make_plan(p, pass, threads);
}

}  // namespace flopmeter
