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

# The GPU back end: "cuda-toolkit" when Kiln was built with libkiln_runtime_cuda (modules
# compile and link with --device cuda, PTX can be checked); "cuda-device" when a GPU runs
# them too. Tests that need a GPU say REQUIRES: cuda-device, and lit reports them
# UNSUPPORTED, not passed, on machines without one.
import subprocess
gpu_check = os.path.join(config.kiln_tools_dir, "kiln-gpu-check")
if config.kiln_have_cuda and os.path.exists(gpu_check):
    config.available_features.add("cuda-toolkit")
    probe = subprocess.run([gpu_check, "--probe"],
                           capture_output=True, text=True)
    if probe.returncode == 0:
        config.available_features.add("cuda-device")
        # NCCL wants a device per rank: two-rank NCCL tests need two GPUs.
        smi = shutil.which("nvidia-smi")
        if smi:
            listed = subprocess.run([smi, "-L"], capture_output=True, text=True).stdout
            if sum(line.startswith("GPU ") for line in listed.splitlines()) >= 2:
                config.available_features.add("cuda-devices-2")
    lit_config.note("CUDA: " + probe.stdout.strip())
config.substitutions.append(("%cuda_toolkit", config.kiln_cuda_toolkit or "/usr/local/cuda"))
# The stand-in driver of test/Gpu/FakeDriver, for tests of the CUDA runtime without a GPU.
config.substitutions.append(("%fake_cuda", os.path.join(config.kiln_obj_root, "test", "fake-cuda")))
config.excludes.append("FakeDriver")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.kiln_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["kiln-opt", "kiln-compile", "kiln-run", "kiln-optimizer-check", "kiln-import-onnx",
     "kiln-privacy", "kiln-gpu-check"],
    [config.kiln_tools_dir])
