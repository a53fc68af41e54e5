# The cost model: architectures -> exact per-op shapes -> times from a device profile.
target_sources(flopmeter_lib PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/model_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/param_count.cpp
  ${CMAKE_CURRENT_LIST_DIR}/presets.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hf_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/lora.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_ops.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_ops_frontier.cpp
  ${CMAKE_CURRENT_LIST_DIR}/op_timing.cpp
  ${CMAKE_CURRENT_LIST_DIR}/memory_plan.cpp
  ${CMAKE_CURRENT_LIST_DIR}/comm_plan.cpp
  ${CMAKE_CURRENT_LIST_DIR}/training_estimate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layout_search.cpp
  ${CMAKE_CURRENT_LIST_DIR}/inference_estimate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/whatif.cpp
  ${CMAKE_CURRENT_LIST_DIR}/estimate_report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/estimate_json.cpp
)

# The published runs for `flopmeter validate`, embedded (regenerated when the data changes).
file(READ ${CMAKE_SOURCE_DIR}/data/published_runs.json FM_PUBLISHED_RUNS)
file(READ ${CMAKE_SOURCE_DIR}/data/published_runs_setup.json FM_PUBLISHED_RUNS_SETUP)
configure_file(${CMAKE_CURRENT_LIST_DIR}/published_runs_data.cpp.in ${CMAKE_BINARY_DIR}/generated/published_runs_data.cpp @ONLY)
set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/data/published_runs.json ${CMAKE_SOURCE_DIR}/data/published_runs_setup.json)
target_sources(flopmeter_lib PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/published_runs.cpp
  ${CMAKE_BINARY_DIR}/generated/published_runs_data.cpp)
# Pocket/edge answers (issue 16).
target_sources(flopmeter_lib PRIVATE ${CMAKE_CURRENT_LIST_DIR}/pocket.cpp)
