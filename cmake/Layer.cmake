# mp_layer(NAME DIR DEPS...): a static library from every .cpp in DIR (globbed, so adding a file
# needs no CMake edit). A folder with no sources yet becomes an interface library.
function(mp_layer name dir)
  file(GLOB srcs CONFIGURE_DEPENDS ${dir}/*.cpp)
  if(srcs)
    add_library(${name} STATIC ${srcs})
    target_link_libraries(${name} PUBLIC ${ARGN})
  else()
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE ${ARGN})
  endif()
endfunction()
