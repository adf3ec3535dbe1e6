# SPDX-License-Identifier: Apache-2.0
# GoogleTest executables named *Tests under build/test/unit, run through lit.
import os

import lit.formats

config.name = "Kiln-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.kiln_obj_root, "test", "unit")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
