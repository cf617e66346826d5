"""FedAvg (lesson 09): the average is weighted by each device's number of inputs, and the loop learns."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import federated as fl
from utils.errors import CourseError


def test_weighted_average_weights_by_sample_count():
    a = [np.array([[0.2]]), np.array([1.0])]
    b = [np.array([[0.6]]), np.array([3.0])]
    avg = fl.weighted_average([a, b], [10, 30])
    assert avg[0][0, 0] == pytest.approx(0.5) and avg[1][0] == pytest.approx(2.5)
    plain = fl.weighted_average([a, b], [1, 1])
    assert plain[0][0, 0] == pytest.approx(0.4)
    assert fl.weighted_average([a, b], [0, 7])[0][0, 0] == pytest.approx(0.6)  # no inputs, no say


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=6).filter(lambda c: sum(c) > 0), st.integers(0, 1000))
def test_weighted_average_matches_the_formula_and_ignores_the_scale_of_counts(counts, seed):
    rng = np.random.default_rng(seed)
    updates = [[rng.normal(size=(3, 2)), rng.normal(size=2)] for _ in counts]
    avg = fl.weighted_average(updates, counts)
    expect = sum(c * u[0] for c, u in zip(counts, updates, strict=True)) / sum(counts)
    assert np.allclose(avg[0], expect, atol=1e-5)
    assert np.allclose(fl.weighted_average(updates, [7 * c for c in counts])[0], avg[0], atol=1e-6)


def toy(seed=0, n=60):
    """Two well-separated classes in 4 features, split unevenly over three devices."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 4)) + 3 * y[:, None]
    return x, y


def test_train_learns_a_separable_problem_and_leaves_its_input_alone():
    x, y = toy()
    start = [np.zeros((4, 2), np.float32), np.zeros(2, np.float32)]
    trained = fl.train(start, x, y, epochs=20, learning_rate=0.1)
    assert fl.accuracy(trained, x, y) > 0.95 and not start[0].any()


def test_fedavg_learns_on_non_identical_devices_and_counts_its_bytes():
    x, y = toy(n=90)
    order = np.argsort(y, kind="stable")  # each device sees mostly one class: non-identical data
    clients = [(x[order[i::3]][: 10 + 20 * i], y[order[i::3]][: 10 + 20 * i]) for i in range(3)]
    start = [np.zeros((4, 2), np.float32), np.zeros(2, np.float32)]
    run = fl.fedavg(start, clients, rounds=5, local_epochs=3, evaluate=lambda w: fl.accuracy(w, x, y))
    assert run.accuracy[-1] > 0.9 and len(run.accuracy) == 5
    assert fl.update_bytes(start) == 4 * (8 + 2) == 40
    assert run.bytes_up == [3 * 40] * 5 and run.total_bytes_up == 600
    half = fl.fedavg(start, clients, rounds=2, fraction=0.5)
    assert half.devices_per_round == [2, 2]  # round(0.5 x 3) = 2 of the 3 devices each round


def test_fedavg_skips_devices_without_data_and_is_seeded():
    x, y = toy()
    clients = [(x[:30], y[:30]), (x[:0], y[:0]), (x[30:], y[30:])]
    start = [np.zeros((4, 2), np.float32), np.zeros(2, np.float32)]
    a, b = fl.fedavg(start, clients, rounds=3), fl.fedavg(start, clients, rounds=3)
    assert a.devices_per_round == [2, 2, 2]
    assert all(np.array_equal(p, q) for p, q in zip(a.weights, b.weights, strict=True))


W = [np.zeros((4, 2)), np.zeros(2)]


@pytest.mark.parametrize("call, message", [
    (lambda: fl.weighted_average([], []), "updates must be a non-empty list of weight lists."),
    (lambda: fl.weighted_average([W, W], [1]), "counts must give one number of inputs per update (2)"),
    (lambda: fl.weighted_average([W, W], [0, 0]), "counts must be numbers of inputs, at least 0, and not all 0."),
    (lambda: fl.weighted_average([W, [np.zeros((3, 2)), np.zeros(2)]], [1, 1]), "the same shapes (the same model)"),
    (lambda: fl.train(W, np.zeros((5, 3)), np.zeros(5, int)), "x must be (N, 4) features for this layer"),
    (lambda: fl.train(W, np.zeros((5, 4)), np.full(5, 2)), "labels must lie in 0..1."),
    (lambda: fl.train(W, np.zeros((5, 4)), np.zeros(5, int), learning_rate=0), "learning_rate must be a number, above 0, got 0."),
    (lambda: fl.train([np.zeros((4, 2))], np.zeros((5, 4)), np.zeros(5, int)), "weights must be [kernel, bias]"),
    (lambda: fl.fedavg(W, [(np.zeros((0, 4)), np.zeros(0, int))]), "no device holds any labelled input"),
    (lambda: fl.fedavg(W, [(np.zeros((2, 4)), np.zeros(2, int))], fraction=0), "fraction (the share of devices per round) must be a number, above 0 and at most 1, got 0."),
    (lambda: fl.fedavg(W, [(np.zeros((2, 4)), np.zeros(2, int))], rounds=0), "rounds must be a whole number"),
])
def test_bad_input_gives_one_sentence(call, message):
    with pytest.raises(CourseError) as err:
        call()
    assert message in str(err.value) and "\n" not in str(err.value)
