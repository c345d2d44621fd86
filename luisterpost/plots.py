"""Confusion matrices as PNG files, one per classifier and head (`luisterpost eval --confusion DIR`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def confusion_png(matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.1 * len(labels) + 1.5))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title(title, fontsize=9)
    peak = max((max(row) for row in matrix), default=0)
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            axes.text(j, i, str(count), ha="center", va="center", color="white" if count > peak / 2 else "black")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def report_pngs(report: dict[str, Any], heads: dict[str, Sequence[str]], directory: Path) -> list[Path]:
    """One PNG per head for the model and for the baseline, if the report has one."""
    written = []
    stem = Path(report["file"]).stem
    for part in (report, report.get("baseline")):
        if not part:
            continue
        name = part["model"]["name"]
        for head, labels in heads.items():
            if part[head]["count"]:
                title = f"{stem}: {head}, {name} (macro-F1 {part[head]['macro_f1']:.3f})"
                written.append(confusion_png(part[head]["confusion"], labels, title,
                                             directory / f"{stem}.{name}.{head}.png"))
    return written
