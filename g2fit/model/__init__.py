"""The physics and nothing else: SM constants, loop functions, observables (masses in GeV)."""
