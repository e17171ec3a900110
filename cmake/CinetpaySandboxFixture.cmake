# CTest fixtures that run cinetpay-sandbox for a merchant's integration tests.
#
#   cinetpay_add_sandbox_fixture(NAME <fixture> [SANDBOX_ARGS <flag>...])
#     Registers the tests <fixture>_start (FIXTURES_SETUP <fixture>) and <fixture>_stop
#     (FIXTURES_CLEANUP <fixture>): cinetpay-sandbox (the target cinetpay::sandbox_server)
#     runs on a free port of 127.0.0.1, with the given flags, while the tests that require
#     <fixture> run.
#
#   cinetpay_add_sandbox_test(NAME <test> FIXTURE <fixture> COMMAND <program> [<arg>...])
#     add_test() requiring <fixture>; <program> (a target or a path) runs with
#     CINETPAY_BASE_URL, CINETPAY_API_KEY and CINETPAY_PASSWORD of that sandbox, which is
#     what cinetpay::TransferClient::from_env() reads.
#
# Comes with find_package(cinetpay) (component testing) and with add_subdirectory when
# CINETPAY_BUILD_TOOLS is ON.
include_guard(GLOBAL)

# Read when the functions run, from wherever they are called.
set_property(GLOBAL PROPERTY CINETPAY_SANDBOX_FIXTURE_SCRIPT
             "${CMAKE_CURRENT_LIST_DIR}/cinetpay-sandbox-fixture.sh")

function(cinetpay_add_sandbox_fixture)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME" "SANDBOX_ARGS")
  if(NOT arg_NAME OR arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "usage: cinetpay_add_sandbox_fixture(NAME <fixture> [SANDBOX_ARGS <flag>...])")
  endif()
  if(NOT TARGET cinetpay::sandbox_server)
    message(FATAL_ERROR "cinetpay_add_sandbox_fixture: no target cinetpay::sandbox_server; "
                        "install cinetpay's tools component, or set CINETPAY_BUILD_TOOLS=ON "
                        "before add_subdirectory")
  endif()
  get_property(script GLOBAL PROPERTY CINETPAY_SANDBOX_FIXTURE_SCRIPT)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/cinetpay_sandbox_${arg_NAME}")
  set_property(GLOBAL PROPERTY CINETPAY_SANDBOX_FIXTURE_DIR_${arg_NAME} "${dir}")
  add_test(NAME ${arg_NAME}_start
           COMMAND bash "${script}" start "${dir}" $<TARGET_FILE:cinetpay::sandbox_server>
                   ${arg_SANDBOX_ARGS})
  add_test(NAME ${arg_NAME}_stop COMMAND bash "${script}" stop "${dir}")
  set_tests_properties(${arg_NAME}_start PROPERTIES FIXTURES_SETUP ${arg_NAME} TIMEOUT 30)
  set_tests_properties(${arg_NAME}_stop PROPERTIES FIXTURES_CLEANUP ${arg_NAME} TIMEOUT 30)
endfunction()

function(cinetpay_add_sandbox_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;FIXTURE" "COMMAND")
  if(NOT arg_NAME OR NOT arg_FIXTURE OR NOT arg_COMMAND OR arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
            "usage: cinetpay_add_sandbox_test(NAME <test> FIXTURE <fixture> COMMAND <program> [<arg>...])")
  endif()
  get_property(dir GLOBAL PROPERTY CINETPAY_SANDBOX_FIXTURE_DIR_${arg_FIXTURE})
  if(NOT dir)
    message(FATAL_ERROR "cinetpay_add_sandbox_test(${arg_NAME}): no fixture ${arg_FIXTURE}; "
                        "call cinetpay_add_sandbox_fixture(NAME ${arg_FIXTURE}) first")
  endif()
  get_property(script GLOBAL PROPERTY CINETPAY_SANDBOX_FIXTURE_SCRIPT)
  list(POP_FRONT arg_COMMAND program)
  if(TARGET ${program})
    set(program $<TARGET_FILE:${program}>)
  endif()
  add_test(NAME ${arg_NAME} COMMAND bash "${script}" run "${dir}" ${program} ${arg_COMMAND})
  set_tests_properties(${arg_NAME} PROPERTIES FIXTURES_REQUIRED ${arg_FIXTURE})
endfunction()
