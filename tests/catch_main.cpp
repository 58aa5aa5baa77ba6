// Catch2's main, compiled once: it is the slowest translation unit of the tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
