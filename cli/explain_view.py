"""Rich rendering of one decision record (the JSON a decision's ``to_dict`` produces)."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from sidecar.explanation import CAUSES, FILTER_WORDS, score_text, why_won


def render_decision(console: Console, record: dict[str, Any]) -> None:
    """Print a panel: the outcome, rules, skills, and a table of candidates."""
    trace = record["trace"]
    if record.get("outcome") == "assigned":
        title = Text.assemble(
            ("ticket ", ""),
            (str(record["ticket"]), "bold"),
            " → ",
            (str(record["agent"]), "bold green"),
        )
    else:
        title = Text.assemble(
            ("ticket ", ""),
            (str(record["ticket"]), "bold"),
            " → ",
            ("waiting", "bold yellow"),
            f"  ({record.get('reason', '')})",
        )
    facts = Table.grid(padding=(0, 2))
    facts.add_row("policy", trace["policy"])
    facts.add_row("decided at", trace["at"])
    if "cause" in record:  # as the sidecar records it: a new ticket, or a move and why
        facts.add_row("cause", CAUSES.get(record["cause"], record["cause"]))
    facts.add_row("rules matched", ", ".join(trace["matched_rules"]) or "none")
    for line in trace.get("context", []):  # what enrichment read: the language, ...
        facts.add_row("read", line)
    for signal, words in trace.get("signals", {}).items():
        facts.add_row(f"signal {signal}", ", ".join(f"“{word}”" for word in words))
    for target, guess in trace.get("predictions", {}).items():
        facts.add_row(f"predicted {target}", f"{guess['label']} ({guess['confidence']:.1%} sure)")
    if trace["required_skills"]:
        facts.add_row(
            "required skills", ", ".join(f"{k}≥{v}" for k, v in trace["required_skills"].items())
        )
    if trace["optional_skills"]:
        facts.add_row(
            "optional skills", ", ".join(f"{k}≥{v}" for k, v in trace["optional_skills"].items())
        )
    if trace["relaxed_skills"]:
        facts.add_row("relaxed (waited too long)", ", ".join(trace["relaxed_skills"]))
    for name, count in trace.get("pruned", {}).items():
        facts.add_row("pruned by index", f"{count} agents by the {name} filter")
    for note in trace.get("notes", []):
        facts.add_row("note", note)
    candidates = Table(show_header=True, header_style="bold", box=None)
    candidates.add_column("agent")
    candidates.add_column("result")
    candidates.add_column("why")
    for item in trace["candidates"]:
        agent = item["agent"]
        if "rejected_by" in item:
            words = FILTER_WORDS.get(item["rejected_by"], item["rejected_by"])
            candidates.add_row(agent, Text("filtered", "red"), f"{words}: {item.get('detail', '')}")
        else:
            mark = Text("chosen", "bold green") if agent == trace["chosen"] else Text("eligible")
            candidates.add_row(agent, mark, score_text(item.get("score", {})))
    parts: list[RenderableType] = [facts, Text(""), candidates]
    if record.get("outcome") == "assigned":
        won = why_won(str(record["agent"]), list(trace["candidates"]), str)
        parts += [Text(""), Text("why it won", "bold"), *(Text(f"  {line}") for line in won)]
    console.print(Panel(Group(*parts), title=title, title_align="left"))
