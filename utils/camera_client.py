"""A "camera" that sends its frames to a cloud endpoint over an emulated link, and times every phase.

Defined for lesson 01; lessons 04 and 08 reuse it. ``CloudCamera(endpoint, link="4G")`` sends
each frame as a real HTTP request (TensorFlow Serving's ``{"instances": [...]}``) to a
:class:`utils.cloud_endpoint.CloudEndpoint` on 127.0.0.1 and reports, per frame:

measured on this machine
    ``serialise`` (frame -> JSON bytes), ``http`` (the real request over loopback, including the
    server parsing it, minus inference), ``infer`` (the model's time, reported by the server).
emulated from the cited link profile (``utils.network.LinkEmulator``)
    ``upload`` (request bytes / uplink bandwidth), ``propagate`` (one round trip with jitter),
    ``return`` (response bytes / bandwidth). With ``realtime=True`` the camera really waits
    these times, so the wall clock and the timeout behave as on the real link.

Failures are explicit: every request has a ``timeout_s`` budget; a lost request, a cut link or
an unreachable server gives a reading with ``ok=False`` and a one-line ``error``, never an exception.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass, field

import numpy as np

from utils.errors import CourseError
from utils.network import LinkEmulator, LinkProfile

PHASES = ("serialise", "upload", "propagate", "http", "infer", "return")
MEASURED = ("serialise", "http", "infer")
EMULATED = ("upload", "propagate", "return")


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

    ``target`` is a running ``CloudEndpoint`` (or its base URL ``http://127.0.0.1:PORT`` plus
    ``model_name``). ``stand_in_bytes``, when given, is the byte count the upload is timed for (for
    example one frame of a real 1080p stream) while the small frame itself is what travels.
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
        host, port, name = _address(target, model_name)
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not timeout_s > 0:
            raise CourseError(f"timeout_s must be a positive number of seconds, got {timeout_s!r}.")
        if stand_in_bytes is not None and (not isinstance(stand_in_bytes, int) or stand_in_bytes <= 0):
            raise CourseError(f"stand_in_bytes must be a positive whole number of bytes, got {stand_in_bytes!r}.")
        self.host, self.port, self.model_name = host, port, name
        self.link = LinkEmulator(link, server_km=server_km, seed=seed)
        self.timeout_s = float(timeout_s)
        self.realtime = realtime
        self.stand_in_bytes = stand_in_bytes

    @property
    def path(self) -> str:
        return f"/v1/models/{self.model_name}:predict"

    def _wait(self, ms: float) -> None:
        if self.realtime:
            LinkEmulator.wait(ms)

    def classify(self, frame, index: int = 0) -> Reading:
        """Send one frame; returns a Reading (``ok=False`` with an error on any failure)."""
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
            status, reply, infer_ms, http_ms = self._post(body, remaining_s)
        except TimeoutError:
            reading.error = f"no reply within {self.timeout_s:g} s (the server took too long)"
            return reading
        except OSError as err:
            reading.error = f"cannot reach the endpoint at {self.host}:{self.port} ({type(err).__name__})"
            return reading
        reading.response_bytes = len(reply)
        return_ms = len(reply) * 8 / (self.link.profile.uplink_mbps * 1e3)
        self._wait(delays.propagate_ms / 2 + return_ms)
        phases.update({"http": max(http_ms - infer_ms, 0.0), "infer": infer_ms, "return": return_ms})
        if reading.total_ms > budget_ms:
            reading.error = f"no reply within {self.timeout_s:g} s (the answer came after {reading.total_ms:.0f} ms)"
            return reading
        try:
            answer = json.loads(reply)
        except json.JSONDecodeError:
            reading.error = f"the endpoint answered {status} with a body that is not JSON"
            return reading
        if status != 200:
            reading.error = f"the endpoint refused the request ({status}): {answer.get('error', '')}"
            return reading
        scores = answer["predictions"][0]
        reading.ok, reading.scores, reading.label = True, scores, int(np.argmax(scores))
        return reading

    def _post(self, body: bytes, timeout_s: float) -> tuple[int, bytes, float, float]:
        """The real HTTP request: (status, body, server inference ms, measured round trip ms); may raise TimeoutError."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout_s)
        try:
            start = time.perf_counter()
            conn.request("POST", self.path, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            reply = response.read()
            http_ms = (time.perf_counter() - start) * 1000.0
        finally:
            conn.close()
        infer_ms = float(response.getheader("X-Inference-Ms", "0") or 0)
        return response.status, reply, infer_ms, http_ms

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


def post_event(target, event: dict, timeout_s: float = 2.0) -> int:
    """Send an edge device's conclusion (a small JSON object) to the endpoint's /v1/events; returns its bytes.

    Raises CourseError when the endpoint cannot be reached or refuses the event.
    """
    if not isinstance(event, dict):
        raise CourseError(f"An event must be a dict such as {{'event': 'person at door'}}, got {type(event).__name__}.")
    host, port, _ = _address(target, "events")
    body = json.dumps(event).encode("utf-8")
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request("POST", "/v1/events", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        reply = response.read()
    except OSError as err:
        raise CourseError(f"Cannot reach the endpoint at {host}:{port} ({type(err).__name__}): is it running?") from None
    finally:
        conn.close()
    if response.status != 200:
        raise CourseError(f"The endpoint refused the event ({response.status}): {reply.decode('utf-8', 'replace')}")
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


def _address(target, model_name) -> tuple[str, int, str]:
    if hasattr(target, "port") and hasattr(target, "name"):
        return "127.0.0.1", target.port, model_name or target.name
    if isinstance(target, str) and target.startswith("http://"):
        hostport = target[len("http://") :].split("/")[0]
        host, _, port = hostport.partition(":")
        if not port.isdigit() or not model_name:
            raise CourseError("Give the URL as http://HOST:PORT and also pass model_name='digits'.")
        return host, int(port), model_name
    raise CourseError(f"target must be a CloudEndpoint or a URL like http://127.0.0.1:8501, got {target!r}.")


def _progress(total: int):
    """A small progress bar in Jupyter (none elsewhere)."""
    try:
        import ipywidgets as widgets

        from utils.display import display_with_static_copy
    except ImportError:
        return None
    bar = widgets.IntProgress(value=0, min=0, max=total, description="frames")
    # a saved copy (GitHub, exported HTML) cannot draw the bar: it shows one line of text instead
    text = f"sending {total} frames to the endpoint"
    display_with_static_copy(bar, f"<small>{text}</small>", text)
    return bar
