# Attention (issue #4): problem, reference, own fused kernels (one file per concept and ISA,
# each compiled with only its ISA's flags), unfused on a GEMM backend, and the measurement case.
set(FLOPMETER_ATTN_DIR ${CMAKE_CURRENT_LIST_DIR})
target_sources(flopmeter_lib PRIVATE
  ${FLOPMETER_ATTN_DIR}/attention_problem.cpp
  ${FLOPMETER_ATTN_DIR}/attention_registry.cpp
  ${FLOPMETER_ATTN_DIR}/attention_own.cpp
  ${FLOPMETER_ATTN_DIR}/attention_unfused.cpp
  ${FLOPMETER_ATTN_DIR}/attention_reference_backend.cpp
  ${FLOPMETER_ATTN_DIR}/attn_kernel_table.cpp
  ${FLOPMETER_ATTN_DIR}/flash_fwd_avx512_12x32.cpp
  ${FLOPMETER_ATTN_DIR}/flash_fwd_avx2_6x16.cpp
  ${FLOPMETER_ATTN_DIR}/flash_fwd_generic_4x8.cpp
  ${FLOPMETER_ATTN_DIR}/flash_bwd_avx512_12x32.cpp
  ${FLOPMETER_ATTN_DIR}/flash_bwd_avx2_6x16.cpp
  ${FLOPMETER_ATTN_DIR}/flash_bwd_generic_4x8.cpp
  ${FLOPMETER_ATTN_DIR}/decode_avx512.cpp
  ${FLOPMETER_ATTN_DIR}/decode_avx2.cpp
  ${FLOPMETER_ATTN_DIR}/decode_generic.cpp
  ${FLOPMETER_ATTN_DIR}/softmax_rows_avx512.cpp
  ${FLOPMETER_ATTN_DIR}/softmax_rows_avx2.cpp
  ${FLOPMETER_ATTN_DIR}/softmax_rows_generic.cpp
  ${CMAKE_SOURCE_DIR}/measure/attention_validate.cpp
  ${CMAKE_SOURCE_DIR}/measure/attention_case.cpp
)
set_source_files_properties(
  ${FLOPMETER_ATTN_DIR}/flash_fwd_avx512_12x32.cpp ${FLOPMETER_ATTN_DIR}/flash_bwd_avx512_12x32.cpp
  ${FLOPMETER_ATTN_DIR}/decode_avx512.cpp ${FLOPMETER_ATTN_DIR}/softmax_rows_avx512.cpp
  PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mfma")
set_source_files_properties(
  ${FLOPMETER_ATTN_DIR}/flash_fwd_avx2_6x16.cpp ${FLOPMETER_ATTN_DIR}/flash_bwd_avx2_6x16.cpp
  ${FLOPMETER_ATTN_DIR}/decode_avx2.cpp ${FLOPMETER_ATTN_DIR}/softmax_rows_avx2.cpp
  PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
