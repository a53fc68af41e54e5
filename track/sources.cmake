# Regression tracking (issue 8): results store (SQLite), statistical comparison, history and
# change points. Included by the top-level CMakeLists.txt.
find_package(SQLite3 REQUIRED)
target_sources(flopmeter_lib PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sqlite_db.cpp
  ${CMAKE_CURRENT_LIST_DIR}/store_migrations.cpp
  ${CMAKE_CURRENT_LIST_DIR}/store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/record.cpp
  ${CMAKE_CURRENT_LIST_DIR}/merge.cpp
  ${CMAKE_CURRENT_LIST_DIR}/results_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gbench_import.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run_ref.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mann_whitney.cpp
  ${CMAKE_CURRENT_LIST_DIR}/shift_ci.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fdr.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compare.cpp
  ${CMAKE_CURRENT_LIST_DIR}/check_report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/change_points.cpp
  ${CMAKE_CURRENT_LIST_DIR}/history.cpp
  ${CMAKE_CURRENT_LIST_DIR}/wilcoxon.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ab_schedule.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ab_analysis.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ab_process.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ab_session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run_spread.cpp
)
target_link_libraries(flopmeter_lib PUBLIC SQLite::SQLite3)
# `history --plot` finds scripts/plot_history.py in the source tree it was built from.
set_property(SOURCE ${CMAKE_SOURCE_DIR}/cli/cmd_history.cpp APPEND PROPERTY
             COMPILE_DEFINITIONS FLOPMETER_SOURCE_DIR="${CMAKE_SOURCE_DIR}")

