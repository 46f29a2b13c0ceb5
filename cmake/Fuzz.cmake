# libFuzzer targets (MEMPROBE_FUZZ=ON, clang only). Every reader of outside bytes gets one.
# Adding a target is one line in fuzz/CMakeLists.txt:
#   mp_fuzz_target(fuzz_idx fuzz_idx.cpp mp_data)
# plus fuzz/fuzz_idx.cpp (an LLVMFuzzerTestOneInput that calls the reader and swallows mp::Error)
# and a few seed files in fuzz/corpus/fuzz_idx/. scripts/fuzz.sh then builds and runs it.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "MEMPROBE_FUZZ needs clang (libFuzzer): "
                      "CC=clang CXX=clang++ cmake -S . -B build-fuzz -DMEMPROBE_FUZZ=ON")
endif()

# Sanitizers abort on the first finding (no recover) so libFuzzer records it as a crash.
set(MP_FUZZ_SANITIZE address,undefined)
set(MP_FUZZ_COMPILE_FLAGS -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g)

add_custom_target(fuzz_all)

# Instruments a library and the mp_* libraries it links, for coverage feedback and sanitizers.
# Libraries are compiled once, for both the fuzzers and nothing else (the fuzz build dir holds
# only fuzzers), so instrumenting them in place is safe.
function(mp_fuzz_instrument lib)
  if(NOT TARGET ${lib})
    return()
  endif()
  get_target_property(type ${lib} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(deps ${lib} INTERFACE_LINK_LIBRARIES)
  else()
    get_property(done TARGET ${lib} PROPERTY MP_FUZZ_INSTRUMENTED)
    if(done)
      return()
    endif()
    set_property(TARGET ${lib} PROPERTY MP_FUZZ_INSTRUMENTED TRUE)
    # -Wno-error: the libraries are linted by the gcc build; a clang-only warning (e.g. a
    # "#pragma omp simd" clang could not vectorize) must not stop the fuzzers from building.
    target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link,${MP_FUZZ_SANITIZE}
                                          ${MP_FUZZ_COMPILE_FLAGS} -Wno-error -Wno-pass-failed)
    get_target_property(deps ${lib} LINK_LIBRARIES)
  endif()
  if(deps)
    foreach(dep ${deps})
      if(dep MATCHES "^mp_")
        mp_fuzz_instrument(${dep})
      endif()
    endforeach()
  endif()
endfunction()

# mp_fuzz_target(NAME SOURCE LIBS...): a libFuzzer executable in <build>/fuzz/NAME.
function(mp_fuzz_target name source)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE ${ARGN})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,${MP_FUZZ_SANITIZE}
                                         ${MP_FUZZ_COMPILE_FLAGS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,${MP_FUZZ_SANITIZE})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  foreach(lib ${ARGN})
    mp_fuzz_instrument(${lib})
  endforeach()
  add_dependencies(fuzz_all ${name})
endfunction()
