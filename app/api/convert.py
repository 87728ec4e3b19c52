"""Between the API and the engine: request models to engine calls, engine results to JSON-ready dicts.

No numerics here: arrays are only sliced out of engine results and handed to the
JSON encoder, which writes numpy arrays natively.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..engine import cost, runner
from ..engine.batches import BatchSpec
from ..engine.errors import checked
from ..engine.grid import evaluate_grid
from ..engine.optimizers import OPTIMIZERS
from ..engine.outcome import OUTCOME_NAMES
from ..engine.plan import Batch, OptimizerChoice, RunPlan, RunSettings, plan_run, run_settings
from ..engine.state import Recorded, StateRecorder, inside, recording
from ..engine.surfaces import SURFACES, Point, Surface, resolve_builtin, resolve_custom
from ..settings import settings
from .models.runs import RunRequest
from .models.surfaces import BuiltinSurface, CustomSurface, GridRequest


def resolve_surface(ref: BuiltinSurface | CustomSurface) -> Surface:
    if isinstance(ref, CustomSurface):
        domain = (ref.domain.x, ref.domain.y) if ref.domain else None
        return resolve_custom(ref.expression, domain, ref.start)
    return resolve_builtin(ref.name, ref.params)


def _points(points: tuple[Point, ...]) -> list[dict[str, float]]:
    return [p._asdict() for p in points]


def surface_info(surface: Surface) -> dict[str, Any]:
    data = {} if surface.data is None else {"data": {"x": surface.data[0], "y": surface.data[1]}}
    return {
        "name": surface.name,
        "kind": surface.kind,
        "variables": list(surface.variables),
        **data,
        "dims": surface.dims,
        "title": surface.title,
        "formula": surface.formula,
        "params": surface.params,
        "param_ranges": surface.param_bounds,
        "integer_params": sorted(SURFACES[surface.name].integers) if surface.name in SURFACES else [],
        "domain": {"x": surface.domain[0], "y": surface.domain[1]},
        "start": surface.start,
        "minima": _points(surface.minima),
        "saddles": _points(surface.saddles),
        "local_minima": _points(surface.local_minima),
        "description": surface.description,
    }


def grid(request: GridRequest) -> dict[str, Any]:
    surface = resolve_surface(request.surface)
    result = evaluate_grid(
        surface, request.x_range or surface.domain[0], request.y_range or surface.domain[1], request.n
    )
    return {"x": result.x, "y": result.y, "z": result.z}


STEPS_IN_FLIGHT = 4096


class PreparedRun:
    """A validated run request, planned: engine batches of one row per run (runs that differ only in
    their per-run settings share a batch)."""

    def __init__(self, request: RunRequest) -> None:
        self.request = request
        self.surface = resolve_surface(request.surface)
        self.plan: RunPlan = plan_run(
            self.surface,
            self.surface.start_point(request.start),
            request.steps,
            _choices(request),
            tol=request.tol,
            **shared_settings(request),
        )
        self.keep_batches = request.include_batches
        self.labels = run_labels(request.optimizers)
        self.recorders: dict[int, StateRecorder] = {}
        if request.include_state:
            names = [o.name for o in request.optimizers]
            self.plan, self.recorders = recording(self.plan, names, request.every)

    def compacted(self, batch: Batch, first_chunk: int) -> Iterator[runner.Chunk]:
        """The batch's chunks; a recorder of its state stacks what it kept after each one."""
        recorder = self.recorders.get(batch.index)
        for chunk in self.chunks(batch, first_chunk):
            if recorder is not None:
                recorder.compact()
            yield chunk

    def recorded(self, batch: Batch) -> Recorded | None:
        """The optimizer's state over the updates computed since the last call (include_state only)."""
        recorder = self.recorders.get(batch.index)
        return None if recorder is None else recorder.take()

    def chunks(self, batch: Batch, first_chunk: int = 32) -> Iterator[runner.Chunk]:
        # A chunk takes about `chunk_seconds`, so a departed client is noticed that soon; and the
        # chunks of a request's optimizers hold at most STEPS_IN_FLIGHT steps together (a held
        # stream keeps each optimizer's buffers and per-step views).
        step = cost.step_seconds(self.surface, batch.needs_hessian, len(batch.start))
        share = STEPS_IN_FLIGHT // len(self.plan.batches)
        max_chunk = max(1, min(share, int(settings.chunk_seconds / step)))
        return runner.run(
            batch.objective,
            batch.transform,
            batch.start,
            self.plan.steps,
            batch.lr,
            tol=self.plan.tol,
            needs_hessian=batch.needs_hessian,
            first_chunk=min(first_chunk, max_chunk),
            max_chunk=max_chunk,
            scale=batch.scale,
            batches=batch.batches,
        )

    def heads(self) -> list[dict[str, Any]]:
        """Each run's label, optimizer, hyperparameters and the settings it uses."""
        return [
            {"label": label, "optimizer": o.name, "params": _jsonable(params), **_settings(used)}
            for label, o, params, used in zip(
                self.labels, self.request.optimizers, self.plan.params, self.plan.settings, strict=True
            )
        ]

    def columns(self, chunk: runner.Chunk, row: int, recorded: Recorded | None = None) -> dict[str, Any]:
        """One row's data of a chunk, as JSON-ready columns (with the optimizer's state when recorded)."""
        piece = runner.piece(chunk, row, self.request.every)
        columns = {
            "x": piece.theta[:, 0],
            "y": piece.theta[:, 1],
            "loss": piece.loss,
            "grad_norm": piece.grad_norm,
            "lr": piece.lr,
        }
        if self.request.every > 1:
            columns["step"] = piece.step
        if piece.batch_loss is not None:
            columns["batch_loss"] = piece.batch_loss
        if piece.batches is not None and self.keep_batches:
            columns["batches"] = piece.batches
        if recorded is not None:
            columns["state"] = inside(chunk, recorded, row, self.request.every)
        return columns

    def result(self, check: Callable[[], None]) -> dict[str, Any]:
        started = time.perf_counter()
        # Nothing is shown before the end here, so the chunks can be large from the start.
        steps = self.plan.steps
        wholes = [
            (batch, runner.collect(checked(self.compacted(batch, steps), check), steps, self.keep_batches))
            for batch in self.plan.batches
        ]
        elapsed = (time.perf_counter() - started) * 1e3
        runs: list[dict[str, Any]] = [{} for _ in self.labels]
        heads = self.heads()
        for batch, whole in wholes:
            recorded = self.recorded(batch)
            for row, run in enumerate(batch.runs):  # one start point: run j of a batch is its row j
                runs[run] = {**heads[run], **self.end(whole, row), **self.columns(whole, row, recorded)}
        return {
            "surface": surface_info(self.surface),
            "schedule": _jsonable(self.plan.schedule),
            "runs": runs,
            "elapsed_ms": elapsed,
        }

    @staticmethod
    def end(chunk: runner.Chunk, row: int) -> dict[str, Any]:
        return {
            "status": runner.STATUS_NAMES[int(chunk.status[row])],
            "outcome": OUTCOME_NAMES[int(chunk.outcome[row])],
            "steps_taken": int(chunk.steps_taken[row]),
        }


def _choices(request: RunRequest) -> list[OptimizerChoice]:
    return [OptimizerChoice(o.name, o.params.model_dump(), o.overrides()) for o in request.optimizers]


def shared_settings(request: RunRequest) -> dict[str, Any]:
    """The request's own settings, as plan_run's keywords."""
    clip, noise, reg, batch = request.clip, request.noise, request.regularization, request.batch
    return {
        "schedule": _schedule(request),
        "max_norm": clip.max_norm if clip else None,
        "clip_value": clip.value if clip else None,
        "noise_std": noise.std if noise else 0.0,
        "noise_seed": noise.seed if noise else 0,
        "l1": reg.l1 if reg else 0.0,
        "l2": reg.l2 if reg else 0.0,
        "batch": BatchSpec(batch.size, batch.seed, batch.replace) if batch else None,
    }


def settings_of_runs(request: RunRequest, surface: Surface) -> list[RunSettings]:
    """What each run of the request will use (for costing it before it is planned)."""
    return run_settings(_choices(request), request.steps, surface=surface, **shared_settings(request))


def _schedule(request: RunRequest) -> tuple[str, dict[str, Any]] | None:
    if request.schedule is None:
        return None
    given = request.schedule.model_dump(exclude_unset=True, exclude={"name"})
    return request.schedule.name, given


def _settings(used: RunSettings) -> dict[str, Any]:
    """The per-run settings a run echoes, defaults filled."""
    if used.max_norm is not None:
        clip: dict[str, float] | None = {"max_norm": used.max_norm}
    else:
        clip = None if used.clip_value is None else {"value": used.clip_value}
    return {
        "schedule": _jsonable({"name": used.schedule, **used.schedule_params}),
        "clip": clip,
        "noise": {"std": used.noise_std, "seed": used.noise_seed},
        "regularization": {"l1": used.l1, "l2": used.l2},
        "batch": None if used.batch is None else used.batch._asdict(),
    }


def run_labels(optimizers: Sequence[Any], details: Sequence[str] | None = None) -> list[str]:
    """Each entry's label, or its optimizer's title followed by the run's `details` when it has some
    ("SGD · relu, he"); repeated ones numbered ("Adam (2)")."""
    labels, seen = [], {}
    for i, o in enumerate(optimizers):
        detail = details[i] if details else ""
        label = o.label or (f"{OPTIMIZERS[o.name].title} · {detail}" if detail else OPTIMIZERS[o.name].title)
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return labels


def model_details(models: Sequence[Any]) -> list[str]:
    """What sets each run's network apart in a race whose runs differ in it: the activation, the init (with
    its σ for `normal`), or both, whichever differ among the runs ("sigmoid, xavier"); "" for each when none do."""
    activations = [m.activation for m in models]
    inits = [f"normal σ={m.init_scale:g}" if m.init == "normal" else m.init for m in models]
    differing = [column for column in (activations, inits) if len(set(column)) > 1]
    return [", ".join(column[i] for column in differing) for i in range(len(models))]


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
