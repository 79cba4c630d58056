#!/usr/bin/env bash
# Installs Hugging Face's PyTorch models into .venv-hf (from PyPI) so the
# tests can compare hybrid-run with HF's own logits (test/Integration/Models/
# hf-compare.test), and transformers 5 into .venv-hf5 (hf5-compare.test). Optional: the download is ~3 GB, so any failure only
# prints a line and that test reports UNSUPPORTED. HYBRID_SKIP_HF=1 skips it.
set -uo pipefail
cd "$(dirname "$0")/.."

venv=.venv-hf
if [ "${HYBRID_SKIP_HF:-0}" = 1 ]; then
  echo "install-hf-reference: skipped (HYBRID_SKIP_HF=1)"
  exit 0
fi
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch, transformers" 2>/dev/null; then
  echo "install-hf-reference: $venv present"
else
  echo "install-hf-reference: installing torch and transformers into $venv (a few minutes)"
  if python3 -m venv "$venv" &&
     "$venv/bin/pip" install -q --progress-bar off --timeout 60 \
       torch==2.15.0 transformers==4.46.3 safetensors numpy; then
    echo "install-hf-reference: done"
  else
    echo "install-hf-reference: failed; the HF comparison test will be skipped"
    rm -rf "$venv"
    exit 0
  fi
fi

# matplotlib for scripts/plot_bench.py's PNG plots of the benchmark sweeps
# (test/Tools/plot-bench.test): small, and optional like the rest.
if ! "$venv/bin/python" -c "import matplotlib" 2>/dev/null; then
  if "$venv/bin/pip" install -q --progress-bar off --timeout 60 matplotlib==3.11.2; then
    echo "install-hf-reference: matplotlib done"
  else
    echo "install-hf-reference: matplotlib failed; plot-bench.test will be skipped"
  fi
fi

# transformers 5 beside it (hf5-compare.test): its own venv for transformers
# and its small dependencies, with torch taken from $venv through a .pth file
# (appended after the venv's own packages), so torch is not downloaded twice.
venv5=.venv-hf5
if [ -x "$venv5/bin/python" ] &&
   "$venv5/bin/python" -c "import torch, transformers as t; assert t.__version__.startswith('5.')" 2>/dev/null; then
  echo "install-hf-reference: $venv5 present"
  exit 0
fi
echo "install-hf-reference: installing transformers 5 into $venv5"
rm -rf "$venv5"
if python3 -m venv "$venv5" &&
   "$venv5/bin/pip" install -q --progress-bar off --timeout 60 transformers==5.23.0 safetensors numpy; then
  site5=$("$venv5/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  site4=$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  echo "$site4" > "$site5/zz-torch-from-venv-hf.pth"
  if "$venv5/bin/python" -c "import torch, transformers" 2>/dev/null; then
    echo "install-hf-reference: transformers 5 done"
  else
    echo "install-hf-reference: transformers 5 does not import; hf5-compare will be skipped"
    rm -rf "$venv5"
  fi
else
  echo "install-hf-reference: transformers 5 failed; hf5-compare will be skipped"
  rm -rf "$venv5"
fi
exit 0
