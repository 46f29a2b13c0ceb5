// The one translation unit that compiles Debian's stb_image_write (the test fixtures' PNG and JPEG
// encoder, tests/data/fixtures.cpp). Kept apart because its JPEG encoder left-shifts negative
// ints (stbiw__jpg_writeBits: defined behaviour since C++20, undefined in C++17), which UBSan's
// shift check reports; tests/CMakeLists.txt turns that one check off for this third-party file
// only, so the fixtures' own code stays fully checked.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>
