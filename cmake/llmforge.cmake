# Shared helpers for the per-folder CMakeLists.

# The interpreter used for reference tests: Debian's python3 with python3-torch.
# pyenv shims may shadow it on PATH, so prefer the system one explicitly.
find_program(LLMFORGE_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT LLMFORGE_PYTHON)
  find_program(LLMFORGE_PYTHON NAMES python3)
endif()
find_program(LLMFORGE_NODE NAMES node nodejs)

# llmforge_add_test(NAME SOURCES a.cc b.cc LIBS lib1 lib2 [LABELS l])
# Builds a GoogleTest binary and registers its cases with ctest.
function(llmforge_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    LLMFORGE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    LLMFORGE_BINARY_DIR="${PROJECT_BINARY_DIR}"
    LLMFORGE_PYTHON="${LLMFORGE_PYTHON}"
    LLMFORGE_NODE="${LLMFORGE_NODE}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${T_LABELS}")
endfunction()
include(GoogleTest)
