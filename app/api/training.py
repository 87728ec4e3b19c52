"""Between the API and the network engine: a train request to engine calls, records to JSON-ready dicts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..engine.nn.datasets import make_dataset
from ..engine.nn.histograms import EDGES
from ..engine.nn.landscape import Landscape, RaceLandscape
from ..engine.nn.network import Architecture, initialize, unflatten
from ..engine.nn.split import split
from ..engine.nn.train import Record, TrainSpec, boundary_grid, race, train
from ..engine.optimizers import optimizer_params
from .convert import model_details, run_labels
from .json import dumps
from .models.train import TrainRequest


class PreparedTraining:
    """Builds data, network and training; the first record is computed on construction,
    so that a refused optimizer gets its 422 before a stream starts."""

    def __init__(self, request: TrainRequest, check: Callable[[], None]) -> None:
        d, m = request.dataset, request.model
        self.request = request
        self.data = make_dataset(d.name, d.n, d.noise, d.seed)
        self.arch = Architecture((2, *m.hidden, 1), m.activation, self.data.task)
        self.theta0 = initialize(self.arch, m.init, m.seed, m.init_scale)
        # The held-out points, as train() draws them from the same seed.
        self.test_index = split(self.data, request.test_fraction, d.seed).test_index
        self.held_out = len(self.test_index) > 0
        self.first = self.start(check)

    def start(self, check: Callable[[], None]) -> Any:
        self.items = train(self.spec(self.request.optimizer, "optimizer"), self.data, check)
        self.final = self.theta0
        self.steps_taken = 0
        return next(self.items)

    def spec(self, optimizer: Any, field: str, arch: Architecture | None = None, theta0: Any = None) -> TrainSpec:
        """The engine's training of one optimizer entry (`field` names it in a refusal), of the request's
        network or of a race run's own (`arch`, `theta0`)."""
        request, m, d = self.request, self.request.model, self.request.dataset
        clip = request.clip
        return TrainSpec(
            arch=arch or self.arch,
            theta0=self.theta0 if theta0 is None else theta0,
            optimizer=optimizer.name,
            params=optimizer.params.model_dump(),
            steps=request.steps,
            batch_size=request.batch_size,
            l2=request.l2,
            dropout=request.dropout,
            max_norm=clip.max_norm if clip else None,
            clip_value=clip.value if clip else None,
            schedule=(request.schedule.name, request.schedule.model_dump(exclude_unset=True, exclude={"name"}))
            if request.schedule
            else None,
            record_every=request.record_every,
            boundary_n=request.boundary.n if request.boundary else None,
            landscape=(request.landscape.n, request.landscape.span, request.landscape.method)
            if request.landscape
            else None,
            seed=m.seed,
            test_fraction=request.test_fraction,
            split_seed=d.seed,
            field=field,
            lr_scale=tuple(request.lr_scale) if request.lr_scale is not None else None,
            sharpness=request.sharpness,
            histograms=request.histograms,
        )

    def head(self) -> dict[str, Any]:
        grid = boundary_grid(self.data, self.request.boundary.n) if self.request.boundary else None
        return {
            "task": self.data.task,
            "data": {"x": self.data.x, "y": self.data.y, "test": self.test_index},
            "boundary": {"x": grid.x, "y": grid.y} if grid else None,
        }

    def stream_head(self) -> bytes:
        self.source: Iterator[dict[str, Any]] | None = self.lines()
        return dumps({"type": "start", **self.head()}) + b"\n"

    def next_line(self, check: Callable[[], None]) -> bytes | None:
        """The stream's next line (`check` is the training's own, given at construction)."""
        if self.source is None:
            return None
        line = next(self.source, None)
        if line is None:
            self.source = None
            return dumps({"type": "done"}) + b"\n"
        return dumps(line) + b"\n"

    def lines(self) -> Iterator[dict[str, Any]]:
        """The engine's output as stream lines: records, the landscape, the end."""
        item = self.first
        while True:
            if isinstance(item, Record):
                self.final, self.steps_taken = item.theta, item.step
                yield self.record(item, self.arch)
            elif isinstance(item, Landscape):
                yield {"type": "landscape", **self.landscape(item)}
            else:
                yield {
                    "type": "end",
                    "status": item,
                    "steps_taken": self.steps_taken,
                    "weights": self.weights(self.final),
                }
                return
            item = next(self.items)

    def record(self, r: Record, arch: Architecture) -> dict[str, Any]:
        """One record line of a training of `arch` (its activation fixes the histograms' edges)."""
        line = {"type": "record", "step": r.step, "loss": r.loss, "accuracy": r.accuracy}
        if r.test_loss is not None:
            line |= {"test_loss": r.test_loss, "test_accuracy": r.test_accuracy}
        line |= {"grad_norm": r.grad_norm, "weight_norm": r.weight_norm}
        if self.request.sharpness:
            line |= {"sharpness": r.sharpness, "preconditioned_sharpness": r.preconditioned_sharpness}
        if r.activations is not None:
            edges = EDGES[arch.activation]
            line["activations"] = [{"edges": edges, "counts": counts} for counts in r.activations]
        if self.request.record_weights:
            line["weights"] = self.layers(r.theta)
        if r.boundary is not None:
            line["z"] = r.boundary
        return line

    @staticmethod
    def landscape(scape: Landscape) -> dict[str, Any]:
        return {
            "a": scape.a,
            "b": scape.b,
            "loss": scape.loss,
            "path": {"a": scape.path_a, "b": scape.path_b},
        }

    def layers(self, theta: Any) -> list[dict[str, Any]]:
        return [{"W": layer.W, "b": layer.b} for layer in unflatten(self.arch, theta)]

    def weights(self, final: Any, initial: Any = None) -> dict[str, Any] | None:
        if not self.request.include_weights:
            return None
        return {"initial": self.layers(self.theta0 if initial is None else initial), "final": self.layers(final)}

    def columns(self, records: list[dict[str, Any]], boundary: dict[str, Any] | None) -> dict[str, Any]:
        """One training's record lines gathered column by column."""
        layers = len(self.arch.sizes) - 1
        classification = self.data.task == "classification"
        return {
            "steps": [r["step"] for r in records],
            "loss": [r["loss"] for r in records],
            "accuracy": [r["accuracy"] for r in records] if classification else None,
            "test_loss": [r["test_loss"] for r in records] if self.held_out else None,
            "test_accuracy": [r["test_accuracy"] for r in records] if self.held_out and classification else None,
            "grad_norm": [[r["grad_norm"][i] for r in records] for i in range(layers)],
            "weight_norm": [[r["weight_norm"][i] for r in records] for i in range(layers)],
            "sharpness": [r["sharpness"] for r in records] if self.request.sharpness else None,
            "preconditioned_sharpness": [r["preconditioned_sharpness"] for r in records]
            if self.request.sharpness
            else None,
            "activations": [r["activations"] for r in records] if self.request.histograms else None,
            "record_weights": [r["weights"] for r in records] if self.request.record_weights else None,
            "boundary": {**boundary, "frames": [{"step": r["step"], "z": r["z"]} for r in records]}
            if boundary
            else None,
        }

    def result(self) -> dict[str, Any]:
        """The whole training as /api/train answers it: records gathered column by column."""
        head = self.head()
        records, landscape, status, steps_taken, weights = [], None, "max_steps", 0, None
        for line in self.lines():
            if line["type"] == "record":
                records.append(line)
            elif line["type"] == "landscape":
                landscape = {k: v for k, v in line.items() if k != "type"}
            else:
                status, steps_taken, weights = line["status"], line["steps_taken"], line["weights"]
        return {
            "task": head["task"],
            "data": head["data"],
            **self.columns(records, head["boundary"]),
            "landscape": landscape,
            "weights": weights,
            "status": status,
            "steps_taken": steps_taken,
        }


class PreparedRace(PreparedTraining):
    """A request with `optimizers`: one training per entry, a record of each in turn, one landscape.

    Stream: `start` (with `runs`: label, optimizer, params, model), `record` lines tagged with their `run`,
    an `end` line per run (tagged too) when it ends, then the shared `landscape` (unless the runs differ in
    activation or initial weights) and `done`."""

    def start(self, check: Callable[[], None]) -> Any:
        entries = self.request.optimizers or []
        self.fields = [f"optimizers[{i}]" for i in range(len(entries))]
        models = self.request.run_models()
        # Each run's network: the request's sizes and seed, its own activation and init (a single training's).
        self.archs = [Architecture(self.arch.sizes, m.activation, self.data.task) for m in models]
        self.starts = [initialize(a, m.init, m.seed, m.init_scale) for a, m in zip(self.archs, models, strict=True)]
        labels = run_labels(entries, model_details(models))
        self.runs = [
            {
                "label": label,
                "optimizer": o.name,
                "params": _listed(optimizer_params(o.name, o.params.model_dump(), f)),
                "model": {"activation": m.activation, "init": m.init, "init_scale": m.init_scale},
            }
            for label, o, f, m in zip(labels, entries, self.fields, models, strict=True)
        ]
        specs = [
            self.spec(o, f, a, t) for o, f, a, t in zip(entries, self.fields, self.archs, self.starts, strict=True)
        ]
        if not self.request.one_start():  # no one plane through one loss: no landscape to compute
            specs = [s._replace(landscape=None) for s in specs]
        self.items = race(specs, self.data, check)  # type: ignore[assignment]
        self.finals = list(self.starts)
        self.taken = [0] * len(specs)
        return next(self.items)

    def stream_head(self) -> bytes:
        self.source = self.lines()
        return dumps({"type": "start", **self.head(), "runs": self.runs}) + b"\n"

    def lines(self) -> Iterator[dict[str, Any]]:
        item = self.first
        while item is not None:
            if isinstance(item, RaceLandscape):
                paths = [{"a": a, "b": b} for a, b in item.paths]
                yield {"type": "landscape", "a": item.a, "b": item.b, "loss": item.loss, "paths": paths}
            else:
                run, got = item
                if isinstance(got, Record):
                    self.finals[run], self.taken[run] = got.theta, got.step
                    yield {"type": "record", "run": run, **self.record(got, self.archs[run])}
                else:
                    weights = self.weights(self.finals[run], self.starts[run])
                    yield {"type": "end", "run": run, "status": got, "steps_taken": self.taken[run], "weights": weights}
            item = next(self.items, None)

    def result(self) -> dict[str, Any]:
        head = self.head()
        records: list[list[dict[str, Any]]] = [[] for _ in self.runs]
        ends: list[dict[str, Any]] = [{} for _ in self.runs]
        landscape = None
        for line in self.lines():
            if line["type"] == "record":
                records[line["run"]].append(line)
            elif line["type"] == "end":
                ends[line["run"]] = line
            else:
                landscape = {k: v for k, v in line.items() if k != "type"}
        runs = [
            {
                **run,
                **self.columns(lines, head["boundary"]),
                "weights": end["weights"],
                "status": end["status"],
                "steps_taken": end["steps_taken"],
            }
            for run, lines, end in zip(self.runs, records, ends, strict=True)
        ]
        return {"task": head["task"], "data": head["data"], "runs": runs, "landscape": landscape}


def prepare(request: TrainRequest, check: Callable[[], None]) -> PreparedTraining:
    """The training a request asks for: one optimizer, or a race of several."""
    return (PreparedRace if request.optimizers is not None else PreparedTraining)(request, check)


def _listed(values: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
