"""A real cloud inference endpoint on this machine: HTTP on 127.0.0.1, TensorFlow Serving's REST shape.

Defined for lesson 01; lessons 04 and 08 reuse it. ``CloudEndpoint(model, name="digits")`` starts
a background HTTP server on a free port of the loopback interface (never reachable from another
machine) that serves a Keras model the way TensorFlow Serving does:

- ``POST /v1/models/NAME:predict`` with ``{"instances": [...]}`` -> ``{"predictions": [...]}``;
  the server's inference time is in the ``X-Inference-Ms`` response header.
- ``GET /v1/models/NAME`` -> the model's status (``AVAILABLE``).
- ``POST /v1/events`` with any small JSON object -> ``{"status": "received"}``: where an edge
  device sends its conclusion instead of its raw data (lesson 04).

A malformed request gets a 400 with ``{"error": "<one sentence>"}`` and the server stays up.
Every request is kept in ``endpoint.log``: the operator's view of what devices send (lesson 04).
Stop it with ``endpoint.stop()``, a ``with`` block, or let the interpreter's exit do it.
"""

from __future__ import annotations

import atexit
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from utils.errors import CourseError

HOST = "127.0.0.1"  # loopback only: the endpoint is never reachable from the network
MAX_BODY_BYTES = 4_000_000  # a few MB: far above any lesson's request, small enough to refuse floods
LOG_LIMIT = 10_000  # keep the newest requests only, so a long run cannot fill memory


@dataclass
class LogEntry:
    """One request as the cloud operator sees it."""

    time: float
    client: str
    method: str
    path: str
    status: int
    body_bytes: int
    summary: str
    payload: object = field(default=None, repr=False)  # decoded body: frames or an event


class _Handler(BaseHTTPRequestHandler):
    server_version = "CourseServing/1.0"
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # the endpoint keeps its own log; stderr chatter would clutter notebooks

    # -- plumbing
    @property
    def endpoint(self) -> CloudEndpoint:
        return self.server.endpoint  # type: ignore[attr-defined]

    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _record(self, status: int, nbytes: int, summary: str, payload=None) -> None:
        self.endpoint._log.append(
            LogEntry(time.time(), self.client_address[0], self.command, self.path, status, nbytes, summary, payload)
        )

    def _fail(self, status: int, message: str, nbytes: int = 0) -> None:
        self._record(status, nbytes, f"rejected: {message}")
        self._send(status, {"error": message})

    def _read_json(self):
        """The request body as JSON, or None after answering with a 4xx."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            self._fail(400, "The Content-Length header is not a number.")
            return None
        if length > MAX_BODY_BYTES:
            self._fail(413, f"The request body has {length} bytes; this endpoint accepts at most {MAX_BODY_BYTES}.")
            return None
        raw = self.rfile.read(length) if length > 0 else b""
        if not raw:
            self._fail(400, "The request body is empty: send JSON such as {\"instances\": [...]}.", 0)
            return None
        try:
            return json.loads(raw.decode("utf-8")), len(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            self._fail(400, f"The request body is not valid JSON ({err.__class__.__name__} at byte {getattr(err, 'pos', 0)}).", len(raw))
            return None

    def _drain(self) -> None:
        # read (and drop) the body of a request we refuse, so the client is not cut off mid-send
        try:
            length = min(int(self.headers.get("Content-Length", "0")), MAX_BODY_BYTES)
        except ValueError:
            return
        if length > 0:
            self.rfile.read(length)

    # -- routes
    def do_GET(self):  # noqa: N802 - http.server's naming
        ep = self.endpoint
        if self.path.rstrip("/") == f"/v1/models/{ep.name}":
            self._record(200, 0, "status query")
            self._send(200, {"model_version_status": [
                {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
            ]})
        elif self.path.startswith("/v1/models/"):
            self._fail(404, f"No model at {self.path}; this endpoint serves /v1/models/{ep.name}.")
        else:
            self._fail(404, f"Unknown path {self.path}; try GET /v1/models/{ep.name}.")

    def do_POST(self):  # noqa: N802 - http.server's naming
        ep = self.endpoint
        if self.path == "/v1/events":
            return self._event()
        if self.path != f"/v1/models/{ep.name}:predict":
            self._drain()
            if self.path.startswith("/v1/models/") and self.path.endswith(":predict"):
                return self._fail(404, f"No model called {self.path[11:-8]!r}; this endpoint serves {ep.name!r}.")
            return self._fail(404, f"Unknown path {self.path}; POST to /v1/models/{ep.name}:predict.")
        got = self._read_json()
        if got is None:
            return
        body, nbytes = got
        try:
            batch = ep._validate(body)
        except CourseError as err:
            return self._fail(400, str(err), nbytes)
        try:
            start = time.perf_counter()
            predictions = ep._predict(batch)
            infer_ms = (time.perf_counter() - start) * 1000.0
        except Exception as err:  # the model failed: answer 500 in one sentence and keep serving
            return self._fail(500, f"The model failed on this request ({type(err).__name__}).", nbytes)
        self._record(200, nbytes, f"{len(batch)} instance(s) of shape {batch.shape[1:]}", batch)
        self._send(200, {"predictions": predictions.tolist()}, {"X-Inference-Ms": f"{infer_ms:.3f}"})

    def _event(self):
        got = self._read_json()
        if got is None:
            return
        body, nbytes = got
        if not isinstance(body, dict):
            return self._fail(400, "An event must be a JSON object such as {\"event\": \"person at door\"}.", nbytes)
        self._record(200, nbytes, "event: " + json.dumps(body)[:120], body)
        self._send(200, {"status": "received"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # a client that gave up (timeout) closes its socket: that is the client's story, not a server fault
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class CloudEndpoint:
    """A running inference server for ``model`` on 127.0.0.1 (a free port), in a background thread.

    ``model`` is a Keras model (or any callable that maps a float32 batch to scores, in which case
    pass ``input_shape``, the shape of one instance). Use as ``with CloudEndpoint(m) as ep: ...`` or
    call ``stop()``; an interpreter exit stops it too.
    """

    def __init__(self, model, name: str = "digits", input_shape: tuple | None = None, start: bool = True):
        if not isinstance(name, str) or not name or not name.replace("_", "").replace("-", "").isalnum():
            raise CourseError(f"The model name {name!r} must be letters, digits, '-' or '_' (it goes into the URL).")
        if not callable(model):
            raise CourseError(f"Expected a Keras model or a function, got {type(model).__name__}.")
        self.model = model
        self.name = name
        self.instance_shape, self.fixed_batch = _shapes(model, input_shape)
        self._log: deque[LogEntry] = deque(maxlen=LOG_LIMIT)
        self._lock = threading.Lock()  # one inference at a time: repeatable timings, no TF contention
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    # -- life cycle
    def start(self) -> CloudEndpoint:
        """Bind a free port on 127.0.0.1, warm the model up, and serve in a daemon thread."""
        if self.running:
            return self
        self._predict(np.zeros((1, *self.instance_shape), dtype=np.float32))  # first call builds the graph
        server = _Server((HOST, 0), _Handler)
        server.endpoint = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"endpoint-{self.name}", daemon=True
        )
        self._thread.start()
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        """Stop serving and free the port (safe to call twice)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        atexit.unregister(self.stop)

    def __enter__(self) -> CloudEndpoint:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"serving at {self.url}" if self.running else "stopped"
        return f"<CloudEndpoint {self.name!r} {state}>"

    # -- addresses
    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise CourseError("The endpoint is stopped: call start() first.")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def predict_url(self) -> str:
        return f"{self.url}/v1/models/{self.name}:predict"

    @property
    def events_url(self) -> str:
        return f"{self.url}/v1/events"

    # -- the operator's view
    @property
    def log(self) -> list[LogEntry]:
        """Every request received (newest last), with what it carried."""
        return list(self._log)

    def clear_log(self) -> None:
        self._log.clear()

    def bytes_received(self) -> int:
        """Total request-body bytes received since the log was last cleared."""
        return sum(e.body_bytes for e in self._log)

    # -- inference
    def _validate(self, body) -> np.ndarray:
        if not isinstance(body, dict) or "instances" not in body:
            raise CourseError('The JSON body needs an "instances" list, e.g. {"instances": [frame, ...]}.')
        instances = body["instances"]
        if not isinstance(instances, list) or not instances:
            raise CourseError('"instances" must be a non-empty list of inputs.')
        try:
            batch = np.asarray(instances, dtype=np.float32)
        except (TypeError, ValueError):
            raise CourseError('"instances" must hold numbers only, all of the same shape.') from None
        if batch.shape[1:] != self.instance_shape:
            raise CourseError(
                f"Each instance has shape {batch.shape[1:]} but model {self.name!r} expects {self.instance_shape}."
            )
        if not np.all(np.isfinite(batch)):
            raise CourseError('"instances" contains NaN or infinity; send finite numbers.')
        return batch

    def _predict(self, batch: np.ndarray) -> np.ndarray:
        with self._lock:
            if self.fixed_batch:
                # a fixed-batch edge model (batch_size=1) takes its instances one at a time
                parts = [_call(self.model, batch[i : i + self.fixed_batch]) for i in range(0, len(batch), self.fixed_batch)]
                return np.concatenate(parts)
            return _call(self.model, batch)


def _call(model, batch: np.ndarray) -> np.ndarray:
    out = model(batch, training=False) if hasattr(model, "layers") else model(batch)
    return np.asarray(out, dtype=np.float32)


def _shapes(model, input_shape) -> tuple[tuple, int]:
    """(shape of one instance, fixed batch size or 0) from the model or ``input_shape``."""
    if input_shape is None:
        shape = getattr(model, "input_shape", None)
        if shape is None:
            raise CourseError("This model has no input_shape: pass input_shape=(8, 8, 1) (one instance's shape).")
        if isinstance(shape, list):
            raise CourseError("The endpoint serves single-input models only; this one has several inputs.")
        return tuple(int(d) for d in shape[1:]), int(shape[0] or 0)
    if not all(isinstance(d, int) and d > 0 for d in input_shape):
        raise CourseError(f"input_shape must be positive whole numbers such as (8, 8, 1), got {input_shape!r}.")
    return tuple(input_shape), 0
