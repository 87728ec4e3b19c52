"""Limits and server settings, in one place (SPEC §7)."""

from __future__ import annotations

from pydantic import BaseModel

from .engine.expressions import MAX_LENGTH


class Settings(BaseModel):
    max_optimizers: int = 16
    max_steps: int = 100_000
    max_grid_n: int = 400
    max_expression_length: int = MAX_LENGTH  # the engine's sandbox refuses longer ones too
    max_start_abs: float = 1e6
    max_domain_abs: float = 1e6
    max_layers: int = 4
    max_units: int = 64
    max_points: int = 2000
    max_landscape_n: int = 61
    max_train_steps: int = 20_000
    max_records: int = 2001


settings = Settings()
