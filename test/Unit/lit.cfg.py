# -*- Python -*-
# Runs every GoogleTest binary built under test/Unit as lit tests.

import lit.formats

config.name = "HYBRID-Unit"
config.suffixes = []
config.test_exec_root = config.unit_test_dir
config.test_source_root = config.unit_test_dir
config.test_format = lit.formats.GoogleTest(".", "Tests")
