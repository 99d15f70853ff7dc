"""``deskroute train`` and ``deskroute evaluate``: learn triage from history, then measure it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cli.skipped import report_skipped
from cli.train_report import (
    plot_confusion,
    plot_threshold,
    print_abstain,
    print_classification,
    scores_table,
)
from config.datasets import DATASETS, DatasetError, Example, data_dir_or_default, labelled
from config.datasets import load_examples as read_examples
from config.embeddings import EmbedderError, load_embedder
from config.model_files import ModelFileError, load_model, save_model
from config.settings import Settings
from router.classify import TARGETS, AbstainReport, LinearTextModel, abstain_report
from router.model import Prediction

if TYPE_CHECKING:  # scikit-learn loads only when a command trains
    from router.classify.train import TrainingOptions, TrainingResult

err = Console(stderr=True)
SOURCE_HELP = (
    "A history export (JSON lines) or a shipped dataset: "
    + ", ".join(f"{name} ({spec.about})" for name, spec in DATASETS.items())
    + "; add :SPLIT to pick a split, e.g. bitext:dev."
)


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(2)


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj if isinstance(ctx.obj, Settings) else Settings()


def _examples(source: str, data_dir: Path | None, split: str, ctx: typer.Context) -> list[Example]:
    """Read the examples; unreadable history lines are skipped, shown and counted."""
    directory = data_dir_or_default(data_dir or _settings(ctx).classifier.data_dir)
    skipped: list[str] = []
    try:
        examples = read_examples(source, directory, split, skipped.append)
    except DatasetError as error:
        raise _fail(str(error)) from None
    report_skipped(err, skipped, len(examples))
    return examples


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(f"{path.stem}.{suffix}")


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
    examples = _examples(history, data_dir, "train", ctx)
    texts, labels, unlabelled = labelled(examples, target)
    options = TrainingOptions(
        c=c,
        holdout=holdout,
        seed=seed,
        embedding_weight=TrainingOptions.embedding_weight if embedding else 0,
    )
    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task(f"training {target} on {len(texts)} examples", total=4)

        def step(message: str) -> None:
            progress.update(task, description=message, advance=1)

        try:
            embedder = load_embedder() if embedding else None
            result = train_model(texts, labels, target, options, embedder, step)
        except (EmbedderError, ValueError) as error:
            raise _fail(str(error)) from None
        step(f"writing {out}")
        seconds = time.perf_counter() - started
        info = _training_info(history, result, unlabelled, seconds, options)
        save_model(result.model, out, info)
    _report_training(result, info, out)


def _training_info(
    source: str, result: TrainingResult, unlabelled: int, seconds: float, options: TrainingOptions
) -> dict[str, Any]:
    return {
        "source": source,
        "examples": result.train_examples + (result.holdout_examples if result.held_out else 0),
        "unlabelled_skipped": unlabelled,
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
    report_path = _sibling(out, "report.json")
    report_path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    png = plot_confusion(result.report, f"{model.target} ({where})", _sibling(out, "confusion.png"))
    err.print(f"wrote {out}, {report_path} and {png}")


def evaluate(
    ctx: typer.Context,
    model_path: Path = typer.Argument(..., metavar="MODEL", help="Model file from `train`."),
    test: str = typer.Argument(
        ..., metavar="TEST", help=SOURCE_HELP + " Datasets default to their test split."
    ),
    min_confidence: float | None = typer.Option(
        None,
        "--min-confidence",
        min=0.0,
        max=1.0,
        help="Abstain below this confidence (env DESKROUTE_CLASSIFIER__MIN_CONFIDENCE).",
    ),
    triage_group: str | None = typer.Option(
        None,
        "--triage-group",
        help="Where abstained tickets go (env DESKROUTE_CLASSIFIER__TRIAGE_GROUP).",
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Shipped datasets directory (env DESKROUTE_CLASSIFIER__DATA_DIR)."
    ),
    report: Path | None = typer.Option(
        None, "--report", help="JSON report path; default MODEL.eval.json beside the model."
    ),
) -> None:
    """Score a model on labelled tickets, with the abstain path: below the confidence
    threshold a ticket goes to the triage group instead of a guessed queue.

    Prints accuracy, macro-F1, per-class recall, accuracy on kept tickets and the abstain
    rate; writes the report and two PNGs (confusion matrix, threshold trade-off).
    """
    settings = _settings(ctx).classifier
    threshold = settings.min_confidence if min_confidence is None else min_confidence
    triage = triage_group or settings.triage_group
    try:
        model = load_model(model_path)
    except ModelFileError as error:
        raise _fail(str(error)) from None
    texts, truth, unlabelled = labelled(_examples(test, data_dir, "test", ctx), model.target)
    if not texts:
        raise _fail(f"{test}: no example has a {model.target!r} label")
    with _progress() as progress:
        task = progress.add_task(f"predicting {len(texts)} tickets", total=len(texts))
        started = time.perf_counter()
        predictions: list[Prediction] = []
        for text in texts:
            predictions.append(model.predict_text(text))
            progress.advance(task)
        seconds = time.perf_counter() - started
    result = abstain_report(truth, predictions, threshold, model.labels, triage)
    _report_evaluation(result, model_path, report, truth, predictions, unlabelled, seconds)


def _report_evaluation(
    result: AbstainReport,
    model_path: Path,
    report: Path | None,
    truth: list[str],
    predictions: list[Prediction],
    unlabelled: int,
    seconds: float,
) -> None:
    console = Console()
    print_classification(console, "every ticket, no abstaining", result.overall)
    print_abstain(console, result)
    per_s = len(predictions) / seconds if seconds > 0 else float("inf")
    console.print(
        f"{per_s:,.0f} predictions/s ({1e3 / per_s:.3f} ms each); "
        f"{unlabelled} examples without a label skipped"
    )
    report_path = report or _sibling(model_path, "eval.json")
    payload = {
        **result.to_dict(),
        "predictions_per_second": per_s,
        "unlabelled_skipped": unlabelled,
    }
    report_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    confusion = plot_confusion(result.overall, "evaluation", _sibling(report_path, "confusion.png"))
    curve = plot_threshold(
        truth, predictions, result.min_confidence, _sibling(report_path, "threshold.png")
    )
    err.print(f"wrote {report_path}, {confusion} and {curve}")


def register(app: typer.Typer) -> None:
    """Add ``train`` and ``evaluate`` to the root app."""
    app.command("train")(train)
    app.command("evaluate")(evaluate)
