# memprobe version + git commit, recorded in every run manifest and printed by every command.
# Runs twice: included at configure time (so the header exists), and again before every build
# as `cmake -P` from the memprobe_version target, so a binary never carries the commit of an
# older configure (an incremental build after `git commit` used to report the configure-time
# commit, "-dirty" included). configure_file rewrites the header only when its text changes,
# so an unchanged commit recompiles nothing.
if(CMAKE_SCRIPT_MODE_FILE)
  set(_src "${SOURCE_DIR}")  # passed with -D by the target below
  set(_bin "${BINARY_DIR}")
else()
  set(_src "${CMAKE_SOURCE_DIR}")
  set(_bin "${CMAKE_BINARY_DIR}")
  add_custom_target(memprobe_version ALL
    COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DBINARY_DIR=${CMAKE_BINARY_DIR}
            -DPROJECT_VERSION=${PROJECT_VERSION} -P ${CMAKE_CURRENT_LIST_FILE}
    BYPRODUCTS ${CMAKE_BINARY_DIR}/generated/memprobe_version.h
    COMMENT "memprobe: recording the git commit")
endif()
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${_src}
                OUTPUT_VARIABLE MEMPROBE_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE _git_rc)
if(NOT _git_rc EQUAL 0 OR MEMPROBE_GIT_COMMIT STREQUAL "")
  set(MEMPROBE_GIT_COMMIT "unknown")
endif()
execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${_src}
                OUTPUT_VARIABLE _git_dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT _git_dirty STREQUAL "")
  set(MEMPROBE_GIT_COMMIT "${MEMPROBE_GIT_COMMIT}-dirty")
endif()
configure_file(${_src}/cmake/version.h.in ${_bin}/generated/memprobe_version.h @ONLY)
