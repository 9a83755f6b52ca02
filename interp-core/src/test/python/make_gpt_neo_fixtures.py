#!/usr/bin/python3
"""Regenerates the Hugging Face GPT-Neo fixtures in interp-core/src/test/resources/hf/ with real PyTorch.

How to run (from the repository root; Debian's torch lives in the SYSTEM python, not pyenv's `python3`):

    sudo apt-get install -y python3-torch
    /usr/bin/python3 interp-core/src/test/python/make_gpt_neo_fixtures.py

No `transformers` package is needed: the script writes a tiny GPT-Neo state dict under Hugging Face's names by
hand (random init, fixed seed), exactly as GPTNeoForCausalLM.state_dict() lays it out, including the old
non-parameter buffers `attn.attention.bias` / `attn.attention.masked_bias` and a tied `lm_head.weight` that shares
wte's storage. It writes

  config.json                 the model's GPT-Neo config (attention_types [[["global", "local"], 1]], window 4)
  pytorch_model.bin           torch.save of the state dict (zip format, pickle protocol 2, float32)
  pytorch_model_fp16.bin      the same weights as float16 storages
  model.safetensors           safetensors written by hand (F32), without lm_head.weight as Hugging Face saves
                              tied weights
  reference.json              tokens, logits [pos, vocab] and blocks.{l}.mlp.hook_post [pos, d_mlp] from a torch
                              forward written here after Hugging Face's GPTNeo modules (a second reference)
  tiny_protocol4.bin          one small, non-contiguous tensor saved with pickle protocol 4 (FRAME, MEMOIZE,
                              SHORT_BINUNICODE, STACK_GLOBAL)
  hostile_system.bin          a torch-layout zip whose data.pkl calls os.system via GLOBAL + REDUCE
  hostile_eval.bin            the same with builtins.eval via STACK_GLOBAL (protocol 4)
  broken_truncated_storage.bin, broken_missing_storage.bin, broken_trailing_garbage.bin, broken_not_a_zip.bin
                              one-tensor files with one defect each

Both hostile payloads would create HOSTILE_MARKER if anything ever executed them; the Java tests assert it never
appears.
"""
import collections
import io
import json
import math
import os
import pickle
import struct
import zipfile

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "hf")
HOSTILE_MARKER = "/tmp/interplab-hostile-pickle-ran"

CONFIG = {
    "architectures": ["GPTNeoForCausalLM"],
    "model_type": "gpt_neo",
    "activation_function": "gelu_new",
    "attention_types": [[["global", "local"], 1]],
    "hidden_size": 16,
    "num_heads": 2,
    "num_layers": 2,
    "intermediate_size": 32,
    "max_position_embeddings": 16,
    "vocab_size": 40,
    "window_size": 4,
    "layer_norm_epsilon": 1e-5,
    "tie_word_embeddings": True,
    "bos_token_id": 39,
    "eos_token_id": 39,
}
TOKENS = [3, 17, 5, 5, 28, 39, 0, 12, 9, 33]


def layer_types(config):
    types = []
    for pattern, repeat in config["attention_types"]:
        for _ in range(repeat):
            types.extend(pattern)
    return types


def state_dict(config, scale=0.3, seed=1234):
    """GPTNeoForCausalLM.state_dict() by name, random init (N(0, scale²); 0.3 so that every weight matters)."""
    g = torch.Generator().manual_seed(seed)
    d, inner, vocab, n_pos = (config["hidden_size"], config["intermediate_size"], config["vocab_size"],
                              config["max_position_embeddings"])

    def randn(*shape):
        return torch.randn(*shape, generator=g) * scale

    sd = collections.OrderedDict()
    wte = randn(vocab, d)
    sd["transformer.wte.weight"] = wte
    sd["transformer.wpe.weight"] = randn(n_pos, d)
    for i, kind in enumerate(layer_types(config)):
        p = "transformer.h.%d." % i
        sd[p + "ln_1.weight"] = 1 + randn(d)
        sd[p + "ln_1.bias"] = randn(d)
        bias = torch.tril(torch.ones((n_pos, n_pos), dtype=torch.bool)).view(1, 1, n_pos, n_pos)
        if kind == "local":
            bias = torch.bitwise_xor(bias, torch.tril(bias, -config["window_size"]))
        sd[p + "attn.attention.bias"] = bias
        sd[p + "attn.attention.masked_bias"] = torch.tensor(-1e9)
        for name in ("k_proj", "v_proj", "q_proj"):
            sd[p + "attn.attention.%s.weight" % name] = randn(d, d)
        sd[p + "attn.attention.out_proj.weight"] = randn(d, d)
        sd[p + "attn.attention.out_proj.bias"] = randn(d)
        sd[p + "ln_2.weight"] = 1 + randn(d)
        sd[p + "ln_2.bias"] = randn(d)
        sd[p + "mlp.c_fc.weight"] = randn(inner, d)
        sd[p + "mlp.c_fc.bias"] = randn(inner)
        sd[p + "mlp.c_proj.weight"] = randn(d, inner)
        sd[p + "mlp.c_proj.bias"] = randn(d)
    sd["transformer.ln_f.weight"] = 1 + randn(d)
    sd["transformer.ln_f.bias"] = randn(d)
    sd["lm_head.weight"] = wte  # tied: the same tensor, so torch.save writes one storage
    # nn.Module.state_dict() attaches the modules' versions; pickled as the OrderedDict's state (BUILD)
    sd._metadata = collections.OrderedDict([("", {}), ("transformer", {}), ("lm_head", {})])
    return sd


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward(sd, config, tokens):
    """GPTNeoForCausalLM's forward (eval mode), after transformers' modeling_gpt_neo.py: no 1/sqrt(d_head)."""
    d, heads = config["hidden_size"], config["num_heads"]
    dh = d // heads
    eps = config["layer_norm_epsilon"]
    t = len(tokens)
    ids = torch.tensor(tokens)
    x = sd["transformer.wte.weight"][ids] + sd["transformer.wpe.weight"][torch.arange(t)]
    hook_post = []
    for i, _ in enumerate(layer_types(config)):
        p = "transformer.h.%d." % i
        a = p + "attn.attention."
        h = torch.nn.functional.layer_norm(x, (d,), sd[p + "ln_1.weight"], sd[p + "ln_1.bias"], eps)
        q = (h @ sd[a + "q_proj.weight"].T).view(t, heads, dh).transpose(0, 1)
        k = (h @ sd[a + "k_proj.weight"].T).view(t, heads, dh).transpose(0, 1)
        v = (h @ sd[a + "v_proj.weight"].T).view(t, heads, dh).transpose(0, 1)
        scores = q @ k.transpose(-1, -2)
        causal = sd[a + "bias"][0, 0, :t, :t]
        scores = torch.where(causal, scores, torch.tensor(torch.finfo(scores.dtype).min))
        z = torch.softmax(scores, dim=-1) @ v
        z = z.transpose(0, 1).reshape(t, d)
        x = x + z @ sd[a + "out_proj.weight"].T + sd[a + "out_proj.bias"]
        h = torch.nn.functional.layer_norm(x, (d,), sd[p + "ln_2.weight"], sd[p + "ln_2.bias"], eps)
        post = gelu_new(h @ sd[p + "mlp.c_fc.weight"].T + sd[p + "mlp.c_fc.bias"])
        hook_post.append(post)
        x = x + post @ sd[p + "mlp.c_proj.weight"].T + sd[p + "mlp.c_proj.bias"]
    x = torch.nn.functional.layer_norm(x, (d,), sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"], eps)
    return x @ sd["lm_head.weight"].T, hook_post


def rounded(tensor):
    """Seven significant digits: far below the tests' 1e-4 tolerance, and a small file."""
    return [[float("%.7g" % v) for v in row] for row in tensor.tolist()]


def write_safetensors(path, tensors):
    """The safetensors format by hand: u64 header length, JSON header, little-endian row-major data."""
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def torch_zip(path, prefix, pickle_bytes, storages):
    """A zip laid out as torch.save writes it: <prefix>/data.pkl, <prefix>/data/<key>, <prefix>/version."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(prefix + "/data.pkl", pickle_bytes)
        for key, data in storages.items():
            z.writestr(prefix + "/data/" + key, data)
        z.writestr(prefix + "/version", "3\n")


def entries(path):
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info.filename) for info in z.infolist()}


class System:
    def __reduce__(self):
        return os.system, ("touch " + HOSTILE_MARKER,)


class Eval:
    def __reduce__(self):
        return eval, ("open(%r, 'w').close()" % HOSTILE_MARKER,)


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict(CONFIG)
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    torch.save(sd, os.path.join(OUT, "pytorch_model.bin"))
    half = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in sd.items())
    half["lm_head.weight"] = half["transformer.wte.weight"]
    half._metadata = sd._metadata
    torch.save(half, os.path.join(OUT, "pytorch_model_fp16.bin"))
    params = {k: v for k, v in sd.items()
              if k != "lm_head.weight" and not k.endswith("attention.bias") and not k.endswith("masked_bias")}
    write_safetensors(os.path.join(OUT, "model.safetensors"), params)

    with torch.no_grad():
        logits, hook_post = forward(sd, CONFIG, TOKENS)
        logits16, _ = forward({k: (v.float() if v.is_floating_point() else v) for k, v in half.items()}, CONFIG, TOKENS)
    reference = {"tokens": TOKENS, "logits": rounded(logits), "logits_fp16_weights": rounded(logits16),
                 "hook_post": [rounded(h) for h in hook_post], "torch": torch.__version__}
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")

    # a transposed (non-contiguous) view of a 3x4 storage, with an offset, saved with pickle protocol 4
    base = torch.arange(13, dtype=torch.float32)
    view = base[1:].view(3, 4).t()
    torch.save({"w": view, "b": base}, os.path.join(OUT, "tiny_protocol4.bin"), pickle_protocol=4)

    # hostile: a dict whose value pickles as GLOBAL posix.system / builtins.eval + REDUCE
    torch_zip(os.path.join(OUT, "hostile_system.bin"), "hostile_system",
              pickle.dumps({"w": System()}, protocol=2), {})
    torch_zip(os.path.join(OUT, "hostile_eval.bin"), "hostile_eval",
              pickle.dumps({"w": Eval()}, protocol=4), {})

    # broken variants of a valid one-tensor file
    good = os.path.join(OUT, "tiny_good.bin")
    torch.save({"w": torch.arange(6, dtype=torch.float32).view(2, 3)}, good)
    files = entries(good)
    os.remove(good)
    prefix = next(n for n in files if n.endswith("/data.pkl"))[:-len("/data.pkl")]
    storage = prefix + "/data/0"
    with zipfile.ZipFile(os.path.join(OUT, "broken_truncated_storage.bin"), "w") as z:
        for name, data in files.items():
            z.writestr(name, data[:8] if name == storage else data)
    with zipfile.ZipFile(os.path.join(OUT, "broken_missing_storage.bin"), "w") as z:
        for name, data in files.items():
            if name != storage:
                z.writestr(name, data)
    with zipfile.ZipFile(os.path.join(OUT, "broken_trailing_garbage.bin"), "w") as z:
        for name, data in files.items():
            z.writestr(name, data + b"K\x05." if name.endswith("data.pkl") else data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    with open(os.path.join(OUT, "broken_not_a_zip.bin"), "wb") as f:
        f.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])

    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print("wrote %d files, %d bytes, to %s (torch %s)" % (len(os.listdir(OUT)), total, OUT, torch.__version__))


if __name__ == "__main__":
    main()
