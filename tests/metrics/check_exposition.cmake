# Runs PROGRAM, writes what it prints to OUT, and has NODE read it with check_exposition.js;
# the same with PROGRAM's merged exposition (expose_with) in OUT.merged.
#   cmake -DPROGRAM=<metrics_exposition> -DNODE=<node> -DOUT=<file> -P check_exposition.cmake
foreach(mode plain merged)
  set(out_${mode} ${OUT})
  if(mode STREQUAL "merged")
    set(out_${mode} ${OUT}.merged)
  endif()
  execute_process(COMMAND ${PROGRAM} ${mode} OUTPUT_FILE ${out_${mode}} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} ${mode} failed: ${rc}")
  endif()
endforeach()
get_filename_component(here ${CMAKE_SCRIPT_MODE_FILE} DIRECTORY)
if(NOT EXISTS ${here}/node_modules/parse-prometheus-text-format)
  message(FATAL_ERROR "${here}/node_modules has no parse-prometheus-text-format: run "
                      "`bash cmake/install-deps.sh js` (npm ci in tests/metrics)")
endif()
foreach(mode plain merged)
  execute_process(COMMAND ${NODE} ${here}/check_exposition.js ${out_${mode}} ${mode}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "check_exposition.js refused ${out_${mode}}")
  endif()
endforeach()
