"""Leading-order Drell-Yan pair production of the doublet L = (N, E) at the LHC."""
