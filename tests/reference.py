"""Independent high-precision references: the paper's formulas as written, in mpmath.

Exactly on a removable singularity the formula is evaluated a distance 1e-35 (relative)
off it, at 220 digits: the cancellation costs ~170 digits and the offset changes the
value by ~1e-35, far below the 1e-11 tolerances of the tests.
"""

from __future__ import annotations

import mpmath as mp

_OFFSET = mp.mpf("1e-35")
_DPS = 220


def _off_singular(x: mp.mpf, y: mp.mpf) -> tuple[mp.mpf, mp.mpf]:
    if x == 1:
        x = 1 + _OFFSET
    if y == 1:
        y = 1 + 3 * _OFFSET
    if x == y:
        y = x * (1 + 2 * _OFFSET)
    return x, y


def F(x: float, y: float) -> mp.mpf:
    """eq. 12's F(x, y), as printed in the paper."""
    with mp.workdps(_DPS):
        x, y = _off_singular(mp.mpf(x), mp.mpf(y))
        return +(
            x**3 * y * mp.log(x) / ((y - x) * (x - 1) ** 3)
            + x * y**3 * mp.log(y) / ((x - y) * (y - 1) ** 3)
            - x * y * (3 * x * y - x - y - 1) / (2 * (y - 1) ** 2 * (x - 1) ** 2)
        )


def delta_amu_pieces(
    m_L: float,
    m_S: float,
    Y_L: float,
    Y_R: float,
    Y_V: float,
    Y_Vp: float,
    *,
    cutoff: float,
    m_W: float,
    v: float,
    m_mu: float,
    y_t: float,
) -> tuple[mp.mpf, mp.mpf, mp.mpf]:
    """(eq. 12, eq. 14, eq. 4 times v/m_mu), as printed in the paper."""
    with mp.workdps(_DPS):
        mL, mS = mp.mpf(m_L), mp.mpf(m_S)
        if mL == mS:
            mS = mS * (1 + _OFFSET)
        YL, YR, YV, YVp = (mp.mpf(a) for a in (Y_L, Y_R, Y_V, Y_Vp))
        mW, vev, mmu, yt, lam = (mp.mpf(a) for a in (m_W, v, m_mu, y_t, cutoff))
        loop = 16 * mp.pi**2
        c = YV * mS / mL + YVp
        one_loop = (
            6
            * YL
            * YR
            / loop
            * mW**2
            * vev
            * mmu
            / (mS**2 * mL**2)
            * c
            * F(mS**2 / mW**2, mL**2 / mW**2)
        )
        top = (
            -3 * yt**2 * YR * YL / loop**2 * vev * mmu / (mL**2 - mS**2) * c * mp.log(mL**2 / mS**2)
        )
        bracket = mS**2 / (mS**2 - mL**2) * mp.log(lam**2 / mS**2) + mL**2 / (
            mL**2 - mS**2
        ) * mp.log(lam**2 / mL**2)
        delta_y = -YL * YR / loop * c * bracket
        return +one_loop, +top, delta_y * vev / mmu
