"""Federated averaging (FedAvg): devices improve a shared model without sending a single input (lesson 09).

McMahan et al. (2017), "Communication-Efficient Learning of Deep Networks from Decentralized Data":
each round the server sends the current weights to some devices; each device trains them for a few
epochs on its own labelled inputs and sends back only the new weights; the server's next model is
the **average of those weights, each device weighted by how many inputs it trained on**
(``weighted_average``). Inputs never leave the devices; weights do, every round.

To stay fast and transparent the course federates only the model's last layer, the softmax
classifier on top of the frozen convolutions of lesson 05's edge model (a ``(features, classes)``
kernel and a bias, Keras's layout, so the result drops back into the Keras model). ``train`` is that
layer's plain minibatch gradient descent in numpy; ``fedavg`` runs the rounds; calling ``train`` on
everything pooled is the central baseline it is compared with. ``update_bytes`` is what one device
sends per round: the weights as float32.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from utils.course import SEED
from utils.errors import CourseError, number, require, shown


def _layer(weights) -> tuple[np.ndarray, np.ndarray]:
    """(kernel, bias) of a softmax layer, float64, or one sentence."""
    if not (isinstance(weights, (list, tuple)) and len(weights) == 2):  # the message only on failure: it prints arrays
        raise CourseError(f"weights must be [kernel, bias] of one Dense layer, got {shown(weights)}.")
    kernel, bias = (np.asarray(w, dtype=np.float64) for w in weights)
    require(kernel.ndim == 2 and bias.shape == (kernel.shape[1],),
            f"weights must be a (features, classes) kernel and a (classes,) bias, got {kernel.shape} and {bias.shape}.")
    return kernel, bias


def _data(x, y, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y)
    require(xs.ndim == 2 and xs.shape[1] == kernel.shape[0],
            f"x must be (N, {kernel.shape[0]}) features for this layer, got shape {xs.shape}.")
    if not (ys.shape == (len(xs),) and ys.dtype.kind in "iu"):
        raise CourseError(f"y must be one whole-number label per row of x ({len(xs)}), got {shown(y)}.")
    require(len(ys) == 0 or (ys.min() >= 0 and ys.max() < kernel.shape[1]),
            f"labels must lie in 0..{kernel.shape[1] - 1}.")
    return xs, ys


def probabilities(weights, x) -> np.ndarray:
    """The softmax layer's output for the feature rows ``x``."""
    kernel, bias = _layer(weights)
    xs, _ = _data(x, np.zeros(len(np.asarray(x)), dtype=int), kernel)
    z = xs @ kernel + bias
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def accuracy(weights, x, y) -> float:
    """Share of rows of ``x`` whose most probable class is ``y``."""
    return float(np.mean(probabilities(weights, x).argmax(axis=1) == np.asarray(y)))


def train(weights, x, y, epochs: int = 5, learning_rate: float = 0.1, batch_size: int = 16,
          seed: int = SEED) -> list[np.ndarray]:
    """New [kernel, bias] after ``epochs`` of minibatch gradient descent on cross-entropy (the input is not changed)."""
    kernel, bias = (w.copy() for w in _layer(weights))
    xs, ys = _data(x, y, kernel)
    epochs, batch = number(epochs, "epochs", 1, whole=True), number(batch_size, "batch_size", 1, whole=True)
    lr = number(learning_rate, "learning_rate", above=0)
    rng = np.random.default_rng(seed)
    onehot = np.eye(kernel.shape[1])[ys]
    for _ in range(epochs):
        order = rng.permutation(len(xs))
        for start in range(0, len(xs), batch):
            rows = order[start:start + batch]
            z = xs[rows] @ kernel + bias
            p = np.exp(z - z.max(axis=1, keepdims=True))
            grad = (p / p.sum(axis=1, keepdims=True) - onehot[rows]) / len(rows)  # d loss / d logits
            kernel -= lr * xs[rows].T @ grad
            bias -= lr * grad.sum(axis=0)
    return [kernel.astype(np.float32), bias.astype(np.float32)]


def weighted_average(updates, counts) -> list[np.ndarray]:
    """The FedAvg step: the element-wise average of each device's weights, weighted by its number of inputs."""
    require(isinstance(updates, (list, tuple)) and len(updates) > 0, "updates must be a non-empty list of weight lists.")
    n = np.asarray(counts, dtype=np.float64)
    if n.shape != (len(updates),):
        raise CourseError(f"counts must give one number of inputs per update ({len(updates)}), got {shown(counts)}.")
    require(bool(np.all(np.isfinite(n))) and bool(np.all(n >= 0)) and n.sum() > 0,
            "counts must be numbers of inputs, at least 0, and not all 0.")
    shapes = [tuple(np.shape(w) for w in u) if isinstance(u, (list, tuple)) else None for u in updates]
    require(all(s == shapes[0] for s in shapes) and shapes[0] is not None,
            "every update must be a list of arrays with the same shapes (the same model).")
    share = n / n.sum()
    return [np.sum([s * np.asarray(u[i], dtype=np.float64) for s, u in zip(share, updates, strict=True)],
                   axis=0).astype(np.float32) for i in range(len(updates[0]))]


def update_bytes(weights) -> int:
    """Bytes one device sends per round: every weight as a 4-byte float32."""
    kernel, bias = _layer(weights)
    return 4 * (kernel.size + bias.size)


@dataclass
class FedAvgRun:
    """A FedAvg run: the final weights, and per round the devices that took part, bytes sent up and accuracy."""

    weights: list
    rounds: int
    devices_per_round: list = field(default_factory=list)
    bytes_up: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)

    @property
    def total_bytes_up(self) -> int:
        return int(sum(self.bytes_up))


def fedavg(weights, clients, rounds: int = 10, local_epochs: int = 2, learning_rate: float = 0.1,
           batch_size: int = 16, fraction: float = 1.0, evaluate=None, seed: int = SEED) -> FedAvgRun:
    """``rounds`` of FedAvg over ``clients``, a list of (features, labels), one per device.

    Each round a seeded random ``fraction`` of the devices that hold data trains locally; their new weights
    are averaged by :func:`weighted_average`. ``evaluate(weights)`` (optional) gives an accuracy per round.
    """
    current = [np.asarray(w, dtype=np.float32) for w in _layer(weights)]
    rounds = number(rounds, "rounds", 1, whole=True)
    fraction = number(fraction, "fraction (the share of devices per round)", above=0, high=1)
    require(isinstance(clients, (list, tuple)) and len(clients) > 0, "clients must be a non-empty list of (x, y) pairs.")
    try:
        data = [_data(x, y, current[0]) for x, y in clients]
    except (TypeError, ValueError) as err:
        if isinstance(err, CourseError):
            raise
        raise CourseError("clients must be a list of (x, y) pairs, one per device.") from None
    holders = [i for i, (_, y) in enumerate(data) if len(y)]
    require(bool(holders), "no device holds any labelled input: FedAvg has nothing to learn from.")
    rng = np.random.default_rng(seed)
    run = FedAvgRun(current, rounds)
    per_round = max(1, round(fraction * len(holders)))
    for r in range(rounds):
        chosen = sorted(rng.choice(holders, size=per_round, replace=False))
        updates = [train(current, *data[i], local_epochs, learning_rate, batch_size, seed + 1000 * r + i) for i in chosen]
        current = weighted_average(updates, [len(data[i][1]) for i in chosen])
        run.devices_per_round.append(len(chosen))
        run.bytes_up.append(len(chosen) * update_bytes(current))
        if evaluate is not None:
            run.accuracy.append(float(evaluate(current)))
    run.weights = current
    return run
