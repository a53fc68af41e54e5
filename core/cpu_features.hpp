// What the CPU can execute, from cpuid (and xgetbv for the OS-enabled register state).
#pragma once

#include <string>

namespace flopmeter {

struct CpuFeatures {
    std::string vendor;  // "AuthenticAMD", "GenuineIntel"
    std::string brand;   // marketing name from cpuid leaves 0x80000002..4
    int family = 0, model = 0, stepping = 0;
    bool fma = false, avx = false, avx2 = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
    bool avx512_bf16 = false, avx512_vnni = false, avx512_fp16 = false, avx_vnni = false;
    bool amx_bf16 = false, amx_int8 = false;

    // AVX-512 usable as the kernels need it (F+BW+VL+DQ and OS-enabled ZMM state).
    bool avx512_core() const { return avx512f && avx512bw && avx512vl && avx512dq; }
    std::string flags_string() const;  // space-separated list of the flags above that are set
};

const CpuFeatures& cpu_features();

}  // namespace flopmeter
