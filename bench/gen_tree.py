#!/usr/bin/env python3
"""A deterministic benchmark tree: gen_tree.py ROOT SIZE_MIB SEED.

Mostly small files (1 B..64 KiB), one in 20 large (1..16 MiB); half text-like (compressible),
half random bytes, spread over 37x11 directories. Same arguments, same tree."""
import os, random, sys

root, total, seed = sys.argv[1], int(sys.argv[2]) << 20, int(sys.argv[3])
rng = random.Random(seed)
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
         for _ in range(5000)]
text = b" ".join(rng.choice(words) for _ in range(400_000))  # ~2.6 MB of "text"
written, i = 0, 0
while written < total:
    d = os.path.join(root, f"d{i % 37:02d}", f"e{i % 11}")
    os.makedirs(d, exist_ok=True)
    size = rng.randint(1 << 20, 16 << 20) if rng.random() < 0.05 else rng.randint(1, 64 << 10)
    size = min(size, total - written)
    if rng.random() < 0.5:
        start = rng.randrange(0, len(text) - 1)
        body = (text[start:] + text)[:size]
        while len(body) < size:
            body += text[: size - len(body)]
    else:
        body = rng.randbytes(size)
    with open(os.path.join(d, f"f{i}.bin"), "wb") as f:
        f.write(body)
    written += size
    i += 1
print(f"tree: generated {i} files, {written >> 20} MiB", file=sys.stderr)
