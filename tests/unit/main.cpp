// The Catch2 runner for every unit test; tests live beside this file and in lib/*/*_test.cpp.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
