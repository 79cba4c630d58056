#!/usr/bin/env bash
# Installs Hugging Face's PyTorch models into .venv-hf (from PyPI) so the
# tests can compare hybrid-run with HF's own logits (test/Integration/Models/
# hf-compare.test). Optional: the download is ~3 GB, so any failure only
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
  exit 0
fi
echo "install-hf-reference: installing torch and transformers into $venv (a few minutes)"
if python3 -m venv "$venv" &&
   "$venv/bin/pip" install -q --progress-bar off --timeout 60 \
     torch==2.15.0 transformers==4.46.3 safetensors numpy; then
  echo "install-hf-reference: done"
else
  echo "install-hf-reference: failed; the HF comparison test will be skipped"
  rm -rf "$venv"
fi
exit 0
