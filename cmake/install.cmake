include(CMakePackageConfigHelpers)

set(CINETPAY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cinetpay)

install(TARGETS cinetpay EXPORT cinetpayTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/cinetpay DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/generated/cinetpay/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cinetpay)
install(EXPORT cinetpayTargets NAMESPACE cinetpay:: DESTINATION ${CINETPAY_CMAKE_DIR})

configure_package_config_file(cmake/cinetpayConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cinetpayConfig.cmake INSTALL_DESTINATION ${CINETPAY_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cinetpayConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cinetpayConfig.cmake
              ${PROJECT_BINARY_DIR}/cinetpayConfigVersion.cmake
        DESTINATION ${CINETPAY_CMAKE_DIR})

# A static libcinetpay needs libcurl at every link; a shared one only at its own.
if(BUILD_SHARED_LIBS)
  set(CINETPAY_PC_REQUIRES "Requires.private")
else()
  set(CINETPAY_PC_REQUIRES "Requires")
endif()
configure_file(cmake/cinetpay.pc.in ${PROJECT_BINARY_DIR}/cinetpay.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cinetpay.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
