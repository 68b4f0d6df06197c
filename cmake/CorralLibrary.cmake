# corral_library(NAME SOURCES ... DEPS ...): a static library corral_NAME whose headers are included as
# "NAME/file.h" from src/.
function(corral_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(corral_${name} STATIC ${ARG_SOURCES})
  target_include_directories(corral_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(corral_${name} PUBLIC ${ARG_DEPS})
endfunction()

# corral_test(NAME LABELS ... SOURCES ... DEPS ...): one GoogleTest binary, each test registered with ctest.
function(corral_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE CORRAL_BUILT_FROM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # A GTEST_SKIP shows as skipped in ctest's summary, not as passed.
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}"
                       SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]"
                       ENVIRONMENT "CORRAL_SOURCE_DIR=${PROJECT_SOURCE_DIR};CORRAL_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
