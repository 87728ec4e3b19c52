"""Learning rates and gradient noise computed a block of steps at a time equal the whole tables."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.schedules import RATE_BLOCK, SCHEDULES, ScheduleTable, rate_per_step, schedule_params, schedule_table
from gdviz.engine.transforms import NOISE_BLOCK, gaussian_noise

STEPS = 3 * RATE_BLOCK + 17  # crosses block boundaries, and ends inside a block
GIVEN = {"step": {"step_size": 1000}, "cyclic": {"step_size_up": 700}, "cosine": {"T_max": 5000}}


def _whole(name: str, base: np.ndarray) -> np.ndarray:
    """The table as one closed-form evaluation over every step."""
    params = {**schedule_params(name, GIVEN.get(name, {}), STEPS), "steps": STEPS}
    return SCHEDULES[name].table(np.arange(STEPS, dtype=np.float64)[:, None], base[None, :], params)


@pytest.mark.parametrize("name", SCHEDULES)
def test_slices_of_the_schedule_table_equal_the_whole(name: str) -> None:
    base = np.array([0.1, 0.03, 1e-4])
    table = ScheduleTable(name, schedule_params(name, GIVEN.get(name, {}), STEPS), base, STEPS)
    whole = _whole(name, base)
    assert table.shape == (STEPS, 3)
    pieces = [table[a : a + 1000] for a in range(0, STEPS, 1000)]
    np.testing.assert_array_equal(np.concatenate(pieces), whole)
    np.testing.assert_array_equal(
        schedule_table(name, schedule_params(name, GIVEN.get(name, {}), STEPS), base, STEPS), whole
    )
    column = table.column(1, rows=4)[10:20]
    np.testing.assert_array_equal(column, np.repeat(whole[10:20, 1:2], 4, axis=1))


@pytest.mark.parametrize("name", SCHEDULES)
def test_the_rate_of_each_step_equals_its_table_entry(name: str) -> None:
    params = schedule_params(name, GIVEN.get(name, {}), STEPS)
    rate = rate_per_step(name, params, 0.05, STEPS)
    expected = _whole(name, np.array([0.05]))[:, 0]
    if name == "constant":
        assert rate == 0.05
        return
    assert [rate(k) for k in range(STEPS)] == expected.tolist()
    # Asked again from an earlier step (a second trajectory), it still answers the table.
    assert [rate(k) for k in (5, RATE_BLOCK + 1, 0)] == expected[[5, RATE_BLOCK + 1, 0]].tolist()


def test_noise_drawn_in_blocks_equals_one_draw_of_the_whole_table() -> None:
    steps, std, seed = 2 * NOISE_BLOCK + 5, 0.3, 7
    expected = std * np.random.default_rng(seed).standard_normal((steps, 2))
    noise = gaussian_noise(std, seed, 2)
    count, zero = noise.init(np.zeros((1, 2))), np.zeros((1, 2))
    drawn = []
    for _ in range(steps):
        u, count = noise.update(zero, count, zero)
        drawn.append(u[0])
    np.testing.assert_array_equal(np.array(drawn), expected)
    # A second trajectory of the same transformation starts the sequence again.
    u, _ = noise.update(zero, noise.init(zero), zero)
    np.testing.assert_array_equal(u[0], expected[0])
