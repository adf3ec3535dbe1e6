# SPDX-License-Identifier: Apache-2.0
# lit configuration of the Kiln regression suites.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Kiln"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "unit",
                   "corpus", "regressions"]

config.substitutions.append(("%kiln_src", config.kiln_src_root))
config.substitutions.append(("%kiln_obj", config.kiln_obj_root))
config.environment["KILN_SRC"] = config.kiln_src_root

if os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
    config.available_features.add("fashion-mnist")
# ONNX's backend node tests, from Debian's libonnx-testdata (scripts/setup.sh installs it).
onnx_node_data = "/usr/share/libonnx-testdata/data/node"
if os.path.isdir(onnx_node_data):
    config.available_features.add("onnx-testdata")
config.substitutions.append(("%onnx_node_data", onnx_node_data))

# OpenMPI's launcher, with what this machine needs and the user should not have to give:
# tests run as root in containers, and start more ranks than the 2 cores.
import shutil
if shutil.which("mpirun"):
    config.available_features.add("mpirun")
config.substitutions.append(
    ("%mpirun", "mpirun --allow-run-as-root --oversubscribe --mca btl self,vader"))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.kiln_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["kiln-opt", "kiln-compile", "kiln-run", "kiln-optimizer-check", "kiln-import-onnx",
     "kiln-privacy"],
    [config.kiln_tools_dir])
