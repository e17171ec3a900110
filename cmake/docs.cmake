# The API reference: Doxygen over the public headers, every warning an error (undocumented
# names included). With CINETPAY_BUILD_DOCS (on with the tests) it is built with the library
# into build/<preset>/docs/html and installed to share/doc/cinetpay/html (component doc, the
# Debian package libcinetpay-doc); `make docs` builds it alone. The test docs_api_reference
# (tests/docs/api_reference.cmake) keeps it free of warnings and of build paths.
if(CINETPAY_BUILD_DOCS OR CINETPAY_BUILD_TESTS)
  find_package(Doxygen)
  if(NOT DOXYGEN_FOUND)
    message(FATAL_ERROR "cinetpay: the API reference (CINETPAY_BUILD_DOCS, the tests) needs doxygen "
                        "(Debian: doxygen)")
  endif()
else()
  find_package(Doxygen QUIET)
endif()
if(DOXYGEN_FOUND)
  set(CINETPAY_DOCS_DIR ${PROJECT_BINARY_DIR}/docs)
  configure_file(docs/Doxyfile.in ${CINETPAY_DOCS_DIR}/Doxyfile @ONLY)
  file(GLOB_RECURSE cinetpay_documented CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/include/cinetpay/*.hpp ${PROJECT_SOURCE_DIR}/testing/include/*.hpp
       ${PROJECT_SOURCE_DIR}/tools/sandbox/include/*.hpp)
  # A stamp, so that a build reruns Doxygen only when a header or design.md changed.
  add_custom_command(OUTPUT ${CINETPAY_DOCS_DIR}/html.stamp
                     COMMAND Doxygen::doxygen ${CINETPAY_DOCS_DIR}/Doxyfile
                     COMMAND ${CMAKE_COMMAND} -E touch ${CINETPAY_DOCS_DIR}/html.stamp
                     DEPENDS ${cinetpay_documented} ${PROJECT_SOURCE_DIR}/docs/design.md
                             ${CINETPAY_DOCS_DIR}/Doxyfile
                     COMMENT "API reference: ${CINETPAY_DOCS_DIR}/html/index.html" VERBATIM)
  if(CINETPAY_BUILD_DOCS)
    add_custom_target(docs ALL DEPENDS ${CINETPAY_DOCS_DIR}/html.stamp)
    if(CINETPAY_INSTALL)
      install(DIRECTORY ${CINETPAY_DOCS_DIR}/html DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT doc)
    endif()
  else()
    add_custom_target(docs DEPENDS ${CINETPAY_DOCS_DIR}/html.stamp)
  endif()
  if(CINETPAY_BUILD_TESTS)
    add_test(NAME docs_api_reference
             COMMAND ${CMAKE_COMMAND} -DDOXYGEN=$<TARGET_FILE:Doxygen::doxygen>
                     -DDOXYFILE=${CINETPAY_DOCS_DIR}/Doxyfile -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                     -DBUILD_DIR=${PROJECT_BINARY_DIR} -DWORK_DIR=${CINETPAY_DOCS_DIR}/test
                     -P ${PROJECT_SOURCE_DIR}/tests/docs/api_reference.cmake)
    set_tests_properties(docs_api_reference PROPERTIES LABELS docs TIMEOUT 300)
  endif()
endif()
