# Fails unless the code block of README.md that follows the line MARKER is, byte for byte,
# the file EXAMPLE: a README example that CI builds and runs cannot drift from its copy.
#   cmake -DREADME=README.md -DMARKER="text" -DEXAMPLE=path/file.cpp -P readme_example.cmake
file(READ "${README}" readme)
string(FIND "${readme}" "${MARKER}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md has no line '${MARKER}'")
endif()
string(SUBSTRING "${readme}" ${at} -1 rest)
string(FIND "${rest}" "```cpp\n" open)
if(open EQUAL -1)
  message(FATAL_ERROR "no ```cpp block after '${MARKER}' in README.md")
endif()
math(EXPR start "${open} + 7")
string(SUBSTRING "${rest}" ${start} -1 rest)
string(FIND "${rest}" "```" close)
string(SUBSTRING "${rest}" 0 ${close} block)
file(READ "${EXAMPLE}" example)
if(NOT block STREQUAL example)
  message(FATAL_ERROR "README.md's example after '${MARKER}' differs from ${EXAMPLE}: "
                      "copy the file into the README (or the README into the file)")
endif()
