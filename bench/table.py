"""The one table a bench run ends with: each measure beside its baseline, the ratio and its target."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    measure: str
    ours: str
    baseline: str = ""
    ratio: float | None = None  # ours / baseline
    target: str = ""  # e.g. "≥0.5×"; "" when the row has none
    met: bool | None = None


@dataclass(frozen=True)
class Section:
    title: str  # how the rows were measured
    rows: list[Row]


def at_least(ratio: float, floor: float) -> tuple[str, bool]:
    return f"≥{floor:g}×", ratio >= floor


def at_most(ratio: float, ceiling: float) -> tuple[str, bool]:
    return f"≤{ceiling:g}×", ratio <= ceiling


def rate(value: float) -> str:
    return f"{value:,.0f} req/s" if value >= 10 else f"{value:,.2f} req/s"


def table_text(sections: list[Section], *, heading: str) -> str:
    header = Row("measure", "ours", "baseline")
    rows = [header, *(row for section in sections for row in section.rows)]
    widths = [max(len(row.measure) for row in rows), max(len(row.ours) for row in rows)]
    widths.append(max(len(row.baseline) for row in rows))
    widths.append(max(len("target"), *(len(row.target) for row in rows)))

    def line(row: Row, ratio: str, target: str, met: str) -> str:
        cells = [row.measure.ljust(widths[0]), row.ours.rjust(widths[1]), row.baseline.ljust(widths[2])]
        return "  ".join([*cells, ratio.rjust(7), target.ljust(widths[3]), met]).rstrip()

    out = [heading, "", line(header, "ratio", "target", "")]
    for section in sections:
        out += ["", f"-- {section.title}"]
        for row in section.rows:
            ratio = "" if row.ratio is None else f"{row.ratio:.3g}×"  # 0.498× is not 0.5×
            met = {None: "", True: "ok", False: "MISSED"}[row.met]
            out.append(line(row, ratio, row.target, met))
    return "\n".join(out) + "\n"


def table_write(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
