# The package as a merchant's project meets it. Run by ctest with -DSOURCE_DIR, -DBUILD_DIR,
# -DWORK_DIR, -DMODE, -DSANITIZE, -DCPACK and -DLAUNCHER (the compiler launcher, ccache).
#   install     cmake --install into a prefix; examples/consumer through find_package runs its
#               CTest sandbox fixture; the same program through pkg-config; examples/testing
#               runs its unit tests over the installed cinetpay::testing; GoogleTest is
#               needed only with COMPONENTS testing
#   subproject  tests/package/subproject: add_subdirectory, only the library by default;
#               with CINETPAY_BUILD_TOOLS and CINETPAY_BUILD_TESTING the same sandbox fixture
#               and test doubles as find_package
#   deb         cpack -G DEB, the packages unpacked with dpkg -x into a scratch root, and
#               examples/consumer and examples/testing built and run against it
#   abi         a shared Release build of the library, installed: its exported symbols are
#               the public API only (nothing of cinetpay::detail, nothing of nlohmann), and
#               each installed public header compiles on its own with g++ and clang++, in
#               C++17 and C++20, without pulling nlohmann or curl into a user's build
cmake_minimum_required(VERSION 3.16)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

# Configures, builds (what its tests need) and runs the CTest tests of a merchant's
# project; its consumer test must have called the sandbox.
function(build_and_test source build)
  run(${CMAKE_COMMAND} -S ${source} -B ${build} -G Ninja "-DCMAKE_CXX_FLAGS=${sanitize_flags}" ${ARGN})
  run(${CMAKE_COMMAND} --build ${build} --target consumer consumer_header_only in_process
      ${extra_targets})
  run(${CMAKE_CTEST_COMMAND} --test-dir ${build} --output-on-failure -V)
  if(NOT last_output MATCHES "balance: 1000000 available" OR NOT last_output MATCHES "consumer ok")
    message(FATAL_ERROR "the consumer did not call the sandbox:\n${last_output}")
  endif()
  if(NOT last_output MATCHES "consumer_header_only [.]+ +Passed")
    message(FATAL_ERROR "the consumer built on cinetpay::cinetpay_header_only failed:\n${last_output}")
  endif()
  if(NOT last_output MATCHES "cli_balance [.]+ +Passed")
    message(FATAL_ERROR "the CLI (cinetpay::cli) did not read the sandbox's balance:\n${last_output}")
  endif()
  if(NOT last_output MATCHES "in-process sandbox ok")
    message(FATAL_ERROR "the in-process sandbox test did not run:\n${last_output}")
  endif()
  set(last_output "${last_output}" PARENT_SCOPE)
endfunction()

# A merchant's unit tests (examples/testing) over cinetpay::testing: both doubles were used,
# and the README's example (readme_test) ran.
function(expect_unit_tests_ran output)
  foreach(test PayoutServiceWithMock.PaysTheSellerOnceUnderTheOrdersId
               PayoutServiceOnScriptedAnswers.ALostAnswerIsReconciledBySdkWithoutPayingTwice
               PayoutServiceOnSandbox.PaysTheSellerOnceEvenWhenTheAnswerIsLost
               PayoutService.ALostAnswerIsReconciledBySdkWithoutPayingTwice)
    if(NOT output MATCHES "${test} [.]+ +Passed")
      message(FATAL_ERROR "the merchant's unit test ${test} did not pass:\n${output}")
    endif()
  endforeach()
endfunction()

function(build_and_test_unit_tests source build)
  run(${CMAKE_COMMAND} -S ${source} -B ${build} -G Ninja "-DCMAKE_CXX_FLAGS=${sanitize_flags}" ${ARGN})
  run(${CMAKE_COMMAND} --build ${build})
  run(${CMAKE_CTEST_COMMAND} --test-dir ${build} --output-on-failure)
  expect_unit_tests_ran("${last_output}")
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
# A sanitized library links only into sanitized programs.
set(sanitize_flags "")
if(SANITIZE)
  set(sanitize_flags "-fsanitize=${SANITIZE}")
endif()

if(MODE STREQUAL "install")
  set(prefix ${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
  foreach(f include/cinetpay/transfer.hpp include/cinetpay/version.hpp lib/libcinetpay.a lib/libcinetpay_ledger.a
            lib/cmake/cinetpay/cinetpayConfig.cmake lib/cmake/cinetpay/cinetpayConfigVersion.cmake
            lib/cmake/cinetpay/cinetpayToolsTargets.cmake lib/cmake/cinetpay/CinetpaySandboxFixture.cmake
            lib/pkgconfig/cinetpay.pc bin/cinetpay bin/cinetpay-sandbox include/cinetpay/sandbox.hpp
            lib/libcinetpay_sandbox.a lib/libcinetpay_testing.a include/cinetpay/testing.hpp
            include/cinetpay/testing/mock_transfer_api.hpp include/cinetpay/transfer_api.hpp)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  build_and_test(${SOURCE_DIR}/examples/consumer ${WORK_DIR}/consumer -DCMAKE_PREFIX_PATH=${prefix})
  build_and_test_unit_tests(${SOURCE_DIR}/examples/testing ${WORK_DIR}/unit_tests
                            -DCMAKE_PREFIX_PATH=${prefix})

  # GoogleTest is looked for only when the testing component is asked for, and its absence
  # is then said by name.
  file(WRITE ${WORK_DIR}/core_only/CMakeLists.txt [=[
cmake_minimum_required(VERSION 3.16)
project(core_only LANGUAGES CXX)
find_package(cinetpay 0.1 CONFIG REQUIRED)
if(TARGET cinetpay::testing OR TARGET cinetpay::sandbox OR TARGET GTest::gmock)
  message(FATAL_ERROR "find_package(cinetpay) without COMPONENTS testing loaded its targets")
endif()
]=])
  run(${CMAKE_COMMAND} -S ${WORK_DIR}/core_only -B ${WORK_DIR}/core_only/build -G Ninja
      -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/testing
                          -B ${WORK_DIR}/no_gtest -G Ninja -DCMAKE_PREFIX_PATH=${prefix}
                          -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT err MATCHES "component testing needs GoogleTest's gmock")
    message(FATAL_ERROR "COMPONENTS testing without GoogleTest did not fail by name:\n${out}\n${err}")
  endif()

  # The same program through pkg-config.
  set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
  run(pkg-config --cflags --libs cinetpay)
  string(STRIP "${last_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run(c++ -std=c++17 ${sanitize_flags} ${SOURCE_DIR}/examples/consumer/main.cpp ${flags} -o ${WORK_DIR}/pc_consumer)
  run(${WORK_DIR}/pc_consumer)
elseif(MODE STREQUAL "subproject")
  # By default only the library: configuring is enough to see it.
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/subproject -B ${WORK_DIR}/lib_only -G Ninja
      -DCINETPAY_SOURCE_DIR=${SOURCE_DIR} -DEXPECT_TOOLS=OFF)
  set(extra_targets cinetpay_sandbox cinetpay_cli payout_service_test payout_service_sandbox_test
      readme_test)
  build_and_test(${SOURCE_DIR}/tests/package/subproject ${WORK_DIR}/with_tools
                 -DCINETPAY_SOURCE_DIR=${SOURCE_DIR} -DEXPECT_TOOLS=ON -DCINETPAY_BUILD_TOOLS=ON
                 -DCINETPAY_BUILD_TESTING=ON)
  expect_unit_tests_ran("${last_output}")
elseif(MODE STREQUAL "deb")
  run(${CPACK} -G DEB --config ${BUILD_DIR}/CPackConfig.cmake -B ${WORK_DIR}/debs)
  set(root ${WORK_DIR}/root)
  foreach(package libcinetpay-dev cinetpay-tools libcinetpay-testing-dev)
    file(GLOB deb ${WORK_DIR}/debs/${package}_*.deb)
    if(NOT deb)
      message(FATAL_ERROR "cpack made no ${package} package")
    endif()
    run(dpkg-deb -f ${deb} Package)
    run(dpkg -x ${deb} ${root})
  endforeach()
  foreach(f usr/include/cinetpay/transfer.hpp usr/lib/libcinetpay.a usr/lib/pkgconfig/cinetpay.pc
            usr/lib/cmake/cinetpay/cinetpayConfig.cmake usr/bin/cinetpay usr/bin/cinetpay-sandbox
            usr/lib/cmake/cinetpay/CinetpaySandboxFixture.cmake usr/lib/libcinetpay_testing.a
            usr/include/cinetpay/testing/mock_transfer_api.hpp)
    if(NOT EXISTS ${root}/${f})
      message(FATAL_ERROR "not in the packages: ${f}")
    endif()
  endforeach()
  build_and_test(${SOURCE_DIR}/examples/consumer ${WORK_DIR}/consumer -DCMAKE_PREFIX_PATH=${root}/usr)
  build_and_test_unit_tests(${SOURCE_DIR}/examples/testing ${WORK_DIR}/unit_tests
                            -DCMAKE_PREFIX_PATH=${root}/usr)
elseif(MODE STREQUAL "abi")
  set(build ${WORK_DIR}/shared)
  set(prefix ${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${build} -G Ninja -DCMAKE_BUILD_TYPE=Release
      -DBUILD_SHARED_LIBS=ON -DCINETPAY_BUILD_TESTS=OFF -DCINETPAY_BUILD_TOOLS=OFF
      -DCINETPAY_BUILD_EXAMPLES=OFF "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
  run(${CMAKE_COMMAND} --build ${build})
  run(${CMAKE_COMMAND} --install ${build} --prefix ${prefix})

  file(GLOB library ${prefix}/lib/libcinetpay.so.*.*.*)
  if(NOT library)
    message(FATAL_ERROR "no shared libcinetpay installed")
  endif()
  run(nm -D --defined-only ${library})
  file(WRITE ${WORK_DIR}/symbols.txt "${last_output}")
  execute_process(COMMAND c++filt INPUT_FILE ${WORK_DIR}/symbols.txt OUTPUT_VARIABLE demangled
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "c++filt failed (${rc})")
  endif()
  string(REGEX MATCHALL "\n" lines "${demangled}")
  string(REGEX MATCHALL "[^\n]*cinetpay::[A-Za-z0-9_:]*detail::[^\n]*" in_detail "${demangled}")
  string(REGEX MATCHALL "[^\n]*nlohmann[^\n]*" with_nlohmann "${demangled}")
  list(LENGTH lines total)
  list(LENGTH in_detail detail_count)
  list(LENGTH with_nlohmann nlohmann_count)
  message(STATUS "libcinetpay.so exports ${total} symbols: ${detail_count} of cinetpay::detail, "
                 "${nlohmann_count} involving nlohmann")
  if(detail_count OR nlohmann_count)
    string(REPLACE ";" "\n" shown "${in_detail};${with_nlohmann}")
    message(FATAL_ERROR "internals exported by libcinetpay.so:\n${shown}")
  endif()
  # The public API is there, in the versioned namespace.
  foreach(expected "cinetpay::v[0-9]+_[0-9]+::TransferClient::send_money"
                   "cinetpay::v[0-9]+_[0-9]+::validate_transfers"
                   "typeinfo for cinetpay::v[0-9]+_[0-9]+::ApiError")
    if(NOT demangled MATCHES "${expected}")
      message(FATAL_ERROR "libcinetpay.so does not export ${expected}:\n${demangled}")
    endif()
  endforeach()

  # Each public header on its own; -H lists what it pulls in.
  file(GLOB headers RELATIVE ${prefix}/include ${prefix}/include/cinetpay/*.hpp)
  list(LENGTH headers header_count)
  if(header_count LESS 8)
    message(FATAL_ERROR "only ${header_count} public headers installed: ${headers}")
  endif()
  foreach(compiler g++ clang++)
    foreach(standard 17 20)
      foreach(header IN LISTS headers)
        string(MAKE_C_IDENTIFIER "${compiler}_${standard}_${header}" name)
        file(WRITE ${WORK_DIR}/headers/${name}.cpp "#include <${header}>\n")
        execute_process(COMMAND ${compiler} -std=c++${standard} -Wall -Wextra -Wpedantic -Werror
                                -fsyntax-only -H -I${prefix}/include ${WORK_DIR}/headers/${name}.cpp
                        RESULT_VARIABLE rc ERROR_VARIABLE included)
        if(NOT rc EQUAL 0)
          message(FATAL_ERROR "${header} does not compile on its own (${compiler}, C++${standard}):\n${included}")
        endif()
        if(included MATCHES "nlohmann|curl/")
          message(FATAL_ERROR "${header} pulls nlohmann or curl into a user's build (${compiler}):\n${included}")
        endif()
      endforeach()
    endforeach()
  endforeach()
  message(STATUS "${header_count} public headers compile on their own with g++ and clang++, C++17 and C++20")
else()
  message(FATAL_ERROR "MODE must be install, subproject, deb or abi")
endif()
