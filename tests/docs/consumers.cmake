# The CMake blocks of the docs, as merchants' projects over the installed package: each
# project of consumers/ is copied with the sources it names, configured against PREFIX,
# and `client` (the quickstart) is built too.
#   cmake -DSOURCE_DIR=<repo> -DPREFIX=<install prefix> -DWORK_DIR=<scratch> -P consumers.cmake
set(sources_client ${SOURCE_DIR}/examples/quickstart.cpp)
set(sources_fixture ${SOURCE_DIR}/examples/balance.cpp)
set(sources_unit ${SOURCE_DIR}/examples/testing/payout_service.cpp
                 ${SOURCE_DIR}/examples/testing/payout_service.hpp
                 ${SOURCE_DIR}/examples/testing/payout_service_test.cpp)
file(REMOVE_RECURSE ${WORK_DIR})
foreach(project client fixture unit)
  set(dir ${WORK_DIR}/${project})
  file(COPY ${SOURCE_DIR}/tests/docs/consumers/${project}/CMakeLists.txt ${sources_${project}}
       DESTINATION ${dir})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${dir} -B ${dir}/build -G Ninja
                          -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_BUILD_TYPE=Debug
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tests/docs/consumers/${project} did not configure:\n${out}")
  endif()
  message(STATUS "${project}: configured")
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/client/build
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tests/docs/consumers/client did not build:\n${out}")
endif()
message(STATUS "client: built")
