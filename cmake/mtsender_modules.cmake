# One object library per layer folder (`mtsender_<name>`), its dependencies
# recorded so that test binaries can link exactly the layers they need.

set(MTSENDER_INCLUDE_ROOT ${CMAKE_BINARY_DIR}/include)
# Sources include each other as "mtsender/<folder>/<file>.hpp", the same path
# users see once installed; in the build tree that path is a link to the source.
file(MAKE_DIRECTORY ${MTSENDER_INCLUDE_ROOT})
if(NOT EXISTS ${MTSENDER_INCLUDE_ROOT}/mtsender)
  file(CREATE_LINK ${CMAKE_SOURCE_DIR} ${MTSENDER_INCLUDE_ROOT}/mtsender SYMBOLIC)
endif()

set_property(GLOBAL PROPERTY MTSENDER_MODULES "")

function(mtsender_module name dir)
  cmake_parse_arguments(M "" "" "DEPS;LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*.cpp)
  if(NOT srcs)
    set(stub ${CMAKE_BINARY_DIR}/stubs/${name}.cpp)
    file(WRITE ${stub} "// ${dir} is header-only\n")
    set(srcs ${stub})
  endif()
  add_library(mtsender_${name} OBJECT ${srcs})
  target_include_directories(mtsender_${name} PUBLIC
    $<BUILD_INTERFACE:${MTSENDER_INCLUDE_ROOT}>)
  target_compile_options(mtsender_${name} PRIVATE ${MTSENDER_WARNINGS})
  foreach(dep IN LISTS M_DEPS)
    target_link_libraries(mtsender_${name} PUBLIC mtsender_${dep})
  endforeach()
  target_link_libraries(mtsender_${name} PUBLIC ${M_LIBS})
  set_property(GLOBAL PROPERTY MTSENDER_DEPS_${name} ${M_DEPS})
  set_property(GLOBAL APPEND PROPERTY MTSENDER_MODULES ${name})
endfunction()

# The module and everything it depends on, as object-library target names.
function(mtsender_module_closure out)
  set(todo ${ARGN})
  set(done "")
  while(todo)
    list(POP_FRONT todo m)
    if(NOT m IN_LIST done)
      list(APPEND done ${m})
      get_property(deps GLOBAL PROPERTY MTSENDER_DEPS_${m})
      list(APPEND todo ${deps})
    endif()
  endwhile()
  list(TRANSFORM done PREPEND mtsender_)
  set(${out} ${done} PARENT_SCOPE)
endfunction()

# Links the objects of the named modules (and their dependencies) into target.
function(mtsender_link_modules target)
  mtsender_module_closure(objs ${ARGN})
  target_link_libraries(${target} PRIVATE ${objs})
endfunction()

function(mtsender_finish_library)
  get_property(mods GLOBAL PROPERTY MTSENDER_MODULES)
  set(objs "")
  foreach(m IN LISTS mods)
    list(APPEND objs $<TARGET_OBJECTS:mtsender_${m}>)
  endforeach()
  add_library(mtsender STATIC ${objs})
  add_library(mtsender::mtsender ALIAS mtsender)
  target_include_directories(mtsender PUBLIC
    $<BUILD_INTERFACE:${MTSENDER_INCLUDE_ROOT}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(mtsender PUBLIC CAF::io CAF::core OpenSSL::Crypto ZLIB::ZLIB
                                        Threads::Threads)
  set_target_properties(mtsender PROPERTIES EXPORT_NAME mtsender)
endfunction()
