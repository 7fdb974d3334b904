# Writes OUTPUT: a C++ source defining `extern const std::string_view SYMBOL` in namespace
# ketenpoort::assets with the bytes of INPUT. Run at build time by kp_embed() (cmake -P).
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
# One "\xNN" escape per byte keeps any content (quotes, NULs, non-UTF-8) exact.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${content}")
string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){32})" "\\1\"\n\"" escaped "${escaped}")
file(WRITE "${OUTPUT}"
  "// Generated from ${INPUT} by cmake/EmbedFile.cmake. Do not edit.\n"
  "#include <string_view>\n"
  "namespace ketenpoort::assets {\n"
  "extern const std::string_view ${SYMBOL};\n"
  "const std::string_view ${SYMBOL}(\n\"${escaped}\", ${byte_count});\n"
  "}  // namespace ketenpoort::assets\n")
