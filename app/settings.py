"""Limits and server settings, in one place (README: "Serving a room")."""

from __future__ import annotations

import os

from pydantic import BaseModel

from .engine.expressions import MAX_LENGTH


class Settings(BaseModel):
    max_optimizers: int = 16
    max_race_runs: int = 8  # optimizers of one network race: each run costs a whole training
    max_steps: int = 100_000
    max_grid_n: int = 400
    max_expression_length: int = MAX_LENGTH  # the engine's sandbox refuses longer ones too
    max_start_abs: float = 1e6
    max_domain_abs: float = 1e6
    max_layers: int = 8  # hidden layers: deep enough to show gradients vanish and explode
    max_units: int = 64
    max_points: int = 2000
    max_landscape_n: int = 61
    max_train_steps: int = 20_000
    max_records: int = 2001
    # Trainability maps: a 128 × 128 map, or 64 × 64 of 976 steps; the weights of all the cells' networks
    # at once (a few float64 arrays of that many: weights, gradients, the optimizer's state, ≈ 50 MB each).
    max_sweep_cells: int = 16_384
    max_sweep_cell_steps: int = 4_000_000
    max_sweep_weights: int = 6_000_000
    # Sweeps on a surface (/api/sweep): a 256 × 256 map; 10⁸ cell-steps are about 2 s of SGD on rosenbrock.
    max_surface_sweep_cells: int = 65_536
    max_surface_sweep_cell_steps: int = 100_000_000
    max_body_bytes: int = 1 << 20  # 1 MiB: larger request bodies are a 413, refused before they are read
    body_timeout_seconds: float = 30.0  # a body whose next piece takes longer is dropped (408)
    # Serving a room (README, "Serving a room"): every field can be set from the environment
    # as GDVIZ_<FIELD>, e.g. GDVIZ_MAX_WORK_SECONDS=600 for a private server.
    max_work_seconds: float = 60.0  # estimated seconds of one core a request may need
    max_answer_bytes: int = 64 * 2**20  # JSON of an answer sent whole
    light_seconds: float = 0.5  # work estimated below this never waits for a slot
    heavy_slots: int = 1  # heavy computations running at once, per worker (one per core with --workers 2)
    heavy_queue: int = 4  # heavy requests that may wait for a slot, per worker
    queue_wait_seconds: float = 20.0  # the longest a heavy request waits before its 503
    retry_after_seconds: int = 5
    max_streams: int = 64  # open streams per worker
    send_timeout_seconds: float = 30.0  # a stream whose reader takes nothing for this long is dropped
    chunk_seconds: float = 0.1  # the engine checks for a departed client at least this often

    @classmethod
    def from_env(cls) -> Settings:
        prefix = "GDVIZ_"
        given = {k[len(prefix) :].lower(): v for k, v in os.environ.items() if k.startswith(prefix)}
        return cls(**{k: v for k, v in given.items() if k in cls.model_fields})


settings = Settings.from_env()
