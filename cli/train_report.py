"""How training and evaluation reports look: Rich tables and matplotlib figures (Agg)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from rich.console import Console
from rich.table import Table

from router.classify.metrics import AbstainReport, ClassificationReport, ThresholdOutcome
from router.model import Prediction

WORST_SHOWN = 12


def scores_table(title: str, rows: Sequence[tuple[str, str]]) -> Table:
    """A two-column table of named figures."""
    table = Table(title=title, show_header=False, title_justify="left", min_width=len(title) + 4)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


def recall_table(report: ClassificationReport, limit: int = WORST_SHOWN) -> Table:
    """Per-class recall, weakest first (all classes when there are few)."""
    ranked = sorted(report.recall.items(), key=lambda item: (item[1], item[0]))
    shown = ranked if len(ranked) <= limit + 3 else ranked[:limit]
    title = "recall per class" if shown is ranked else f"recall, {len(shown)} weakest classes"
    table = Table(title=title, title_justify="left")
    table.add_column("class")
    table.add_column("recall", justify="right")
    table.add_column("examples", justify="right")
    for label, recall in shown:
        table.add_row(label, f"{recall:.1%}", str(report.support[label]))
    return table


def print_classification(console: Console, title: str, report: ClassificationReport) -> None:
    """Accuracy, macro-F1 and the per-class recall table."""
    console.print(
        scores_table(
            title,
            [
                ("examples", str(report.total)),
                ("accuracy", f"{report.accuracy:.2%}"),
                ("macro-F1", f"{report.macro_f1:.2%}"),
                ("classes", str(len(report.recall))),
            ],
        )
    )
    console.print(recall_table(report))


def print_abstain(console: Console, report: AbstainReport) -> None:
    """What routing with the abstain threshold would have done."""
    console.print(
        scores_table(
            f"with abstain below {report.min_confidence:.2f}",
            [
                ("kept (routed by prediction)", str(report.kept)),
                (
                    f"abstained (to {report.triage_group})",
                    f"{report.abstained} ({report.abstain_rate:.1%})",
                ),
                ("accuracy on kept", f"{report.accuracy_kept:.2%}"),
                ("calibration error (ECE)", f"{report.calibration_error:.3f}"),
            ],
        )
    )


def sweep_table(sweep: Sequence[ThresholdOutcome], triage: str) -> Table:
    """Per threshold: labelled tickets kept and right, accuracy on kept, sent to triage,
    and (when given) out-of-scope tickets caught."""
    foreign = sweep[0].out_of_scope if sweep else 0
    title = f"per threshold, {sweep[0].tickets if sweep else 0} labelled tickets" + (
        f" and {foreign} out of scope" if foreign else ""
    )
    table = Table(title=title, title_justify="left")
    table.add_column("threshold", justify="right")
    table.add_column("kept and correct", justify="right")
    table.add_column("accuracy on kept", justify="right")
    table.add_column(f"to {triage}", justify="right")
    if foreign:
        table.add_column("out of scope caught", justify="right")
    for outcome in sweep:
        accuracy = outcome.accuracy_kept
        row = [
            f"{outcome.min_confidence:.2f}",
            f"{outcome.kept_and_correct_rate:.1%} ({outcome.kept_correct})",
            "-" if accuracy is None else f"{accuracy:.2%}",
            f"{outcome.abstain_rate:.1%}",
        ]
        if foreign:
            row.append(f"{outcome.caught_rate or 0.0:.1%} ({outcome.out_of_scope_caught})")
        table.add_row(*row)
    return table


def plot_confusion(report: ClassificationReport, title: str, path: Path) -> Path:
    """Save the row-normalised confusion matrix as a PNG; counts are written when few classes."""
    matrix = report.confusion.astype(float)
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    size = max(5.0, min(24.0, 0.28 * len(report.labels) + 3))
    figure, axes = plt.subplots(figsize=(size, size * 0.9))
    image = axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ticks = np.arange(len(report.labels))
    font = 9 if len(ticks) <= 20 else 5
    axes.set_xticks(ticks, report.labels, rotation=90, fontsize=font)
    axes.set_yticks(ticks, report.labels, fontsize=font)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(f"{title}\naccuracy {report.accuracy:.1%}, macro-F1 {report.macro_f1:.1%}")
    if len(ticks) <= 20:
        for (i, j), count in np.ndenumerate(report.confusion):
            if count:
                colour = "white" if share[i, j] > 0.5 else "black"
                axes.text(j, i, str(count), ha="center", va="center", fontsize=7, color=colour)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="share of the true class")
    return _save(figure, path)


def plot_threshold(
    truth: Sequence[str],
    predictions: Sequence[Prediction],
    chosen: float,
    path: Path,
    out_of_scope: Sequence[Prediction] = (),
) -> Path:
    """Save accuracy-on-kept and abstain rate against the confidence threshold as a PNG,
    with the share of out-of-scope tickets caught when there are some."""
    confidence = np.array([p.confidence for p in predictions])
    correct = np.array([p.label == t for p, t in zip(predictions, truth, strict=True)])
    thresholds = np.linspace(0.0, 0.99, 100)
    kept = [confidence >= t for t in thresholds]
    accuracy = [correct[k].mean() if k.any() else np.nan for k in kept]
    abstain = [1 - k.mean() for k in kept]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    axes.plot(thresholds, accuracy, label="accuracy on kept tickets")
    axes.plot(thresholds, abstain, label="abstain rate (to triage)", linestyle="--")
    if out_of_scope:
        foreign = np.array([p.confidence for p in out_of_scope])
        caught = [(foreign < t).mean() for t in thresholds]
        axes.plot(thresholds, caught, label="out-of-scope caught (to triage)", linestyle=":")
    axes.axvline(chosen, color="grey", linestyle="-.", label=f"min confidence {chosen:.2f}")
    axes.set_xlabel("minimum confidence")
    axes.set_ylim(0, 1.02)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left")
    axes.set_title("What the abstain threshold trades")
    return _save(figure, path)


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
