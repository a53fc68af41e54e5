#include "core/cpu_features.hpp"

#include <cpuid.h>

#include <cstdint>
#include <cstring>

namespace flopmeter {
namespace {

struct Regs {
    unsigned a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(unsigned leaf, unsigned sub = 0) {
    Regs r;
    __cpuid_count(leaf, sub, r.a, r.b, r.c, r.d);
    return r;
}

std::uint64_t xgetbv0() {
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (std::uint64_t(hi) << 32) | lo;
}

bool bit(unsigned v, int i) {
    return (v >> i) & 1u;
}

CpuFeatures detect() {
    CpuFeatures f;
    Regs r0 = cpuid(0);
    char vendor[13] = {};
    std::memcpy(vendor + 0, &r0.b, 4);
    std::memcpy(vendor + 4, &r0.d, 4);
    std::memcpy(vendor + 8, &r0.c, 4);
    f.vendor = vendor;
    const unsigned max_leaf = r0.a;

    Regs r1 = cpuid(1);
    int base_family = (r1.a >> 8) & 0xf, base_model = (r1.a >> 4) & 0xf;
    f.family = base_family == 0xf ? base_family + int((r1.a >> 20) & 0xff) : base_family;
    f.model = (base_family == 0x6 || base_family == 0xf)
                  ? base_model + int(((r1.a >> 16) & 0xf) << 4)
                  : base_model;
    f.stepping = int(r1.a & 0xf);

    const bool osxsave = bit(r1.c, 27);
    const std::uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    const bool ymm_os = (xcr0 & 0x6) == 0x6;
    const bool zmm_os = (xcr0 & 0xe6) == 0xe6;
    const bool amx_os = (xcr0 & (3u << 17)) == (3u << 17);

    f.avx = ymm_os && bit(r1.c, 28);
    f.fma = f.avx && bit(r1.c, 12);
    if (max_leaf >= 7) {
        Regs r7 = cpuid(7, 0);
        f.avx2 = f.avx && bit(r7.b, 5);
        f.avx512f = zmm_os && bit(r7.b, 16);
        f.avx512dq = zmm_os && bit(r7.b, 17);
        f.avx512bw = zmm_os && bit(r7.b, 30);
        f.avx512vl = zmm_os && bit(r7.b, 31);
        f.avx512_vnni = zmm_os && bit(r7.c, 11);
        f.avx512_fp16 = zmm_os && bit(r7.d, 23);
        f.amx_bf16 = amx_os && bit(r7.d, 22);
        f.amx_int8 = amx_os && bit(r7.d, 25);
        Regs r71 = cpuid(7, 1);
        f.avx_vnni = f.avx2 && bit(r71.a, 4);
        f.avx512_bf16 = zmm_os && bit(r71.a, 5);
    }

    Regs e0 = cpuid(0x80000000);
    if (e0.a >= 0x80000004) {
        char brand[49] = {};
        for (unsigned i = 0; i < 3; ++i) {
            Regs r = cpuid(0x80000002 + i);
            std::memcpy(brand + 16 * i + 0, &r.a, 4);
            std::memcpy(brand + 16 * i + 4, &r.b, 4);
            std::memcpy(brand + 16 * i + 8, &r.c, 4);
            std::memcpy(brand + 16 * i + 12, &r.d, 4);
        }
        std::string s = brand;
        while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
        while (!s.empty() && s.front() == ' ') s.erase(s.begin());
        f.brand = s;
    }
    return f;
}

}  // namespace

std::string CpuFeatures::flags_string() const {
    std::string s;
    auto add = [&](bool on, const char* name) {
        if (!on) return;
        if (!s.empty()) s += ' ';
        s += name;
    };
    add(fma, "fma");
    add(avx, "avx");
    add(avx2, "avx2");
    add(avx512f, "avx512f");
    add(avx512bw, "avx512bw");
    add(avx512vl, "avx512vl");
    add(avx512dq, "avx512dq");
    add(avx512_vnni, "avx512_vnni");
    add(avx512_bf16, "avx512_bf16");
    add(avx512_fp16, "avx512_fp16");
    add(avx_vnni, "avx_vnni");
    add(amx_bf16, "amx_bf16");
    add(amx_int8, "amx_int8");
    return s;
}

const CpuFeatures& cpu_features() {
    static const CpuFeatures f = detect();
    return f;
}

}  // namespace flopmeter
