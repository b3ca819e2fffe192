# The one list of headers that are internal to caf-mtsender: the pieces the
# library's own .cpp files share (the pool's state and routing, the retry
# loop's driver, codec helpers, the test server's event loop). They are not
# installed, so users cannot come to depend on them, and each one says so in
# its first line:
#
#   // Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
#
# Every other header under transport/, messages/, actors/, store/ (and the
# test server's server.hpp, rpc_handler.hpp, fault_plan.hpp, server_counters.hpp,
# key_file.hpp, builtin_methods.hpp) is public and installed.
# mtsender_check_header_boundary() fails the configure step when the list and
# the markers disagree, or when a public header includes an internal one.

set(MTSENDER_INTERNAL_HEADERS
  actors/connector.hpp
  actors/deadline_queue.hpp
  actors/turn_bounded_broker.hpp
  actors/spare_vectors.hpp
  actors/deliver_value.hpp
  actors/file_io.hpp
  actors/file_rpc.hpp
  actors/progress_reporter.hpp
  actors/latency_window.hpp
  actors/pool_backoff.hpp
  actors/pool_routing.hpp
  actors/pool_state.hpp
  actors/store_writer.hpp
  actors/retry/default_policy.hpp
  actors/retry/flood_wait_registry.hpp
  actors/retry/retry_call.hpp
  actors/retry/retry_driver.hpp
  transport/codec/frame_rules.hpp
  transport/codec/input_buffer.hpp
  transport/crypto/aes_ige_impl.hpp
  tests/test_dc/cli.hpp
  tests/test_dc/dc_server.hpp
  tests/test_dc/net.hpp
  tests/test_dc/server_session.hpp
)

set(MTSENDER_INTERNAL_MARKER "Internal to caf-mtsender: not installed")

# The library's header folders; the test server's folder is its own component.
set(MTSENDER_HEADER_DIRS transport messages actors store)
set(MTSENDER_TEST_DC_HEADER_DIR tests/test_dc)

# Public headers (paths relative to the source root) under the given folders.
function(mtsender_public_headers out)
  set(result "")
  foreach(dir IN LISTS ARGN)
    file(GLOB_RECURSE hdrs RELATIVE ${CMAKE_SOURCE_DIR} CONFIGURE_DEPENDS
         ${CMAKE_SOURCE_DIR}/${dir}/*.hpp)
    foreach(h IN LISTS hdrs)
      if(NOT h IN_LIST MTSENDER_INTERNAL_HEADERS)
        list(APPEND result ${h})
      endif()
    endforeach()
  endforeach()
  list(SORT result)
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# Installs the public headers of `dirs` under include/mtsender/, keeping
# their folders (include/mtsender/actors/retry/...).
function(mtsender_install_public_headers component)
  mtsender_public_headers(hdrs ${ARGN})
  foreach(h IN LISTS hdrs)
    get_filename_component(sub ${h} DIRECTORY)
    install(FILES ${CMAKE_SOURCE_DIR}/${h}
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mtsender/${sub}
            COMPONENT ${component})
  endforeach()
endfunction()

function(mtsender_check_header_boundary)
  set(problems "")
  foreach(dir IN LISTS MTSENDER_HEADER_DIRS MTSENDER_TEST_DC_HEADER_DIR)
    file(GLOB_RECURSE hdrs RELATIVE ${CMAKE_SOURCE_DIR} CONFIGURE_DEPENDS
         ${CMAKE_SOURCE_DIR}/${dir}/*.hpp)
    foreach(h IN LISTS hdrs)
      file(STRINGS ${CMAKE_SOURCE_DIR}/${h} head LIMIT_COUNT 3)
      string(FIND "${head}" "${MTSENDER_INTERNAL_MARKER}" at)
      if(h IN_LIST MTSENDER_INTERNAL_HEADERS)
        if(at EQUAL -1)
          list(APPEND problems "${h} is listed as internal but its first lines do not say '${MTSENDER_INTERNAL_MARKER}'")
        endif()
      else()
        if(NOT at EQUAL -1)
          list(APPEND problems "${h} says '${MTSENDER_INTERNAL_MARKER}' but is not in MTSENDER_INTERNAL_HEADERS")
        endif()
        file(STRINGS ${CMAKE_SOURCE_DIR}/${h} incs REGEX "^#include \"mtsender/")
        foreach(inc IN LISTS incs)
          string(REGEX REPLACE "^#include \"mtsender/([^\"]+)\".*" "\\1" inc ${inc})
          if(inc IN_LIST MTSENDER_INTERNAL_HEADERS)
            list(APPEND problems "public ${h} includes internal ${inc}")
          endif()
        endforeach()
      endif()
    endforeach()
  endforeach()
  foreach(h IN LISTS MTSENDER_INTERNAL_HEADERS)
    if(NOT EXISTS ${CMAKE_SOURCE_DIR}/${h})
      list(APPEND problems "${h} is listed as internal but does not exist")
    endif()
  endforeach()
  if(problems)
    list(JOIN problems "\n  " text)
    message(FATAL_ERROR "Public/internal header boundary (cmake/mtsender_internal_headers.cmake):\n  ${text}")
  endif()
endfunction()
