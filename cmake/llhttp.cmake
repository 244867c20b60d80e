# llhttp's C sources ship in Debian's node-llhttp package; compile them into a small static
# library rather than vendoring a copy.
set(LLHTTP_SOURCE_DIR /usr/share/llhttp CACHE PATH "Directory holding llhttp's C sources")
set(LLHTTP_INCLUDE_DIR /usr/share/include/llhttp CACHE PATH "Directory holding llhttp.h")
if(NOT EXISTS ${LLHTTP_SOURCE_DIR}/llhttp.c OR NOT EXISTS ${LLHTTP_INCLUDE_DIR}/llhttp.h)
  message(FATAL_ERROR "llhttp sources not found: install the Debian package node-llhttp")
endif()
add_library(llhttp STATIC ${LLHTTP_SOURCE_DIR}/llhttp.c ${LLHTTP_SOURCE_DIR}/api.c
                          ${LLHTTP_SOURCE_DIR}/http.c)
target_include_directories(llhttp SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
set_target_properties(llhttp PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
target_compile_options(llhttp PRIVATE -w)
# Strict mode makes llhttp require LF after every CR that ends a line (head, chunk-size line,
# trailers). Without it llhttp 8.1 accepts "CR + any byte" as a line end, so a message's
# boundaries would depend on how its bytes were split into reads.
target_compile_definitions(llhttp PRIVATE LLHTTP_STRICT_MODE=1)
