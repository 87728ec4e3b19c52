"""Tiny networks in numpy: datasets, dense layers with their backward passes, training, landscapes."""
