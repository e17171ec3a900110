# Debian packages from the install components (cmake/install.cmake): `cpack -G DEB` in a
# build directory makes
#   libcinetpay-dev          runtime + dev: headers, library, CMake and pkg-config files
#   cinetpay-tools           tools: cinetpay, cinetpay-sandbox
#   libcinetpay-testing-dev  testing: the test doubles, the sandbox library, the CTest
#                            sandbox fixture
set(CPACK_PACKAGE_NAME cinetpay)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "cinetpay-cpp maintainers" CACHE STRING "Maintainer of the Debian packages")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
# dpkg-shlibdeps finds what the programs and a shared library link (libcurl, libssl…).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_COMPONENT_RUNTIME_GROUP libcinetpay-dev)
set(CPACK_COMPONENT_DEV_GROUP libcinetpay-dev)
set(CPACK_DEBIAN_LIBCINETPAY-DEV_PACKAGE_NAME libcinetpay-dev)
# find_dependency() and the static libraries need libcurl's and SQLite's link names.
set(CPACK_DEBIAN_LIBCINETPAY-DEV_PACKAGE_DEPENDS "libcurl4-openssl-dev, libsqlite3-dev, libpq-dev")
set(CPACK_COMPONENT_GROUP_LIBCINETPAY-DEV_DESCRIPTION
    "C++ SDK for CinetPay's Transfer (payout) API: headers, library, CMake and pkg-config files")

if(CINETPAY_BUILD_TOOLS)
  list(APPEND CPACK_COMPONENTS_ALL tools)
  set(CPACK_COMPONENT_TOOLS_GROUP cinetpay-tools)
  set(CPACK_DEBIAN_CINETPAY-TOOLS_PACKAGE_NAME cinetpay-tools)
  set(CPACK_DEBIAN_CINETPAY-TOOLS_PACKAGE_SECTION devel)
  set(CPACK_COMPONENT_GROUP_CINETPAY-TOOLS_DESCRIPTION
      "cinetpay (a CLI for CinetPay's Transfer API) and cinetpay-sandbox (a local simulator of it)")
endif()
if(CINETPAY_BUILD_TESTING OR CINETPAY_BUILD_TOOLS)
  list(APPEND CPACK_COMPONENTS_ALL testing)
  set(CPACK_COMPONENT_TESTING_GROUP libcinetpay-testing-dev)
  set(CPACK_DEBIAN_LIBCINETPAY-TESTING-DEV_PACKAGE_NAME libcinetpay-testing-dev)
  set(testing_depends "libcinetpay-dev (= ${PROJECT_VERSION})")
  if(CINETPAY_BUILD_TESTING)
    string(APPEND testing_depends ", libgmock-dev, libgtest-dev")
  endif()
  if(CINETPAY_BUILD_TOOLS)
    string(APPEND testing_depends ", cinetpay-tools (= ${PROJECT_VERSION}), libcpp-httplib-dev")
  endif()
  set(CPACK_DEBIAN_LIBCINETPAY-TESTING-DEV_PACKAGE_DEPENDS "${testing_depends}")
  set(CPACK_COMPONENT_GROUP_LIBCINETPAY-TESTING-DEV_DESCRIPTION
      "Testing aids for cinetpay-cpp: test doubles (a gmock TransferApi, a scripted transport, a manual clock, CinetPay's answers), the in-process sandbox library and CTest fixtures that run cinetpay-sandbox")
endif()

include(CPack)
