# `cmake --install` puts headers, libmtsender.a and a package config in place
# so that a consumer's find_package(mtsender) gives it mtsender::mtsender.
include(CMakePackageConfigHelpers)
foreach(dir transport messages actors store)
  install(DIRECTORY ${CMAKE_SOURCE_DIR}/${dir}/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mtsender/${dir}
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
# The generated typed API (build tree) beside the hand-written headers.
install(DIRECTORY ${MTSENDER_API_DIR}/mtsender/api
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mtsender)
install(TARGETS mtsender EXPORT mtsenderTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
set(cfgdir ${CMAKE_INSTALL_LIBDIR}/cmake/mtsender)
install(EXPORT mtsenderTargets NAMESPACE mtsender:: DESTINATION ${cfgdir})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/mtsenderConfig.cmake.in
  ${CMAKE_BINARY_DIR}/mtsenderConfig.cmake INSTALL_DESTINATION ${cfgdir})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/mtsenderConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/mtsenderConfig.cmake
              ${CMAKE_BINARY_DIR}/mtsenderConfigVersion.cmake
              ${CMAKE_SOURCE_DIR}/cmake/FindCAF.cmake
        DESTINATION ${cfgdir})
