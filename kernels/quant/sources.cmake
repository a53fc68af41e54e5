# Quantized weight-only matmuls (issue 16): formats, oracle, own kernels (one file per ISA, each
# compiled with only its ISA's flags; F16C for the fp16 scales), oneDNN's int8 matmul, and the
# measurement case.
set(FLOPMETER_QUANT_DIR ${CMAKE_CURRENT_LIST_DIR})
target_sources(flopmeter_lib PRIVATE
  ${FLOPMETER_QUANT_DIR}/quant_format.cpp
  ${FLOPMETER_QUANT_DIR}/quant_reference.cpp
  ${FLOPMETER_QUANT_DIR}/qgemm.cpp
  ${FLOPMETER_QUANT_DIR}/qgemm_generic.cpp
  ${FLOPMETER_QUANT_DIR}/qgemm_avx2.cpp
  ${FLOPMETER_QUANT_DIR}/qgemm_avx512.cpp
  ${FLOPMETER_QUANT_DIR}/qgemm_avx512vnni.cpp
  ${FLOPMETER_QUANT_DIR}/qgemm_onednn.cpp
  ${CMAKE_SOURCE_DIR}/measure/quant_case.cpp
)
set_source_files_properties(${FLOPMETER_QUANT_DIR}/qgemm_avx2.cpp
  PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c")
set_source_files_properties(${FLOPMETER_QUANT_DIR}/qgemm_avx512.cpp
  PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mfma;-mf16c")
set_source_files_properties(${FLOPMETER_QUANT_DIR}/qgemm_avx512vnni.cpp
  PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mfma;-mf16c;-mavx512vnni")
