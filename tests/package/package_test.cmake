# The package as a merchant's project meets it. Run by ctest with -DSOURCE_DIR, -DBUILD_DIR,
# -DWORK_DIR, -DMODE, -DSANITIZE, -DCPACK, -DLAUNCHER (the compiler launcher, ccache),
# -DLIBDIR (the build's CMAKE_INSTALL_LIBDIR, lib/<triplet> on Debian) and -DDOCS
# (CINETPAY_BUILD_DOCS).
#   install     cmake --install into a prefix; examples/consumer through find_package runs its
#               CTest sandbox fixture; the same program (and a ledger program, through
#               cinetpay-ledger.pc) through pkg-config; examples/testing
#               runs its unit tests over the installed cinetpay::testing; GoogleTest is
#               needed only with COMPONENTS testing; the client alone is configured, built
#               and linked where SQLite and libpq cannot be found (pkg-config finds no .pc
#               file, FindSQLite3 fails if called); COMPONENTS ledger there fails naming
#               libpq-dev and libsqlite3-dev, and where they are found it links and opens
#               a ledger
#   subproject  tests/package/subproject: add_subdirectory, only the library by default
#               (with CINETPAY_BUILD_LEDGER=OFF, the client alone, where SQLite and libpq
#               cannot be found); with CINETPAY_BUILD_TOOLS and CINETPAY_BUILD_TESTING the
#               same sandbox fixture and test doubles as find_package
#   deb         cpack -G DEB: the packages' dependencies follow the components (the client
#               asks for libcurl only), each carries its copyright and changelog, lintian
#               finds no error; unpacked with dpkg -x into a scratch root, examples/consumer
#               and examples/testing are built and run against it
#   abi         a shared Release build of every library (client, ledger, sandbox, test
#               doubles), installed: each one exports names of namespace cinetpay only (the
#               client and the ledger: of its versioned inline namespace, nothing of
#               cinetpay::detail), a consumer links each one and runs; each installed
#               public header compiles on its own with g++ and clang++, in C++17 and C++20,
#               without pulling nlohmann or curl into a user's build
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

# A merchant's project that wants the client alone, or COMPONENTS ledger too (then it links
# and opens a ledger).
function(write_client_project dir components)
  file(WRITE ${dir}/CMakeLists.txt "
cmake_minimum_required(VERSION 3.16)
project(client_only LANGUAGES CXX)
find_package(cinetpay 0.1 CONFIG REQUIRED ${components})
add_executable(consumer \${CMAKE_CURRENT_SOURCE_DIR}/main.cpp)
target_link_libraries(consumer PRIVATE cinetpay::cinetpay)
if(TARGET cinetpay::ledger)
  add_executable(ledger_consumer \${CMAKE_CURRENT_SOURCE_DIR}/ledger.cpp)
  target_link_libraries(ledger_consumer PRIVATE cinetpay::ledger)
endif()
")
  file(COPY ${SOURCE_DIR}/examples/consumer/main.cpp DESTINATION ${dir})
  file(WRITE ${dir}/ledger.cpp [=[
#include <cinetpay/ledger.hpp>
#include <iostream>
int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto ledger = cinetpay::PayoutLedger::open(std::string("sqlite:") + argv[1]);
  std::cout << "ledger ok\n";
}
]=])
endfunction()

if(MODE STREQUAL "install")
  set(prefix ${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
  set(installed include/cinetpay/transfer.hpp include/cinetpay/version.hpp include/cinetpay/ledger.hpp
      ${LIBDIR}/libcinetpay.a ${LIBDIR}/libcinetpay_ledger.a
      ${LIBDIR}/cmake/cinetpay/cinetpayConfig.cmake ${LIBDIR}/cmake/cinetpay/cinetpayConfigVersion.cmake
      ${LIBDIR}/cmake/cinetpay/cinetpayLedgerTargets.cmake
      ${LIBDIR}/cmake/cinetpay/cinetpayToolsTargets.cmake ${LIBDIR}/cmake/cinetpay/CinetpaySandboxFixture.cmake
      ${LIBDIR}/pkgconfig/cinetpay.pc ${LIBDIR}/pkgconfig/cinetpay-ledger.pc bin/cinetpay
      bin/cinetpay-sandbox include/cinetpay/sandbox.hpp ${LIBDIR}/libcinetpay_sandbox.a
      ${LIBDIR}/libcinetpay_testing.a include/cinetpay/testing.hpp
      include/cinetpay/testing/mock_transfer_api.hpp include/cinetpay/transfer_api.hpp)
  if(DOCS)
    list(APPEND installed share/doc/cinetpay/html/index.html share/doc/cinetpay/html/namespacecinetpay.html)
  endif()
  foreach(f IN LISTS installed)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()

  # The dev component alone is the client: no ledger header, library or targets in it.
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/dev_only --component dev)
  foreach(f include/cinetpay/ledger.hpp ${LIBDIR}/libcinetpay_ledger.a
            ${LIBDIR}/cmake/cinetpay/cinetpayLedgerTargets.cmake)
    if(EXISTS ${WORK_DIR}/dev_only/${f})
      message(FATAL_ERROR "the dev component (libcinetpay-dev) holds the ledger's ${f}")
    endif()
  endforeach()

  # The client alone, where neither SQLite nor libpq can be found: pkg-config finds no .pc
  # file at all, and FindSQLite3 is replaced by a module that fails if anything looks for
  # it. The consumer configures, builds and links.
  set(hidden ${WORK_DIR}/hidden)
  file(MAKE_DIRECTORY ${hidden}/pkgconfig_empty)
  # (Not FindPkgConfig: FindCURL itself asks pkg-config first. pkg_check_modules leaves its
  # arguments in the cache, which is read below.)
  file(WRITE ${hidden}/modules/FindSQLite3.cmake
       "message(FATAL_ERROR \"find_package(SQLite3) was called: the client alone must not look for it\")\n")
  set(ENV{PKG_CONFIG_LIBDIR} ${hidden}/pkgconfig_empty)
  unset(ENV{PKG_CONFIG_PATH})
  write_client_project(${WORK_DIR}/client_only "")
  run(${CMAKE_COMMAND} -S ${WORK_DIR}/client_only -B ${WORK_DIR}/client_only/build -G Ninja
      "-DCMAKE_CXX_FLAGS=${sanitize_flags}" -DCMAKE_PREFIX_PATH=${prefix}
      -DCMAKE_MODULE_PATH=${hidden}/modules)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/client_only/build)
  file(STRINGS ${WORK_DIR}/client_only/build/CMakeCache.txt cached REGEX "(SQLite|sqlite|LIBPQ|libpq)")
  if(cached OR EXISTS ${WORK_DIR}/client_only/build/ledger_consumer)
    message(FATAL_ERROR "the client alone looked for the ledger's dependencies:\n${cached}")
  endif()

  # The ledger asked for in that same place fails, naming the Debian packages.
  write_client_project(${WORK_DIR}/no_libpq "COMPONENTS ledger")
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK_DIR}/no_libpq -B ${WORK_DIR}/no_libpq/build -G Ninja
                          -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  # (CMake wraps the message: its lines are joined again.)
  string(REGEX REPLACE "[ \n]+" " " err "${err}")
  if(rc EQUAL 0 OR NOT err MATCHES "cinetpay: the ledger component needs SQLite \\(Debian: libsqlite3-dev\\), libpq \\(Debian: libpq-dev")
    message(FATAL_ERROR "COMPONENTS ledger without SQLite and libpq did not fail by name:\n${out}\n${err}")
  endif()
  unset(ENV{PKG_CONFIG_LIBDIR})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK_DIR}/no_libpq -B ${WORK_DIR}/no_libpq/build_with_sqlite
                          -G Ninja -DCMAKE_PREFIX_PATH=${prefix}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "COMPONENTS ledger did not configure where SQLite and libpq are:\n${out}\n${err}")
  endif()
  # Where they are, COMPONENTS ledger links and opens a ledger.
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/no_libpq/build_with_sqlite)
  run(${WORK_DIR}/no_libpq/build_with_sqlite/ledger_consumer ${WORK_DIR}/ledger.db)
  if(NOT last_output MATCHES "ledger ok")
    message(FATAL_ERROR "the ledger consumer did not run:\n${last_output}")
  endif()
  # libpq alone hidden (its .pc file out of pkg-config's reach): the message names libpq-dev.
  set(ENV{PKG_CONFIG_LIBDIR} ${hidden}/pkgconfig_empty)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK_DIR}/no_libpq -B ${WORK_DIR}/no_libpq/build_no_pq
                          -G Ninja -DCMAKE_PREFIX_PATH=${prefix}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  unset(ENV{PKG_CONFIG_LIBDIR})
  string(REGEX REPLACE "[ \n]+" " " err "${err}")
  if(rc EQUAL 0 OR NOT err MATCHES "cinetpay: the ledger component needs libpq \\(Debian: libpq-dev"
     OR err MATCHES "libsqlite3-dev")
    message(FATAL_ERROR "COMPONENTS ledger without libpq did not fail naming libpq-dev alone:\n${out}\n${err}")
  endif()
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
  string(REGEX REPLACE "[ \n]+" " " err "${err}")
  if(rc EQUAL 0 OR NOT err MATCHES "cinetpay: the testing component needs GoogleTest's gmock \\(Debian: libgmock-dev\\)")
    message(FATAL_ERROR "COMPONENTS testing without GoogleTest did not fail by name:\n${out}\n${err}")
  endif()

  # The same program through pkg-config.
  set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
  run(pkg-config --cflags --libs cinetpay)
  string(STRIP "${last_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run(c++ -std=c++17 ${sanitize_flags} ${SOURCE_DIR}/examples/consumer/main.cpp ${flags} -o ${WORK_DIR}/pc_consumer)
  run(${WORK_DIR}/pc_consumer)
  # The ledger through cinetpay-ledger.pc, which brings the client's, SQLite's and libpq's flags.
  run(pkg-config --cflags --libs cinetpay-ledger)
  string(STRIP "${last_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run(c++ -std=c++17 ${sanitize_flags} ${WORK_DIR}/no_libpq/ledger.cpp ${flags} -o ${WORK_DIR}/pc_ledger)
  run(${WORK_DIR}/pc_ledger ${WORK_DIR}/pc_ledger.db)
  if(NOT last_output MATCHES "ledger ok")
    message(FATAL_ERROR "the ledger built through pkg-config did not run:\n${last_output}")
  endif()
elseif(MODE STREQUAL "subproject")
  # By default only the library: configuring is enough to see it.
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/subproject -B ${WORK_DIR}/lib_only -G Ninja
      -DCINETPAY_SOURCE_DIR=${SOURCE_DIR} -DEXPECT_TOOLS=OFF)
  # The client alone (CINETPAY_BUILD_LEDGER=OFF) where SQLite and libpq cannot be found:
  # configures, and its consumer builds.
  file(MAKE_DIRECTORY ${WORK_DIR}/hidden/pkgconfig_empty)
  file(WRITE ${WORK_DIR}/hidden/modules/FindSQLite3.cmake
       "message(FATAL_ERROR \"find_package(SQLite3) was called: the client alone must not look for it\")\n")
  set(ENV{PKG_CONFIG_LIBDIR} ${WORK_DIR}/hidden/pkgconfig_empty)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/subproject -B ${WORK_DIR}/client_only -G Ninja
      -DCINETPAY_SOURCE_DIR=${SOURCE_DIR} -DEXPECT_TOOLS=OFF -DCINETPAY_BUILD_LEDGER=OFF
      -DCMAKE_MODULE_PATH=${WORK_DIR}/hidden/modules "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
  unset(ENV{PKG_CONFIG_LIBDIR})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/client_only --target consumer)
  set(extra_targets cinetpay_sandbox cinetpay_cli payout_service_test payout_service_sandbox_test
      readme_test)
  build_and_test(${SOURCE_DIR}/tests/package/subproject ${WORK_DIR}/with_tools
                 -DCINETPAY_SOURCE_DIR=${SOURCE_DIR} -DEXPECT_TOOLS=ON -DCINETPAY_BUILD_TOOLS=ON
                 -DCINETPAY_BUILD_TESTING=ON)
  expect_unit_tests_ran("${last_output}")
elseif(MODE STREQUAL "deb")
  run(${CPACK} -G DEB --config ${BUILD_DIR}/CPackConfig.cmake -B ${WORK_DIR}/debs)
  set(root ${WORK_DIR}/root)
  set(packages libcinetpay-dev libcinetpay-ledger-dev cinetpay-tools libcinetpay-testing-dev)
  if(DOCS)
    list(APPEND packages libcinetpay-doc)
  endif()
  set(debs "")
  foreach(package IN LISTS packages)
    file(GLOB deb ${WORK_DIR}/debs/${package}_*.deb)
    if(NOT deb)
      message(FATAL_ERROR "cpack made no ${package} package")
    endif()
    list(APPEND debs ${deb})
    run(dpkg-deb -f ${deb} Depends)
    string(STRIP "${last_output}" depends_${package})
    message(STATUS "${package}: Depends: ${depends_${package}}")
    # Debian's own files of every package: its copyright, machine-readable, and its changelog.
    run(dpkg-deb -c ${deb})
    foreach(f copyright changelog.gz)
      if(NOT last_output MATCHES " ./usr/share/doc/${package}/${f}\n")
        message(FATAL_ERROR "${package} has no /usr/share/doc/${package}/${f}:\n${last_output}")
      endif()
    endforeach()
    run(dpkg -x ${deb} ${root})
  endforeach()
  # The dependencies follow the components: the client asks for libcurl only.
  if(NOT depends_libcinetpay-dev STREQUAL "libcurl4-openssl-dev")
    message(FATAL_ERROR "libcinetpay-dev depends on more than libcurl: ${depends_libcinetpay-dev}")
  endif()
  foreach(dependency "libcinetpay-dev \\(= [0-9.]+\\)" libsqlite3-dev libpq-dev)
    if(NOT depends_libcinetpay-ledger-dev MATCHES "${dependency}")
      message(FATAL_ERROR "libcinetpay-ledger-dev does not depend on ${dependency}: ${depends_libcinetpay-ledger-dev}")
    endif()
  endforeach()
  if(depends_libcinetpay-testing-dev MATCHES "sqlite|libpq|ledger")
    message(FATAL_ERROR "libcinetpay-testing-dev depends on the ledger: ${depends_libcinetpay-testing-dev}")
  endif()
  file(READ ${root}/usr/share/doc/libcinetpay-dev/copyright copyright)
  if(NOT copyright MATCHES "^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
     OR NOT copyright MATCHES "\nLicense: Expat\n [^\n]*Permission is hereby granted")
    message(FATAL_ERROR "libcinetpay-dev's copyright is not DEP-5 with the Expat license:\n${copyright}")
  endif()
  foreach(f usr/include/cinetpay/transfer.hpp usr/include/cinetpay/ledger.hpp usr/${LIBDIR}/libcinetpay.a
            usr/${LIBDIR}/libcinetpay_ledger.a usr/${LIBDIR}/pkgconfig/cinetpay.pc
            usr/${LIBDIR}/cmake/cinetpay/cinetpayConfig.cmake usr/bin/cinetpay usr/bin/cinetpay-sandbox
            usr/${LIBDIR}/cmake/cinetpay/CinetpaySandboxFixture.cmake usr/${LIBDIR}/libcinetpay_testing.a
            usr/include/cinetpay/testing/mock_transfer_api.hpp)
    if(NOT EXISTS ${root}/${f})
      message(FATAL_ERROR "not in the packages: ${f}")
    endif()
  endforeach()
  if(DOCS AND NOT EXISTS ${root}/usr/share/doc/cinetpay/html/index.html)
    message(FATAL_ERROR "libcinetpay-doc holds no /usr/share/doc/cinetpay/html/index.html")
  endif()

  # lintian, Debian's own checker: no error (E:) in any package. Its warnings are printed;
  # docs/packaging.md lists those that stay and why.
  find_program(LINTIAN lintian REQUIRED)
  execute_process(COMMAND ${LINTIAN} --tag-display-limit 0 ${debs}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "lintian (${rc}):\n${out}${err}")
  if(NOT rc EQUAL 0 OR out MATCHES "(^|\n)E: " OR err MATCHES "(^|\n)E: ")
    message(FATAL_ERROR "lintian found errors in the packages")
  endif()

  build_and_test(${SOURCE_DIR}/examples/consumer ${WORK_DIR}/consumer -DCMAKE_PREFIX_PATH=${root}/usr)
  build_and_test_unit_tests(${SOURCE_DIR}/examples/testing ${WORK_DIR}/unit_tests
                            -DCMAKE_PREFIX_PATH=${root}/usr)
elseif(MODE STREQUAL "abi")
  set(build ${WORK_DIR}/shared)
  set(prefix ${WORK_DIR}/prefix)
  # Every library shared: the client, the ledger, the sandbox and the test doubles (the
  # tools are built too, since the sandbox library is theirs).
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${build} -G Ninja -DCMAKE_BUILD_TYPE=Release
      -DBUILD_SHARED_LIBS=ON -DCINETPAY_BUILD_TESTS=OFF -DCINETPAY_BUILD_TOOLS=ON
      -DCINETPAY_BUILD_TESTING=ON -DCINETPAY_BUILD_EXAMPLES=OFF -DCINETPAY_BUILD_DOCS=OFF
      "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
  run(${CMAKE_COMMAND} --build ${build})
  run(${CMAKE_COMMAND} --install ${build} --prefix ${prefix})

  # What each library exports (nm -D --defined-only, mangled): names of namespace cinetpay
  # and their type information only; for the client and the ledger, of the versioned inline
  # namespace (cinetpay::vMAJOR_MINOR); nothing of cinetpay::detail, nlohmann, cpp-httplib,
  # GoogleTest or std. EXPECTED names a few symbols that must be there (demangled).
  set(any_cinetpay "^_Z(T[ISVT]|GV|Th[n0-9]+_|Tv[n0-9]+_n?[0-9]+_)?N[KVRO]*8cinetpay")
  set(versioned "${any_cinetpay}[0-9]+v[0-9]+_[0-9]+")
  set(summary "")
  function(check_exports name pattern)
    file(GLOB library ${prefix}/${LIBDIR}/lib${name}.so.*.*.*)
    if(NOT library)
      message(FATAL_ERROR "no shared lib${name} installed")
    endif()
    run(readelf -d ${library})
    if(NOT last_output MATCHES "Library soname: \\[lib${name}[.]so[.][0-9]+[.][0-9]+\\]")
      message(FATAL_ERROR "lib${name}.so has no soname with MAJOR.MINOR:\n${last_output}")
    endif()
    run(nm -D --defined-only --format=posix ${library})
    string(REGEX MATCHALL "[^\n]+" lines "${last_output}")
    set(leaks "")
    set(demangled_all "")
    list(LENGTH lines total)
    foreach(line IN LISTS lines)
      string(REGEX REPLACE " .*" "" symbol "${line}")
      # A name in cinetpay::detail is not API (a parameter of a detail type may be: a
      # public class's private constructor).
      if(NOT symbol MATCHES "${pattern}" OR symbol MATCHES "${any_cinetpay}([0-9]+v[0-9]+_[0-9]+)?6detail")
        list(APPEND leaks "${symbol}")
      endif()
    endforeach()
    if(leaks)
      string(REPLACE ";" "\n" leaks "${leaks}")
      file(WRITE ${WORK_DIR}/${name}_leaks.txt "${leaks}\n")
      execute_process(COMMAND c++filt INPUT_FILE ${WORK_DIR}/${name}_leaks.txt OUTPUT_VARIABLE shown)
      message(FATAL_ERROR "lib${name}.so exports what is not its API:\n${shown}")
    endif()
    file(WRITE ${WORK_DIR}/${name}_symbols.txt "${last_output}")
    execute_process(COMMAND c++filt INPUT_FILE ${WORK_DIR}/${name}_symbols.txt OUTPUT_VARIABLE demangled)
    foreach(expected IN LISTS ARGN)
      if(NOT demangled MATCHES "${expected}")
        message(FATAL_ERROR "lib${name}.so does not export ${expected}:\n${demangled}")
      endif()
    endforeach()
    set(summary "${summary} lib${name}.so ${total}," PARENT_SCOPE)
  endfunction()
  check_exports(cinetpay "${versioned}" "cinetpay::v[0-9]+_[0-9]+::TransferClient::send_money"
                "cinetpay::v[0-9]+_[0-9]+::validate_transfers"
                "cinetpay::v[0-9]+_[0-9]+::parse_notification"
                "typeinfo for cinetpay::v[0-9]+_[0-9]+::ApiError")
  check_exports(cinetpay_ledger "${versioned}" "cinetpay::v[0-9]+_[0-9]+::PayoutLedger::open"
                "cinetpay::v[0-9]+_[0-9]+::PayoutWorker::")
  # The test doubles and the sandbox live in cinetpay::mocks and cinetpay::sandbox, which
  # are not versioned (docs/packaging.md).
  check_exports(cinetpay_sandbox "${any_cinetpay}" "cinetpay::sandbox::Sandbox::start")
  check_exports(cinetpay_testing "${any_cinetpay}" "cinetpay::mocks::answers::login")
  message(STATUS "exported symbols, all of namespace cinetpay:${summary}")

  # A consumer links each installed library and runs: examples/consumer (the client, the
  # header-only client, the sandbox library and the test doubles, and the CLI against the
  # sandbox fixture), examples/testing (the test doubles) and a ledger program. A prefix
  # outside the loader's paths: LD_LIBRARY_PATH, as for any shared library put there.
  set(ENV{LD_LIBRARY_PATH} ${prefix}/${LIBDIR})
  build_and_test(${SOURCE_DIR}/examples/consumer ${WORK_DIR}/consumer -DCMAKE_PREFIX_PATH=${prefix})
  build_and_test_unit_tests(${SOURCE_DIR}/examples/testing ${WORK_DIR}/unit_tests
                            -DCMAKE_PREFIX_PATH=${prefix})
  write_client_project(${WORK_DIR}/with_ledger "COMPONENTS ledger")
  run(${CMAKE_COMMAND} -S ${WORK_DIR}/with_ledger -B ${WORK_DIR}/with_ledger/build -G Ninja
      -DCMAKE_PREFIX_PATH=${prefix})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/with_ledger/build)
  run(${WORK_DIR}/with_ledger/build/ledger_consumer ${WORK_DIR}/ledger.db)
  if(NOT last_output MATCHES "ledger ok")
    message(FATAL_ERROR "the ledger consumer did not run:\n${last_output}")
  endif()
  # Each of them links the shared libraries, not a static copy.
  foreach(check "consumer/consumer:libcinetpay" "consumer/in_process:libcinetpay_sandbox"
                "consumer/in_process:libcinetpay_testing" "with_ledger/build/ledger_consumer:libcinetpay_ledger")
    string(REPLACE ":" ";" check "${check}")
    list(GET check 0 program)
    list(GET check 1 library)
    run(readelf -d ${WORK_DIR}/${program})
    if(NOT last_output MATCHES "NEEDED[^\n]*\\[${library}[.]so[.][0-9]+[.][0-9]+\\]")
      message(FATAL_ERROR "${program} does not link ${library}.so:\n${last_output}")
    endif()
  endforeach()
  unset(ENV{LD_LIBRARY_PATH})

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
