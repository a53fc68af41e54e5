#include "kernels/quant/quant_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.hpp"

namespace flopmeter {

std::string quant_format_name(const QuantFormat& f) {
    const std::string b = f.bits == 8 ? "q8" : "q4";
    return f.group == 32 ? b + "_0" : b + "_g" + std::to_string(f.group);
}

QuantFormat parse_quant_format(std::string_view s) {
    const std::string valid =
        " (valid: q4_0, q8_0, q4_g128, q8_g128, or qB_gG with B = 4|8, G = 32 or a multiple of "
        "128)";
    QuantFormat f;
    if (s.size() < 4 || s[0] != 'q' || (s[1] != '4' && s[1] != '8') || s[2] != '_')
        throw UsageError("unknown quantized format '" + std::string(s) + "'" + valid);
    f.bits = s[1] - '0';
    const std::string_view rest = s.substr(3);
    if (rest == "0") {
        f.group = 32;
    } else if (rest.size() > 1 && rest[0] == 'g' &&
               std::all_of(rest.begin() + 1, rest.end(),
                           [](char c) { return c >= '0' && c <= '9'; }) &&
               rest.size() < 12) {
        f.group = std::stoll(std::string(rest.substr(1)));
    } else {
        throw UsageError("unknown quantized format '" + std::string(s) + "'" + valid);
    }
    if (f.group != 32 && (f.group <= 0 || f.group % 128 != 0))
        throw UsageError("quantized format '" + std::string(s) +
                         "': the group must be 32 or a multiple of 128");
    return f;
}

void check_quant_shape(const QuantFormat& f, std::int64_t n, std::int64_t k) {
    const std::string name = quant_format_name(f);
    if (f.bits != 4 && f.bits != 8)
        throw UsageError("quantized formats have 4 or 8 bits (got " + std::to_string(f.bits) + ")");
    if (n <= 0 || k <= 0) throw UsageError(name + ": N and K must be positive");
    if (f.group != 32 && (f.group <= 0 || f.group % 128 != 0))
        throw UsageError(name + ": the group must be 32 or a multiple of 128 (got " +
                         std::to_string(f.group) + ")");
    if (k % f.group != 0)
        throw UsageError(name + ": the block size " + std::to_string(f.group) +
                         " does not divide K = " + std::to_string(k));
    if (k % 128 != 0)
        throw UsageError(name + ": K = " + std::to_string(k) +
                         " is not a multiple of 128 (the packing superblock)");
}

std::uint16_t fp16_from_float(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    const std::uint32_t sign = (u >> 16) & 0x8000u;
    const std::uint32_t a = u & 0x7fffffffu;
    if (a >= 0x7f800000u)
        return std::uint16_t(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u));  // inf, NaN
    if (a >= 0x477ff000u) return std::uint16_t(sign | 0x7c00u);  // rounds above 65504: inf
    if (a < 0x38800000u) {                                       // fp16 subnormal or zero
        if (a < 0x33000000u) return std::uint16_t(sign);  // below half the smallest subnormal
        const std::uint32_t e = a >> 23, mant = (a & 0x7fffffu) | 0x800000u;
        const std::uint32_t shift =
            126 - e;  // value = mant * 2^(e-150); fp16's subnormal unit is 2^-24
        const std::uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1),
                            half = 1u << (shift - 1);
        const std::uint32_t r = q + (rem > half || (rem == half && (q & 1u)));
        return std::uint16_t(sign | r);
    }
    const std::uint32_t e = (a >> 23) - 112, mant = a & 0x7fffffu;
    std::uint32_t h = (e << 10) | (mant >> 13);
    const std::uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // carries into the exponent correctly
    return std::uint16_t(sign | h);
}

float fp16_to_float(std::uint16_t h) {
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
    const std::uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    float f;
    if (e == 0) {
        f = std::ldexp(float(m), -24);
        std::uint32_t u;
        std::memcpy(&u, &f, 4);
        u |= sign;
        std::memcpy(&f, &u, 4);
        return f;
    }
    const std::uint32_t u =
        sign | (e == 31 ? (0xffu << 23) | (m << 13) : ((e + 112) << 23) | (m << 13));
    std::memcpy(&f, &u, 4);
    return f;
}

namespace {

// Byte index and nibble (0 low, 1 high) of element c of an int4 row.
inline void int4_pos(std::int64_t c, std::int64_t& byte, int& nib) {
    const std::int64_t sb = c / 128, j = c % 128;
    byte = sb * 64 + (j % 64);
    nib = j >= 64 ? 1 : 0;
}

}  // namespace

QuantMatrix quantize_weights(const QuantFormat& f, std::int64_t n, std::int64_t k, const float* w) {
    check_quant_shape(f, n, k);
    QuantMatrix m;
    m.format = f;
    m.n = n;
    m.k = k;
    m.codes.reset(std::size_t(n * m.row_bytes()));
    m.scales.reset(std::size_t(n * m.groups()) * 2);
    std::memset(m.codes.data(), 0, m.codes.size());
    const int qmax = quant_qmax(f.bits), off = quant_offset(f.bits);
    const int qmin = f.bits == 8 ? -128 : -8;
    for (std::int64_t r = 0; r < n; ++r) {
        std::uint8_t* codes = m.codes.as<std::uint8_t>() + r * m.row_bytes();
        std::uint16_t* sc = m.scales.as<std::uint16_t>() + r * m.groups();
        for (std::int64_t g = 0; g < m.groups(); ++g) {
            const float* src = w + r * k + g * f.group;
            float amax = 0;
            for (std::int64_t i = 0; i < f.group; ++i) amax = std::max(amax, std::fabs(src[i]));
            const std::uint16_t dh = fp16_from_float(amax / float(qmax));
            sc[g] = dh;
            const float d = fp16_to_float(dh);  // quantize against the stored scale
            const float id = d > 0 ? 1.0f / d : 0.0f;
            for (std::int64_t i = 0; i < f.group; ++i) {
                const int q =
                    std::clamp(int(std::nearbyint(src[i] * id)), qmin, qmax == 127 ? 127 : 7);
                const std::int64_t c = g * f.group + i;
                if (f.bits == 8) {
                    codes[c] = std::uint8_t(q + off);
                } else {
                    std::int64_t byte;
                    int nib;
                    int4_pos(c, byte, nib);
                    codes[byte] |= std::uint8_t((q + off) << (4 * nib));
                }
            }
        }
    }
    return m;
}

std::string quant_packing_name(const QuantPacking& p) {
    if (p.tile_rows == 1) return "rows";
    return (p.quads ? "quads" : "tiles") + std::to_string(p.tile_rows);
}

int quant_code(const QuantMatrix& m, std::int64_t r, std::int64_t c) {
    const QuantTiling t = m.tiling();
    if (m.format.bits == 8) return int(m.codes.as<std::uint8_t>()[t.code_byte(r, c)]) - 128;
    std::int64_t byte;
    int nib;
    int4_pos(c, byte, nib);
    return int((m.codes.as<std::uint8_t>()[t.code_byte(r, byte)] >> (4 * nib)) & 0xf) - 8;
}

double dequant(const QuantMatrix& m, std::int64_t r, std::int64_t c) {
    return double(fp16_to_float(m.scale(r, c / m.format.group))) * double(quant_code(m, r, c));
}

void dequant_row(const QuantMatrix& m, std::int64_t r, double* out) {
    const QuantTiling t = m.tiling();
    const std::uint8_t* codes = m.codes.as<std::uint8_t>();
    const std::uint16_t* scales = m.scales.as<std::uint16_t>();
    const std::int64_t gsize = m.format.group;
    for (std::int64_t g = 0; g < m.groups(); ++g) {
        const double d = double(fp16_to_float(scales[t.scale_index(r, g)]));
        for (std::int64_t c = g * gsize; c < (g + 1) * gsize; ++c) {
            int q;
            if (m.format.bits == 8) {
                q = int(codes[t.code_byte(r, c)]) - 128;
            } else {
                std::int64_t byte;
                int nib;
                int4_pos(c, byte, nib);
                q = int((codes[t.code_byte(r, byte)] >> (4 * nib)) & 0xf) - 8;
            }
            out[c] = d * double(q);
        }
    }
}

QuantMatrix quant_repack(const QuantMatrix& m, const QuantPacking& p) {
    if (p.tile_rows < 1) throw UsageError("quantized packing: tile_rows must be >= 1");
    QuantMatrix o;
    o.format = m.format;
    o.n = m.n;
    o.k = m.k;
    o.packing = p;
    o.codes.reset(m.codes.size());
    o.scales.reset(m.scales.size());
    const QuantTiling from = m.tiling(), to = o.tiling();
    const std::uint8_t* src = m.codes.as<std::uint8_t>();
    std::uint8_t* dst = o.codes.as<std::uint8_t>();
    for (std::int64_t r = 0; r < m.n; ++r) {
        for (std::int64_t b = 0; b < m.row_bytes(); b += 4)  // quads never straddle a chunk
            std::memcpy(dst + to.code_byte(r, b), src + from.code_byte(r, b), 4);
        for (std::int64_t g = 0; g < m.groups(); ++g)
            o.scales.as<std::uint16_t>()[to.scale_index(r, g)] =
                m.scales.as<std::uint16_t>()[from.scale_index(r, g)];
    }
    return o;
}

void QuantActs::reset(std::int64_t m_, std::int64_t k_, std::int64_t group_) {
    if (m == m_ && k == k_ && group == group_ && q.size() != 0) return;
    m = m_;
    k = k_;
    group = group_;
    q.reset(std::size_t(m * k));
    scale.reset(std::size_t(m * groups()) * 4);
    comp.reset(std::size_t(m * groups()) * 4);
    group_bias.reset(std::size_t(m * groups()) * 4);
}

void quantize_acts_generic(const float* x, std::int64_t ldx, QuantActs& a, int weight_bits,
                           std::int64_t r0, std::int64_t r1) {
    const float off = float(quant_offset(weight_bits));
    for (std::int64_t r = r0; r < r1; ++r)
        for (std::int64_t g = 0; g < a.groups(); ++g) {
            const float* src = x + r * ldx + g * a.group;
            std::int8_t* q = a.q.as<std::int8_t>() + r * a.k + g * a.group;
            float amax = 0;
            for (std::int64_t i = 0; i < a.group; ++i) amax = std::max(amax, std::fabs(src[i]));
            const float d = amax / 127.0f;
            const float id = d > 0 ? 1.0f / d : 0.0f;
            std::int32_t sum = 0;
            for (std::int64_t i = 0; i < a.group; ++i) {
                const int v = std::clamp(int(std::nearbyint(src[i] * id)), -127, 127);
                q[i] = std::int8_t(v);
                sum += v;
            }
            a.scale.as<float>()[r * a.groups() + g] = d;
            a.comp.as<float>()[r * a.groups() + g] = off * d * float(sum);
            a.group_bias.as<std::int32_t>()[r * a.groups() + g] = -quant_offset(weight_bits) * sum;
        }
}

}  // namespace flopmeter
