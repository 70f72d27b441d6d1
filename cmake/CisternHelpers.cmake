# One way to make every Cistern library: a static (or header-only) library `cistern_<name>`, alias
# `cistern::<name>`, its headers under include/cistern/<name>/, and, when installing, its own CMake
# package `cistern_<name>` so that find_package(cistern_<name>) and the umbrella
# find_package(Cistern COMPONENTS <name>) both work.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(CISTERN_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

if(NOT DEFINED CISTERN_INSTALL)
  # Install rules switch off when Cistern is nested in another project.
  set(CISTERN_INSTALL ${PROJECT_IS_TOP_LEVEL})
endif()
option(CISTERN_WERROR "Treat compiler warnings as errors" OFF)

# Warnings are compile options on our own targets, never part of a target's interface.
function(cistern_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           $<$<BOOL:${CISTERN_WERROR}>:-Werror>)
  # GCC 12 at -O3 reports std::string's own memcpy as overlapping (GCC bug 105329, fixed in 13).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()

# cistern_add_library(<name> [HEADER_ONLY] [SOURCES ...] [PUBLIC_DEPS ...] [PRIVATE_DEPS ...]
#                     [FIND_DEPENDENCIES "<pkg args>;..."])
# FIND_DEPENDENCIES lists the find_dependency() calls the installed package config must make.
function(cistern_add_library name)
  cmake_parse_arguments(ARG "HEADER_ONLY" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS;FIND_DEPENDENCIES"
                        ${ARGN})
  set(target cistern_${name})
  if(ARG_HEADER_ONLY)
    add_library(${target} INTERFACE)
    set(scope INTERFACE)
  else()
    add_library(${target} STATIC ${ARG_SOURCES})
    set(scope PUBLIC)
    target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    target_link_libraries(${target} PRIVATE ${ARG_PRIVATE_DEPS})
    cistern_warnings(${target})
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  endif()
  add_library(cistern::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  target_compile_features(${target} ${scope} cxx_std_20)
  target_include_directories(${target} ${scope}
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} ${scope} ${ARG_PUBLIC_DEPS})

  if(CISTERN_INSTALL)
    set(pkg cistern_${name})
    set(pkgdir ${CMAKE_INSTALL_LIBDIR}/cmake/${pkg})
    install(TARGETS ${target} EXPORT ${pkg}-targets
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
    install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
    install(EXPORT ${pkg}-targets NAMESPACE cistern:: DESTINATION ${pkgdir})
    set(CISTERN_PKG_NAME ${pkg})
    set(CISTERN_PKG_DEPENDENCIES "")
    foreach(dep IN LISTS ARG_FIND_DEPENDENCIES)
      string(APPEND CISTERN_PKG_DEPENDENCIES "find_dependency(${dep})\n")
    endforeach()
    configure_package_config_file(${CISTERN_CMAKE_DIR}/cistern_lib-config.cmake.in
                                  ${CMAKE_CURRENT_BINARY_DIR}/${pkg}-config.cmake
                                  INSTALL_DESTINATION ${pkgdir})
    write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/${pkg}-config-version.cmake
                                     VERSION ${CISTERN_VERSION} COMPATIBILITY SameMinorVersion)
    install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pkg}-config.cmake
                  ${CMAKE_CURRENT_BINARY_DIR}/${pkg}-config-version.cmake
            DESTINATION ${pkgdir})
  endif()
endfunction()

# Used by a library's CMakeLists.txt when it is the top-level project (built on its own):
# brings in the shared base headers from the source tree, or from an installed cistern_base.
macro(cistern_standalone_setup)
  if(PROJECT_IS_TOP_LEVEL)
    set(CMAKE_CXX_STANDARD 20)
    set(CMAKE_CXX_STANDARD_REQUIRED ON)
    if(NOT TARGET cistern::base)
      find_package(cistern_base CONFIG QUIET)
      if(NOT cistern_base_FOUND)
        add_subdirectory(${CISTERN_CMAKE_DIR}/../libbase ${CMAKE_BINARY_DIR}/libbase)
      endif()
    endif()
  endif()
endmacro()
