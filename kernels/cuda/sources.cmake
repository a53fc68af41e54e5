# GPU kernels (issue #7). Included by the top-level CMakeLists.txt (before measure/cuda).
#
# Host-only logic that needs no CUDA headers (problem descriptions, tile arithmetic) is
# compiled in every build, so its unit tests run everywhere. Everything that touches the CUDA
# runtime, cuBLAS or device code is compiled only when nvcc was found (FLOPMETER_HAVE_CUDA).
target_sources(flopmeter_lib PRIVATE
  ${CMAKE_SOURCE_DIR}/kernels/cuda/gemm/gpu_gemm_problem.cpp
  ${CMAKE_SOURCE_DIR}/kernels/cuda/attention/gpu_attention_problem.cpp
)

if(FLOPMETER_HAVE_CUDA)
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)

  # Device code lives in one object library so that its compile options are its own: the
  # top-level -Wall/-Wextra are gcc options nvcc rejects, so they reach the host compiler
  # through -Xcompiler instead. SASS for sm_80 (A100) and sm_90a (H100/H200: wgmma, TMA,
  # setmaxnreg), and compute_90 PTX so later GPUs can JIT the portable kernels.
  # CMake 3.25 knows nvcc's dialects only up to C++17, so device code is C++17 (the headers
  # it shares with host code are kept C++17-clean).
  add_library(flopmeter_cuda_kernels OBJECT)
  set_property(TARGET flopmeter_cuda_kernels PROPERTY COMPILE_OPTIONS "")
  set_target_properties(flopmeter_cuda_kernels PROPERTIES
    CUDA_ARCHITECTURES OFF
    CUDA_STANDARD 17
    CUDA_STANDARD_REQUIRED ON)
  target_include_directories(flopmeter_cuda_kernels PRIVATE ${CMAKE_SOURCE_DIR})
  target_link_libraries(flopmeter_cuda_kernels PRIVATE nlohmann_json::nlohmann_json)
  target_compile_options(flopmeter_cuda_kernels PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:
      -gencode=arch=compute_80,code=sm_80
      -gencode=arch=compute_90a,code=sm_90a
      -gencode=arch=compute_90,code=compute_90
      --expt-relaxed-constexpr
      -lineinfo
      -Xcompiler=-Wall,-Wextra
      --Werror=cross-execution-space-call>)

  function(flopmeter_cuda_sources)
    target_sources(flopmeter_cuda_kernels PRIVATE ${ARGN})
  endfunction()

  flopmeter_cuda_sources(
    ${CMAKE_SOURCE_DIR}/kernels/cuda/common/fill.cu
    ${CMAKE_SOURCE_DIR}/kernels/cuda/gemm/sgemm_simt_128x128x8.cu
    ${CMAKE_SOURCE_DIR}/kernels/cuda/gemm/hgemm_sm80_mma_128x128x64.cu
    ${CMAKE_SOURCE_DIR}/kernels/cuda/gemm/hgemm_sm90_wgmma_128x256x64.cu
    ${CMAKE_SOURCE_DIR}/kernels/cuda/attention/flash_fwd_sm80.cu
    ${CMAKE_SOURCE_DIR}/kernels/cuda/attention/flash_fwd_sm90.cu
    ${CMAKE_SOURCE_DIR}/kernels/cuda/attention/flash_combine.cu
    ${CMAKE_SOURCE_DIR}/kernels/cuda/attention/flash_bwd_sm80.cu
    ${CMAKE_SOURCE_DIR}/kernels/cuda/attention/softmax_rows.cu
  )

  target_sources(flopmeter_lib PRIVATE
    ${CMAKE_SOURCE_DIR}/kernels/cuda/common/cuda_check.cpp
    ${CMAKE_SOURCE_DIR}/kernels/cuda/common/cuda_device.cpp
    ${CMAKE_SOURCE_DIR}/kernels/cuda/common/device_buffer.cpp
    ${CMAKE_SOURCE_DIR}/kernels/cuda/common/cuda_context.cpp
    ${CMAKE_SOURCE_DIR}/kernels/cuda/common/download.cpp
    ${CMAKE_SOURCE_DIR}/kernels/cuda/gemm/gpu_gemm_registry.cpp
    ${CMAKE_SOURCE_DIR}/kernels/cuda/gemm/gemm_cublaslt.cpp
    ${CMAKE_SOURCE_DIR}/kernels/cuda/gemm/gemm_own_cuda.cpp
    ${CMAKE_SOURCE_DIR}/kernels/cuda/gemm/tma_map.cpp
    ${CMAKE_SOURCE_DIR}/kernels/cuda/attention/gpu_attention_backends.cpp
  )
  # The runtime is linked statically: it reports "no device" / "insufficient driver" instead
  # of failing to load where there is no driver. cuBLAS(Lt) come from the toolkit (a CUDA
  # build implies the toolkit is installed); NVML and cuDNN are opened at run time.
  target_link_libraries(flopmeter_lib PUBLIC CUDA::cudart_static CUDA::cublas CUDA::cublasLt)
  target_sources(flopmeter_lib PRIVATE $<TARGET_OBJECTS:flopmeter_cuda_kernels>)
  set_target_properties(flopmeter_lib PROPERTIES CUDA_ARCHITECTURES OFF CUDA_STANDARD 17)
endif()
