"""Brain-Score ``Score`` objects as plain rows, and writing them as JSON or CSV (atomically)."""
import csv
import io
import json
import math
from pathlib import Path

from brainscore_memorability import atomic
from brainscore_memorability.errors import MemorabilityError

COLUMNS = ("model", "benchmark", "score", "raw", "ceiling", "error")


def _scalar(value) -> float:
    """A Score, array or number as one float: its value if it has one element, else its median."""
    if value is None:
        return math.nan
    import numpy as np
    array = np.asarray(getattr(value, "values", value), dtype=float)
    if array.size == 0:
        return math.nan
    return float(array.reshape(-1)[0]) if array.size == 1 else float(np.nanmedian(array))


def score_row(score, model: str, benchmark: str) -> dict:
    """One row of COLUMNS (and ``metric_options``) for a Brain-Score ``Score``.

    ``model`` should name the weights (the loaded model's identifier, e.g.
    ``memnet-lamem-alexnet@random-seed0``). ``score`` is the ceiling-normalised value; ``raw``,
    ``ceiling`` and ``error`` come from its attrs (NaN where the benchmark does not provide them);
    ``metric_options`` is its attrs' record of the options as JSON ('' where it has none).
    """
    attrs = getattr(score, "attrs", {})
    options = attrs.get("metric_options")
    return {"model": model, "benchmark": benchmark, "score": _scalar(score),
            "raw": _scalar(attrs.get("raw")), "ceiling": _scalar(attrs.get("ceiling")),
            "error": _scalar(attrs.get("error")),
            "metric_options": json.dumps(options, sort_keys=True, default=str) if options is not None else ""}


def format_table(rows: list[dict]) -> str:
    """A fixed-width text table of rows (numbers to 4 decimals)."""
    cells = [[f"{row[c]:.4f}" if isinstance(row[c], float) else str(row[c]) for c in COLUMNS] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def write_rows(rows: list[dict], path) -> Path:
    """Write rows to ``path`` as .json (a list of objects) or .csv, atomically."""
    path = Path(path)
    if path.suffix == ".json":
        text = json.dumps(rows, indent=2, allow_nan=True) + "\n"
    elif path.suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    else:
        raise MemorabilityError(f"cannot write results to '{path}': use a .json or .csv file name")
    atomic.write_text(path, text)
    return path
