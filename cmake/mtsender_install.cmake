# `cmake --install` puts the public headers, libmtsender.a and a package
# config in place so that a consumer's find_package(mtsender) gives it
# mtsender::mtsender. Internal headers (cmake/mtsender_internal_headers.cmake)
# stay behind. The test server is the optional component test_dc
# (tests/test_dc/CMakeLists.txt): find_package(mtsender COMPONENTS test_dc).
include(CMakePackageConfigHelpers)
mtsender_install_public_headers(library ${MTSENDER_HEADER_DIRS})
# The generated typed API (build tree) beside the hand-written headers.
install(DIRECTORY ${MTSENDER_API_DIR}/mtsender/api
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mtsender)
install(TARGETS mtsender EXPORT mtsenderTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT library)
set(cfgdir ${CMAKE_INSTALL_LIBDIR}/cmake/mtsender)
install(EXPORT mtsenderTargets NAMESPACE mtsender:: DESTINATION ${cfgdir}
        COMPONENT library)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/mtsenderConfig.cmake.in
  ${CMAKE_BINARY_DIR}/mtsenderConfig.cmake INSTALL_DESTINATION ${cfgdir})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/mtsenderConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/mtsenderConfig.cmake
              ${CMAKE_BINARY_DIR}/mtsenderConfigVersion.cmake
              ${CMAKE_SOURCE_DIR}/cmake/FindCAF.cmake
        DESTINATION ${cfgdir} COMPONENT library)
