"""The study's report: one Markdown file that puts the figures, statistics and CSV tables together.

Layout of a report folder (paths in the Markdown are relative, so the folder can be moved)::

    report.md          sections in the study's order; every paired comparison as a table row
    figures/*.png|pdf  from :mod:`.figures`
    tables/*.csv       every number behind the figures, one tidy table per analysis

Tables and the report of simulated data say so: a ``simulated`` column in every CSV row and the
notice at the top of the report.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from brainscore_memorability import atomic
from brainscore_memorability.analysis.statistics import PairedComparison


@dataclass
class Section:
    """One analysis in the report: prose, Markdown tables (``markdown``: already formatted, e.g.
    :func:`markdown_table`), its figures (PNG shown, PDF linked), statistics, CSV tables, each
    column of those CSVs in a sentence (``columns``: name -> meaning) and the shell commands that
    reproduce its numbers."""
    title: str
    text: str
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    comparisons: list[PairedComparison] = field(default_factory=list)
    markdown: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)


def write_table(frame: pd.DataFrame, path, simulated: bool) -> Path:
    """Write ``frame`` as CSV atomically, with a leading ``simulated`` column saying what it is."""
    frame = frame.copy()
    frame.insert(0, "simulated", simulated)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.6g")
    atomic.write_text(path, buffer.getvalue())
    return Path(path)


def comparison_table(comparisons: list[PairedComparison]) -> str:
    """Markdown table of paired comparisons (difference = B - A with its bootstrap CI)."""
    lines = ["| comparison (B - A) | n | mean (t) or median (Wilcoxon) of A | of B | difference B - A [95 % bootstrap CI] "
             "| test | statistic | p | effect size |",
             "|---|---|---|---|---|---|---|---|---|"]
    for c in comparisons:
        summary_a, summary_b = (c.mean_a, c.mean_b) if c.test == "t" else (c.median_a, c.median_b)
        lines.append(f"| {_cell(c.label)} | {c.n} | {summary_a:.3g} | {summary_b:.3g} | {c.difference:.3g} "
                     f"[{c.ci_low:.3g}, {c.ci_high:.3g}] | {'paired t' if c.test == 't' else 'Wilcoxon'} | "
                     f"{c.statistic:.3g} | {c.p_value:.2g} | {c.effect_size_name} = {c.effect_size:.2f} |")
    return "\n".join(lines)


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """``frame`` as a Markdown table (floats to ``digits`` significant digits, NaN as an empty cell)."""
    def cell(value) -> str:
        if isinstance(value, float):
            return "" if value != value else f"{value:.{digits}g}"
        return _cell(str(value))
    lines = ["| " + " | ".join(_cell(str(c)) for c in frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", r"\|")


def write_report(path, title: str, sections: list[Section], notice: str | None = None,
                 details: dict | None = None) -> Path:
    """Write the Markdown report to ``path`` (atomically); links are relative to its folder.

    :param notice: shown first, as a warning, when the data are simulated.
    :param details: provenance (config, versions, data files) listed at the end.
    """
    path = Path(path)
    root = path.parent

    def link(target: Path) -> str:
        return Path(target).resolve().relative_to(root.resolve()).as_posix()

    parts = [f"# {title}", ""]
    if notice:
        parts += [f"> **{notice}**", ""]
    for number, section in enumerate(sections, start=1):
        parts += [f"## {number}. {section.title}", "", section.text.strip(), ""]
        for figure in section.figures:
            figure = Path(figure)
            parts += [f"![{section.title}]({link(figure)})", "",
                      f"[PDF]({link(figure.with_suffix('.pdf'))})", ""]
        for text in section.markdown:
            parts += [text, ""]
        if section.comparisons:
            parts += [comparison_table(section.comparisons), ""]
        if section.tables:
            parts += ["Tables: " + ", ".join(f"[{Path(t).name}]({link(t)})" for t in section.tables), ""]
        if section.columns:
            parts += ["Their columns: " + "; ".join(f"`{name}`: {meaning}" for name, meaning in section.columns.items())
                      + ".", ""]
        if section.commands:
            parts += ["These numbers, from a shell:", "", "```bash", *section.commands, "```", ""]
    if details:
        parts += ["## Provenance", ""] + [f"- {key}: {value}" for key, value in details.items()] + [""]
    atomic.write_text(path, "\n".join(parts))
    return path
