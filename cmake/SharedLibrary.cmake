# cinetpay_shared_library(<target>...): what each of the project's libraries gets when it is
# built shared (BUILD_SHARED_LIBS=ON): a soname that carries MAJOR.MINOR (while on 0.x each
# minor release may break the ABI) and, unless the project's tests are built, the export
# list of cmake/cinetpay-exports.map, so that only names of namespace cinetpay leave it. A
# static library is left as it is.
function(cinetpay_shared_library)
  foreach(target IN LISTS ARGN)
    get_target_property(type ${target} TYPE)
    if(NOT type STREQUAL "SHARED_LIBRARY")
      continue()
    endif()
    set_target_properties(${target} PROPERTIES VERSION ${PROJECT_VERSION}
                                               SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
    if(CINETPAY_BUILD_TESTS)
      # The project's own tests reach internals (cinetpay::detail, the ledger's stores):
      # a shared build with the tests exports everything, so that they link. What is
      # installed is built without them (make install, make package), and package_abi
      # checks that build's exports.
      set_target_properties(${target} PROPERTIES CXX_VISIBILITY_PRESET default
                                                 VISIBILITY_INLINES_HIDDEN OFF)
    elseif(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
      set(map ${PROJECT_SOURCE_DIR}/cmake/cinetpay-exports.map)
      target_link_options(${target} PRIVATE "LINKER:--version-script=${map}")
      set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${map})
    endif()
  endforeach()
endfunction()
