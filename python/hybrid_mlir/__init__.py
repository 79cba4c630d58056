"""hybrid-mlir from Python: load a model, run it, generate (docs/python.md).

    import hybrid_mlir as hm
    model = hm.load("path/to/checkpoint_dir", target="cpu", threads=2)
    logits = model(ids)                      # int [B, S] -> float32 [B, S, V]
    out = model.generate(ids, max_new_tokens=16, do_sample=True, top_k=50, seed=0)
    session = model.session(batch=1)
    session.prefill(ids); session.decode(token); snap = session.snapshot()
    text = model.generate_text("Hello", max_new_tokens=16, stream=print)

`load` takes a checkpoint directory (config.json, *.safetensors, an optional
generation_config.json), an HF config.json or our model JSON. Compiled code
comes from the same compile cache hybrid-run uses, one entry per batch size.
"""

import os
import re
import threading

import numpy as np

from . import _core
from ._core import Error

__all__ = ["Error", "load", "Model", "Function", "Session", "set_threads", "thread_count"]

# generation_config.json's keys and HF generate's arguments, with HF's
# defaults for those it does not set.
_SAMPLING_DEFAULTS = {
    "do_sample": False,
    "temperature": 1.0,
    "top_k": 50,
    "top_p": 1.0,
    "min_p": 0.0,
    "repetition_penalty": 1.0,
    "seed": 0,
}


def _python_names(message):
    """The runtime names options as the tools' flags (--top-p); Python
    callers know them as arguments (top_p)."""
    return re.sub(r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", "_"), message)


def _integer(name, value, low, high):
    """`value` as an int in [low, high], or Error naming the argument (bools,
    floats and strings are refused, not truncated)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise Error(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    value = int(value)
    if not low <= value <= high:
        raise Error(f"{name} must be an integer in [{low}, {high}], got {value}")
    return value


def _real(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                      np.floating)):
        raise Error(f"{name} must be a number, got {value!r}")
    return float(value)


def _boolean(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise Error(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _token_ids(name, value, vocab):
    """One id or a list of ids (numpy and torch scalars too), each in the
    vocabulary."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    ids = value if isinstance(value, (list, tuple)) else [value]
    ids = [_integer(name, i, 0, 2**63 - 1) for i in ids]
    for i in ids:
        if i >= vocab:
            raise Error(f"{name} {i} is outside the vocabulary [0, {vocab})")
    return ids


def set_threads(threads):
    """Threads the compiled code uses (0: every core, the default). Results
    are the same for any count."""
    _core.set_threads(_integer("threads", threads, 0, 1024))


def thread_count():
    return _core.thread_count()


class Snapshot:
    """A session's whole state at one position (Session.snapshot)."""

    def __init__(self, core_snapshot, model, batch):
        self._snapshot = core_snapshot
        self._model = model
        self.batch = batch

    @property
    def tokens(self):
        return self._snapshot.tokens


class Session:
    """Carried state for `batch` sequences: prefill any number of tokens,
    decode one at a time, snapshot and restore. Calls from several threads
    are serialised (one model runs one call at a time)."""

    def __init__(self, core_session, batch, model):
        self._session = core_session
        self._model = model
        self.batch = batch

    def prefill(self, ids):
        """ids: int [batch, n] -> logits float32 [batch, n, vocab] (a torch
        tensor when ids are one; both share the runtime's buffer)."""
        return _like(ids, np.asarray(self._session.prefill(_as_ids(ids))))

    def decode(self, ids):
        """ids: int [batch] or [batch, 1], one token per sequence -> logits
        float32 [batch, 1, vocab]."""
        array = _as_ids(ids, one_dimensional_is_batch=True)
        if array.shape[1] != 1:
            raise Error(f"decode takes one token per sequence, [batch] or [batch, 1]; got "
                        f"shape {tuple(np.shape(ids))}")
        return _like(ids, np.asarray(self._session.decode(array)))

    def snapshot(self):
        return Snapshot(self._session.snapshot(), self._model, self.batch)

    def restore(self, snapshot):
        if not isinstance(snapshot, Snapshot):
            raise Error(f"restore takes a Snapshot from Session.snapshot(), got "
                        f"{type(snapshot).__name__}")
        if snapshot._model is not self._model:
            raise Error("cannot restore this snapshot: it was taken from another model")
        if snapshot.batch != self.batch:
            raise Error(f"cannot restore this snapshot: it holds {snapshot.batch} sequence(s), "
                        f"this session {self.batch}")
        self._session.restore(snapshot._snapshot)

    def reset(self):
        self._session.reset()

    @property
    def tokens(self):
        """Tokens processed so far."""
        return self._session.tokens

    @property
    def state_bytes(self):
        return self._session.state_bytes


class Model:
    """A model description with its weights. Code is compiled (or found in
    the compile cache) once per batch size, when first needed."""

    def __init__(self, description, weights, random_seed, target, max_tokens, cache, cache_dir,
                 verbose, generation_defaults, eos_token_ids, pad_token_id, directory=None,
                 weight_type="f32"):
        self.description = description
        self.weight_type = weight_type
        self.directory = directory
        self._tokenizer = None
        self.weights = weights
        self.target = target
        self.max_tokens = max_tokens
        self.generation_defaults = generation_defaults
        self.eos_token_ids = eos_token_ids
        self.pad_token_id = pad_token_id
        self._random_seed = random_seed
        self._cache = cache
        self._cache_dir = cache_dir
        self._verbose = verbose
        self._by_batch = {}
        self._loading = threading.Lock()

    def _model(self, batch):
        batch = _integer("batch", batch, 1, 4096)
        with self._loading:
            if batch not in self._by_batch:
                self._by_batch[batch] = _core.load(
                    self.description, self.weights, self._random_seed, self.target,
                    self.max_tokens, batch, self._cache, self._cache_dir, self._verbose,
                    self.weight_type)
        return self._by_batch[batch]

    @property
    def vocab_size(self):
        return self._model(1).vocab_size

    def session(self, batch=1):
        core = self._model(batch)
        return Session(core.new_session(), int(batch), self)

    def __call__(self, ids):
        """A forward pass: int [B, S] -> float32 logits [B, S, vocab] (a fresh
        session's prefill, which equals the model's forward)."""
        array = _as_ids(ids)
        return _like(ids, self.session(array.shape[0]).prefill(array))

    def generate(self, ids, max_new_tokens=20, do_sample=None, temperature=None, top_k=None,
                 top_p=None, min_p=None, repetition_penalty=None, seed=None,
                 eos_token_id=None, pad_token_id=None, streamer=None):
        """HF generate's contract: returns int64 [B, P + steps], the prompt then
        the new tokens; a sequence that produced an eos id is padded after it,
        and generation stops when every sequence has. Unset arguments come
        from generation_config.json, then HF's defaults (greedy, top_k 50).
        `streamer(step, tokens)` is called with each step's [B] tokens."""
        given, ids = ids, _as_ids(ids)
        max_new_tokens = _integer("max_new_tokens", max_new_tokens, 1, 2**24)
        options = dict(do_sample=do_sample, temperature=temperature, top_k=top_k, top_p=top_p,
                       min_p=min_p, repetition_penalty=repetition_penalty, seed=seed)
        settings = dict(_SAMPLING_DEFAULTS)
        settings.update(self.generation_defaults)
        settings.update({k: v for k, v in options.items() if v is not None})
        try:
            sampler = _core.Sampler(_boolean("do_sample", settings["do_sample"]),
                                    _real("temperature", settings["temperature"]),
                                    _integer("top_k", settings["top_k"], 0, 2**62),
                                    _real("top_p", settings["top_p"]),
                                    _real("min_p", settings["min_p"]),
                                    _real("repetition_penalty", settings["repetition_penalty"]),
                                    _integer("seed", settings["seed"], 0, 2**64 - 1))
        except Error as e:
            raise Error(_python_names(str(e))) from None
        batch, prompt_length = ids.shape
        session = self.session(batch)
        vocab = self._by_batch[batch].vocab_size
        eos = _token_ids("eos_token_id", self.eos_token_ids if eos_token_id is None
                         else eos_token_id, vocab)
        pad = self.pad_token_id if pad_token_id is None else pad_token_id
        pad = (eos[0] if eos else 0) if pad is None else _token_ids("pad_token_id", pad, vocab)[0]
        if prompt_length + max_new_tokens - 1 > self.max_tokens:
            raise Error(f"a prompt of {prompt_length} tokens and max_new_tokens="
                        f"{max_new_tokens} need a context of "
                        f"{prompt_length + max_new_tokens - 1} tokens; the model holds "
                        f"{self.max_tokens} (max_tokens)")
        # One sampler draws for the whole batch, row by row, as hybrid-run
        # does: a seed gives the same tokens there and here.
        seen = [list(map(int, row)) for row in ids]
        finished = [False] * batch
        out = []
        logits = session.prefill(ids)
        for step in range(max_new_tokens):
            last = logits[:, -1, :]
            chosen = []
            for b in range(batch):
                token = pad if finished[b] else sampler.next(np.ascontiguousarray(last[b]),
                                                             seen[b])
                if not finished[b] and token in eos:
                    finished[b] = True
                seen[b].append(token)
                chosen.append(token)
            chosen = np.array(chosen, dtype=np.int64)
            out.append(chosen)
            if streamer is not None:
                streamer(step, chosen)
            if eos and all(finished):
                break
            if step + 1 < max_new_tokens:
                logits = session.decode(chosen.reshape(batch, 1))
        return _like(given, np.concatenate([ids, np.stack(out, axis=1)], axis=1))


    @property
    def tokenizer(self):
        """The checkpoint directory's tokenizer.json, read by HF's `tokenizers`
        library (the one transformers' fast tokenizers are): its ids are HF's
        by construction."""
        if self._tokenizer is None:
            if self.directory is None:
                raise Error(f"{self.description}: text needs a checkpoint directory with a "
                            "tokenizer.json")
            path = os.path.join(self.directory, "tokenizer.json")
            if not os.path.isfile(path):
                raise Error(f"{path}: no such file (text needs the checkpoint's tokenizer)")
            try:
                from tokenizers import Tokenizer
            except ImportError:
                raise Error("text needs the `tokenizers` package (pip install tokenizers)") from None
            try:
                self._tokenizer = Tokenizer.from_file(path)
            except Exception as e:  # the library's own parse errors
                raise Error(f"{path}: {e}") from None
        return self._tokenizer

    def generate_text(self, prompt, max_new_tokens=20, stream=None, skip_special_tokens=True,
                      **options):
        """Text in, text out: `prompt` encoded as HF's tokenizer does (special
        tokens included), `generate(**options)`, the new tokens decoded.
        `stream(text)` receives each piece of text as soon as it is final (a
        character split over tokens waits for its last byte), so the pieces
        add up to the returned text."""
        if not isinstance(prompt, str):
            raise Error(f"prompt must be a str, got {type(prompt).__name__}")
        tokenizer = self.tokenizer
        try:
            ids = np.array([tokenizer.encode(prompt).ids], dtype=np.int64)
        except Exception as e:  # e.g. lone surrogates, which are not text
            raise Error(f"the prompt cannot be encoded: {e}") from None
        if ids.shape[1] == 0:
            raise Error("the prompt encodes to no tokens")
        new = []
        shown = [""]

        def on_step(step, tokens):
            new.append(int(tokens[0]))
            # A byte token's text is decided by the bytes after it (HF's
            # ByteFallback decodes a run together): wait for the run's end.
            piece = tokenizer.id_to_token(new[-1])
            if piece and len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
                return
            if stream is not None:
                text = tokenizer.decode(new, skip_special_tokens=skip_special_tokens)
                if text.startswith(shown[0]) and not text.endswith("\ufffd"):
                    stream(text[len(shown[0]):])
                    shown[0] = text

        self.generate(ids, max_new_tokens=max_new_tokens, streamer=on_step, **options)
        text = tokenizer.decode(new, skip_special_tokens=skip_special_tokens)
        if stream is not None and text.startswith(shown[0]) and text != shown[0]:
            stream(text[len(shown[0]):])
        return text


class Function:
    """One function of a .mlir file, from hm.load("model.mlir"): call it on
    arrays, one per argument that is not a weight (weights come from
    `weights=` or `random_weights=` at load). Compiled once at load on the
    cpu target; runs on the reference evaluator with target="reference"."""

    def __init__(self, core, path, target):
        self._function = core
        self.path = path
        self.target = target

    @property
    def name(self):
        return self._function.name

    @property
    def input_count(self):
        """How many arrays a call takes."""
        return self._function.input_count

    def __call__(self, *inputs):
        """float arrays as float32, integer ones as int64 (the function's i32
        parameters take them when every value fits). Returns one array, or a
        tuple for several results: float32, or int64 for integer results;
        torch tensors when the first input is one."""
        arrays = [_as_input(value, f"input {n}") for n, value in enumerate(inputs)]
        results = [np.asarray(r) for r in self._function.run(arrays)]
        first = inputs[0] if inputs else None
        results = [_like(first, r) for r in results]
        return results[0] if len(results) == 1 else tuple(results)


def _from_torch_or_dlpack(value, name):
    """A torch tensor (copied to the CPU if it is elsewhere) or an object
    with __dlpack__ as a numpy array over the same memory; anything else as
    it is."""
    if hasattr(value, "detach"):  # a torch tensor
        return value.detach().cpu().numpy()
    if hasattr(value, "__dlpack__") and not isinstance(value, np.ndarray):
        try:
            return np.from_dlpack(value)
        except (TypeError, RuntimeError, BufferError) as e:
            raise Error(f"{name}: cannot read it through DLPack: {e}") from None
    return value


def _as_input(value, name):
    """A C-contiguous float32 or int64 array of `value`: numpy, torch (on the
    CPU) or anything with __dlpack__ or the buffer protocol; nothing is
    copied when it already is one."""
    value = _from_torch_or_dlpack(value, name)
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as e:
        raise Error(f"{name}: not an array: {e}") from None
    # np.require keeps 0-d arrays 0-d (ascontiguousarray makes them 1-d).
    if array.dtype.kind == "f":
        return np.require(array, dtype=np.float32, requirements="C")
    if array.dtype.kind in "iu":
        if array.dtype.kind == "u" and array.size and array.max() > np.iinfo(np.int64).max:
            raise Error(f"{name}: value {array.max()} is outside int64")
        return np.require(array, dtype=np.int64, requirements="C")
    raise Error(f"{name}: expected a float or integer array, got {array.dtype}")


def _like(given, array):
    """`array` as a torch tensor (sharing its memory) when `given` was one."""
    if hasattr(given, "detach") and hasattr(given, "numpy"):
        import torch
        return torch.from_numpy(array)
    return array


def _as_ids(ids, one_dimensional_is_batch=False):
    """Token ids as a C-contiguous int64 [batch, length] array. A 1-d array
    is one sequence (or, for decode, one token per sequence)."""
    if hasattr(ids, "detach") and (ids.is_floating_point() or ids.is_complex()):
        raise Error(f"token ids must be an integer tensor, got {ids.dtype}")
    ids = _from_torch_or_dlpack(ids, "token ids")
    try:
        ids = np.asarray(ids)
    except ValueError as e:  # ragged lists
        raise Error(f"token ids must be a rectangular integer array: {e}") from None
    if ids.size == 0:
        raise Error(f"token ids need at least one sequence of at least one token, got "
                    f"shape {ids.shape}")
    if ids.ndim == 1:
        ids = ids.reshape(-1, 1) if one_dimensional_is_batch else ids.reshape(1, -1)
    if ids.ndim != 2 or ids.dtype.kind not in "iu":
        raise Error(f"token ids must be an integer array [batch, length], got "
                    f"{ids.dtype} of shape {ids.shape}")
    if ids.dtype.kind == "u" and ids.max() > np.iinfo(np.int64).max:
        raise Error(f"token id {ids.max()} is outside int64")
    return np.ascontiguousarray(ids, dtype=np.int64)


def load(path, target="cpu", threads=None, max_tokens=2048, weights=None, random_weights=None,
         cache=True, cache_dir=None, verbose=True, function=None, weight_type="f32"):
    """A model from a checkpoint directory (config.json + safetensors +
    generation_config.json), an HF config.json or our model JSON; or a
    Function from a .mlir file (`function=NAME` picks one when it has
    several public functions; max_tokens and the cache do not apply).

    target: "cpu" (compiled; through the compile cache unless cache=False)
    or "reference" (the reference evaluator). threads: the compiled code's
    thread count (process-wide). max_tokens: the context a session holds.
    weights: a .safetensors file or shard index (a directory's own by
    default); random_weights=SEED draws them instead. weight_type="bf16"
    keeps the projections' weights in bfloat16 (half the memory and bytes
    per token; activations and sums stay f32; docs/compiling.md);
    weight_type="bf16-matmul" also rounds prefill's products' activations
    to bf16 (vdpbf16ps where the CPU has AVX512-BF16; a looser tolerance)."""
    path = os.fspath(path)
    if not isinstance(path, str) or "\0" in path:
        raise Error(f"path must be a file or directory name, got {path!r}")
    if not isinstance(target, str):
        raise Error(f'target must be "cpu" or "reference", got {target!r}')
    max_tokens = _integer("max_tokens", max_tokens, 1, 2**24)
    if random_weights is not None:
        random_weights = _integer("random_weights", random_weights, 0, 2**31 - 1)
    if weights is not None and not os.fspath(weights):
        raise Error("weights must name a .safetensors file or an .index.json (or pass "
                    "random_weights=SEED)")
    generation_defaults, eos, pad, directory = {}, [], None, None
    if _core.is_directory(path):
        directory = path
        contents = _core.open_directory(path)
        description = contents["config"]
        generation_defaults = contents["sampling"]
        eos, pad = contents["eos_token_ids"], contents["pad_token_id"]
        if weights is None and random_weights is None:
            weights = contents["weights"]
            if not weights:
                raise Error(f"{path}: no *.safetensors weights (pass random_weights=SEED "
                            "to draw them)")
    else:
        if not os.path.exists(path):
            raise Error(f"{path}: no such file or directory")
        if not os.path.isfile(path):
            raise Error(f"{path}: not a regular file (a device, pipe or socket)")
        description = path
    if weights is not None and random_weights is not None:
        raise Error("give weights or random_weights, not both")
    if weight_type not in ("f32", "bf16", "bf16-matmul"):
        raise Error(f'weight_type must be "f32", "bf16" or "bf16-matmul", got {weight_type!r}')
    if weight_type != "f32" and path.endswith(".mlir"):
        raise Error("weight_type is for model descriptions; a .mlir function takes the "
                    "types its signature names")
    if function is not None and not path.endswith(".mlir"):
        raise Error("function= is for .mlir files; a model description runs its own")
    if path.endswith(".mlir") and os.path.isfile(path):
        if function is not None and not isinstance(function, str):
            raise Error(f"function must be a function's name, got {function!r}")
        if threads is not None:
            set_threads(threads)
        core = _core.load_function(path, function or "",
                                   os.fspath(weights) if weights is not None else "",
                                   -1 if random_weights is None else random_weights, target)
        return Function(core, path, target)
    if weights is None and random_weights is None:
        raise Error(f"{path}: a model description needs weights=FILE or random_weights=SEED")
    if threads is not None:
        set_threads(threads)
    return Model(description, os.fspath(weights) if weights is not None else "",
                 -1 if random_weights is None else random_weights, target, max_tokens,
                 bool(cache), os.fspath(cache_dir) if cache_dir else "", bool(verbose),
                 generation_defaults, eos, pad, directory, weight_type)
