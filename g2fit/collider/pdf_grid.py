"""Parton distributions from an LHAPDF lhagrid1 set folder, read with the PyPI library parton.

`open_grid(FOLDER)` reads FOLDER/NAME.info and the central member FOLDER/NAME_0000.dat (NAME
is the folder's name) and returns a `PdfGrid`, whose `xfx(flavours, x, Q)` is x f(x, Q) (Q in
GeV) on arrays, interpolated by parton: a bicubic interpolating spline in ln x and ln Q^2 per
subgrid (scipy's RectBivariateSpline), close to LHAPDF's local bicubic interpolation (the sum
rules at 100 GeV agree with ../shared/pdf/PROVENANCE.md's to 6e-6).

The grid is checked before parton reads it: a missing folder, .info or member file, or a
malformed grid (a value that is not a number, a row of the wrong length, a wrong number of
rows, nodes that do not increase) is an InputError naming the file.

Repair, applied only to a grid that needs it. CT14qed_proton as Pythia 8 ships it (which
Pythia's reader takes, parton's does not) has rows at x = 1 whose first two numbers are glued
together ("0.00000000e+000.00000000e+00") and its first x node (1e-9) written twice, with
its rows.
`repair_grid_text` splits a glued number after its two-digit exponent and drops a repeated x
(or Q) node with its rows, after checking that they equal the rows kept; it then parses the
result again and checks that every remaining number, node and flavour equals the original's.
The corrected copy is written to a temporary folder, read by parton there and deleted.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from g2fit.errors import InputError

FloatArray = NDArray[np.float64]

#: A number glued to the next: a two-digit exponent directly followed by a mantissa.
_GLUED = re.compile(r"(?<=[eE][+-]\d\d)(?=[+-]?\d+\.\d)")


@dataclasses.dataclass(frozen=True)
class _Subgrid:
    """One lhagrid1 block: its nodes and flavours as written, and its values."""

    x: list[str]
    q: list[str]
    flavours: str
    values: FloatArray  # (len(x) * len(q), flavours), row = ix * len(q) + iq
    tokens: list[list[str]]  # the values as written (after splitting glued numbers)
    glued: int  # glued numbers split


def _numbers(tokens: list[str], path: Path, what: str) -> FloatArray:
    try:
        values = np.array(tokens, dtype=float)
    except ValueError:
        bad = next(t for t in tokens if not _is_number(t))
        raise InputError(f"{path}: malformed grid, {bad!r} in {what} is not a number") from None
    if not np.all(np.isfinite(values)):
        raise InputError(f"{path}: malformed grid, a value in {what} is not finite")
    return values


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _block(lines: list[str], path: Path, number: int) -> _Subgrid:
    where = f"subgrid {number}"
    if len(lines) < 4:
        raise InputError(f"{path}: malformed grid, {where} has no x, Q, flavour and value lines")
    x, q = lines[0].split(), lines[1].split()
    _numbers(x + q, path, f"the nodes of {where}")
    flavours = lines[2].split()
    if not flavours or not all(re.fullmatch(r"[+-]?\d+", f) for f in flavours):
        raise InputError(f"{path}: malformed grid, {where} has no line of integer flavour ids")
    glued, tokens = 0, []
    for line in lines[3:]:
        split, count = _GLUED.subn(" ", line)
        glued += count
        tokens.append(split.split())
    width = len(flavours)
    short = next((i for i, row in enumerate(tokens) if len(row) != width), None)
    if short is not None:
        raise InputError(
            f"{path}: malformed grid, row {short + 1} of {where} has {len(tokens[short])} "
            f"values for {width} flavours"
        )
    if len(tokens) != len(x) * len(q):
        raise InputError(
            f"{path}: malformed grid, {where} has {len(tokens)} rows for "
            f"{len(x)} x times {len(q)} Q nodes"
        )
    values = _numbers([t for row in tokens for t in row], path, where).reshape(-1, width)
    return _Subgrid(x, q, lines[2].strip(), values, tokens, glued)


def _parse(text: str, path: Path) -> tuple[list[str], list[_Subgrid]]:
    """The header lines and the subgrids of an lhagrid1 file."""
    lines = text.splitlines()
    separators = [i for i, line in enumerate(lines) if line.strip() == "---"]
    if not separators:
        raise InputError(f"{path}: malformed grid, no '---' line (not LHAPDF lhagrid1)")
    header = lines[: separators[0]]
    formats = [line.split(":", 1)[1].strip() for line in header if line.startswith("Format:")]
    if formats and formats[0] != "lhagrid1":
        raise InputError(f"{path}: format {formats[0]!r}, not lhagrid1")
    bounds = [*separators, len(lines)]
    blocks = [
        [line for line in lines[a + 1 : b] if line.strip()] for a, b in itertools.pairwise(bounds)
    ]
    blocks = [b for b in blocks if b]
    if not blocks:
        raise InputError(f"{path}: malformed grid, no subgrid")
    return header, [_block(b, path, k + 1) for k, b in enumerate(blocks)]


def _repeated(nodes: list[str]) -> list[int]:
    """Indices i with nodes[i] == nodes[i - 1] (as numbers)."""
    values = [float(n) for n in nodes]
    return [i for i in range(1, len(values)) if values[i] == values[i - 1]]


def _kept_rows(sub: _Subgrid, path: Path, number: int) -> tuple[list[int], list[int], list[int]]:
    """Kept x and Q node indices and the kept rows, after checking that a repeated node's
    rows equal those of the node before it."""
    nq = len(sub.q)
    table = sub.values.reshape(len(sub.x), nq, -1)
    drop_x, drop_q = _repeated(sub.x), _repeated(sub.q)
    for i in drop_x:
        if not np.array_equal(table[i], table[i - 1]):
            raise InputError(
                f"{path}: malformed grid, x node {sub.x[i]} of subgrid {number} "
                "is repeated with other values"
            )
    for i in drop_q:
        if not np.array_equal(table[:, i], table[:, i - 1]):
            raise InputError(
                f"{path}: malformed grid, Q node {sub.q[i]} of subgrid {number} "
                "is repeated with other values"
            )
    keep_x = [i for i in range(len(sub.x)) if i not in drop_x]
    keep_q = [i for i in range(nq) if i not in drop_q]
    for name, nodes, keep in (("x", sub.x, keep_x), ("Q", sub.q, keep_q)):
        kept = np.array([float(nodes[i]) for i in keep])
        if np.any(np.diff(kept) <= 0) or kept[0] <= 0:
            raise InputError(
                f"{path}: malformed grid, the {name} nodes of subgrid {number} do not increase"
            )
    return keep_x, keep_q, [ix * nq + iq for ix in keep_x for iq in keep_q]


def repair_grid_text(text: str, path: Path) -> tuple[str, list[str]]:
    """The lhagrid1 text with glued numbers split and repeated nodes dropped, and what was
    done (empty: nothing needed, the text is returned unchanged). See the module docstring;
    a grid that cannot be repaired so is an InputError naming `path`."""
    header, subgrids = _parse(text, path)
    changes: list[str] = []
    out = [*header, "---"]
    expected = []
    for number, sub in enumerate(subgrids, start=1):
        keep_x, keep_q, rows = _kept_rows(sub, path, number)
        if sub.glued:
            changes.append(f"subgrid {number}: split {sub.glued} glued numbers")
        for name, nodes, keep in (("x", sub.x, keep_x), ("Q", sub.q, keep_q)):
            for i in sorted(set(range(len(nodes))) - set(keep)):
                changes.append(f"subgrid {number}: dropped the repeated {name} node {nodes[i]}")
        out += [" ".join(sub.x[i] for i in keep_x), " ".join(sub.q[i] for i in keep_q)]
        out += [sub.flavours, *(" ".join(sub.tokens[r]) for r in rows), "---"]
        expected.append((keep_x, keep_q, sub.values[rows]))
    if not changes:
        return text, []
    repaired = "\n".join(out) + "\n"
    again_header, again = _parse(repaired, path)
    same = again_header == header and len(again) == len(subgrids)
    for sub, new, (keep_x, keep_q, values) in zip(subgrids, again, expected, strict=False):
        same = same and new.glued == 0 and new.flavours == sub.flavours
        same = same and new.x == [sub.x[i] for i in keep_x] and new.q == [sub.q[i] for i in keep_q]
        same = same and np.array_equal(new.values, values)
    if not same:  # pragma: no cover - a bug of the repair, not of the input
        raise AssertionError(f"the repair of {path} changed more than it should")
    return repaired, changes


def _parton_pdf_class() -> Any:
    """parton.PDF; importing parton calls logging.basicConfig, undone here."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import parton
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return parton.PDF


class PdfGrid:
    """One member of an LHAPDF set, read by parton: x f(x, Q) on arrays."""

    def __init__(self, name: str, folder: Path, parton_pdf: Any, repairs: Sequence[str]):
        self.name = name
        self.folder = folder
        #: What the repair did to the member file before parton read it (empty: nothing).
        self.repairs = tuple(repairs)
        self._subgrids = list(parton_pdf.pdfgrids)
        flavour_sets = [{int(f) for f in sub.flavors} for sub in self._subgrids]
        #: PDG ids in every subgrid (21 gluon, 22 photon).
        self.flavours = tuple(sorted(set.intersection(*flavour_sets)))
        self.x_min = min(float(np.min(sub.x)) for sub in self._subgrids)
        self.q_min = min(float(np.min(sub.Q)) for sub in self._subgrids)
        self.q_max = max(float(np.max(sub.Q)) for sub in self._subgrids)

    def xfx(self, flavours: Sequence[int], x: ArrayLike, q: ArrayLike) -> FloatArray:
        """x f(x, Q) of each flavour (PDG ids) at x and Q (GeV, broadcast together): an
        array of shape (len(flavours), *shape). ValueError outside the grid."""
        missing = [f for f in flavours if f not in self.flavours]
        if missing:
            raise ValueError(f"{self.name}: no flavour {missing[0]} in the grid")
        xs, qs = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(q, dtype=float))
        out = np.full((len(flavours), *xs.shape), np.nan)
        done = np.zeros(xs.shape, dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_x, log_q2 = np.log(xs), 2.0 * np.log(qs)
        for sub in self._subgrids:
            inside = ~done & (qs >= sub.Q[0]) & (qs <= sub.Q[-1])
            inside &= (xs >= sub.x[0]) & (xs <= sub.x[-1])
            if not inside.any():
                continue
            for k, flavour in enumerate(flavours):
                spline = sub.interpolator(flavour)
                out[k][inside] = spline(log_x[inside], log_q2[inside], grid=False)
            done |= inside
        if not done.all():
            raise ValueError(
                f"{self.name}: x or Q outside the grid (x >= {self.x_min:g}, "
                f"{self.q_min:g} <= Q <= {self.q_max:g} GeV)"
            )
        return out


def member_path(folder: Path, member: int = 0) -> Path:
    """FOLDER/NAME_MMMM.dat."""
    return folder / f"{folder.name}_{member:04d}.dat"


def open_grid(folder: Path | str, member: int = 0) -> PdfGrid:
    """The member (0: central) of the lhagrid1 set in `folder` (module docstring)."""
    folder = Path(folder)
    name = folder.name
    if not folder.is_dir():
        raise InputError(f"{folder}: no such PDF set folder")
    info, data = folder / f"{name}.info", member_path(folder, member)
    for path in (info, data):
        if not path.is_file():
            raise InputError(
                f"{path}: no such file (an LHAPDF set folder NAME holds NAME.info "
                "and NAME_0000.dat)"
            )
    try:
        text = data.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{data}: cannot read it ({error})") from None
    repaired, changes = repair_grid_text(text, data)
    pdf_class = _parton_pdf_class()
    with tempfile.TemporaryDirectory(prefix="g2fit-pdf-") as scratch:
        where = folder
        if changes:
            where = Path(scratch) / name
            where.mkdir()
            shutil.copyfile(info, where / info.name)
            member_path(where, member).write_text(repaired)
        try:
            pdf = pdf_class(name, member=member, pdfdir=str(where.parent))
        except Exception as error:  # parton's own errors: yaml, numpy, ValueError
            message = " ".join(str(error).split())
            raise InputError(
                f"{data}: parton cannot read it ({type(error).__name__}: {message})"
            ) from None
    return PdfGrid(name, folder, pdf, changes)
