// The attention FLOP formulas are proven, not assumed: the reference kernels run on a scalar
// type that tallies every +, *, max, exp, / and log, and the tallies must equal core/flops.hpp
// exactly, for causal, non-causal, Sq != Sk (both ways) and decode shapes, MHA, GQA and MQA.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/flops.hpp"
#include "kernels/attention/attention_reference.hpp"
#include "tests/counting_scalar.hpp"

using namespace flopmeter;
using test::Counted;
using test::op_counts;

namespace {

std::vector<flops::AttentionShape> shapes() {
    std::vector<flops::AttentionShape> v;
    // b, h, g, sq, sk, d, dv, causal
    for (bool c : {false, true}) {
        v.push_back({1, 1, 1, 1, 1, 1, 1, c});
        v.push_back({1, 2, 2, 7, 7, 5, 5, c});   // square, MHA
        v.push_back({2, 4, 2, 5, 11, 3, 6, c});  // Sq < Sk (causal: bottom-right), GQA, Dv != D
        v.push_back({1, 3, 1, 11, 4, 4, 2, c});  // Sq > Sk: causal rows that see no key, MQA
        v.push_back({2, 4, 1, 1, 33, 8, 8, c});  // decode
        v.push_back({1, 2, 1, 3, 20, 4, 4, c});  // short decode (speculative), causal mask bites
    }
    return v;
}

// Exact pairs by enumeration.
double brute_pairs(std::int64_t sq, std::int64_t sk, bool causal) {
    double n = 0;
    for (std::int64_t i = 0; i < sq; ++i)
        for (std::int64_t j = 0; j < sk; ++j)
            if (!causal || j <= i + sk - sq) ++n;
    return n;
}

// Pairs in visited tiles by enumeration of the tiles.
double brute_tiled(std::int64_t sq, std::int64_t sk, bool causal, std::int64_t tq,
                   std::int64_t tk) {
    double n = 0;
    for (std::int64_t i0 = 0; i0 < sq; i0 += tq)
        for (std::int64_t j0 = 0; j0 < sk; j0 += tk) {
            bool any = false;
            for (std::int64_t i = i0; i < std::min(sq, i0 + tq); ++i)
                for (std::int64_t j = j0; j < std::min(sk, j0 + tk); ++j)
                    any |= !causal || j <= i + sk - sq;
            if (any) n += double(std::min(sq, i0 + tq) - i0) * double(std::min(sk, j0 + tk) - j0);
        }
    return n;
}

}  // namespace

TEST_CASE("attention pair counts equal enumeration", "[flops][attention]") {
    for (std::int64_t sq : {1, 2, 3, 7, 16, 33})
        for (std::int64_t sk : {1, 2, 5, 7, 16, 40})
            for (bool c : {false, true}) {
                INFO("sq " << sq << " sk " << sk << " causal " << c);
                CHECK(flops::attention_pairs(sq, sk, c) == brute_pairs(sq, sk, c));
                double rows = 0;
                for (std::int64_t i = 0; i < sq; ++i)
                    rows += flops::attention_visible_keys(i, sq, sk, c) > 0;
                CHECK(flops::attention_rows_with_keys(sq, sk, c) == rows);
                for (auto [tq, tk] : std::vector<std::pair<int, int>>{
                         {1, 1}, {4, 8}, {12, 32}, {48, 128}, {5, 3}}) {
                    const double t = flops::attention_tiled_pairs(sq, sk, c, tq, tk);
                    CHECK(t == brute_tiled(sq, sk, c, tq, tk));
                    CHECK(t >= flops::attention_pairs(sq, sk, c));  // masked-tile work only adds
                }
            }
    // Closed forms: square causal S(S+1)/2; decode sees every key.
    CHECK(flops::attention_pairs(4096, 4096, true) == 4096.0 * 4097.0 / 2.0);
    CHECK(flops::attention_pairs(1, 32768, true) == 32768.0);
    CHECK(flops::attention_tiled_pairs(4096, 4096, false, 48, 128) == 4096.0 * 4096.0);
}

TEST_CASE("attention forward reference tallies equal the formula header exactly",
          "[flops][attention]") {
    for (const auto& a : shapes()) {
        const std::size_t nq = std::size_t(a.batch * a.seq_q * a.heads * a.head_dim);
        const std::size_t nk = std::size_t(a.batch * a.seq_k * a.kv_heads * a.head_dim);
        const std::size_t nv = std::size_t(a.batch * a.seq_k * a.kv_heads * a.value_dim);
        std::vector<Counted> q(nq, 0.25), k(nk, 0.5), v(nv, 1.0),
            o(std::size_t(a.batch * a.seq_q * a.heads * a.value_dim)),
            lse(std::size_t(a.batch * a.heads * a.seq_q)), scores(std::size_t(a.seq_k));
        for (std::size_t i = 0; i < q.size(); ++i) q[i] = 0.1 * double(i % 7) - 0.3;
        op_counts() = {};
        attention_reference_fwd<Counted, Counted, Counted>(a, 0.5, q.data(), k.data(), v.data(),
                                                           o.data(), lse.data(), scores.data());
        const test::OpCounts got = op_counts();
        const double bh = double(a.batch) * double(a.heads),
                     p = flops::attention_pairs(a.seq_q, a.seq_k, a.causal);
        const flops::SoftmaxTally sm = flops::attention_fwd_softmax_ops(a);
        INFO("b" << a.batch << " h" << a.heads << " g" << a.kv_heads << " sq" << a.seq_q << " sk"
                 << a.seq_k << " d" << a.head_dim << " dv" << a.value_dim
                 << (a.causal ? " causal" : ""));
        // Matmul part: one multiply and one add per (pair, D) for S and per (pair, Dv) for PV.
        const double mm = bh * p * double(a.head_dim + a.value_dim);
        CHECK(double(got.mul) == mm + sm.mul);
        CHECK(double(got.add) == mm + sm.add);
        CHECK(double(got.max) == sm.max);
        CHECK(double(got.exp) == sm.exp);
        CHECK(double(got.div) == sm.div);
        CHECK(double(got.log) == sm.log);
        CHECK(got.fma == 0);
        CHECK(2.0 * mm == flops::attention_fwd_model_flops(a));
        CHECK(flops::attention_fwd_executed_flops(a, p) == flops::attention_fwd_model_flops(a));
        // The values are right too: V is all ones, so every row that sees a key outputs 1.
        for (std::int64_t i = 0; i < a.seq_q; ++i) {
            const bool sees = flops::attention_visible_keys(i, a.seq_q, a.seq_k, a.causal) > 0;
            CHECK(o[std::size_t(i * a.heads * a.value_dim)].v == Approx(sees ? 1.0 : 0.0));
        }
    }
}

TEST_CASE("attention backward reference tallies equal the formula header exactly",
          "[flops][attention]") {
    for (const auto& a : shapes()) {
        const std::size_t nq = std::size_t(a.batch * a.seq_q * a.heads * a.head_dim);
        const std::size_t nk = std::size_t(a.batch * a.seq_k * a.kv_heads * a.head_dim);
        const std::size_t nv = std::size_t(a.batch * a.seq_k * a.kv_heads * a.value_dim);
        const std::size_t no = std::size_t(a.batch * a.seq_q * a.heads * a.value_dim);
        std::vector<Counted> q(nq, 0.25), k(nk, 0.5), v(nv, 1.0), o(no, 0.5), d_o(no, 1.0),
            lse(std::size_t(a.batch * a.heads * a.seq_q), 0.0), dq(nq), dk(nk), dv(nv);
        std::vector<Counted> dka(std::size_t(a.seq_k * a.head_dim)),
            dva(std::size_t(a.seq_k * a.value_dim)), dqa(std::size_t(a.head_dim));
        op_counts() = {};
        attention_reference_bwd<Counted, Counted, Counted, Counted>(
            a, 0.5, q.data(), k.data(), v.data(), o.data(), d_o.data(), lse.data(), dq.data(),
            dk.data(), dv.data(), dka.data(), dva.data(), dqa.data());
        const test::OpCounts got = op_counts();
        const double bh = double(a.batch) * double(a.heads),
                     p = flops::attention_pairs(a.seq_q, a.seq_k, a.causal);
        const flops::SoftmaxTally sm = flops::attention_bwd_softmax_ops(a);
        INFO("b" << a.batch << " h" << a.heads << " g" << a.kv_heads << " sq" << a.seq_q << " sk"
                 << a.seq_k << " d" << a.head_dim << " dv" << a.value_dim
                 << (a.causal ? " causal" : ""));
        // Five products per pair: S again (D), dP (Dv), dV (Dv), dQ (D), dK (D).
        const double mm = bh * p * double(3 * a.head_dim + 2 * a.value_dim);
        CHECK(double(got.mul) == mm + sm.mul);
        CHECK(double(got.add) == mm + sm.add);
        CHECK(double(got.exp) == sm.exp);
        CHECK(got.max == 0);
        CHECK(got.div == 0);
        CHECK(got.log == 0);
        CHECK(got.fma == 0);
        CHECK(2.0 * mm == flops::attention_bwd_executed_flops(a, p, true));
        CHECK(2.0 * mm ==
              flops::attention_bwd_model_flops(a));  // five matmuls, D and Dv as they are
        if (a.head_dim == a.value_dim)
            CHECK(flops::attention_bwd_model_flops(a) == 2.5 * flops::attention_fwd_model_flops(a));
        // Without recomputation (the unfused kernel keeps P) one product fewer per pair.
        CHECK(flops::attention_bwd_executed_flops(a, p, false) ==
              2.0 * bh * p * double(2 * a.head_dim + 2 * a.value_dim));
    }
}

TEST_CASE("FlashAttention convention, bytes and training-run scale", "[flops][attention]") {
    flops::AttentionShape a{2, 16, 4, 4096, 4096, 128, 128, false};
    CHECK(flops::attention_fwd_flash_flops(a) == 4.0 * 2 * 16 * 4096.0 * 4096.0 * 128);
    CHECK(flops::attention_fwd_flash_flops(a) ==
          flops::attention_fwd_model_flops(a));  // non-causal, D = Dv
    a.causal = true;
    CHECK(flops::attention_fwd_flash_flops(a) ==
          Approx(flops::attention_fwd_model_flops(a)).epsilon(1e-3));
    CHECK(flops::attention_fwd_model_flops(a) >
          flops::attention_fwd_flash_flops(a));  // the diagonal counts
    // GQA changes bytes, not FLOPs.
    flops::AttentionShape m = a;
    m.kv_heads = 16;
    CHECK(flops::attention_fwd_model_flops(m) == flops::attention_fwd_model_flops(a));
    CHECK(flops::attention_kv_bytes(m, 4) == 4.0 * flops::attention_kv_bytes(a, 4));
    const flops::AttentionBytes f = flops::attention_fwd_bytes(a, 2.0, 4.0);
    CHECK(f.q == 2.0 * 4096 * 16 * 128 * 2);
    CHECK(f.k == 2.0 * 4096 * 4 * 128 * 2);
    CHECK(f.o == 2.0 * 4096 * 16 * 128 * 4);
    CHECK(f.lse == 2.0 * 16 * 4096 * 4);
    const flops::AttentionBytes b = flops::attention_bwd_bytes(a, 2.0, 4.0);
    CHECK(b.dq == f.q * 2.0);
    CHECK(b.d_o == f.o);
    // A year of long-context training does not overflow.
    const flops::AttentionShape big{1'000'000, 128, 8, 1'000'000, 1'000'000, 256, 256, true};
    CHECK(std::isfinite(flops::attention_bwd_model_flops(big)));
    CHECK(flops::attention_bwd_model_flops(big) ==
          Approx(2.5 * 2.0 * 1e6 * 128 * (1e12 + 1e6) / 2.0 * 512).epsilon(1e-12));
}
