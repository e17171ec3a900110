# The header-only mode as a merchant meets it who copies include/ into a project: no CMake
# package, no library, only -DCINETPAY_HEADER_ONLY, -lcurl and -pthread. Builds
# examples/consumer's program from a bare copy of include/ and runs it against the sandbox
# whose URL CTest's fixture gives it (CINETPAY_BASE_URL).
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch> -DCXX=<compiler> [-DLAUNCHER=ccache]
#         -P bare_include_test.cmake
file(REMOVE_RECURSE ${WORK_DIR})
file(COPY ${SOURCE_DIR}/include DESTINATION ${WORK_DIR})
file(COPY ${SOURCE_DIR}/examples/consumer/main.cpp DESTINATION ${WORK_DIR})

execute_process(COMMAND ${LAUNCHER} ${CXX} -std=c++17 -DCINETPAY_HEADER_ONLY -I${WORK_DIR}/include
                        ${WORK_DIR}/main.cpp -o ${WORK_DIR}/consumer -lcurl -pthread
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer did not build from a bare include/:\n${out}")
endif()

execute_process(COMMAND ${WORK_DIR}/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the header-only consumer failed (${rc})")
endif()
# A bad payout refused before sending, and a real call to the sandbox.
if(NOT out MATCHES "refused before sending: [^\n]*prefix" OR NOT out MATCHES "balance: 1000000 available"
   OR NOT out MATCHES "consumer ok")
  message(FATAL_ERROR "the header-only consumer did not refuse the bad payout and call the sandbox")
endif()
