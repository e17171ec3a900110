# The API reference: Doxygen over include/, every warning an error. `make docs` builds it
# into build/<preset>/docs/html; the ctest test `docs` keeps it free of warnings.
if(CINETPAY_BUILD_TESTS)
  find_package(Doxygen REQUIRED)
else()
  find_package(Doxygen)
endif()
if(DOXYGEN_FOUND)
  set(CINETPAY_DOCS_DIR ${PROJECT_BINARY_DIR}/docs)
  configure_file(docs/Doxyfile.in ${CINETPAY_DOCS_DIR}/Doxyfile @ONLY)
  add_custom_target(docs COMMAND Doxygen::doxygen ${CINETPAY_DOCS_DIR}/Doxyfile
                    COMMENT "API reference: ${CINETPAY_DOCS_DIR}/html/index.html" VERBATIM)
  if(CINETPAY_BUILD_TESTS)
    add_test(NAME docs COMMAND Doxygen::doxygen ${CINETPAY_DOCS_DIR}/Doxyfile)
    set_tests_properties(docs PROPERTIES LABELS docs)
  endif()
endif()
