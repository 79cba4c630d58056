"""Text in and out through the Python package, against transformers.

Usage: text.py WORKDIR. Trains a byte-level BPE tokenizer with HF's
`tokenizers` (with <bos>/<eos> special tokens and a post-processor that
adds <bos>), saves it beside a tiny Mamba written by save_pretrained, and
checks that model.generate_text equals HF's tokenizer + generate + decode,
that the prompt's ids are AutoTokenizer's on unicode, whitespace runs,
digits and emoji, and that the streamed pieces add up to the text.
"""

import os
import sys

import numpy as np
import torch
import transformers as tf
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

import hybrid_mlir as hm

CORPUS = [
    "the state space model reads the sequence once",
    "attention looks back over every token it has seen",
    "hybrid models mix attention with recurrence and convolution",
    "héllo wörld, naïve café — 12345 67890 🙂🚀",
] * 20
HELD_OUT = [
    "the model reads",
    "  leading spaces and\ttabs\nnewlines",
    "digits 3141592653 and emoji 🙂🙃",
    "ünïcödé ß 東京 Ελληνικά",
    "",
]

ok = True


def check(name, good, detail=""):
    global ok
    ok &= bool(good)
    print(f"{name}: {'OK' if good else 'MISMATCH ' + detail}")


def main():
    workdir = sys.argv[1]
    directory = os.path.join(workdir, "mamba-text")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(CORPUS, trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<bos>", "<eos>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.TemplateProcessing(single="<bos> $A",
                                                       special_tokens=[("<bos>", 0)])
    hf_tok = tf.PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<bos>",
                                        eos_token="<eos>")
    torch.manual_seed(0)
    hf = tf.MambaForCausalLM(tf.MambaConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=32, state_size=8, num_hidden_layers=2,
        expand=2, conv_kernel=4, use_mambapy=False, bos_token_id=0, eos_token_id=1,
        pad_token_id=1)).eval()
    with torch.no_grad():
        for p in hf.parameters():
            p.add_(0.3 * torch.randn(p.shape))
    hf.save_pretrained(directory)
    hf_tok.save_pretrained(directory)
    auto = tf.AutoTokenizer.from_pretrained(directory)

    for target in ("reference", "cpu"):
        model = hm.load(directory, target=target, max_tokens=64, verbose=False)
        for text in HELD_OUT:
            ours = model.tokenizer.encode(text).ids
            check(f"{target} ids of {text!r}", ours == auto(text)["input_ids"])
        prompt = "the model reads"
        pieces = []
        ours = model.generate_text(prompt, max_new_tokens=12, stream=pieces.append)
        enc = auto(prompt, return_tensors="pt")
        with torch.no_grad():
            out = hf.generate(enc["input_ids"], attention_mask=enc["attention_mask"],
                              max_new_tokens=12, do_sample=False)
        expected = auto.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True)
        check(f"{target} generate_text equals HF's", ours == expected,
              f"ours {ours!r} HF {expected!r}")
        check(f"{target} streamed pieces add up", "".join(pieces) == ours and len(pieces) > 1,
              f"{pieces!r}")

    try:
        hm.load(os.path.join(directory, "config.json"),
                weights=os.path.join(directory, "model.safetensors")).generate_text("hi")
        check("no tokenizer without a directory", False, "no error")
    except hm.Error as e:
        check("no tokenizer without a directory", "tokenizer.json" in str(e), str(e))

    print("ALL OK" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
