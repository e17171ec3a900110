# Install rules, in four components (google-cloud-cpp splits runtime and development the
# same way), which are also the Debian packages of cmake/package.cmake:
#   runtime  the shared library, when BUILD_SHARED_LIBS is on
#   dev      headers, the static library or the shared one's link name, the CMake package
#            and the pkg-config file
#   tools    cinetpay and cinetpay-sandbox, and their imported targets
#   testing  the test doubles (cinetpay::testing, <cinetpay/testing/...>), the sandbox
#            library (cinetpay::sandbox, <cinetpay/sandbox.hpp>) and the CTest sandbox
#            fixture; find_package(cinetpay COMPONENTS testing) loads them
include(CMakePackageConfigHelpers)

set(CINETPAY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cinetpay)

set_target_properties(cinetpay_ledger PROPERTIES EXPORT_NAME ledger)
install(TARGETS cinetpay cinetpay_ledger cinetpay_header_only EXPORT cinetpayTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(DIRECTORY include/cinetpay DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(EXPORT cinetpayTargets NAMESPACE cinetpay:: DESTINATION ${CINETPAY_CMAKE_DIR} COMPONENT dev)

# What the testing component holds decides what it needs (cmake/cinetpayConfig.cmake.in).
set(CINETPAY_TESTING_HAS_DOUBLES ${CINETPAY_BUILD_TESTING})
set(CINETPAY_TESTING_HAS_SANDBOX ${CINETPAY_BUILD_TOOLS})
configure_package_config_file(cmake/cinetpayConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cinetpayConfig.cmake INSTALL_DESTINATION ${CINETPAY_CMAKE_DIR})
# While on 0.x a minor release may break the API: 0.1 satisfies only requests for 0.1.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(CINETPAY_COMPATIBILITY SameMinorVersion)
else()
  set(CINETPAY_COMPATIBILITY SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cinetpayConfigVersion.cmake
  COMPATIBILITY ${CINETPAY_COMPATIBILITY})
install(FILES ${PROJECT_BINARY_DIR}/cinetpayConfig.cmake
              ${PROJECT_BINARY_DIR}/cinetpayConfigVersion.cmake
        DESTINATION ${CINETPAY_CMAKE_DIR} COMPONENT dev)

# A static libcinetpay needs libcurl at every link; a shared one only at its own. Users of a
# shared one see its API marked exported (CINETPAY_SHARED, include/cinetpay/export.hpp).
if(BUILD_SHARED_LIBS)
  set(CINETPAY_PC_REQUIRES "Requires.private")
  set(CINETPAY_PC_CFLAGS " -DCINETPAY_SHARED")
else()
  set(CINETPAY_PC_REQUIRES "Requires")
  set(CINETPAY_PC_CFLAGS "")
endif()
configure_file(cmake/cinetpay.pc.in ${PROJECT_BINARY_DIR}/cinetpay.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cinetpay.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT dev)

if(CINETPAY_BUILD_TOOLS)
  install(TARGETS cinetpay_sandbox cinetpay_cli EXPORT cinetpayToolsTargets
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
  install(EXPORT cinetpayToolsTargets NAMESPACE cinetpay:: DESTINATION ${CINETPAY_CMAKE_DIR}
          COMPONENT tools)
  install(TARGETS cinetpay_sandbox_core EXPORT cinetpayTestingTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT testing
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(FILES tools/sandbox/include/cinetpay/sandbox.hpp
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cinetpay COMPONENT testing)
  install(FILES cmake/CinetpaySandboxFixture.cmake DESTINATION ${CINETPAY_CMAKE_DIR}
          COMPONENT testing)
  install(PROGRAMS cmake/cinetpay-sandbox-fixture.sh DESTINATION ${CINETPAY_CMAKE_DIR}
          COMPONENT testing)
endif()
if(CINETPAY_BUILD_TESTING)
  install(TARGETS cinetpay_testing EXPORT cinetpayTestingTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT testing)
  install(DIRECTORY testing/include/cinetpay DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          COMPONENT testing)
endif()
if(CINETPAY_BUILD_TESTING OR CINETPAY_BUILD_TOOLS)
  install(EXPORT cinetpayTestingTargets NAMESPACE cinetpay:: DESTINATION ${CINETPAY_CMAKE_DIR}
          COMPONENT testing)
endif()
