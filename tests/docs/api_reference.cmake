# The API reference as users get it: Doxygen runs over the public headers with the
# project's Doxyfile (every warning an error, undocumented names included) into WORK_DIR,
# and the HTML must
#   - name the API's key parts in its indexes: the namespaces cinetpay, cinetpay::mocks
#     and cinetpay::sandbox, TransferClient, PayoutLedger, parse_notification,
#     validate_transfers, to_string;
#   - hold no path of the machine that built it (the source or build folder, /work, /home).
#   cmake -DDOXYGEN=<doxygen> -DDOXYFILE=<configured Doxyfile> -DSOURCE_DIR=<repo>
#         -DBUILD_DIR=<build> -DWORK_DIR=<scratch> -P api_reference.cmake
cmake_minimum_required(VERSION 3.16)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
# The project's Doxyfile, only the output moved, so that the test never races the build's
# own docs target.
file(WRITE ${WORK_DIR}/Doxyfile "@INCLUDE = ${DOXYFILE}\nOUTPUT_DIRECTORY = ${WORK_DIR}\n")
execute_process(COMMAND ${DOXYGEN} ${WORK_DIR}/Doxyfile WORKING_DIRECTORY ${WORK_DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR err MATCHES "warning|error")
  message(FATAL_ERROR "doxygen failed or warned (${rc}):\n${out}\n${err}")
endif()

set(html ${WORK_DIR}/html)
function(expect_in page pattern what)
  if(NOT EXISTS ${html}/${page})
    message(FATAL_ERROR "the API reference has no ${page}")
  endif()
  file(READ ${html}/${page} text)
  if(NOT text MATCHES "${pattern}")
    message(FATAL_ERROR "${page} does not list ${what}")
  endif()
endfunction()
# The namespaces' index, the classes' index, and the index of the namespaces' functions:
# each name is there only when it is documented (EXTRACT_ALL is off).
expect_in(namespaces.html ">cinetpay<" "namespace cinetpay")
expect_in(namespaces.html ">mocks<" "namespace cinetpay::mocks")
expect_in(namespaces.html ">sandbox<" "namespace cinetpay::sandbox")
expect_in(annotated.html ">TransferClient<" "TransferClient")
expect_in(annotated.html ">PayoutLedger<" "PayoutLedger")
expect_in(annotated.html ">PayoutWorker<" "PayoutWorker")
expect_in(annotated.html ">MockTransferApi<" "cinetpay::mocks::MockTransferApi")
expect_in(annotated.html ">Sandbox<" "cinetpay::sandbox::Sandbox")
expect_in(namespacemembers_func.html "parse_notification" "parse_notification")
expect_in(namespacemembers_func.html "validate_transfers" "validate_transfers")
expect_in(namespacemembers_func.html "to_string" "to_string")
expect_in(namespacecinetpay.html "parse_notification" "parse_notification")

file(GLOB_RECURSE pages ${html}/*.html ${html}/*.js)
list(LENGTH pages count)
if(count LESS 50)
  message(FATAL_ERROR "only ${count} pages in the API reference")
endif()
set(leaks "")
foreach(page IN LISTS pages)
  file(READ ${page} text)
  foreach(path "${SOURCE_DIR}" "${BUILD_DIR}" "/work/" "/home/" "/tmp/")
    string(FIND "${text}" "${path}" at)
    if(NOT at EQUAL -1)
      file(RELATIVE_PATH name ${html} ${page})
      list(APPEND leaks "${name}: ${path}")
    endif()
  endforeach()
endforeach()
if(leaks)
  list(REMOVE_DUPLICATES leaks)
  string(REPLACE ";" "\n" leaks "${leaks}")
  message(FATAL_ERROR "build paths in the API reference:\n${leaks}")
endif()
message(STATUS "API reference: ${count} pages, no warning, no build path, key names indexed")
