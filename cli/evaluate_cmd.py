"""``deskroute evaluate``: score a model on labelled tickets, at one or many thresholds."""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from cli.classifier_io import (
    SOURCE_HELP,
    err,
    fail,
    progress_bar,
    settings_of,
    sibling,
    some_names,
    source_examples,
    source_texts,
    usable,
    warn,
)
from cli.output_paths import file_or_exit
from cli.train_report import (
    plot_confusion,
    plot_threshold,
    print_abstain,
    print_classification,
    sweep_table,
)
from config.datasets import Labelled, labelled
from config.model_files import ModelFileError, load_model
from router.classify import LinearTextModel, abstain_report, threshold_sweep
from router.model import Prediction

OUT_OF_SCOPE_HELP = (
    "Tickets that belong to no label of the model (a .txt file with one text per line, a "
    "history export or a dataset, e.g. banking77 for a Bitext model): the share sent to "
    "triage is reported per threshold."
)


@dataclass(frozen=True)
class Scored:
    """Every prediction of one run: the labelled tickets' and the out-of-scope ones'."""

    data: Labelled
    predictions: list[Prediction]
    foreign_texts: list[str]
    foreign: list[Prediction]
    seconds: float


def parse_thresholds(text: str) -> list[float]:
    """``0.3,0.4,0.5`` -> [0.3, 0.4, 0.5]; each a number from 0 to 1, duplicates dropped."""
    values: list[float] = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise fail(f"--thresholds: {part.strip()!r} is not a number (e.g. 0.3,0.5)") from None
        if not 0.0 <= value <= 1.0:
            raise fail(f"--thresholds: {value:g} is outside 0..1")
        if value not in values:
            values.append(value)
    return values


def known_labels(data: Labelled, source: str, model: LinearTextModel) -> None:
    """Refuse test data whose labels the model never learnt; warn when some are unknown."""
    unknown = Counter(label for label in data.labels if label not in model.labels)
    if not unknown:
        return
    if len(unknown) == len(set(data.labels)):
        raise fail(
            f"{source}: none of its {model.target} labels is one the model knows, so every "
            f"prediction would count as wrong (test: {some_names(sorted(unknown))}; model: "
            f"{some_names(list(model.labels))}); was the model trained on other data?"
        )
    named = [f"{label} ({n})" for label, n in unknown.most_common()]
    warn(
        f"{source}: {unknown.total()} tickets carry {len(unknown)} {model.target} labels the "
        f"model never learnt, counted as wrong: {some_names(named)}"
    )


def predict_all(model: LinearTextModel, texts: list[str]) -> tuple[list[Prediction], float]:
    """One prediction per text, with a progress bar, and the seconds they took."""
    predictions: list[Prediction] = []
    with progress_bar() as progress:
        task = progress.add_task(f"predicting {len(texts)} tickets", total=len(texts))
        started = time.perf_counter()
        for text in texts:
            predictions.append(model.predict_text(text))
            progress.advance(task)
    return predictions, time.perf_counter() - started


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
    thresholds: str | None = typer.Option(
        None,
        "--thresholds",
        metavar="T1,T2,...",
        help="Also score these thresholds in the same run, e.g. 0.3,0.4,0.5,0.6,0.7.",
    ),
    out_of_scope: str | None = typer.Option(
        None, "--out-of-scope", metavar="SOURCE", help=OUT_OF_SCOPE_HELP
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
    rate; with --thresholds and --out-of-scope, per threshold the tickets kept and routed
    right and the out-of-scope tickets caught. Writes the report, every ticket's prediction
    and confidence (MODEL.eval.tickets.csv) and two PNGs (confusion, threshold trade-off).
    """
    settings = settings_of(ctx).classifier
    threshold = settings.min_confidence if min_confidence is None else min_confidence
    triage = triage_group or settings.triage_group
    swept = parse_thresholds(thresholds) if thresholds else [threshold]
    try:
        model = load_model(model_path)
    except ModelFileError as error:
        raise fail(str(error)) from None
    report_path = file_or_exit(report or sibling(model_path, "eval.json"))
    examples = source_examples(test, data_dir, "test", ctx)
    data = usable(labelled(examples, model.target), test, model.target)
    known_labels(data, test, model)
    foreign_texts = source_texts(out_of_scope, data_dir, ctx) if out_of_scope else []
    predictions, seconds = predict_all(model, data.texts + foreign_texts)
    scored = Scored(
        data=data,
        predictions=predictions[: len(data.texts)],
        foreign_texts=foreign_texts,
        foreign=predictions[len(data.texts) :],
        seconds=seconds,
    )
    _report(scored, model, threshold, triage, swept, report_path, out_of_scope)


def _report(
    scored: Scored,
    model: LinearTextModel,
    threshold: float,
    triage: str,
    swept: list[float],
    report_path: Path,
    out_of_scope: str | None,
) -> None:
    truth = scored.data.labels
    result = abstain_report(truth, scored.predictions, threshold, model.labels, triage)
    sweep = threshold_sweep(truth, scored.predictions, swept, scored.foreign)
    console = Console()
    print_classification(console, "every ticket, no abstaining", result.overall)
    print_abstain(console, result)
    if len(swept) > 1 or scored.foreign:
        console.print(sweep_table(sweep, triage))
    total = len(scored.predictions) + len(scored.foreign)
    per_s = total / scored.seconds if scored.seconds > 0 else float("inf")
    console.print(
        f"{per_s:,.0f} predictions/s ({1e3 / per_s:.3f} ms each); "
        f"{scored.data.unlabelled} examples without a label skipped"
    )
    payload = {
        **result.to_dict(),
        "thresholds": [outcome.to_dict() for outcome in sweep],
        "out_of_scope_source": out_of_scope,
        "predictions_per_second": per_s,
        "unlabelled_skipped": scored.data.unlabelled,
        "empty_text_skipped": scored.data.empty,
    }
    report_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    tickets = _write_tickets(scored, sibling(report_path, "tickets.csv"))
    confusion = plot_confusion(result.overall, "evaluation", sibling(report_path, "confusion.png"))
    curve = plot_threshold(
        truth, scored.predictions, threshold, sibling(report_path, "threshold.png"), scored.foreign
    )
    err.print(f"wrote {report_path}, {tickets}, {confusion} and {curve}")


def _write_tickets(scored: Scored, path: Path) -> Path:
    """One row per ticket: its text, true label (blank when out of scope), prediction."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["scope", "text", "label", "predicted", "confidence"])
        rows = zip(scored.data.texts, scored.data.labels, scored.predictions, strict=True)
        for text, label, prediction in rows:
            writer.writerow(["in", text, label, prediction.label, f"{prediction.confidence:.4f}"])
        for text, prediction in zip(scored.foreign_texts, scored.foreign, strict=True):
            writer.writerow(["out", text, "", prediction.label, f"{prediction.confidence:.4f}"])
    return path


def register(app: typer.Typer) -> None:
    """Add ``evaluate`` to the root app."""
    app.command("evaluate")(evaluate)
