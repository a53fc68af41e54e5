# Writes a C++ source defining `const char* <SYMBOL>()` returning the contents of IN, so data
# files (JSON Schemas) live in the repository as files and ship inside the binary.
file(READ "${IN}" content)
set(out "// generated from ${IN} by cmake/embed_file.cmake\nnamespace flopmeter {\nconst char* ${SYMBOL}() {\n    return R\"fm_embed(${content})fm_embed\";\n}\n}  // namespace flopmeter\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL out)
  file(WRITE "${OUT}" "${out}")
endif()
