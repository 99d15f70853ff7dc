"""The history export carries Zendesk's reopen count (metric set ``reopens``)."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.values import GroupDirectory
from connectors.zendesk import mapping
from tests.connectors.zendesk.payloads import ticket

GROUPS = GroupDirectory({360001: "Billing"})


@pytest.mark.parametrize(
    ("metrics", "reopens"),
    [
        pytest.param({"reopens": 2}, 2, id="counted"),
        pytest.param({"reopens": 0}, 0, id="never"),
        pytest.param({}, None, id="no-metric-set"),
        pytest.param({"reopens": "2"}, None, id="not-a-count"),
        pytest.param({"reopens": True}, None, id="not-a-number"),
    ],
)
def test_the_reopen_count_comes_from_the_metric_set(
    metrics: dict[str, Any], reopens: int | None
) -> None:
    record = mapping.history_from_json(ticket(status="solved"), metrics, GROUPS)
    assert record.reopens == reopens
    line = record.model_dump_json(exclude_none=True)
    assert ('"reopens"' in line) == (reopens is not None)
