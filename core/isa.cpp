#include "core/isa.hpp"

#include <cstdlib>
#include <string>

#include "core/cpu_features.hpp"
#include "core/error.hpp"

namespace flopmeter {

std::optional<Isa> parse_isa(std::string_view s) {
    for (Isa i : {Isa::generic, Isa::avx2, Isa::avx512, Isa::avx512_bf16})
        if (s == isa_name(i)) return i;
    return std::nullopt;
}

Isa isa_supported() {
    const CpuFeatures& f = cpu_features();
    if (f.avx512_core() && f.fma && f.avx512_bf16) return Isa::avx512_bf16;
    if (f.avx512_core() && f.fma) return Isa::avx512;
    if (f.avx2 && f.fma) return Isa::avx2;
    return Isa::generic;
}

std::vector<Isa> isas_supported() {
    std::vector<Isa> v;
    for (int i = 0; i <= int(isa_supported()); ++i) v.push_back(Isa(i));
    return v;
}

Isa isa_active() {
    const Isa best = isa_supported();
    const char* env = std::getenv("FLOPMETER_ISA");
    if (!env || !*env) return best;
    auto req = parse_isa(env);
    if (!req)
        throw UsageError("FLOPMETER_ISA='" + std::string(env) +
                         "' is not a known ISA level (valid: generic, avx2, avx512, avx512_bf16)");
    if (int(*req) > int(best))
        throw UnavailableError("FLOPMETER_ISA=" + std::string(env) +
                               " but this CPU supports at most " + std::string(isa_name(best)));
    return *req;
}

}  // namespace flopmeter
