"""The leading-order table of the doublet's pair production, written as TOML.

    python -m g2fit.collider.lo_table --pdf DIR [--pdf DIR ...] --out FILE [--masses M ...]
                                      [--force]

For every PDF set folder DIR (LHAPDF lhagrid1, g2fit.collider.pdf_grid), every energy
(13000, 14000 GeV) and every scale factor (1, 2, 0.5; mu_F = factor * sqrt(s-hat)): one table
`lo_<set>_mu<factor>_<sqrt_s>` of sigma(EE), sigma(EN), sigma(NN) in fb at the masses (GeV;
default 100 to 2000 in 25 GeV steps, then 2100 to 5000 in 100 GeV steps), computed by
g2fit.collider.drell_yan. The file is written whole or not at all (a temporary beside it,
then os.replace); an existing FILE is replaced only with --force. Bad input: one line on
stderr, `g2fit: error: ...`, and exit code 2.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import re
import secrets
import shlex
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from g2fit.collider.drell_yan import CHANNELS, hadronic_cross_sections
from g2fit.collider.pdf_grid import PdfGrid, open_grid
from g2fit.errors import InputError, OutputError

EXIT_BAD_INPUT = 2
ENERGIES = (13000.0, 14000.0)  # GeV
SCALE_FACTORS = (1.0, 2.0, 0.5)
DEFAULT_MASSES = tuple(
    [100.0 + 25.0 * i for i in range(77)] + [2100.0 + 100.0 * i for i in range(30)]
)
METHOD = (
    "LO Drell-Yan q qbar' -> gamma*/Z*/W* -> E+E-, E N, N Nbar of the vector-like doublet "
    "(m_E = m_N) with chiral SM quark couplings (u, d, s, c, b; PDG 2024 |V_ij|), Z and W "
    "widths, G_mu scheme (s_W^2 = 1 - m_W^2/m_Z^2, alpha = sqrt(2) G_F m_W^2 s_W^2/pi), "
    "negative x f(x) in the PDF grid set to zero, no photon-initiated production, "
    "Gauss-Legendre quadrature converged to 1e-4"
)
SOURCE = (
    "computed by g2fit.collider.drell_yan from the PDF set named in pdf "
    "(LHAPDF lhagrid1 central member)"
)


def fail(message: str) -> NoReturn:
    """One line on stderr and exit code 2."""
    print(f"g2fit: error: {' '.join(message.split())}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        fail(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m g2fit.collider.lo_table",
        description="Leading-order cross sections of the doublet's pair production (fb).",
    )
    parser.add_argument(
        "--pdf",
        action="append",
        required=True,
        type=Path,
        metavar="DIR",
        help="an LHAPDF lhagrid1 set folder (repeat for more sets)",
    )
    parser.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="the TOML file to write"
    )
    parser.add_argument(
        "--masses",
        nargs="+",
        type=float,
        metavar="M",
        help="masses in GeV, increasing (default: 100-2000 by 25, 2100-5000 by 100)",
    )
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    return parser


def table_name(pdf: str, scale_factor: float, sqrt_s: float) -> str:
    """lo_<pdf>_mu<factor>_<sqrt_s>, the factor's '.' as 'p' (mu0p5)."""
    return f"lo_{pdf}_mu{format(scale_factor, 'g').replace('.', 'p')}_{round(sqrt_s)}"


def _check_masses(masses: Sequence[float]) -> list[float]:
    values = [float(m) for m in masses]
    if not all(math.isfinite(m) and m > 0 for m in values):
        fail("argument --masses: masses must be positive numbers (GeV)")
    if any(b <= a for a, b in itertools.pairwise(values)):
        fail("argument --masses: masses must increase strictly")
    if 2 * values[-1] >= min(ENERGIES):
        fail(f"argument --masses: {values[-1]:g} GeV is above threshold at {min(ENERGIES):g} GeV")
    return values


def _check_out(out: Path, force: bool) -> None:
    if not out.parent.is_dir():
        fail(f"argument --out: {out.parent}: no such folder")
    if out.is_dir():
        fail(f"argument --out: {out} is a folder")
    if out.exists() and not force:
        fail(f"argument --out: {out} exists (give --force to replace it)")


def compute_tables(grids: Sequence[PdfGrid], masses: Sequence[float]) -> list[dict[str, Any]]:
    """Every table of the file, as TOML-ready fields (module docstring)."""
    tables = []
    for grid in grids:
        for sqrt_s in ENERGIES:
            for factor in SCALE_FACTORS:
                sigma = hadronic_cross_sections(grid, np.array(masses), sqrt_s, factor)
                if not all(np.all(np.isfinite(v) & (v > 0)) for v in sigma.values()):
                    raise InputError(f"{grid.folder}: a cross section is not positive")
                tables.append(
                    {
                        "name": table_name(grid.name, factor, sqrt_s),
                        "pdf": grid.name,
                        "scale_factor": factor,
                        "sqrt_s": sqrt_s,
                        "masses": list(masses),
                        **{c: [float(v) for v in sigma[c]] for c in CHANNELS},
                    }
                )
    return tables


def _string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII is a TOML basic string


def _array(values: Sequence[float], number: str) -> str:
    items = [format(v, number) if number else repr(float(v)) for v in values]
    lines = [", ".join(items[i : i + 6]) for i in range(0, len(items), 6)]
    return "[\n" + "".join(f"    {line},\n" for line in lines) + "]"


def render(tables: Sequence[dict[str, Any]], command: str, notes: Sequence[str] = ()) -> str:
    """The TOML text: header comments, then one table per entry of `tables`."""
    out = [
        "# Leading-order cross sections (fb) of the doublet's pair production at the LHC,",
        "# p p -> E+ E- (EE), E+ N + E- Nbar (EN), N Nbar (NN), per PDF set, scale and energy.",
        "# Computed by g2fit.collider.drell_yan (its docstring has the formula and the inputs);",
        "# photon-initiated production is not included. Made by:",
        f"#   {command}",
        *(f"# {note}" for note in notes),
    ]
    for table in tables:
        name = table["name"]
        key = name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _string(name)
        out += [
            "",
            f"[{key}]",
            'kind = "lo-cross-sections"',
            f"pdf = {_string(table['pdf'])}",
            f"scale_factor = {float(table['scale_factor'])!r}",
            f"sqrt_s = {float(table['sqrt_s'])!r}",
            f"masses = {_array(table['masses'], '')}",
            *(f"{c} = {_array(table[c], '.6e')}" for c in CHANNELS),
            'unit = "fb"',
            f"method = {_string(METHOD)}",
            f"command = {_string(command)}",
            f"source = {_string(SOURCE)}",
            'status = "computed"',
        ]
    return "\n".join(out) + "\n"


def write_atomically(path: Path, text: str, force: bool) -> None:
    """Write text to path through a temporary beside it and os.replace: the file is whole
    or, on any failure, as it was. Without `force` an existing path is refused."""
    tomllib.loads(text)  # never write a file its reader would refuse
    temporary = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        # os.open with mode 0o666 gives the file the permissions the umask allows
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists() and not force:
            raise OutputError(f"{path} exists (give --force to replace it)")
        os.replace(temporary, path)
    except OSError as error:
        raise OutputError(f"{path}: cannot write it ({error.strerror or error})") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m g2fit.collider.lo_table`; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    masses = _check_masses(args.masses or DEFAULT_MASSES)
    _check_out(args.out, args.force)
    names = [folder.name for folder in args.pdf]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice:
        fail(f"argument --pdf: the set {twice} is given twice")
    try:
        grids = [open_grid(folder) for folder in args.pdf]
        for folder, grid in zip(args.pdf, grids, strict=True):
            lacking = [f for f in QUARKS if f not in grid.flavours]
            if lacking:
                fail(f"{folder}: the set has no flavour {lacking[0]} (it needs u, d, s, c, b)")
        notes = [
            f"{g.name}: its grid file was repaired before parton read it ({'; '.join(g.repairs)})"
            for g in grids
            if g.repairs
        ]
        command = shlex.join(["python", "-m", "g2fit.collider.lo_table", *arguments])
        text = render(compute_tables(grids, masses), command, notes)
        write_atomically(args.out, text, args.force)
    except InputError as error:
        fail(str(error))
    print(f"wrote {args.out}: {len(grids) * len(ENERGIES) * len(SCALE_FACTORS)} tables")
    return 0


#: The quark flavours (PDG ids) the calculation reads: u, d, s, c, b and their antiquarks.
QUARKS = tuple(f for f in range(-5, 6) if f != 0)


if __name__ == "__main__":
    sys.exit(main())
