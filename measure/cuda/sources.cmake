# GPU measurement (issue #7): timing, NVML, provenance, cases, roofline, the calibration sweep.
# Included after kernels/cuda/sources.cmake, which creates the device-code object library.

# No CUDA needed: NVML is opened with dlopen, validation and JSON are plain C++.
target_sources(flopmeter_lib PRIVATE
  ${CMAKE_SOURCE_DIR}/measure/cuda/nvml.cpp
  ${CMAKE_SOURCE_DIR}/measure/cuda/nvml_reasons.cpp
  ${CMAKE_SOURCE_DIR}/measure/cuda/gpu_provenance_json.cpp
  ${CMAKE_SOURCE_DIR}/measure/cuda/gpu_gemm_validate.cpp
  ${CMAKE_SOURCE_DIR}/measure/cuda/gpu_attention_validate.cpp
  ${CMAKE_SOURCE_DIR}/measure/cuda/cuda_sweep_plan.cpp
  ${CMAKE_SOURCE_DIR}/measure/cuda/roofline/cuda_roofline_json.cpp
)

if(FLOPMETER_HAVE_CUDA)
  flopmeter_cuda_sources(
    ${CMAKE_SOURCE_DIR}/measure/cuda/gpu_timing.cu
    ${CMAKE_SOURCE_DIR}/measure/cuda/roofline/cuda_peak.cu
    ${CMAKE_SOURCE_DIR}/measure/cuda/roofline/cuda_bandwidth.cu
  )
  target_sources(flopmeter_lib PRIVATE
    ${CMAKE_SOURCE_DIR}/measure/cuda/gpu_provenance.cpp
    ${CMAKE_SOURCE_DIR}/measure/cuda/gpu_timing.cpp
    ${CMAKE_SOURCE_DIR}/measure/cuda/cuda_case.cpp
    ${CMAKE_SOURCE_DIR}/measure/cuda/gpu_gemm_case.cpp
    ${CMAKE_SOURCE_DIR}/measure/cuda/gpu_attention_case.cpp
    ${CMAKE_SOURCE_DIR}/measure/cuda/cuda_sweep.cpp
    ${CMAKE_SOURCE_DIR}/measure/cuda/roofline/cuda_roofline.cpp
  )
endif()
