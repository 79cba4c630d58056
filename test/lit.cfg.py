# -*- Python -*-
# lit configuration of hybrid-mlir: FileCheck tests of the IR and tools, and
# (in Unit/) the GoogleTest binaries, all run by one `check-hybrid`.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "HYBRID"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.hybrid_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%hybrid_src_root", config.hybrid_src_root))
config.substitutions.append(("%hybrid_obj_root", config.hybrid_obj_root))
config.environment["FILECHECK_OPTS"] = "--enable-var-scope"
# hybrid-run --generate's compile cache stays inside the build tree; the
# tests that are about the cache pass their own --cache-dir.
config.environment["HYBRID_CACHE_DIR"] = os.path.join(config.hybrid_obj_root, "test",
                                                      "compile-cache")

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
# `not` and `count` are substituted verbatim, so their directory must be on PATH.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.hybrid_tools_dir, append_path=True)

tool_dirs = [config.hybrid_tools_dir, config.llvm_tools_dir]
tools = [
    ToolSubst("hybrid-opt", unresolved="fatal"),
    ToolSubst("hybrid-run", unresolved="fatal"),
    ToolSubst("hybrid-compile", unresolved="fatal"),
    ToolSubst("hybrid-bench", unresolved="fatal"),
    ToolSubst("hybrid-generate-example", unresolved="fatal"),
    ToolSubst("hybrid-run-module", unresolved="fatal"),
    ToolSubst("hybrid-tokenize", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Hugging Face's PyTorch models, when scripts/install-hf-reference.sh (or the
# HYBRID_HF_PYTHON environment variable) provides a Python that has them.
import subprocess

hf_python = os.environ.get("HYBRID_HF_PYTHON") or os.path.join(
    config.hybrid_src_root, ".venv-hf", "bin", "python")
if os.path.exists(hf_python) and subprocess.run(
        [hf_python, "-c", "import torch, transformers"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("hf-transformers")
    config.substitutions.append(("%hf_python", hf_python))

    # matplotlib for scripts/plot_bench.py (plot-bench.test).
    if subprocess.run([hf_python, "-c", "import matplotlib"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode == 0:
        config.available_features.add("matplotlib")

# transformers 5 (.venv-hf5, torch shared with .venv-hf) for hf5-compare.test.
hf5_python = os.environ.get("HYBRID_HF5_PYTHON") or os.path.join(
    config.hybrid_src_root, ".venv-hf5", "bin", "python")
if os.path.exists(hf5_python) and subprocess.run(
        [hf5_python, "-c",
         "import torch, transformers as t; assert t.__version__.startswith('5.')"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("hf-transformers5")
    config.substitutions.append(("%hf5_python", hf5_python))

# The Python package (python/, built into build/python), run by the HF venv's
# interpreter (numpy, torch and transformers to compare with) when it can
# import it: a build against another Python ABI, or with sanitizers, cannot.
# The same again under transformers 5 (.venv-hf5 shares .venv-hf's torch).
package_dir = os.path.join(config.hybrid_obj_root, "python")
for needs, python, feature, substitution in (
        ("hf-transformers", hf_python, "python-package", "%hm_python"),
        ("hf-transformers5", hf5_python, "python-package-hf5", "%hm5_python")):
    if needs in config.available_features and subprocess.run(
            [python, "-c", "import hybrid_mlir"],
            env=dict(os.environ, PYTHONPATH=package_dir),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
        config.available_features.add(feature)
        config.substitutions.append(
            (substitution, "env PYTHONPATH=%s %s" % (package_dir, python)))

# The CUDA toolkit (ptxas, libdevice) for --target=cuda's tests: kernels are
# compiled to PTX and assembled here, where no GPU runs them.
cuda_candidates = [os.environ.get(name) for name in ("CUDA_ROOT", "CUDA_HOME", "CUDA_PATH")]
for cuda_path in [c for c in cuda_candidates if c] + ["/usr/local/cuda"]:
    ptxas = os.path.join(cuda_path, "bin", "ptxas")
    libdevice = os.path.join(cuda_path, "nvvm", "libdevice", "libdevice.10.bc")
    if os.path.exists(ptxas) and os.path.exists(libdevice) and subprocess.run(
            [ptxas, "--version"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL).returncode == 0:
        config.available_features.add("cuda-toolkit")
        config.substitutions.append(("%ptxas", ptxas))
        config.substitutions.append(("%cuda_path", cuda_path))
        break

# A CUDA driver without a GPU (test/FakeCudaDriver), which the runtime loads
# where HYBRID_CUDA_DRIVER names it: the CUDA target's runtime is tested on
# every machine.
config.substitutions.append(
    ("%fake_cuda_driver",
     os.path.join(config.hybrid_obj_root, "lib", "hybrid-fake-cuda-driver.so")))

# A real NVIDIA GPU and driver: the tests that run kernels run only there
# (UNSUPPORTED elsewhere, as in CI).
def _has_cuda_device():
    import ctypes
    try:
        driver = ctypes.CDLL("libcuda.so.1")
        count = ctypes.c_int(0)
        return driver.cuInit(0) == 0 and driver.cuDeviceGetCount(ctypes.byref(count)) == 0 \
            and count.value > 0
    except (OSError, AttributeError):
        return False

if _has_cuda_device():
    config.available_features.add("cuda-device")

# A host with AVX512-BF16 (vdpbf16ps), which --weight-type=bf16-matmul's
# kernel uses: tests that the kernel really rounds run only there.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        if any(line.startswith("flags") and " avx512_bf16" in line for line in cpuinfo):
            config.available_features.add("avx512bf16")
except OSError:
    pass

# The libFuzzer targets (fuzz/), when the build could make them.
fuzz_dir = os.path.join(config.hybrid_obj_root, "fuzz")
if os.path.exists(os.path.join(fuzz_dir, "fuzz-json")):
    config.available_features.add("fuzzers")
    config.substitutions.append(("%fuzz_dir", fuzz_dir))

# `make test-sanitize` runs the suite with ASAN_OPTIONS/UBSAN_OPTIONS set;
# a RUN line that clears the environment (env -i) keeps them with this.
config.substitutions.append(("%sanitizer_options", " ".join(
    "%s=%s" % (name, os.environ[name]) for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS")
    if os.environ.get(name))))
