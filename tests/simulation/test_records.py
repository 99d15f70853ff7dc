"""Records: the CSV names every field once, whatever order the fields are declared in."""

from __future__ import annotations

import csv
from dataclasses import fields
from pathlib import Path

from simulation.records import FIELDS, TicketRecord, write_csv


def test_the_csv_columns_name_every_field_of_a_record_once() -> None:
    assert sorted(FIELDS) == sorted(f.name for f in fields(TicketRecord))


def test_a_record_built_positionally_from_arrival_values_reads_back_by_name(
    tmp_path: Path,
) -> None:
    record = TicketRecord("7r", "billing", "high", "en", "email", "tier1", 3.0, 60.0, True, "p", 2)
    record.assigned = 4.5
    write_csv([record], tmp_path / "records.csv")
    with (tmp_path / "records.csv").open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert list(row) == [*FIELDS, "wait", "sla_met"]
    assert (row["ticket"], row["group"], row["arrival"], row["sla_target"]) == (
        "7r", "tier1", "3.0", "60.0")  # fmt: skip
    assert (row["reopen"], row["policy"], row["replication"]) == ("True", "p", "2")
    assert (row["assigned"], row["wait"], row["sla_met"]) == ("4.5", "1.5", "True")
