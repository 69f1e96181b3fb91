"""A suite's figures from `var/bench/results.json` as a markdown table, with the machine they were taken on."""

from __future__ import annotations


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _or_dash(value, suffix: str = "") -> str:
    return "-" if value is None else f"{value:g}{suffix}"


def machine_line(section: dict, fallback: dict | None = None) -> str:
    machine = section.get("machine") or fallback or {}
    database = machine.get("database", {})
    load = section.get("load_average_before_timing") or machine.get("load_average_at_start") or [None]
    parts = [
        f"{database.get('vendor', '?')} {database.get('version', '?')}",
        f"{machine.get('cpu_count', '?')} CPUs",
        f"Python {machine.get('python', '?')}, Django {machine.get('django', '?')}",
        machine.get("platform", "?"),
        f"load {load[0]:g} before timing" if load[0] is not None else "",
    ]
    return ", ".join(part for part in parts if part)


def markdown(report: dict, suite: str) -> str:
    """The machine, the sizes and seeding time, then a row per scenario."""
    section = report["suites"][suite]
    sizes = ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in section["sizes"].items())
    seconds = section.get("seeding_seconds", {})
    seeded = ", ".join(f"{name.replace('_', ' ')} {value:,g} s" for name, value in seconds.items())
    settings = section.get("settings") or report.get("settings", {})
    when = section.get("timestamp", report.get("timestamp", ""))
    lines = [
        f"Measured {when} on {machine_line(section, report.get('machine'))}; "
        f"{settings.get('runs', '?')} timed runs after {settings.get('warmup', '?')} warm-up runs "
        "(fewer where a scenario says so).",
        "",
        f"Seeded: {sizes}. "
        + (
            f"Seeding took: {seeded}."
            if seeded
            else "A database kept from an earlier run (--keep-database), not seeded again."
        ),
        "",
        "| scenario | median ms | p95 ms | floor ms | page / floor | queries | same every run | peak RSS MB | note |",
        "|---|--:|--:|--:|--:|--:|---|--:|---|",
    ]
    for m in section["scenarios"]:
        if m["status"] != "ok":
            lines.append(f"| {m['scenario']} | {m['status']} | | | | | | | {m['note']} |")
            continue
        queries = m["queries"] if m["queries_constant"] else "-".join(str(n) for n in m["query_counts"])
        same = "yes" if m["queries_constant"] else "no"
        lines.append(
            f"| {m['scenario']} | {_ms(m['median_ms'])} | {_ms(m['p95_ms'])} | {_ms(m.get('floor_ms'))} | "
            f"{_or_dash(m.get('page_over_floor'), 'x')} | {queries} | {same} | {_or_dash(m.get('peak_rss_mb'))} | "
            f"{m['note'].replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"
