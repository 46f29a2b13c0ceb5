# Third-party dependencies, all from Debian packages (see README "Set-up").
find_package(OpenMP REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)

# OpenBLAS: link the *OpenMP* build deliberately. Debian's alternatives point libopenblas.so.0
# at the pthread build even when libopenblas-openmp-dev is installed; its threads then fight our
# OpenMP threads on a 2-core machine (measured 4-5x slower). We link the library file in the
# openblas-openmp directory by full path and put that directory in the RPATH, and
# tensor/threads.cpp checks at run time (openblas_get_parallel) which build was loaded.
set(MEMPROBE_OPENBLAS_DIR "/usr/lib/x86_64-linux-gnu/openblas-openmp" CACHE PATH
    "Directory of the OpenMP build of OpenBLAS (libopenblas.so + liblapack.so)")
find_library(OPENBLAS_OMP_LIB NAMES openblas PATHS ${MEMPROBE_OPENBLAS_DIR} NO_DEFAULT_PATH REQUIRED)
find_library(LAPACK_OMP_LIB NAMES lapack PATHS ${MEMPROBE_OPENBLAS_DIR} NO_DEFAULT_PATH REQUIRED)
find_path(OPENBLAS_OMP_INCLUDE cblas.h PATHS /usr/include/x86_64-linux-gnu/openblas-openmp
          NO_DEFAULT_PATH REQUIRED)
add_library(mp_blas INTERFACE)
target_include_directories(mp_blas SYSTEM INTERFACE ${OPENBLAS_OMP_INCLUDE})
target_link_libraries(mp_blas INTERFACE ${LAPACK_OMP_LIB} ${OPENBLAS_OMP_LIB} OpenMP::OpenMP_CXX)
target_link_options(mp_blas INTERFACE "LINKER:-rpath,${MEMPROBE_OPENBLAS_DIR}")

find_path(STB_INCLUDE_DIR stb_image.h PATHS /usr/include/stb REQUIRED)
