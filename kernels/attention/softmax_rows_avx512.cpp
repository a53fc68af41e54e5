// softmax_rows_avx512: the unfused kernel's softmax passes, AVX-512F. See softmax_rows_body.hpp.
#include "kernels/attention/attn_vec_avx512.hpp"
#include "kernels/attention/softmax_rows_body.hpp"

namespace flopmeter::attn::avx512 {

void softmax(const SoftmaxArgs& a, std::int64_t row0, std::int64_t rows) {
    SoftmaxRows<VecAvx512>::forward(a, row0, rows);
}
void softmax_bwd(const SoftmaxArgs& a, std::int64_t row0, std::int64_t rows) {
    SoftmaxRows<VecAvx512>::backward(a, row0, rows);
}

}  // namespace flopmeter::attn::avx512
