"""A tiny random BERT with a real tokenizer, built from a config: the unit tier's stand-in for e5.

It has the same shape of parts as the real base (a Unigram SentencePiece-style tokenizer with
`<s> A </s></s> B </s>` pairs, a `BertModel`), so training, saving and loading run the same code,
in seconds. Its predictions mean nothing.
"""

from __future__ import annotations

from pathlib import Path

TINY_BASE = "tiny:random"
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")


def build_tiny_base(out_dir: Path, words: list[str], seed: int = 0) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    pieces = list(SPECIALS) + sorted({"▁" + word.lower() for word in words} | set("abcdefghijklmnopqrstuvwxyz▁"))
    vocab = [(piece, 0.0 if piece in SPECIALS else -float(len(piece) < 2) - 1.0) for piece in pieces]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=SPECIALS.index("<unk>")))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)])
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        pad_token="<pad>", unk_token="<unk>", model_max_length=128)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(pieces), hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=130, pad_token_id=1, type_vocab_size=1)
    out_dir.mkdir(parents=True, exist_ok=True)
    BertModel(config, add_pooling_layer=False).save_pretrained(out_dir)
    fast.save_pretrained(out_dir)
    return out_dir
