"""hybrid-run DIR --prompt TEXT against transformers.

Usage: prompt.py WORKDIR. Writes a tiny Mamba checkpoint (save_pretrained)
with, in turn, a byte-level BPE tokenizer.json and a SentencePiece-style
one (byte fallback, ▁ normalizers; weights in shards), both built with
HF's tokenizers; runs
`hybrid-run DIR --prompt TEXT --generate=12` on both targets and checks
that its stdout is the prompt then exactly the text of HF's greedy
generate, decoded by HF's tokenizer (special tokens skipped).
"""

import json
import os
import shutil
import subprocess
import sys

import torch
import transformers as tf
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

CORPUS = [
    "the state space model reads the sequence once",
    "attention looks back over every token it has seen",
    "héllo wörld, naïve café — 12345 67890 🙂🚀",
] * 20
PROMPTS = ["the model reads", "naïve 🙂 attention"]

ok = True


def check(name, good, detail=""):
    global ok
    ok &= bool(good)
    print(f"{name}: {'OK' if good else 'MISMATCH ' + detail}")


def byte_level():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(CORPUS, trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<bos>", "<eos>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.TemplateProcessing(single="<bos> $A",
                                                       special_tokens=[("<bos>", 0)])
    return tok


def sentencepiece():
    trained = Tokenizer(models.BPE(unk_token="<unk>"))
    trained.normalizer = normalizers.Sequence([normalizers.Prepend("▁"),
                                               normalizers.Replace(" ", "▁")])
    trained.train_from_iterator(CORPUS, trainers.BpeTrainer(
        vocab_size=120, special_tokens=["<bos>", "<eos>", "<unk>"], limit_alphabet=30))
    vocab = trained.get_vocab()
    for b in range(256):
        vocab.setdefault(f"<0x{b:02X}>", len(vocab))
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m)
              for m in json.loads(trained.to_str())["model"]["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", fuse_unk=True,
                               byte_fallback=True))
    tok.normalizer = trained.normalizer
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(),
                                     decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tok.add_special_tokens(["<bos>", "<eos>", "<unk>"])
    tok.post_processor = processors.TemplateProcessing(single="<bos> $A",
                                                       special_tokens=[("<bos>", 0)])
    return tok


def main():
    workdir = sys.argv[1]
    for name, tok in (("byte-level", byte_level()), ("sentencepiece", sentencepiece())):
        directory = os.path.join(workdir, name)
        torch.manual_seed(0)
        hf = tf.MambaForCausalLM(tf.MambaConfig(
            vocab_size=tok.get_vocab_size(), hidden_size=32, state_size=8, num_hidden_layers=2,
            expand=2, conv_kernel=4, use_mambapy=False, bos_token_id=0, eos_token_id=1,
            pad_token_id=1)).eval()
        with torch.no_grad():
            for p in hf.parameters():
                p.add_(0.3 * torch.randn(p.shape))
        # Sharded, as large checkpoints are written.
        hf.save_pretrained(directory, max_shard_size="20KB" if name == "sentencepiece" else "5GB")
        tok.save(os.path.join(directory, "tokenizer.json"))
        for prompt in PROMPTS:
            ids = torch.tensor([tok.encode(prompt).ids])
            with torch.no_grad():
                out = hf.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=12,
                                  do_sample=False)
            expected = prompt + tok.decode(out[0, ids.shape[1]:].tolist()) + "\n"
            for target in ("reference", "cpu"):
                run = subprocess.run(["hybrid-run", directory, "--prompt", prompt,
                                      "--generate=12", f"--target={target}"],
                                     capture_output=True)
                text = run.stdout.decode("utf-8", errors="replace")
                check(f"{name} {target} --prompt {prompt!r}",
                      run.returncode == 0 and text == expected,
                      f"rc {run.returncode} ours {text!r} HF {expected!r} "
                      f"{run.stderr.decode(errors='replace')[-400:]}")
    # The prompt needs a tokenizer.
    bare = os.path.join(workdir, "no-tokenizer")
    shutil.copytree(os.path.join(workdir, "byte-level"), bare)
    os.remove(os.path.join(bare, "tokenizer.json"))
    run = subprocess.run(["hybrid-run", bare, "--prompt", "hi"], capture_output=True, text=True)
    check("no tokenizer.json", run.returncode == 1 and "tokenizer.json: cannot open" in run.stderr,
          run.stderr)
    run = subprocess.run(["hybrid-run", bare, "--prompt", "hi", "--tokenizer",
                          os.path.join(workdir, "byte-level", "tokenizer.json"), "--generate=2"],
                         capture_output=True, text=True)
    check("--tokenizer", run.returncode == 0 and run.stdout.startswith("hi"), run.stderr)
    print("ALL OK" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
