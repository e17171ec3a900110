# Installs the built library into a temporary prefix, then builds and runs the consumer
# example with find_package, checks the pkg-config file, and builds the library as a
# subproject. Run by ctest with -DSOURCE_DIR, -DBUILD_DIR, -DWORK_DIR, -DMODE, -DSANITIZE and -DSANDBOX.
cmake_minimum_required(VERSION 3.16)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
# A sanitized library links only into sanitized programs.
set(sanitize_flags "")
if(SANITIZE)
  set(sanitize_flags "-fsanitize=${SANITIZE}")
endif()
set(prefix ${WORK_DIR}/prefix)

if(MODE STREQUAL "install")
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
  foreach(f include/cinetpay/transfer.hpp include/cinetpay/version.hpp lib/libcinetpay.a
            lib/cmake/cinetpay/cinetpayConfig.cmake lib/cmake/cinetpay/cinetpayConfigVersion.cmake
            lib/pkgconfig/cinetpay.pc)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer -B ${WORK_DIR}/consumer -G Ninja
      -DCMAKE_PREFIX_PATH=${prefix} "-DCMAKE_CXX_FLAGS=${sanitize_flags}")
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
  # The installed library calls the API for real, against the sandbox.
  run(bash ${SOURCE_DIR}/tools/with-sandbox.sh ${SANDBOX} -- ${WORK_DIR}/consumer/consumer)
  message(STATUS "${last_output}")
  if(NOT last_output MATCHES "balance: 1000000 available" OR NOT last_output MATCHES "consumer ok")
    message(FATAL_ERROR "the consumer did not call the API")
  endif()

  # The same program through pkg-config.
  set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
  run(pkg-config --cflags --libs cinetpay)
  string(STRIP "${last_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run(c++ -std=c++17 ${sanitize_flags} ${SOURCE_DIR}/examples/consumer/main.cpp ${flags} -o ${WORK_DIR}/pc_consumer)
  run(${WORK_DIR}/pc_consumer)
elseif(MODE STREQUAL "subproject")
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/subproject -B ${WORK_DIR}/sub -G Ninja
      -DCINETPAY_SOURCE_DIR=${SOURCE_DIR} -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/sub)
  run(${WORK_DIR}/sub/consumer)
else()
  message(FATAL_ERROR "MODE must be install or subproject")
endif()
