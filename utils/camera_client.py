"""A "camera" that sends its frames to a cloud endpoint over an emulated link, and times every phase.

Defined for lesson 01; lessons 04 and 08 reuse it. ``CloudCamera(endpoint, link="4G")`` sends
each frame as a real HTTP request (TensorFlow Serving's ``{"instances": [...]}``) to a
:class:`utils.cloud_endpoint.CloudEndpoint` on 127.0.0.1 and reports, per frame:

measured on this machine
    ``serialise`` (frame -> JSON bytes), ``http`` (the real request over loopback, including the
    server parsing it and any wait in its queue, minus inference), ``infer`` (the model's time,
    reported by the server).
emulated from the cited link profile (``utils.network.LinkEmulator``)
    ``upload`` (request bytes / uplink bandwidth), ``propagate`` (one round trip with jitter),
    ``return`` (response bytes / bandwidth). With ``realtime=True`` the camera really waits
    these times, so the wall clock and the timeout behave as on the real link.

Failures are explicit: every request has a ``timeout_s`` budget; a lost request, a cut link or
an unreachable server gives a reading with ``ok=False`` and a one-line ``error``, never an exception.
Underneath, :func:`exchange` turns every transport or protocol failure (refused, reset, closed
without a reply, timed out, truncated reply, reply that is not HTTP) into one sentence, raised as
:class:`EndpointError` (a ``CourseError``), and :func:`load_test` sends many cameras' requests at
once to measure what the endpoint does under load (lesson 01's "the cloud is shared").
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from utils.errors import CourseError, number
from utils.network import LinkEmulator, LinkProfile

PHASES = ("serialise", "upload", "propagate", "http", "infer", "return")
MEASURED = ("serialise", "http", "infer")
EMULATED = ("upload", "propagate", "return")
MAX_CLIENTS = 256  # load_test's ceiling: more threads than this would measure the laptop, not the server
DEFAULT_CLIENTS = (1, 2, 4, 8, 16, 32, 64, 128)


class EndpointError(CourseError):
    """A failed exchange with the endpoint, in one sentence; ``kind`` names the failure for counting:
    refused, reset, closed, timeout, truncated, malformed or unreachable."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def exchange(host: str, port: int, method: str, path: str, body: bytes | None = None,
             timeout_s: float = 2.0) -> tuple[int, dict, bytes]:
    """One real HTTP request: (status, headers, body); any transport or protocol failure is an EndpointError."""
    where = f"{host}:{port}"
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        reply = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, reply
    except ConnectionRefusedError:
        raise EndpointError("refused", f"The endpoint at {where} refused the connection: nothing is listening "
                                       "there (is it stopped?).") from None
    except http.client.RemoteDisconnected:  # before ConnectionResetError: it is one
        raise EndpointError("closed", f"The endpoint at {where} closed the connection without sending a "
                                      "reply.") from None
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
        raise EndpointError("reset", f"The endpoint at {where} reset the connection before its reply "
                                     "arrived.") from None
    except TimeoutError:
        raise EndpointError("timeout", f"The endpoint at {where} sent no reply within {timeout_s:g} s.") from None
    except http.client.IncompleteRead as err:
        got, expected = len(err.partial), len(err.partial) + (err.expected or 0)
        raise EndpointError("truncated", f"The endpoint at {where} sent a truncated reply: {got:,} of the "
                                         f"{expected:,} bytes it announced.") from None
    except http.client.HTTPException as err:
        raise EndpointError("malformed", f"The endpoint at {where} sent a reply that is not valid HTTP "
                                         f"({type(err).__name__}).") from None
    except OSError as err:
        raise EndpointError("unreachable", f"Cannot reach the endpoint at {where} "
                                           f"({err.strerror or type(err).__name__}).") from None
    finally:
        conn.close()


def _json_reply(status: int, reply: bytes, where: str) -> dict:
    """The reply body as a JSON object, or a 'malformed' EndpointError."""
    try:
        answer = json.loads(reply)
    except (UnicodeDecodeError, ValueError, RecursionError):
        answer = None
    if not isinstance(answer, dict):
        raise EndpointError("malformed", f"The endpoint at {where} answered {status} with a body that is not "
                                         "a JSON object.")
    return answer


def _header_ms(headers: dict, name: str, where: str) -> float:
    try:
        value = float(headers.get(name.lower(), "0") or 0)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value < 0:
        raise EndpointError("malformed", f"The endpoint at {where} answered with a header {name} that is not a "
                                         "number of milliseconds.")
    return value


@dataclass
class Reading:
    """What the camera got for one frame: a label, or why it got none, and where the time went."""

    index: int
    ok: bool
    label: int | None = None
    scores: list | None = None
    error: str | None = None
    phases: dict = field(default_factory=dict)  # phase -> milliseconds
    request_bytes: int = 0
    response_bytes: int = 0

    @property
    def total_ms(self) -> float:
        return sum(self.phases.values())


class CloudCamera:
    """A device that classifies frames by asking a cloud endpoint, over an emulated access link.

    ``target`` is a ``CloudEndpoint`` (the camera follows it across stop()/start()) or its base URL
    ``http://127.0.0.1:PORT`` plus ``model_name``. ``stand_in_bytes``, when given, is the byte count
    the upload is timed for (for example one frame of a real 1080p stream) while the small frame
    itself is what travels.
    """

    def __init__(
        self,
        target,
        link: LinkProfile | str = "Wi-Fi",
        model_name: str | None = None,
        server_km: float = 0.0,
        timeout_s: float = 2.0,
        realtime: bool = True,
        stand_in_bytes: int | None = None,
        seed: int | None = None,
    ):
        _, _, name = _address(target, model_name)
        number(timeout_s, "timeout_s", above=0, unit="seconds")
        if stand_in_bytes is not None:
            number(stand_in_bytes, "stand_in_bytes", 1, whole=True, unit="bytes")
        self._target, self.model_name = target, name
        self.link = LinkEmulator(link, server_km=server_km, seed=seed)
        self.timeout_s = float(timeout_s)
        self.realtime = realtime
        self.stand_in_bytes = stand_in_bytes

    @property
    def host(self) -> str:
        return _address(self._target, self.model_name)[0]

    @property
    def port(self) -> int:
        """The endpoint's port, looked up at every request: a restarted endpoint is found again."""
        return _address(self._target, self.model_name)[1]

    @property
    def path(self) -> str:
        return f"/v1/models/{self.model_name}:predict"

    def _wait(self, ms: float) -> None:
        if self.realtime:
            LinkEmulator.wait(ms)

    def classify(self, frame, index: int = 0) -> Reading:
        """Send one frame; returns a Reading (``ok=False`` with a one-sentence error on any failure)."""
        budget_ms = self.timeout_s * 1000.0
        t = time.perf_counter()
        body = json.dumps({"instances": [np.asarray(frame, dtype=np.float32).tolist()]}).encode("utf-8")
        phases = {"serialise": (time.perf_counter() - t) * 1000.0}
        reading = Reading(index, ok=False, phases=phases, request_bytes=len(body))
        delays = self.link.delays(self.stand_in_bytes or len(body))
        if delays.down:
            reading.error = "link down: the request never left the device"
            return reading
        phases["upload"] = delays.upload_ms
        phases["propagate"] = delays.propagate_ms
        if delays.lost:
            self._wait(budget_ms - phases["serialise"])
            reading.error = f"no reply within {self.timeout_s:g} s (the request was lost on the link)"
            return reading
        outbound = delays.upload_ms + delays.propagate_ms / 2
        if phases["serialise"] + outbound >= budget_ms:
            self._wait(budget_ms - phases["serialise"])
            reading.error = f"no reply within {self.timeout_s:g} s (the link is too slow for this request)"
            return reading
        self._wait(outbound)
        remaining_s = (budget_ms - phases["serialise"] - outbound) / 1000.0
        try:
            status, answer, infer_ms, http_ms, nbytes = self._post(body, remaining_s)
        except EndpointError as err:
            if err.kind == "timeout":
                reading.error = f"no reply within {self.timeout_s:g} s (the server took too long)"
            else:
                reading.error = str(err)
            return reading
        reading.response_bytes = nbytes
        return_ms = nbytes * 8 / (self.link.profile.uplink_mbps * 1e3)
        self._wait(delays.propagate_ms / 2 + return_ms)
        phases.update({"http": max(http_ms - infer_ms, 0.0), "infer": infer_ms, "return": return_ms})
        if reading.total_ms > budget_ms:
            reading.error = f"no reply within {self.timeout_s:g} s (the answer came after {reading.total_ms:.0f} ms)"
            return reading
        if status != 200:
            reading.error = f"the endpoint refused the request ({status}): {answer.get('error', '')}"
            return reading
        scores = _scores(answer, f"{self.host}:{self.port}")
        if isinstance(scores, str):
            reading.error = scores
            return reading
        reading.ok, reading.scores, reading.label = True, scores, int(np.argmax(scores))
        return reading

    def _post(self, body: bytes, timeout_s: float) -> tuple[int, dict, float, float, int]:
        """The real HTTP request: (status, JSON answer, server inference ms, round trip ms, reply bytes);
        raises EndpointError on any transport or protocol failure."""
        host, port = self.host, self.port
        start = time.perf_counter()
        status, headers, reply = exchange(host, port, "POST", self.path, body, timeout_s)
        http_ms = (time.perf_counter() - start) * 1000.0
        answer = _json_reply(status, reply, f"{host}:{port}")
        return status, answer, _header_ms(headers, "X-Inference-Ms", f"{host}:{port}"), http_ms, len(reply)

    def stream(self, frames, cut=None, progress: bool = False) -> list[Reading]:
        """Send every frame in order; ``cut=(first, last)`` takes the link down for those frame indices."""
        frames = list(frames)
        if cut is not None and (len(cut) != 2 or not 0 <= cut[0] <= cut[1]):
            raise CourseError(f"cut must be (first_frame, last_frame) with first <= last, got {cut!r}.")
        bar = _progress(len(frames)) if progress else None
        readings = []
        for i, frame in enumerate(frames):
            if cut is not None:
                if cut[0] <= i <= cut[1]:
                    self.link.cut()
                else:
                    self.link.restore()
            readings.append(self.classify(frame, index=i))
            if bar is not None:
                bar.value = i + 1
        self.link.restore()
        return readings


def _scores(answer: dict, where: str) -> list | str:
    """The first prediction's scores, or the sentence saying why the answer has none."""
    predictions = answer.get("predictions")
    scores = predictions[0] if isinstance(predictions, list) and predictions else None
    if not isinstance(scores, list) or not scores or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in scores):
        return f"The endpoint at {where} answered 200 without a list of scores under \"predictions\"."
    return scores


def post_event(target, event: dict, timeout_s: float = 2.0) -> int:
    """Send an edge device's conclusion (a small JSON object) to the endpoint's /v1/events; returns its bytes.

    Raises CourseError (one sentence) when the endpoint cannot be reached, fails, or refuses the event.
    """
    if not isinstance(event, dict):
        raise CourseError(f"An event must be a dict such as {{'event': 'person at door'}}, got {type(event).__name__}.")
    host, port, _ = _address(target, "events")
    try:
        body = json.dumps(event, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as err:
        raise CourseError(f"The event cannot be sent as JSON ({err}).") from None
    status, _, reply = exchange(host, port, "POST", "/v1/events", body, timeout_s)
    if status != 200:
        answer = _json_reply(status, reply, f"{host}:{port}")
        raise CourseError(f"The endpoint refused the event ({status}): {answer.get('error', 'no reason given')}")
    return len(body)


def phase_means(readings: list[Reading]) -> dict:
    """Mean milliseconds of each phase over the successful readings (phase -> ms)."""
    good = [r for r in readings if r.ok]
    if not good:
        raise CourseError("No reading succeeded, so there is no time to split into phases.")
    return {p: float(np.mean([r.phases.get(p, 0.0) for r in good])) for p in PHASES}


def failures(readings: list[Reading]) -> dict:
    """How many readings failed, by reason (the text before any parenthesis)."""
    counts: dict[str, int] = {}
    for r in readings:
        if not r.ok:
            reason = r.error.split(" (")[0]
            counts[reason] = counts.get(reason, 0) + 1
    return counts


# ---------------------------------------------------------------- many cameras at once


def load_test(target, clients=DEFAULT_CLIENTS, seconds: float = 0.5, frames=None, *, model_name: str | None = None,
              timeout_s: float = 30.0, max_requests: int = 5_000, progress: bool = False):
    """Closed-loop load on a running endpoint: one row per number of concurrent ``clients``.

    At each level that many threads start together; each is a camera that sends a frame, waits for
    the answer and sends the next, for ``seconds`` (the requests in flight then finish), and at most
    ``max_requests`` in all (``target``: a CloudEndpoint, or a URL with ``model_name``). A row gives what was answered and what failed (by kind), throughput
    (answers per second of wall time), the client's p50 / p99 / mean latency, and the server's means
    for waiting in its queue, running the model, and the batch size the model ran. Returns a Table.
    """
    from utils.tables import Table

    levels = _levels(clients)
    number(seconds, "seconds", high=30, above=0, unit="seconds per level")
    number(max_requests, "max_requests", 1, whole=True)
    number(timeout_s, "timeout_s", above=0, unit="seconds")
    if getattr(target, "running", True) is False:
        raise CourseError("The endpoint is stopped: call start() before load-testing it.")
    host, port, name = _address(target, model_name)
    bodies = _bodies(target, frames)
    bar = _progress(len(levels), "clients", f"load-testing the endpoint at {len(levels)} levels of concurrency") \
        if progress else None
    rows = Table()
    for i, n in enumerate(levels):
        rows.append(_one_level(host, port, f"/v1/models/{name}:predict", bodies, n, float(seconds),
                               float(timeout_s), max_requests))
        if bar is not None:
            bar.value = i + 1
    return rows


def _levels(clients) -> list[int]:
    levels = [] if isinstance(clients, (str, bytes, dict)) else list(clients) if hasattr(clients, "__iter__") else [clients]
    if not levels:
        raise CourseError(f"clients must be a number or a list of numbers of concurrent clients, got {clients!r}.")
    return [number(n, "clients (concurrent clients)", 1, MAX_CLIENTS, whole=True) for n in levels]


def _bodies(target, frames) -> list[bytes]:
    """Up to 64 request bodies, serialised once (the load measures the server, not JSON encoding)."""
    if frames is None:
        shape = getattr(target, "instance_shape", None)
        if shape is None:
            raise CourseError("Pass frames=... (a batch of inputs): a URL does not say what shape the model takes.")
        frames = np.zeros((1, *shape), dtype=np.float32)
    frames = np.asarray(frames, dtype=np.float32) if not isinstance(frames, np.ndarray) else frames
    if frames.ndim < 2 or len(frames) == 0:
        raise CourseError(f"frames must be a non-empty batch of inputs, got an array of shape {frames.shape}.")
    return [json.dumps({"instances": [f.tolist()]}).encode("utf-8") for f in frames[:64]]


def _one_level(host: str, port: int, path: str, bodies: list[bytes], n: int, seconds: float,
               timeout_s: float, max_requests: int) -> dict:
    lock = threading.Lock()
    answered: list[tuple[float, float, float, float, float]] = []  # (done at, latency, queue, model, batch)
    failed: dict[str, int] = {}
    left = [max_requests]
    gate = threading.Barrier(n + 1)  # every client starts at once
    stop_at = [0.0]

    def client(i: int) -> None:
        try:
            gate.wait(timeout=10)
        except threading.BrokenBarrierError:
            return
        k = i
        while True:
            with lock:
                if left[0] <= 0 or time.perf_counter() >= stop_at[0]:
                    return
                left[0] -= 1
            body, k = bodies[k % len(bodies)], k + n
            start = time.perf_counter()
            try:
                status, headers, _ = exchange(host, port, "POST", path, body, timeout_s)
                why = None if status == 200 else f"HTTP {status}"
            except EndpointError as err:
                status, headers, why = 0, {}, err.kind
            done = time.perf_counter()
            with lock:
                if why is not None:
                    failed[why] = failed.get(why, 0) + 1
                else:
                    answered.append((done, (done - start) * 1000.0, _number(headers.get("x-queue-ms")),
                                     _number(headers.get("x-inference-ms")), _number(headers.get("x-batch-size"))))

    threads = [threading.Thread(target=client, args=(i,), name=f"load-client-{i}", daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    try:
        gate.wait(timeout=10)
    except threading.BrokenBarrierError:
        raise CourseError(f"Could not start {n} client threads within 10 s; try fewer clients.") from None
    for t in threads:
        t.join(timeout=seconds + timeout_s + 5)
    row = {"clients": n, "answered": len(answered), "failed": sum(failed.values())}
    if answered:
        done, latency, waited, model, batch = (np.array(c) for c in zip(*answered, strict=True))
        p50, p99 = np.percentile(latency, [50, 99])
        row.update({"throughput_rps": len(answered) / max(done.max() - began, 1e-9), "p50_ms": float(p50),
                    "p99_ms": float(p99), "mean_ms": float(latency.mean()), "queue_ms": _mean(waited),
                    "model_ms": _mean(model), "batch": _mean(batch)})
    else:
        row.update({k: float("nan") for k in ("throughput_rps", "p50_ms", "p99_ms", "mean_ms", "queue_ms",
                                              "model_ms", "batch")})
    if failed:
        row["why"] = ", ".join(f"{k}: {v}" for k, v in sorted(failed.items()))
    return row


def _mean(values: np.ndarray) -> float:
    """The mean of the values a server reported (NaN when it reported none)."""
    known = values[np.isfinite(values)]
    return float(known.mean()) if len(known) else float("nan")


def _number(text) -> float:
    """A server header as a number (NaN when missing or not a number: another server may not send it)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def _address(target, model_name) -> tuple[str, int, str]:
    if hasattr(target, "address") and hasattr(target, "name"):
        host, port = target.address
        return host, port, model_name or target.name
    if isinstance(target, str) and target.startswith("http://"):
        hostport = target[len("http://") :].split("/")[0]
        host, _, port = hostport.partition(":")
        if not port.isdigit() or not model_name:
            raise CourseError("Give the URL as http://HOST:PORT and also pass model_name='digits'.")
        return host, int(port), model_name
    raise CourseError(f"target must be a CloudEndpoint or a URL like http://127.0.0.1:8501, got {target!r}.")


def _progress(total: int, description: str = "frames", text: str | None = None):
    """A small progress bar in Jupyter (none elsewhere)."""
    try:
        import ipywidgets as widgets

        from utils.display import display_with_static_copy
    except ImportError:
        return None
    bar = widgets.IntProgress(value=0, min=0, max=total, description=description)
    # a saved copy (GitHub, exported HTML) cannot draw the bar: it shows one line of text instead
    text = text or f"sending {total} frames to the endpoint"
    display_with_static_copy(bar, f"<small>{text}</small>", text)
    return bar
