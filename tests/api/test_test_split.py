"""Train and test through /api/train and its stream: the held-out points, and test loss and accuracy
recorded beside training's, against torch trained on the training points alone. Also the status of a
training: `steps_taken`, and records that end at the last good step."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from tests.torch_reference import TORCH_ACTIVATIONS  # noqa: E402

from .conftest import ndjson, put, strict_json  # noqa: E402

RTOL = 1e-9


def body(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "dataset": {"name": "moons", "n": 60, "noise": 0.2, "seed": 3},
        "model": {"hidden": [6, 4], "activation": "tanh", "init": "xavier", "seed": 1},
        "optimizer": {"name": "sgd", "params": {"lr": 0.5}},
        "steps": 30,
        "record_every": 5,
        "test_fraction": 0.25,
        "boundary": None,
        "landscape": None,
        "include_weights": True,
    }
    request.update(overrides)
    return request


def train(client, request: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/train", json=request)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def held_out(n: int, fraction: float, seed: int) -> list[int]:
    """The contract, written out: the first round(f·n) of a fresh generator's permutation."""
    return sorted(np.random.default_rng(seed).permutation(n)[: round(fraction * n)].tolist())


def torch_training(answer: dict[str, Any], request: dict[str, Any]) -> dict[str, list[float]]:
    """Full-batch SGD in torch on the training points alone, scored on both parts before each update."""
    x = torch.tensor(answer["data"]["x"], dtype=torch.float64)
    y = torch.tensor(answer["data"]["y"], dtype=torch.float64)
    test = torch.zeros(len(y), dtype=torch.bool)
    test[answer["data"]["test"]] = True
    Ws = [torch.tensor(layer["W"], requires_grad=True) for layer in answer["weights"]["initial"]]
    bs = [torch.tensor(layer["b"], requires_grad=True) for layer in answer["weights"]["initial"]]
    act = TORCH_ACTIVATIONS[request["model"]["activation"]]
    opt = torch.optim.SGD([p for pair in zip(Ws, bs, strict=True) for p in pair], **request["optimizer"]["params"])
    classify = answer["task"] == "classification"
    loss_of = torch.nn.functional.binary_cross_entropy_with_logits if classify else torch.nn.functional.mse_loss

    def output(points: torch.Tensor) -> torch.Tensor:
        a = points
        for W, b in zip(Ws[:-1], bs[:-1], strict=True):
            a = act(a @ W + b)
        return (a @ Ws[-1] + bs[-1])[:, 0]

    columns: dict[str, list[float]] = {"loss": [], "test_loss": [], "accuracy": [], "test_accuracy": []}
    for step in range(request["steps"] + 1):
        opt.zero_grad()
        for part, mask in (("", ~test), ("test_", test)):
            out = output(x[mask])
            loss = loss_of(out, y[mask])
            if step % request["record_every"] == 0 or step == request["steps"]:
                columns[part + "loss"].append(loss.item())
                columns[part + "accuracy"].append(float(((out > 0) == (y[mask] > 0.5)).double().mean()))
            if not part:
                loss.backward()
        opt.step()
    return columns


@pytest.mark.parametrize(("dataset", "fraction"), [("moons", 0.25), ("circles", 0.5), ("sine", 0.2)])
def test_test_scores_equal_torch_trained_on_the_rest(client, dataset: str, fraction: float) -> None:
    request = body(dataset={"name": dataset, "n": 60, "noise": 0.2, "seed": 3}, test_fraction=fraction)
    answer = train(client, request)
    assert answer["data"]["test"] == held_out(60, fraction, 3)
    assert len(answer["data"]["x"]) == 60  # every point is shown; the test ones are marked
    reference = torch_training(answer, request)
    assert answer["steps"] == [0, 5, 10, 15, 20, 25, 30]
    np.testing.assert_allclose(answer["loss"], reference["loss"], rtol=RTOL)
    np.testing.assert_allclose(answer["test_loss"], reference["test_loss"], rtol=RTOL)
    if dataset == "sine":
        assert answer["test_accuracy"] is None and answer["accuracy"] is None
    else:
        np.testing.assert_allclose(answer["accuracy"], reference["accuracy"], rtol=RTOL)
        np.testing.assert_allclose(answer["test_accuracy"], reference["test_accuracy"], rtol=RTOL)
    assert answer["loss"][-1] < answer["loss"][0]  # it trained


@pytest.mark.parametrize(("n", "fraction"), [(60, 0.0), (9, 0.05), (10, 0.25), (7, 0.5), (2000, 0.1)])
def test_the_held_out_points_follow_the_dataset_seed(client, n: int, fraction: float) -> None:
    request = body(dataset={"name": "xor", "n": n, "noise": 0.1, "seed": 8}, test_fraction=fraction, steps=1)
    answer = train(client, request)
    assert answer["data"]["test"] == held_out(n, fraction, 8)
    if round(fraction * n) == 0:
        assert answer["test_loss"] is None and answer["test_accuracy"] is None
    else:
        assert len(answer["test_loss"]) == len(answer["steps"]) == len(answer["test_accuracy"])
    # The optimizer, the model and its seed do not move the split: only the dataset does.
    other = put(put(request, "model.seed", 99), "optimizer", {"name": "adam", "params": {"lr": 0.01}})
    assert train(client, other)["data"]["test"] == answer["data"]["test"]


def test_test_scores_are_without_dropout(client) -> None:
    """With dropout, the recorded test loss is the network's full evaluation at the recorded weights."""
    request = body(dropout=0.5, steps=20, record_every=20)
    answer = train(client, request)
    x, y = np.array(answer["data"]["x"]), np.array(answer["data"]["y"])
    test = answer["data"]["test"]
    a = torch.tensor(x[test])
    final = answer["weights"]["final"]
    for layer in final[:-1]:
        a = torch.tanh(a @ torch.tensor(layer["W"]) + torch.tensor(layer["b"]))
    out = (a @ torch.tensor(final[-1]["W"]) + torch.tensor(final[-1]["b"]))[:, 0]
    expected = torch.nn.functional.binary_cross_entropy_with_logits(out, torch.tensor(y[test])).item()
    assert answer["test_loss"][-1] == pytest.approx(expected, rel=RTOL)


def test_the_stream_carries_the_same_records(client) -> None:
    request = body()
    answer = train(client, request)
    response = client.post("/api/train/stream", json=request)
    assert response.status_code == 200
    lines = ndjson(response.text)
    assert lines[0]["type"] == "start" and lines[0]["data"]["test"] == answer["data"]["test"]
    records = [line for line in lines if line["type"] == "record"]
    assert [r["test_loss"] for r in records] == answer["test_loss"]
    assert [r["test_accuracy"] for r in records] == answer["test_accuracy"]
    (end,) = [line for line in lines if line["type"] == "end"]
    assert end["status"] == answer["status"] == "max_steps" and end["steps_taken"] == answer["steps_taken"] == 30


@pytest.mark.parametrize("value", [0.51, -0.1, 1, True, "0.2", None])
def test_a_bad_fraction_is_a_422_naming_it(client, value: Any) -> None:
    response = client.post("/api/train", json=body(test_fraction=value))
    assert response.status_code == 422, response.text
    (entry,) = response.json()["detail"]
    assert entry["loc"] == ["body", "test_fraction"] and entry["msg"].startswith("test_fraction")
    if isinstance(value, float):
        assert ("0.5" in entry["msg"]) if value > 0 else ("0" in entry["msg"])


# --- the status of a training --------------------------------------------------------------------


def test_a_diverging_training_ends_at_its_last_good_step(client) -> None:
    """Linear regression by SGD beyond 2/λ_max: the weights grow geometrically and pass 1e8 at a step
    that is not on the record grid; the records end there, and steps_taken says which."""
    request = body(
        dataset={"name": "linear", "n": 50, "noise": 0.1, "seed": 0},
        model={"hidden": [], "activation": "linear", "init": "normal", "seed": 0},
        optimizer={"name": "sgd", "params": {"lr": 1.25}},
        steps=1000,
        record_every=7,
        test_fraction=0.0,
    )
    answer = train(client, request)
    assert answer["status"] == "diverged"
    last = answer["steps_taken"]
    assert answer["steps"][-1] == last and last % 7 != 0 and 0 < last < 1000
    assert answer["steps"][:-1] == list(range(0, last, 7))
    final = np.concatenate([np.ravel(layer[k]) for layer in answer["weights"]["final"] for k in ("W", "b")])
    assert np.max(np.abs(final)) <= 1e8 and all(math.isfinite(v) for v in answer["loss"])
    # One more update, by hand in torch, goes beyond the bound.
    x = torch.tensor(answer["data"]["x"])
    y = torch.tensor(answer["data"]["y"])
    W = torch.tensor(answer["weights"]["final"][0]["W"], requires_grad=True)
    b = torch.tensor(answer["weights"]["final"][0]["b"], requires_grad=True)
    torch.nn.functional.mse_loss((x @ W + b)[:, 0], y).backward()
    beyond = max(float((p.detach() - 1.25 * p.grad).abs().max()) for p in (W, b))
    assert beyond > 1e8
    stream = ndjson(client.post("/api/train/stream", json=request).text)
    (end,) = [line for line in stream if line["type"] == "end"]
    assert end["status"] == "diverged" and end["steps_taken"] == last
    assert [line["step"] for line in stream if line["type"] == "record"] == answer["steps"]
