"""gdviz: a gradient descent visualizer (engine, JSON API and explorer page)."""

__version__ = "0.1.0"
