// Instruction-set levels for runtime kernel dispatch, ordered: a machine that runs a level runs
// every level below it. FLOPMETER_ISA=<name> caps the level (to force a kernel set, and so
// tests can run every variant the machine supports).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace flopmeter {

enum class Isa { generic = 0, avx2 = 1, avx512 = 2, avx512_bf16 = 3 };

constexpr std::string_view isa_name(Isa i) {
    switch (i) {
        case Isa::generic:
            return "generic";
        case Isa::avx2:
            return "avx2";
        case Isa::avx512:
            return "avx512";
        case Isa::avx512_bf16:
            return "avx512_bf16";
    }
    return "?";
}

std::optional<Isa> parse_isa(std::string_view s);

// Highest level this CPU (and OS) supports.
Isa isa_supported();
// All levels this CPU supports, lowest first.
std::vector<Isa> isas_supported();
// The level kernels dispatch to: isa_supported(), capped by FLOPMETER_ISA when set.
// Throws UsageError when FLOPMETER_ISA names an unknown level or one the CPU lacks.
Isa isa_active();

}  // namespace flopmeter
