"""How every part prints: a plain-text table for people and one JSON line for programs."""
from __future__ import annotations

import json
import statistics
from typing import Any, Iterable, Sequence


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1): a value that was actually measured."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))  # ceil(share * n)
    return ordered[min(rank, len(ordered)) - 1]


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.0%}" if baseline else "-"


def fmt(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # NaN: nothing measured
            return "-"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Columns sized to their content; numbers right-aligned, text left-aligned."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    numeric = [all(_numeric(r[i]) for r in cells) and bool(cells) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w)
                         for v, w, n in zip(values, widths, numeric)).rstrip()

    out = [f"\n== {title} ==", line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _numeric(text: str) -> bool:
    return text == "-" or text.replace(",", "").replace(".", "").replace("%", "") \
        .replace("-", "").replace("x", "").isdigit()


def emit(part: str, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
         data: dict[str, Any]) -> dict[str, Any]:
    """Print the table, then the JSON line `{"bench": part, ...}`; returns the data."""
    print(table(title, headers, list(rows)))
    line = _rounded({"bench": part, **data})
    print(json.dumps(line, default=str), flush=True)
    return line


def _rounded(value: Any) -> Any:
    """Floats to four decimals, NaN to null, so the JSON line stays short and valid."""
    if isinstance(value, float):
        return None if value != value else round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return value
