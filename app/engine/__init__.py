"""Numerical engine of gdviz: surfaces, optimizers and the run loop (numpy and sympy only)."""
