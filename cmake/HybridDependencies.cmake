# Finds LLVM/MLIR 22 and GoogleTest, and says what to install when they are
# missing (the README's commands install them from Debian's packages).

if(NOT MLIR_DIR AND EXISTS /usr/lib/llvm-22/lib/cmake/mlir)
  set(MLIR_DIR /usr/lib/llvm-22/lib/cmake/mlir CACHE PATH "MLIR's CMake package")
endif()

set(HYBRID_REQUESTED_MLIR_DIR "${MLIR_DIR}")
find_package(MLIR CONFIG QUIET)
if(NOT MLIR_FOUND)
  message(FATAL_ERROR
    "MLIR 22 was not found (looked in MLIR_DIR='${HYBRID_REQUESTED_MLIR_DIR}').\n"
    "Install it with `make deps` (Debian packages llvm-22-dev llvm-22-tools "
    "libmlir-22-dev mlir-22-tools), or pass -DMLIR_DIR=<llvm>/lib/cmake/mlir.")
endif()
if(NOT LLVM_VERSION_MAJOR EQUAL 22)
  message(FATAL_ERROR "hybrid-mlir needs LLVM/MLIR 22, found ${LLVM_PACKAGE_VERSION} "
    "in ${LLVM_DIR}.")
endif()
message(STATUS "Using MLIR ${LLVM_PACKAGE_VERSION} from ${MLIR_DIR}")

find_package(GTest CONFIG QUIET)
if(NOT GTest_FOUND)
  message(FATAL_ERROR "GoogleTest was not found: install it with `make deps` "
    "(Debian package libgtest-dev).")
endif()

# The OpenMP runtime: compiled parallel loops call libomp (__kmpc_fork_call),
# and the runtime sets its thread count.
find_library(HYBRID_LIBOMP NAMES omp libomp.so.5
  HINTS ${LLVM_LIBRARY_DIR} /usr/lib/llvm-22/lib)
if(NOT HYBRID_LIBOMP)
  message(FATAL_ERROR "libomp was not found: install it with `make deps` "
    "(Debian package libomp-22-dev).")
endif()
message(STATUS "Using libomp ${HYBRID_LIBOMP}")
