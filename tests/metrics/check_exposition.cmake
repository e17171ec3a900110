# Runs PROGRAM, writes what it prints to OUT, and has NODE read it with check_exposition.js.
#   cmake -DPROGRAM=<metrics_exposition> -DNODE=<node> -DOUT=<file> -P check_exposition.cmake
execute_process(COMMAND ${PROGRAM} OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} failed: ${rc}")
endif()
get_filename_component(here ${CMAKE_SCRIPT_MODE_FILE} DIRECTORY)
if(NOT EXISTS ${here}/node_modules/parse-prometheus-text-format)
  message(FATAL_ERROR "${here}/node_modules has no parse-prometheus-text-format: run "
                      "`bash cmake/install-deps.sh js` (npm ci in tests/metrics)")
endif()
execute_process(COMMAND ${NODE} ${here}/check_exposition.js ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "check_exposition.js refused ${OUT}")
endif()
