#!/usr/bin/python3
"""A small GPT-Neo on the GPT-2 vocabulary, trained briefly in real PyTorch on the lab's built-in stories, written as
Hugging Face writes it (pytorch_model.bin + config.json) for `POST /api/checkpoints/import/hf` (issue 9: an imported
GPT-Neo gets a Neuroscope). Too large to commit (≈ 13 MB: the 50 257 × 64 embedding); this script regenerates it.

    # 1. the stories as GPT-2 token ids, one story per line (the lab's own generator and tokenizer, see the docs):
    java -cp 'benchmarks/target/lib/*' interp-core/src/test/python/ExportStories.java stories.txt 3000
    # 2. train and write (Debian's torch lives in the SYSTEM python):
    /usr/bin/python3 interp-core/src/test/python/make_gpt_neo_stories.py stories.txt OUT_DIR [steps=300]   # 0: random init

The model is make_gpt_neo_fixtures.py's state dict (Hugging Face's names, tied lm_head, the attention buffers) at
GPT-2's vocabulary and a TinyStories-1Layer-like shape scaled down (1 layer, d 64, 4 heads, d_mlp 256, 64 positions),
and its forward is that script's reference forward (GPT-Neo: no 1/√d_head), batched over stories by a loop.
"""
import json
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_gpt_neo_fixtures as fx  # noqa: E402

EOT = 50256
CONFIG = dict(fx.CONFIG, attention_types=[[["global"], 1]], hidden_size=64, num_heads=4, num_layers=1,
              intermediate_size=256, max_position_embeddings=64, vocab_size=50257, bos_token_id=EOT,
              eos_token_id=EOT)


def main():
    stories_path, out = sys.argv[1], sys.argv[2]
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    torch.manual_seed(1)
    random.seed(1)
    with open(stories_path) as f:
        stories = [[int(t) for t in line.split()] for line in f if line.strip()]
    stream = []
    for s in stories:
        stream.extend(s + [EOT])
    n_ctx = CONFIG["max_position_embeddings"]
    sd = fx.state_dict(CONFIG, scale=0.02, seed=1)
    for k, v in sd.items():
        if v.is_floating_point() and not k.endswith("masked_bias"):
            v.requires_grad_(True)
    params = [v for k, v in sd.items() if v.requires_grad and k != "lm_head.weight"]  # lm_head is wte
    opt = torch.optim.AdamW(params, lr=3e-3, weight_decay=0.01)
    batch = 8
    for step in range(steps):
        loss = 0
        for _ in range(batch):
            i = random.randrange(len(stream) - n_ctx - 1)
            window = stream[i:i + n_ctx + 1]
            logits, _ = fx.forward(sd, CONFIG, window[:-1])
            loss = loss + torch.nn.functional.cross_entropy(logits, torch.tensor(window[1:]))
        loss = loss / batch
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 25 == 0 or step == steps - 1:
            print("step %d loss %.3f" % (step, loss.item()), flush=True)
    os.makedirs(out, exist_ok=True)
    with torch.no_grad():
        plain = fx.collections.OrderedDict((k, v.detach().clone()) for k, v in sd.items())
    plain["lm_head.weight"] = plain["transformer.wte.weight"]
    plain._metadata = sd._metadata
    torch.save(plain, os.path.join(out, "pytorch_model.bin"))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    print("wrote %s (%d bytes) and config.json, torch %s" % (
        os.path.join(out, "pytorch_model.bin"), os.path.getsize(os.path.join(out, "pytorch_model.bin")),
        torch.__version__))


if __name__ == "__main__":
    main()
