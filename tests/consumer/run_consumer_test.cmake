# Installs the Cistern libraries (no apps, so no gRPC, Protobuf or libpcap involved) into a
# temporary prefix, then builds two consumer projects against that prefix:
#   1. find_package(Cistern COMPONENTS base sflow proto snmp catena) and find_package(cistern_sflow):
#      must build and run (it round-trips a datagram, a frame, an SNMP message and a chunk, and
#      stores and reads back a sample in a database);
#   2. find_package(Cistern REQUIRED COMPONENTS sflow analytics): must fail, naming the missing
#      component (libanalytics is not written yet).
# Usage: cmake -DSOURCE_DIR=... -DWORK_DIR=... -P run_consumer_test.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
find_program(CCACHE ccache)
set(launcher "")
if(CCACHE)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE})
endif()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G Ninja -DCMAKE_BUILD_TYPE=Release
    -DCISTERN_BUILD_APPS=OFF -DCISTERN_BUILD_TESTS=OFF -DCISTERN_BUILD_BENCHMARKS=OFF
    -DCMAKE_INSTALL_PREFIX=${prefix} ${launcher})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${CMAKE_COMMAND} --install ${WORK_DIR}/build)

# 1. The positive consumer.
set(project ${CMAKE_CURRENT_LIST_DIR}/project)
run(${CMAKE_COMMAND} -S ${project} -B ${WORK_DIR}/consumer -G Ninja -DCMAKE_PREFIX_PATH=${prefix}
    ${launcher})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run(${WORK_DIR}/consumer/consumer)
message(STATUS "consumer built against the installed packages and ran")

# 2. A component that is not installed must fail to configure, with a clear message.
execute_process(COMMAND ${CMAKE_COMMAND} -S ${project} -B ${WORK_DIR}/consumer-missing -G Ninja
                        -DCMAKE_PREFIX_PATH=${prefix} "-DCONSUMER_COMPONENTS=sflow;analytics"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "a consumer asking for the uninstalled component 'analytics' configured")
endif()
if(NOT "${out}${err}" MATCHES "component\\(s\\) not installed.*analytics")
  message(FATAL_ERROR "missing-component failure does not name 'analytics':\n${out}\n${err}")
endif()
message(STATUS "missing component reported: OK")
