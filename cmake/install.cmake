# Install rules, in components (google-cloud-cpp splits runtime and development the same
# way), which are also the Debian packages of cmake/package.cmake:
#   runtime  the shared client library, when BUILD_SHARED_LIBS is on
#   dev      the client: headers, the static library or the shared one's link name, the
#            CMake package and cinetpay.pc; needs libcurl only
#   ledger   cinetpay::ledger: <cinetpay/ledger.hpp>, its library, its CMake targets and
#            cinetpay-ledger.pc; find_package(cinetpay COMPONENTS ledger) loads it and then
#            finds SQLite and libpq
#   tools    cinetpay and cinetpay-sandbox, and their imported targets
#   testing  the test doubles (cinetpay::testing, <cinetpay/testing/...>), the sandbox
#            library (cinetpay::sandbox, <cinetpay/sandbox.hpp>) and the CTest sandbox
#            fixture; find_package(cinetpay COMPONENTS testing) loads them
#   doc      the API reference, share/doc/cinetpay/html (cmake/docs.cmake)
include(CMakePackageConfigHelpers)

set(CINETPAY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cinetpay)

install(TARGETS cinetpay cinetpay_header_only EXPORT cinetpayTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(DIRECTORY include/cinetpay DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
        PATTERN ledger.hpp EXCLUDE)
install(EXPORT cinetpayTargets NAMESPACE cinetpay:: DESTINATION ${CINETPAY_CMAKE_DIR} COMPONENT dev)

# The ledger apart, so that the client alone asks for no SQLite and no libpq.
if(CINETPAY_BUILD_LEDGER)
  set_target_properties(cinetpay_ledger PROPERTIES EXPORT_NAME ledger)
  install(TARGETS cinetpay_ledger EXPORT cinetpayLedgerTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ledger
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ledger
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ledger)
  install(FILES include/cinetpay/ledger.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cinetpay
          COMPONENT ledger)
  install(EXPORT cinetpayLedgerTargets NAMESPACE cinetpay:: DESTINATION ${CINETPAY_CMAKE_DIR}
          COMPONENT ledger)
  # A static ledger needs SQLite and libpq at every link (the config then finds them); a
  # shared one only at its own.
  get_target_property(cinetpay_ledger_type cinetpay_ledger TYPE)
  if(cinetpay_ledger_type STREQUAL "STATIC_LIBRARY")
    set(CINETPAY_LEDGER_STATIC TRUE)
  else()
    set(CINETPAY_LEDGER_STATIC FALSE)
  endif()
endif()

# What the testing component holds decides what it needs (cmake/cinetpayConfig.cmake.in).
set(CINETPAY_TESTING_HAS_DOUBLES ${CINETPAY_BUILD_TESTING})
set(CINETPAY_TESTING_HAS_SANDBOX ${CINETPAY_BUILD_TOOLS})
set(CINETPAY_SANDBOX_STATIC FALSE)
if(CINETPAY_BUILD_TOOLS)
  get_target_property(cinetpay_sandbox_type cinetpay_sandbox_core TYPE)
  if(cinetpay_sandbox_type STREQUAL "STATIC_LIBRARY")
    set(CINETPAY_SANDBOX_STATIC TRUE)
  endif()
endif()
if(NOT CINETPAY_BUILD_LEDGER)
  set(CINETPAY_LEDGER_STATIC FALSE)
endif()
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
# The .pc files find the prefix from where they are (relocatable): from lib/<triplet>/pkgconfig
# it is three folders up.
file(RELATIVE_PATH CINETPAY_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(cmake/cinetpay.pc.in ${PROJECT_BINARY_DIR}/cinetpay.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cinetpay.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT dev)
if(CINETPAY_BUILD_LEDGER)
  configure_file(cmake/cinetpay-ledger.pc.in ${PROJECT_BINARY_DIR}/cinetpay-ledger.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/cinetpay-ledger.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT ledger)
endif()

if(CINETPAY_BUILD_TOOLS)
  install(TARGETS cinetpay_sandbox cinetpay_cli EXPORT cinetpayToolsTargets
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
  install(EXPORT cinetpayToolsTargets NAMESPACE cinetpay:: DESTINATION ${CINETPAY_CMAKE_DIR}
          COMPONENT tools)
  install(TARGETS cinetpay_sandbox_core EXPORT cinetpayTestingTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT testing
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT testing
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
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT testing
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT testing)
  install(DIRECTORY testing/include/cinetpay DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          COMPONENT testing)
endif()
if(CINETPAY_BUILD_TESTING OR CINETPAY_BUILD_TOOLS)
  install(EXPORT cinetpayTestingTargets NAMESPACE cinetpay:: DESTINATION ${CINETPAY_CMAKE_DIR}
          COMPONENT testing)
endif()
