# The typed Telegram API: tools/tl_gen turns schema/telegram_api.tl into C++
# headers (mtsender/api/...) and serializers in the build tree, during the
# build. A changed schema or layer file regenerates; nothing is committed.
# A new layer: replace schema/telegram_api.tl, write its number into
# schema/telegram_api.layer, rebuild.

add_executable(tl_gen tools/tl_gen/main.cpp tools/tl_gen/tl_schema.cpp tools/tl_gen/emit_cpp.cpp)
target_compile_options(tl_gen PRIVATE ${MTSENDER_WARNINGS})

set(MTSENDER_SCHEMA ${CMAKE_SOURCE_DIR}/schema/telegram_api.tl)
set(MTSENDER_SCHEMA_LAYER_FILE ${CMAKE_SOURCE_DIR}/schema/telegram_api.layer)
file(READ ${MTSENDER_SCHEMA_LAYER_FILE} MTSENDER_API_LAYER)
string(STRIP "${MTSENDER_API_LAYER}" MTSENDER_API_LAYER)
set(MTSENDER_API_DIR ${CMAKE_BINARY_DIR}/generated)
# Serializers are spread over this many .cpp files: enough to keep both
# cores busy and each file's memory low, few enough that the headers are not
# parsed many times over.
set(MTSENDER_API_CHUNKS 8)

set(MTSENDER_API_SOURCES ${MTSENDER_API_DIR}/src/api_Object.cpp
                         ${MTSENDER_API_DIR}/src/api_Function.cpp)
math(EXPR last "${MTSENDER_API_CHUNKS} - 1")
foreach(i RANGE ${last})
  list(APPEND MTSENDER_API_SOURCES ${MTSENDER_API_DIR}/src/api_${i}.cpp)
endforeach()

add_custom_command(
  OUTPUT ${MTSENDER_API_SOURCES}
  COMMAND tl_gen ${MTSENDER_SCHEMA} ${MTSENDER_SCHEMA_LAYER_FILE} ${MTSENDER_API_DIR}
          ${MTSENDER_API_CHUNKS}
  DEPENDS tl_gen ${MTSENDER_SCHEMA} ${MTSENDER_SCHEMA_LAYER_FILE}
  COMMENT "Generating the typed Telegram API (layer ${MTSENDER_API_LAYER})"
  VERBATIM)

set_source_files_properties(${MTSENDER_API_SOURCES} PROPERTIES GENERATED TRUE)
if(MTSENDER_SANITIZE)
  # The sanitizer build compiles these big files leaner (see the top-level
  # CMakeLists.txt), and without line tables: a report names the generated
  # function, whose name is the TL constructor.
  set_source_files_properties(${MTSENDER_API_SOURCES} PROPERTIES
    COMPILE_OPTIONS "${MTSENDER_SANITIZE_LEAN};-g0")
endif()

# Adds the generated serializers to the `api` module (transport/api holds
# the hand-written runtime under them).
function(mtsender_api_sources)
  target_sources(mtsender_api PRIVATE ${MTSENDER_API_SOURCES})
  target_include_directories(mtsender_api PUBLIC $<BUILD_INTERFACE:${MTSENDER_API_DIR}>)
endfunction()
