// Catch2 main. Tests run with 2 threads unless MEMPROBE_TEST_THREADS says otherwise.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
