// Runs a scope with the kernels' ISA level forced (FLOPMETER_ISA), so tests can exercise every
// variant this CPU supports.
#pragma once

#include <cstdlib>
#include <string>

#include "core/isa.hpp"

namespace flopmeter::test {

struct IsaOverride {
    explicit IsaOverride(Isa isa) {
        setenv("FLOPMETER_ISA", std::string(isa_name(isa)).c_str(), 1);
    }
    ~IsaOverride() { unsetenv("FLOPMETER_ISA"); }
};

}  // namespace flopmeter::test
