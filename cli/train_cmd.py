"""``deskroute train``: learn triage from history (``evaluate`` measures it: evaluate_cmd)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from cli.classifier_io import (
    SOURCE_HELP,
    err,
    fail,
    progress_bar,
    sibling,
    some_names,
    source_examples,
    usable,
    warn,
)
from cli.output_paths import file_or_exit
from cli.train_report import plot_confusion, print_classification, scores_table
from config.datasets import Labelled, labelled
from config.embeddings import EmbedderError, load_embedder
from config.model_files import save_model
from router.classify import TARGETS, LinearTextModel

if TYPE_CHECKING:  # scikit-learn loads only when a command trains
    from router.classify.train import TrainingOptions, TrainingResult


def train(
    ctx: typer.Context,
    history: str = typer.Argument(..., metavar="HISTORY", help=SOURCE_HELP),
    target: str = typer.Option(..., "--target", help=f"What to predict: {'|'.join(TARGETS)}."),
    out: Path = typer.Option(..., "--out", help="Model file to write (.npz: arrays + JSON)."),
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        help="Shipped datasets directory (env DESKROUTE_CLASSIFIER__DATA_DIR).",
    ),
    embedding: bool = typer.Option(
        True,
        "--embedding/--no-embedding",
        help="Add bundled wordllama sentence vectors next to the TF-IDF n-grams.",
    ),
    c: float = typer.Option(0.5, "--c", min=1e-4, help="SVM C (higher: less regularised)."),
    holdout: float = typer.Option(
        0.2, "--holdout", min=0.05, max=0.5, help="Share held out for the report and calibration."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the held-out split."),
) -> None:
    """Train a triage model (word + char TF-IDF, linear SVM, calibrated confidences).

    Prints accuracy, macro-F1 and per-class recall on a held-out share, and writes the model
    with MODEL.report.json and MODEL.confusion.png beside it.
    """
    from router.classify.train import TrainingOptions, train_model  # scikit-learn: load late

    if target not in TARGETS:
        raise typer.BadParameter(f"use one of {', '.join(TARGETS)}", param_hint="--target")
    file_or_exit(out)
    examples = source_examples(history, data_dir, "train", ctx)
    data = usable(labelled(examples, target), history, target)
    options = TrainingOptions(
        c=c,
        holdout=holdout,
        seed=seed,
        embedding_weight=TrainingOptions.embedding_weight if embedding else 0,
    )
    started = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task(f"training {target} on {len(data.texts)} examples", total=4)

        def step(message: str) -> None:
            progress.update(task, description=message, advance=1)

        try:
            embedder = load_embedder() if embedding else None
            result = train_model(data.texts, data.labels, target, options, embedder, step)
        except EmbedderError as error:
            raise fail(str(error)) from None
        except ValueError as error:  # too few labels, nothing to learn from
            raise fail(f"{history}: {error}") from None
        step(f"writing {out}")
        seconds = time.perf_counter() - started
        info = _training_info(history, result, data, seconds, options)
        save_model(result.model, out, info)
    if result.skipped_labels:
        rare = sorted(result.skipped_labels)
        warn(
            f"{len(rare)} {target} labels seen only once were dropped (a label needs two "
            f"examples to be learnt and held out): {some_names(rare)}"
        )
    _report_training(result, info, out)


def _training_info(
    source: str, result: TrainingResult, data: Labelled, seconds: float, options: TrainingOptions
) -> dict[str, Any]:
    return {
        "source": source,
        "examples": result.train_examples + (result.holdout_examples if result.held_out else 0),
        "unlabelled_skipped": data.unlabelled,
        "empty_text_skipped": data.empty,
        "rare_labels_skipped": result.skipped_labels,
        "held_out": result.held_out,
        "holdout_examples": result.holdout_examples,
        "train_seconds": round(seconds, 2),
        "options": {
            "c": options.c,
            "holdout": options.holdout,
            "seed": options.seed,
            "embedding_weight": options.embedding_weight,
        },
        "report": result.report.to_dict(),
    }


def _report_training(result: TrainingResult, info: dict[str, Any], out: Path) -> None:
    console = Console()
    model: LinearTextModel = result.model
    where = "held-out share" if result.held_out else "training data (too few to hold out)"
    print_classification(console, f"{model.target}: {where}", result.report)
    console.print(
        scores_table(
            "model",
            [
                ("labels", str(len(model.labels))),
                ("temperature (calibration)", f"{model.temperature:.4f}"),
                ("embedding", model.embedding.embedder.name if model.embedding else "none"),
                (
                    "skipped: no label / rare label",
                    f"{info['unlabelled_skipped']} / {sum(result.skipped_labels.values())}",
                ),
                ("training time", f"{info['train_seconds']:.1f} s"),
            ],
        )
    )
    report_path = sibling(out, "report.json")
    report_path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    png = plot_confusion(result.report, f"{model.target} ({where})", sibling(out, "confusion.png"))
    err.print(f"wrote {out}, {report_path} and {png}")


def register(app: typer.Typer) -> None:
    """Add ``train`` to the root app."""
    app.command("train")(train)
