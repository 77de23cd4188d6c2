"""Similarity of two code cells by winnowed fingerprints of their normalised token streams.

The method of MOSS, JPlag and Dolos (Schleimer, Wilkerson & Aiken, "Winnowing: local
algorithms for document fingerprinting", SIGMOD 2003): the cell becomes a stream of tokens
in which everything a copier changes for free is gone (comments, docstrings, formatting,
the names the learner chose, literal values, ``pass``); every run of ``K`` tokens is
hashed, and of every ``W`` consecutive hashes the smallest is kept. Two cells that share
a run of ``K + W - 1`` tokens are guaranteed to share a fingerprint, so local edits (a
swapped operand, a temporary, a loop rewritten) only remove the fingerprints near them.

Written here with the standard library's ``tokenize`` rather than taken from a library
(``copydetect`` needs pygments, numpy and jinja2 and reads files, not strings; the
algorithm itself is a few lines).
"""
import hashlib
import io
import keyword
import re
import tokenize

__all__ = ["tokens", "fingerprints", "similarity", "K", "W", "MIN_TOKENS", "THRESHOLD"]

K = 7            # tokens per hashed run
W = 4            # hashes per window
MIN_TOKENS = 20  # shorter cells are too short to call a copy
# Share of the shorter cell's fingerprints found in the other at which a pair is flagged
# (measured in tests/test_grading_integrity.py on evasions and independent answers).
THRESHOLD = 0.65

_MARKER = re.compile(r"^\s*###\s*(BEGIN|END) SOLUTION.*$", re.M)
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT,
         tokenize.ENCODING, tokenize.ENDMARKER}


def tokens(source):
    """The cell's normalised token stream (a list of short strings); None when the cell
    cannot be tokenised. Names become ``V`` except keywords, attribute names (``np.sum``
    is part of the algorithm) and keyword-argument names; numbers ``N``, strings ``S``;
    statement-level strings (docstrings) and ``pass`` are dropped."""
    source = _MARKER.sub("", source)
    out = []
    prev = ""          # previous significant token's text
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for i, tok in enumerate(toks):
        kind, text = tok.type, tok.string
        if kind in _SKIP:
            continue
        if kind == tokenize.NEWLINE:
            if out and out[-1] != ";":
                out.append(";")
            prev = ";"
            continue
        if kind == tokenize.STRING or kind == getattr(tokenize, "FSTRING_START", -1):
            if prev in ("", ";", ":"):  # a statement that is just a string: a docstring
                prev = "S"
                continue
            out.append("S")
        elif kind == tokenize.NUMBER:
            out.append("N")
        elif kind == tokenize.NAME:
            nxt = next((t.string for t in toks[i + 1:] if t.type not in _SKIP), "")
            if text == "pass":
                pass
            elif keyword.iskeyword(text) or prev == "." or (nxt == "=" and prev in "(,"):
                out.append(text)
            else:
                out.append("V")
        elif kind in (getattr(tokenize, "FSTRING_MIDDLE", -1),
                      getattr(tokenize, "FSTRING_END", -1)):
            continue
        else:
            out.append(text)
        prev = text if kind == tokenize.OP else out[-1] if out else ""
    while out and out[-1] == ";":
        out.pop()
    return out


def _hash(run):
    digest = hashlib.blake2b("\x00".join(run).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


def fingerprints(source):
    """The winnowed fingerprints of a cell (a sorted list of 32-bit ints), or None when
    the cell does not tokenise or has fewer than MIN_TOKENS tokens."""
    toks = tokens(source)
    if toks is None or len(toks) < MIN_TOKENS:
        return None
    hashes = [_hash(toks[i:i + K]) for i in range(len(toks) - K + 1)]
    kept = set()
    for i in range(max(len(hashes) - W + 1, 1)):
        window = hashes[i:i + W]
        low = min(window)
        # the rightmost minimum, as in the paper: fewer fingerprints in flat regions
        kept.add((low, i + len(window) - 1 - window[::-1].index(low)))
    return sorted({h for h, _ in kept})


def similarity(a, b):
    """Share of the smaller fingerprint set found in the other (0..1); 0 when either is
    empty. Containment rather than Jaccard: dead code added to a copy must not hide it."""
    if not a or not b:
        return 0.0
    a, b = set(a), set(b)
    return len(a & b) / min(len(a), len(b))
