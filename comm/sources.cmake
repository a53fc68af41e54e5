# Communication calibration (issue #9): `flopmeter calibrate --comm` under mpirun/srun.
# Included by the top-level CMakeLists.txt. The MPI-free parts (nccl-tests conventions, data
# check, alpha-beta fit, node check, group plan, cluster profile) build everywhere so their
# unit tests run everywhere; the job itself needs MPI (Open MPI from Debian's packages), and
# the NCCL backend also needs CUDA and NCCL. Without MPI, --comm says how to get it (exit 2).
option(FLOPMETER_NCCL "Build the NCCL backend of calibrate --comm when CUDA and NCCL are found" ON)

target_sources(flopmeter_lib PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/collective_spec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/comm_series.cpp
  ${CMAKE_CURRENT_LIST_DIR}/comm_options.cpp
  ${CMAKE_CURRENT_LIST_DIR}/group_plan.cpp
  ${CMAKE_CURRENT_LIST_DIR}/node_check.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cluster_profile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/comm_summary.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_knobs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/launch.cpp
  ${CMAKE_CURRENT_LIST_DIR}/watchdog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/comm_run.cpp
)

find_package(MPI COMPONENTS CXX)
set(FLOPMETER_HAVE_MPI OFF)
set(FLOPMETER_HAVE_NCCL OFF)
if(MPI_CXX_FOUND)
  set(FLOPMETER_HAVE_MPI ON)
  target_sources(flopmeter_lib PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/mpi_session.cpp
    ${CMAKE_CURRENT_LIST_DIR}/control.cpp
    ${CMAKE_CURRENT_LIST_DIR}/mpi_backend.cpp
    ${CMAKE_CURRENT_LIST_DIR}/comm_sweep.cpp
    ${CMAKE_CURRENT_LIST_DIR}/node_kernels.cpp
    ${CMAKE_CURRENT_LIST_DIR}/comm_job.cpp
  )
  # OMPI_SKIP_MPICXX: the C API only, not Open MPI's deprecated C++ bindings.
  target_compile_definitions(flopmeter_lib PUBLIC FLOPMETER_HAVE_MPI OMPI_SKIP_MPICXX=1 MPICH_SKIP_MPICXX=1)
  target_link_libraries(flopmeter_lib PUBLIC MPI::MPI_CXX)

  if(FLOPMETER_NCCL AND FLOPMETER_HAVE_CUDA)
    find_package(CUDAToolkit QUIET)
    if(CUDAToolkit_FOUND)
      find_path(FLOPMETER_NCCL_INCLUDE nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
      find_library(FLOPMETER_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
      if(FLOPMETER_NCCL_INCLUDE AND FLOPMETER_NCCL_LIBRARY)
        set(FLOPMETER_HAVE_NCCL ON)
        target_sources(flopmeter_lib PRIVATE ${CMAKE_CURRENT_LIST_DIR}/nccl_backend.cpp)
        target_compile_definitions(flopmeter_lib PRIVATE FLOPMETER_HAVE_NCCL)
        target_include_directories(flopmeter_lib PRIVATE ${FLOPMETER_NCCL_INCLUDE})
        target_link_libraries(flopmeter_lib PUBLIC ${FLOPMETER_NCCL_LIBRARY} CUDA::cudart)
      endif()
    endif()
  endif()
endif()
message(STATUS "flopmeter: MPI=${FLOPMETER_HAVE_MPI} NCCL=${FLOPMETER_HAVE_NCCL} (calibrate --comm)")
