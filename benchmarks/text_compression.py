"""What storing a document's text costs: the index's compressor (ISA-L deflate, level 2, a standard zlib stream)
against the standard library's zlib at levels 1 and 6 and Huffman-only, on the same texts in the same run.

Texts: the PAN 2013 source documents when ``../shared`` is beside the checkout, the example corpus, and
generated articles (benchmarks/synth.py).  Prints ns per byte and the compressed size as a share of the UTF-8 size.

    .venv/bin/python benchmarks/text_compression.py [N_GENERATED]   (default 3000)
"""
from __future__ import annotations

import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import make_corpus  # noqa: E402

from unspun.index.store import packed_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def corpora(n: int) -> dict[str, list[bytes]]:
    out = {}
    pan = sorted((ROOT.parent / "shared" / "data" / "pan13-train" / "src").glob("*.txt"))
    if pan:
        out["PAN 2013 sources"] = [p.read_bytes() for p in pan]
    out["examples/corpus"] = [p.read_bytes() for p in sorted((ROOT / "examples" / "corpus").rglob("*.txt"))]
    out["generated"] = [d.text.encode("utf-8") for d in make_corpus(n)[0]]
    return out


def huffman(b: bytes) -> bytes:
    c = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_HUFFMAN_ONLY)
    return c.compress(b) + c.flush()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    ways = (("unspun packed_text (ISA-L 2)", lambda b: packed_text(b.decode("utf-8"))),
            ("zlib level 1", lambda b: zlib.compress(b, 1)), ("zlib level 6", lambda b: zlib.compress(b, 6)),
            ("zlib Huffman only", huffman))
    for name, texts in corpora(n).items():
        raw = sum(map(len, texts))
        print(f"{name}: {len(texts)} texts, {raw / len(texts):.0f} bytes on average")
        for way, f in ways:
            best, size = float("inf"), 0
            for _ in range(3):
                t = time.perf_counter()
                out = [f(b) for b in texts]
                best = min(best, time.perf_counter() - t)
                size = sum(map(len, out))
            assert all(zlib.decompress(o) == b for o, b in zip(out, texts)), way
            print(f"  {way:30} {best / raw * 1e9:6.2f} ns/byte  {size / raw:.3f} of the size  {size / len(texts):6.0f} bytes/text")


if __name__ == "__main__":
    main()
