"""`python -m gdviz` is `gdviz serve` (with its options)."""

import sys

from .cli import main

main(sys.argv[1:] or ["serve"])
