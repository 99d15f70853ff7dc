"""Loaders: the shipped Bitext and BANKING77 sets and the history export format."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.datasets import (
    DatasetError,
    Example,
    Labelled,
    default_data_dir,
    labelled,
    load_examples,
    load_texts,
)
from connectors.history import write_history
from router.history import HistoryRecord

WHEN = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_history_export_gives_group_skill_priority_and_language(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    write_history(
        [
            HistoryRecord(
                id="1",
                subject="Refund",
                body="money back",
                group="billing",
                type="refund",
                priority="High",
                language="en",
                created_at=WHEN,
            ),
            HistoryRecord(id="2", body="hello", created_at=WHEN),
        ],
        path,
    )
    first, second = load_examples(str(path), tmp_path, "train")
    assert first.text == "Refund\nmoney back"
    assert first.labels == {
        "group": "billing",
        "skill": "refund",
        "priority": "high",
        "language": "en",
    }
    assert second.labels == {"priority": "normal"}
    assert labelled([first, second], "group") == Labelled(
        texts=["Refund\nmoney back"], labels=["billing"], unlabelled=1, empty=0
    )


def test_examples_with_a_label_but_no_text_are_left_out_and_counted() -> None:
    examples = [
        Example(text="refund please", labels={"group": "billing"}),
        Example(text="", labels={"group": "billing"}),
        Example(text=" \n ", labels={"group": "shipping"}),
        Example(text="hello", labels={}),
    ]
    assert labelled(examples, "group") == Labelled(
        texts=["refund please"], labels=["billing"], unlabelled=1, empty=2
    )


def test_texts_come_from_a_plain_text_file_or_any_source_blank_lines_left_out(
    tmp_path: Path,
) -> None:
    lines = tmp_path / "out-of-scope.txt"
    lines.write_text("what is the weather\n\n  \nbook me a table\n", encoding="utf-8")
    assert load_texts(str(lines), tmp_path, "test") == ["what is the weather", "book me a table"]
    assert len(load_texts("bitext", default_data_dir(), "test")) == 810
    with pytest.raises(DatasetError, match=r"missing\.txt: cannot read"):
        load_texts(str(tmp_path / "missing.txt"), tmp_path, "test")


def _with_bad_lines(tmp_path: Path) -> Path:
    path = tmp_path / "history.jsonl"
    write_history([HistoryRecord(id="1", body="fine", group="g", created_at=WHEN)], path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "2"}\n{not json\n')
    return path


def test_a_bad_history_line_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"history\.jsonl:2: .*created_at"):
        load_examples(str(_with_bad_lines(tmp_path)), tmp_path, "train")


def test_bad_history_lines_can_be_skipped_and_reported(tmp_path: Path) -> None:
    skipped: list[str] = []
    examples = load_examples(str(_with_bad_lines(tmp_path)), tmp_path, "train", skipped.append)
    assert [e.text for e in examples] == ["fine"]
    assert [message.split(": ")[0][-15:] for message in skipped] == [
        "history.jsonl:2",
        "history.jsonl:3",
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("nothing-here.jsonl", "no such file, and not a dataset name", id="unknown"),
        pytest.param("banking77:dev", "has no split 'dev'", id="unknown split"),
    ],
)
def test_unknown_sources_are_explained(source: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=message):
        load_examples(source, tmp_path, "train")


def test_a_missing_data_directory_says_how_to_point_at_it(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="DESKROUTE_CLASSIFIER__DATA_DIR"):
        load_examples("bitext", tmp_path, "train")


@pytest.mark.parametrize(
    ("source", "rows", "targets", "classes"),
    [
        pytest.param(
            "bitext", 6480, {"group", "skill"}, {"group": 11, "skill": 27}, id="bitext train"
        ),
        pytest.param(
            "bitext:test", 810, {"group", "skill"}, {"group": 11, "skill": 27}, id="bitext test"
        ),
        pytest.param("banking77:test", 3080, {"skill"}, {"skill": 77}, id="banking77 test"),
        pytest.param("banking77", 10003, {"skill"}, {"skill": 77}, id="multi-line csv rows"),
    ],
)
def test_shipped_datasets(
    data_dir: Path, source: str, rows: int, targets: set[str], classes: dict[str, int]
) -> None:
    examples = load_examples(source, data_dir, "train")
    assert len(examples) == rows
    assert set(examples[0].labels) == targets
    for target, count in classes.items():
        assert len({e.labels[target] for e in examples}) == count
