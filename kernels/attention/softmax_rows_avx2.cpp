// softmax_rows_avx2: the unfused kernel's softmax passes, AVX2+FMA. See softmax_rows_body.hpp.
#include "kernels/attention/attn_vec_avx2.hpp"
#include "kernels/attention/softmax_rows_body.hpp"

namespace flopmeter::attn::avx2 {

void softmax(const SoftmaxArgs& a, std::int64_t row0, std::int64_t rows) {
    SoftmaxRows<VecAvx2>::forward(a, row0, rows);
}
void softmax_bwd(const SoftmaxArgs& a, std::int64_t row0, std::int64_t rows) {
    SoftmaxRows<VecAvx2>::backward(a, row0, rows);
}

}  // namespace flopmeter::attn::avx2
