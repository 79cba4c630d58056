"""hybrid-run against transformers 5's own image classifiers.

Usage: hf5_compare_vision.py HYBRID_RUN WORKDIR [case ...]

Each case builds a tiny CvtForImageClassification from a config unlike the
released ones, perturbs every parameter and BatchNorm statistic (so that each
matters), saves it with save_pretrained, and runs `hybrid-run DIR
--input=@pixels.npy` on both targets. The logits must agree with HF's own
forward in fp32 within hf5_compare's TOLERANCE (1e-4) of their largest
magnitude.
"""

import os
import sys

import numpy as np
import torch
import transformers as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf5_compare import compare_logits  # noqa: E402

def cvt(**extra):
    config = dict(num_channels=3, patch_sizes=[7, 3, 3], patch_stride=[4, 2, 2],
                  patch_padding=[2, 1, 1], embed_dim=[16, 24, 32], num_heads=[1, 2, 4],
                  depth=[1, 2, 3], mlp_ratio=[4.0, 2.0, 3.0], cls_token=[False, False, True],
                  qkv_bias=[True, False, True], id2label={i: f"class{i}" for i in range(7)})
    config.update(extra)
    return tf.CvtForImageClassification(tf.CvtConfig(**config))


def swin(**extra):
    config = dict(image_size=32, patch_size=4, num_channels=3, embed_dim=8, depths=[2, 2],
                  num_heads=[1, 2], window_size=4, mlp_ratio=2.0,
                  id2label={i: f"class{i}" for i in range(5)})
    config.update(extra)
    return tf.SwinForImageClassification(tf.SwinConfig(**config))


LEGACY_SWIN = [("attention.q_proj", "attention.self.query"),
               ("attention.k_proj", "attention.self.key"),
               ("attention.v_proj", "attention.self.value"),
               ("attention.relative_position_bias.relative_position_bias_table",
                "attention.self.relative_position_bias_table"),
               ("attention.o_proj", "attention.output.dense"),
               ("mlp.fc1", "intermediate.dense"), ("mlp.fc2", "output.dense")]


def as_written_by_4x(directory):
    """The tensor names of the released Swin checkpoints (transformers 4.x),
    which transformers 5 renames on load."""
    from safetensors.torch import load_file, save_file
    path = os.path.join(directory, "model.safetensors")
    tensors = load_file(path)
    renamed = {}
    for name, tensor in tensors.items():
        for new, old in LEGACY_SWIN:
            name = name.replace(new, old)
        renamed[name] = tensor
    save_file(renamed, path, metadata={"format": "pt"})


# name: (builder, image [C, H, W], batch[, edit of the saved directory])
CASES = {
    # The released layout (cls token in the last stage), an image whose
    # sides are not multiples of the strides.
    "cvt": (cvt, (3, 61, 47), 2),
    # No cls token: the head is the mean of the last stage's normed tokens;
    # two stages, grey images, key strides 1 and 3, a 5x5 q/k/v kernel.
    "cvt-mean-pool": (lambda: cvt(num_channels=1, patch_sizes=[5, 3], patch_stride=[2, 2],
                                  patch_padding=[1, 0], embed_dim=[12, 20], num_heads=[3, 5],
                                  depth=[2, 2], mlp_ratio=[1.5, 4.0], cls_token=[False, False],
                                  qkv_bias=[False, True], kernel_qkv=[3, 5], padding_q=[1, 2],
                                  padding_kv=[1, 2], stride_kv=[1, 3], stride_q=[1, 1]),
                      (1, 40, 36), 3),
    # Stage 0: an 8x8 grid of four 4x4 windows, shifted by 2 on the second
    # block (the region mask); stage 1: 4x4, one window, no shift.
    "swin": (swin, (3, 32, 32), 2),
    # Pixels padded to whole patches (46x43 → 12x11 patches), the grid
    # padded to whole windows (11 → 12) before the shift, an odd grid merged
    # (padded to even), a last stage exactly one window (3x3: no shift);
    # depths 3, 2, 2, heads 2/2/4, window 3 (shift 1), qkv without bias,
    # gelu_new, layer_norm_eps 1e-6 (the embedding and merging norms keep
    # torch's 1e-5, as in HF).
    "swin-padded": (lambda: swin(image_size=[46, 43], embed_dim=12, depths=[3, 2, 2],
                                 num_heads=[2, 2, 4], window_size=3, qkv_bias=False,
                                 hidden_act="gelu_new", layer_norm_eps=1e-6),
                    (3, 46, 43), 2),
    # The released checkpoints' 4.x names (attention.self.query, ...).
    "swin-4x-names": (swin, (3, 32, 32), 1, as_written_by_4x),
    # Absolute position embeddings, the configured image, one stage.
    "swin-absolute": (lambda: swin(image_size=24, patch_size=3, embed_dim=16, depths=[4],
                                   num_heads=[4], window_size=4, use_absolute_embeddings=True),
                      (3, 24, 24), 1),
}


def perturb(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=g))
        for name, buf in model.named_buffers():
            if name.endswith("running_mean"):
                buf.copy_(0.3 * torch.randn(buf.shape, generator=g))
            elif name.endswith("running_var"):
                buf.copy_(0.5 + torch.rand(buf.shape, generator=g))


def compare(hybrid_run, workdir, name):
    torch.manual_seed(0)
    build, image, batch, *edit = CASES[name]
    model = build().eval()
    perturb(model, 1)
    out = os.path.join(workdir, name)
    model.save_pretrained(out)
    for change in edit:
        change(out)
    model = type(model).from_pretrained(out, dtype=torch.float32).eval()
    pixels = torch.randn((batch, *image), generator=torch.Generator().manual_seed(2))
    np.save(os.path.join(out, "pixels.npy"), pixels.numpy())
    with torch.no_grad():
        if getattr(model.config, "cls_token", [True])[-1]:
            ref = model(pixels).logits.float().numpy()
        else:
            # HF's forward reads outputs[1], which does not exist without a
            # cls token; its else-branch (norm every token, mean, classify)
            # is run here with the model's own modules.
            hidden = model.cvt(pixels).last_hidden_state
            tokens = hidden.flatten(2).permute(0, 2, 1)
            ref = model.classifier(model.layernorm(tokens).mean(dim=1)).float().numpy()
    return compare_logits(hybrid_run, name, out, ref,
                          [out, "--input=@" + os.path.join(out, "pixels.npy")])


def main():
    hybrid_run, workdir, *names = sys.argv[1:]
    os.makedirs(workdir, exist_ok=True)
    print(f"transformers {tf.__version__}, torch {torch.__version__}")
    ok = True
    for name in names or list(CASES):
        ok &= compare(hybrid_run, workdir, name)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
