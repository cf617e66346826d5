"""A real cloud inference endpoint on this machine: HTTP on 127.0.0.1, TensorFlow Serving's REST shape.

Defined for lesson 01; lessons 04 and 08 reuse it. ``CloudEndpoint(model, name="digits")`` starts
a background HTTP server on the loopback interface (never reachable from another machine) that
serves a Keras model the way TensorFlow Serving does:

- ``POST /v1/models/NAME:predict`` with ``{"instances": [...]}`` -> ``{"predictions": [...]}``;
  response headers give the server's side of the time: ``X-Inference-Ms`` (the model call),
  ``X-Queue-Ms`` (waiting for the model) and ``X-Batch-Size`` (instances in that model call).
- ``GET /v1/models/NAME`` -> the model's status (``AVAILABLE``).
- ``POST /v1/events`` with any JSON object -> ``{"status": "received"}``: where an edge device
  sends its conclusion instead of its raw data (lesson 04).

It behaves as a small real server: a listen backlog of 1,024 connections; an idle timeout (no
byte for ``idle_timeout_s``) and a read timeout (the whole request within ``read_timeout_s``);
one model worker that requests queue for, optionally with dynamic batching (``max_batch_size``,
``batch_timeout_ms``, as TF Serving's batching); an optional fixed ``port`` that a restart keeps;
and ``stop()`` closes the listener, refuses requests still arriving, lets the ones already
read finish (up to ``drain_s``), and returns once every connection is closed.

Every refusal, for every method and path, is a JSON body ``{"error": "<one sentence>"}`` with a
4xx (or 5xx) status, and the server stays up. ``endpoint.log`` is the operator's view (lesson 04): a
summary of every request, and the body itself only of small ones, bounded in bytes.
"""

from __future__ import annotations

import atexit
import io
import json
import queue
import re
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from utils.errors import CourseError, number, shown

HOST = "127.0.0.1"  # loopback only: the endpoint is never reachable from the network
BACKLOG = 1024  # connections the kernel queues before accept(): a burst of 128 cameras fits
MAX_BODY_BYTES = 4_000_000  # a few MB: far above any lesson's request, small enough to refuse floods
DISCARD_BYTES = 64_000_000  # the most of a refused body read and dropped, so its sender sees the answer
LINGER_S = 2.0  # how long a refused body may keep arriving before the connection is closed anyway
IDLE_TIMEOUT_S = 5.0  # a connection that sends (or takes) no byte for this long is closed
READ_TIMEOUT_S = 15.0  # the whole request must arrive within this, however slowly it trickles
DRAIN_S = 2.0  # stop(): work already read gets this long to finish
CHUNK = 256  # instances per model call when batching is off: a huge request cannot hold the model for long
LOG_LIMIT = 10_000  # newest requests kept in the log
LOG_BYTES = 2_000_000  # and at most this many bytes of it (summaries plus kept bodies)
LOG_BODY_BYTES = 16_384  # bodies up to this size are kept (a digit frame is ~600 B); larger ones are summarised
LOG_ENTRY_BYTES = 400  # what one entry costs beside its summary and body (object, strings, numbers)
SUMMARY_CHARS = 120


@dataclass(eq=False)
class LogEntry:
    """One request as the cloud operator sees it: who, what, how big, and (if small) the body itself."""

    time: float
    client: str
    method: str
    path: str
    status: int
    body_bytes: int
    summary: str
    body: bytes | None = field(default=None, repr=False)  # the raw body, kept only when small

    @property
    def payload(self):
        """What the request carried, decoded: the frames (float32 array) or the event; None if not kept."""
        if self.body is None:
            return None
        data = json.loads(self.body)
        if self.path.endswith(":predict"):
            return np.asarray(data["instances"], dtype=np.float32)
        return data

    @property
    def cost(self) -> int:
        """Bytes this entry holds in the log, as the log's byte bound counts them."""
        return LOG_ENTRY_BYTES + len(self.summary) + len(self.body or b"")


class _Refusal(Exception):
    """A request the endpoint refuses; the message is the one sentence the client gets."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class _Stopping(Exception):
    """The model worker has stopped: the endpoint is shutting down."""


# ---------------------------------------------------------------- reading requests


def parse_json(raw: bytes):
    """The request body as JSON, or a _Refusal with one sentence (never another exception)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _Refusal(f"The request body is not UTF-8 text (byte {err.start} cannot be decoded).") from None
    if _nesting_depth(text) > MAX_JSON_DEPTH:
        raise _Refusal("The request body nests lists or objects too deeply; an instance needs a few levels.")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except _Refusal:
        raise
    except json.JSONDecodeError as err:
        raise _Refusal(f"The request body is not valid JSON ({err.msg} at character {err.pos}).") from None
    except RecursionError:
        raise _Refusal("The request body nests lists or objects too deeply; an instance needs a few levels.") from None
    except (ValueError, OverflowError):
        limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        raise _Refusal(f"The request body holds an integer longer than {limit:,} digits; send numbers "
                       "that fit a float.") from None
    except MemoryError:
        raise _Refusal("The request body is too complex to decode in memory; send fewer values.") from None


# Checked before decoding: whether json.loads fails at 3,000 levels depends on the Python version.
MAX_JSON_DEPTH = 100  # an instance needs a few levels; 100 leaves room for any model here
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _nesting_depth(text: str) -> int:
    """The deepest nesting of [ and { in ``text``, brackets inside strings left out."""
    codes = np.frombuffer(_JSON_STRING.sub("", text).encode("utf-8"), dtype=np.uint8)
    if codes.size == 0:
        return 0
    step = np.isin(codes, (ord("["), ord("{"))).astype(np.int64) - np.isin(codes, (ord("]"), ord("}")))
    return int(np.cumsum(step).max())


def _no_constant(name: str):
    raise _Refusal(f"{name} is not a JSON number (JSON has no NaN or Infinity); send finite numbers only.")


_NOT_A_NUMBER = {bool: "true or false", type(None): "null", str: "a string", dict: "an object"}


def instances_array(body, instance_shape: tuple, model_name: str) -> np.ndarray:
    """``body["instances"]`` as a float32 batch of ``instance_shape``; a _Refusal names what is wrong.

    Strict, as a real server must be: numbers only (no strings such as "0.5", no true/false, no
    null), every instance the same shape, every value within float32's range.
    """
    if not isinstance(body, dict) or "instances" not in body:
        raise _Refusal('The JSON body needs an "instances" list, e.g. {"instances": [frame, ...]}.')
    instances = body["instances"]
    if not isinstance(instances, list) or not instances:
        raise _Refusal('"instances" must be a non-empty list of inputs.')
    try:
        grid = np.array(instances, dtype=object)  # nested lists -> one array of leaves, if regular
    except (ValueError, RecursionError):
        raise _Refusal('The instances are not all the same shape; send equal-length lists.') from None
    kinds = set(map(type, grid.ravel().tolist()))
    if list in kinds and grid.ndim > len(instance_shape) + 1:
        raise _Refusal(f"The instances nest deeper than model {model_name!r} expects (shape {tuple(instance_shape)}).")
    if list in kinds:
        raise _Refusal('The instances are not all the same shape; send equal-length lists.')
    for kind, words in _NOT_A_NUMBER.items():
        if kind in kinds:
            raise _Refusal(f'"instances" holds {words} where a number belongs; send numbers only.')
    if not kinds <= {int, float}:
        raise _Refusal('"instances" must hold numbers only, all of the same shape.')
    if grid.shape[1:] != tuple(instance_shape):
        raise _Refusal(f"Each instance has shape {grid.shape[1:]} but model {model_name!r} expects "
                       f"{tuple(instance_shape)}.")
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            batch = grid.astype(np.float32)
    except OverflowError:
        batch = None
    if batch is None or not np.all(np.isfinite(batch)):
        raise _Refusal('"instances" holds a number beyond float32\'s range (about 3.4e38); send smaller numbers.')
    return batch


class _DeadlineReader(io.RawIOBase):
    """A socket reader with two limits: ``idle_s`` per wait for bytes, ``deadline`` for the whole request."""

    def __init__(self, sock: socket.socket, idle_s: float, read_s: float):
        self.sock, self.idle_s = sock, idle_s
        self.deadline = time.monotonic() + read_s
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request's read deadline passed")
        self.sock.settimeout(min(self.idle_s, remaining))
        n = self.sock.recv_into(buffer)
        self.received += n
        return n


class _Writer(io.BufferedIOBase):
    """Writes go straight to the socket, whole (sendall)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sock.sendall(data)
        return len(data)


# ---------------------------------------------------------------- the HTTP side


class _Handler(BaseHTTPRequestHandler):
    server_version = "CourseServing/1.1"
    protocol_version = "HTTP/1.0"  # one request per connection: a connection's end is the request's end
    default_request_version = "HTTP/1.0"  # so even an answer to a garbled request line has a status line

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # the endpoint keeps its own log; stderr chatter would clutter notebooks

    @property
    def endpoint(self) -> CloudEndpoint:
        return self.server.endpoint  # type: ignore[attr-defined]

    def setup(self) -> None:
        srv = self.server
        self.connection = self.request
        self.reader = _DeadlineReader(self.request, srv.idle_timeout_s, srv.read_timeout_s)
        self.rfile = io.BufferedReader(self.reader, buffer_size=65536)
        self.wfile = _Writer(self.request)
        self.working = False  # True once the request is read and its work began (stop() drains it)
        self.command, self.path, self.request_version, self.requestline = "", "", "HTTP/1.0", ""
        self.close_connection = True

    def finish(self) -> None:
        self.rfile.close()

    def handle(self) -> None:
        try:
            self._one_request()
        except TimeoutError:
            self._timed_out()
        except OSError:
            pass  # the client went away, or stop() closed the connection: nobody to answer
        except Exception as err:  # a bug must cost one request, never the server
            self._fail(500, f"The endpoint failed on this request ({type(err).__name__}).")

    def _one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return self._linger(DISCARD_BYTES)
        if not self.raw_requestline:
            return  # connected and closed without a request
        if not self.parse_request():
            return self._linger(DISCARD_BYTES)  # parse_request answered through send_error
        raw = self._read_body()
        if raw is None:
            return
        self._route(raw)

    # -- answers
    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        if self.server.stopping and not self.working:
            return  # stop() refuses what it has not started: no answer after stop() began
        data = json.dumps(body).encode("utf-8")
        self.request.settimeout(self.server.idle_timeout_s)  # a client that does not read is idle too
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _record(self, status: int, nbytes: int, summary: str, body: bytes | None = None) -> None:
        self.endpoint._append(LogEntry(time.time(), self.client_address[0], self.command, self.path[:200],
                                       status, nbytes, summary[:SUMMARY_CHARS], body))

    def _fail(self, status: int, message: str, nbytes: int = 0, headers: dict | None = None) -> None:
        self._record(status, nbytes, f"rejected: {message}")
        self._send(status, {"error": message}, headers)

    def send_error(self, code, message=None, explain=None) -> None:
        # http.server calls this for what it refuses itself (request line, version, headers): JSON too
        code = int(code)
        detail = " ".join(str(message or HTTPStatus(code).phrase).split())[:80]
        self.close_connection = True
        self._fail(code, f"The request line or headers could not be read ({detail}).")

    def _timed_out(self) -> None:
        if self.server.stopping:
            return
        idle, whole = self.server.idle_timeout_s, self.server.read_timeout_s
        if self.reader.received == 0:
            message = f"No request arrived within {idle:g} s of connecting, so the connection is closed."
        elif time.monotonic() >= self.reader.deadline:
            message = f"The request did not arrive in full within {whole:g} s, so the connection is closed."
        else:
            message = f"The request stalled (no byte for {idle:g} s), so the connection is closed."
        try:
            self._fail(408, message)
            self._linger(DISCARD_BYTES)  # a slow sender may still be sending: let it read the answer
        except OSError:
            pass

    def _linger(self, announced: int) -> None:
        """Read and drop what the client is still sending, then close: its send ends cleanly and it reads our answer."""
        try:
            self.request.shutdown(socket.SHUT_WR)  # the answer is complete: the client sees its end
        except OSError:
            return
        left, end = min(announced, DISCARD_BYTES), time.monotonic() + LINGER_S
        chunk = bytearray(65536)
        while left > 0 and (remaining := end - time.monotonic()) > 0:
            try:
                self.request.settimeout(remaining)
                n = self.request.recv_into(chunk)
            except OSError:
                return
            if n == 0:
                return
            left -= n

    def _read_body(self) -> bytes | None:
        """The whole body, or None after refusing it (400, 411, 413); a refused body is still read and dropped
        after the answer (``_linger``), so a client busy sending it gets the answer instead of a reset."""
        if self.headers.get("Transfer-Encoding"):
            self._fail(411, "Send the body with a Content-Length header; chunked transfer encoding is not "
                            "accepted.")
            self._linger(DISCARD_BYTES)
            return None
        declared = self.headers.get("Content-Length", "0").strip()
        if not declared.isdigit():
            self._fail(400, f"The Content-Length header must be a whole number of bytes, got {shown(declared, 30)}.")
            self._linger(DISCARD_BYTES)
            return None
        length = int(declared)
        if length > MAX_BODY_BYTES:
            self._fail(413, f"The request body has {length:,} bytes; this endpoint accepts at most "
                            f"{MAX_BODY_BYTES:,}.", length)
            self._linger(length)
            return None
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            self._fail(400, f"The body ended after {len(raw):,} of the {length:,} bytes its Content-Length "
                            "announced.", len(raw))
            return None
        return raw

    # -- routes
    def _route(self, raw: bytes) -> None:
        name = self.endpoint.name
        path, method = self.path, self.command
        status_path, predict_path = f"/v1/models/{name}", f"/v1/models/{name}:predict"
        if path.rstrip("/") == status_path:
            if method in ("GET", "HEAD"):
                return self._status()
            return self._fail(405, f"{shown(method, 20)} is not allowed on {status_path}; use GET.",
                              len(raw), {"Allow": "GET, HEAD"})
        if path == predict_path or path == "/v1/events":
            if method == "POST":
                return self._predict(raw) if path == predict_path else self._event(raw)
            return self._fail(405, f"{shown(method, 20)} is not allowed on {path}; use POST.", len(raw),
                              {"Allow": "POST"})
        if path.startswith("/v1/models/") and path.endswith(":predict"):
            return self._fail(404, f"No model called {shown(path[11:-8], 40)}; this endpoint serves {name!r}.",
                              len(raw))
        if path.startswith("/v1/models/"):
            return self._fail(404, f"No model at {shown(path, 60)}; this endpoint serves {status_path}.", len(raw))
        return self._fail(404, f"Unknown path {shown(path, 60)}; POST to {predict_path} or GET {status_path}.",
                          len(raw))

    def _status(self) -> None:
        self._record(200, 0, "status query")
        self._send(200, {"model_version_status": [
            {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
        ]})

    def _begin_work(self) -> bool:
        self.working = self.server.begin_work(self.request)
        return self.working

    def _predict(self, raw: bytes) -> None:
        ep = self.endpoint
        if not raw:
            return self._fail(400, "The request body is empty: send JSON such as {\"instances\": [...]}.")
        try:
            batch = instances_array(parse_json(raw), ep.instance_shape, ep.name)
        except _Refusal as err:
            return self._fail(err.status, str(err), len(raw))
        if not self._begin_work():
            return
        try:
            predictions, infer_ms, queue_ms, batch_size = ep._infer(batch)
        except _Stopping:
            return self._fail(503, "The endpoint is stopping and takes no new work; send it again once it runs.",
                              len(raw))
        except Exception as err:  # the model failed: answer 500 in one sentence and keep serving
            return self._fail(500, f"The model failed on this request ({type(err).__name__}).", len(raw))
        kept = raw if len(raw) <= LOG_BODY_BYTES else None
        self._record(200, len(raw), f"{len(batch)} instance(s) of shape {batch.shape[1:]}", kept)
        self._send(200, {"predictions": predictions.tolist()}, {
            "X-Inference-Ms": f"{infer_ms:.3f}", "X-Queue-Ms": f"{queue_ms:.3f}", "X-Batch-Size": str(batch_size)})

    def _event(self, raw: bytes) -> None:
        if not raw:
            return self._fail(400, "The request body is empty: send a JSON object such as {\"event\": \"...\"}.")
        try:
            body = parse_json(raw)
        except _Refusal as err:
            return self._fail(err.status, str(err), len(raw))
        if not isinstance(body, dict):
            return self._fail(400, "An event must be a JSON object such as {\"event\": \"person at door\"}.",
                              len(raw))
        if not self._begin_work():
            return
        text = " ".join(raw[: SUMMARY_CHARS * 2].decode("utf-8", "replace").split())  # from the bytes: no re-encoding
        kept = raw if len(raw) <= LOG_BODY_BYTES else None
        self._record(200, len(raw), "event: " + text, kept)
        self._send(200, {"status": "received"})


class _Server(ThreadingHTTPServer):
    """The listener, and the bookkeeping stop() needs: every open connection, and what it is doing."""

    daemon_threads = True
    block_on_close = False  # stop() joins the connection threads itself, with a limit
    request_queue_size = BACKLOG

    def __init__(self, address, endpoint: CloudEndpoint):
        self.endpoint = endpoint
        self.idle_timeout_s = endpoint.idle_timeout_s
        self.read_timeout_s = endpoint.read_timeout_s
        self.stopping = False
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.connections: dict[socket.socket, list] = {}  # socket -> [state, thread]
        super().__init__(address, _Handler)

    def process_request(self, request, client_address) -> None:
        with self.lock:
            if self.stopping:
                self.shutdown_request(request)
                return
            thread = threading.Thread(target=self.process_request_thread, args=(request, client_address),
                                      name=f"endpoint-{self.endpoint.name}-conn", daemon=True)
            self.connections[request] = ["reading", thread]
            thread.start()  # inside the lock: stop() never sees a thread that has not started

    def process_request_thread(self, request, client_address) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self.lock:
                self.connections.pop(request, None)
                self.changed.notify_all()

    def begin_work(self, request) -> bool:
        """Mark a connection's request as read and being worked on; False once stop() has begun."""
        with self.lock:
            if self.stopping or request not in self.connections:
                return False
            self.connections[request][0] = "working"
            return True

    def handle_error(self, request, client_address) -> None:
        # a client that gave up, or a connection stop() closed, is not a server fault
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def close_connections(self, states: tuple[str, ...]) -> list[threading.Thread]:
        """Shut the sockets of connections in ``states`` (a blocked read returns at once); their threads."""
        with self.lock:
            chosen = [(s, t) for s, (state, t) in self.connections.items() if state in states]
        for sock, _ in chosen:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return [t for _, t in chosen]

    def wait_idle(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        with self.lock:
            while self.connections and (left := end - time.monotonic()) > 0:
                self.changed.wait(left)


# ---------------------------------------------------------------- the model worker


class _Task:
    __slots__ = ("batch", "done", "result", "error", "queued", "queue_ms", "infer_ms", "batch_size")

    def __init__(self, batch: np.ndarray):
        self.batch, self.done = batch, threading.Event()
        self.result = self.error = None
        self.queued = time.perf_counter()
        self.queue_ms = self.infer_ms = 0.0
        self.batch_size = 0


_STOP = object()


class _Worker:
    """One thread runs the model; requests queue for it. With batching on, it collects queued
    requests for up to ``batch_timeout_ms`` or ``max_batch_size`` instances and runs them as one batch."""

    def __init__(self, endpoint: CloudEndpoint):
        self.endpoint = endpoint
        self.queue: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.closed = False
        self.thread = threading.Thread(target=self._run, name=f"endpoint-{endpoint.name}-model", daemon=True)
        self.thread.start()

    def submit(self, batch: np.ndarray) -> _Task:
        task = _Task(batch)
        with self.lock:
            if self.closed:
                raise _Stopping()
            self.queue.put(task)
        return task

    def stop(self, timeout: float) -> None:
        with self.lock:
            self.closed = True
            self.queue.put(_STOP)
        self.thread.join(timeout)

    def _collect(self, first: _Task, limit: int, wait_s: float) -> tuple[list[_Task], object]:
        """``first`` plus what arrives within ``wait_s`` of it, up to ``limit`` instances; and what is left over."""
        tasks, size, deadline = [first], len(first.batch), first.queued + wait_s
        while size < limit:
            remaining = deadline - time.perf_counter()
            try:
                nxt = self.queue.get(timeout=remaining) if remaining > 0 else self.queue.get_nowait()
            except queue.Empty:
                return tasks, None
            if nxt is _STOP or size + len(nxt.batch) > limit:
                return tasks, nxt  # the next batch starts with it
            tasks.append(nxt)
            size += len(nxt.batch)
        return tasks, None

    def _run(self) -> None:
        carried = None
        while True:
            first, carried = (carried if carried is not None else self.queue.get()), None
            if first is _STOP:
                break
            batching = self.endpoint._batching
            tasks = [first]
            if batching is not None:
                tasks, carried = self._collect(first, batching[0], batching[1] / 1000.0)
            self._run_batch(tasks)
        while True:  # stopped: whatever is still queued is refused
            try:
                task = self.queue.get_nowait()
            except queue.Empty:
                return
            if task is not _STOP:
                task.error = _Stopping()
                task.done.set()

    def _run_batch(self, tasks: list[_Task]) -> None:
        start = time.perf_counter()
        try:
            batch = tasks[0].batch if len(tasks) == 1 else np.concatenate([t.batch for t in tasks])
            out = self.endpoint._predict(batch)
        except Exception as err:  # the model failed: every request in the batch gets a 500
            for t in tasks:
                t.error = err
                t.done.set()
            return
        infer_ms = (time.perf_counter() - start) * 1000.0
        at = 0
        for t in tasks:
            t.result, at = out[at: at + len(t.batch)], at + len(t.batch)
            t.queue_ms, t.infer_ms, t.batch_size = (start - t.queued) * 1000.0, infer_ms, len(batch)
            t.done.set()


# ---------------------------------------------------------------- the endpoint


class CloudEndpoint:
    """A running inference server for ``model`` on 127.0.0.1, in background threads.

    ``model`` is a Keras model (or any callable that maps a float32 batch to scores, in which case
    pass ``input_shape``, the shape of one instance). ``port`` fixes the port (default: a free one,
    kept across stop()/start()). ``max_batch_size`` switches dynamic batching on (see
    :meth:`set_batching`). Use as ``with CloudEndpoint(m) as ep: ...`` or call ``stop()``; an
    interpreter exit stops it too.
    """

    def __init__(self, model, name: str = "digits", input_shape: tuple | None = None, start: bool = True, *,
                 port: int | None = None, max_batch_size: int | None = None, batch_timeout_ms: float = 2.0,
                 idle_timeout_s: float = IDLE_TIMEOUT_S, read_timeout_s: float = READ_TIMEOUT_S):
        if not isinstance(name, str) or not name or not name.replace("_", "").replace("-", "").isalnum():
            raise CourseError(f"The model name {name!r} must be letters, digits, '-' or '_' (it goes into the URL).")
        if not callable(model):
            raise CourseError(f"Expected a Keras model or a function, got {type(model).__name__}.")
        if port is not None:
            number(port, "port (or None for a free one)", 0, 65535, whole=True)
        self.idle_timeout_s = _seconds(idle_timeout_s, "idle_timeout_s")
        self.read_timeout_s = _seconds(read_timeout_s, "read_timeout_s")
        self.model = model
        self.name = name
        self.instance_shape, self.fixed_batch = _shapes(model, input_shape)
        self._fixed_port = port or None
        self._port: int | None = port or None
        self._batching: tuple[int, float] | None = None
        self.set_batching(max_batch_size, batch_timeout_ms)
        self._log: deque[LogEntry] = deque()
        self._log_lock = threading.Lock()
        self._log_bytes = 0
        self._bytes_received = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._worker: _Worker | None = None
        if start:
            self.start()

    # -- life cycle
    def start(self) -> CloudEndpoint:
        """Bind 127.0.0.1 (the fixed port, else the port it had before, else a free one), warm up, serve."""
        if self.running:
            return self
        self._predict(np.zeros((1, *self.instance_shape), dtype=np.float32))  # first call builds the graph
        server = self._bind()
        self._port = server.server_address[1]
        self._server = server
        self._worker = _Worker(self)
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"endpoint-{self.name}", daemon=True)
        self._thread.start()
        atexit.register(self.stop)
        return self

    def _bind(self) -> _Server:
        try:
            return _Server((HOST, self._port or 0), self)
        except OSError as err:
            if self._fixed_port:
                raise CourseError(f"Cannot listen on {HOST}:{self._fixed_port} ({err.strerror or err}); pick "
                                  "another port or pass port=None for a free one.") from None
        return _Server((HOST, 0), self)  # the old free port was taken meanwhile: a new one (cameras follow)

    def stop(self, drain_s: float = DRAIN_S) -> None:
        """Stop serving (safe to call twice): close the listener, refuse requests still arriving, let
        the ones already read finish for up to ``drain_s``, and return when no connection is open."""
        server, self._server = self._server, None
        if server is None:
            return
        with server.lock:
            server.stopping = True
        server.shutdown()  # the accept loop ends
        server.server_close()  # the listener closes: new connections are refused
        threads = server.close_connections(("reading",))  # requests not yet read are refused
        server.wait_idle(drain_s)  # requests already read finish
        threads += server.close_connections(("reading", "working"))
        if self._worker is not None:
            self._worker.stop(timeout=drain_s)
            self._worker = None
        for t in threads:
            t.join(timeout=1.0)
        if self._thread is not None:
            self._thread.join(timeout=5)
        atexit.unregister(self.stop)

    def __enter__(self) -> CloudEndpoint:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"serving at {self.url}" if self.running else "stopped"
        batching = "" if self._batching is None else f", batching up to {self._batching[0]} in {self._batching[1]:g} ms"
        return f"<CloudEndpoint {self.name!r} {state}{batching}>"

    # -- addresses
    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise CourseError("The endpoint is stopped: call start() first.")
        return self._port

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) it serves on, or served on last: a restart reuses it, so a client may keep it."""
        if self._port is None:
            raise CourseError("The endpoint has not been started yet: call start() first.")
        return HOST, self._port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def predict_url(self) -> str:
        return f"{self.url}/v1/models/{self.name}:predict"

    @property
    def events_url(self) -> str:
        return f"{self.url}/v1/events"

    # -- batching
    def set_batching(self, max_batch_size: int | None, batch_timeout_ms: float = 2.0) -> None:
        """Dynamic batching on (collect requests for up to ``batch_timeout_ms`` or ``max_batch_size``
        instances, then run the model once on all of them) or off (``None``). Takes effect at once."""
        if max_batch_size is None:
            self._batching = None
            return
        number(max_batch_size, "max_batch_size", 1, 4096, whole=True)
        number(batch_timeout_ms, "batch_timeout_ms", 0, 1000)
        self._batching = (max_batch_size, float(batch_timeout_ms))

    @property
    def batching(self) -> tuple[int, float] | None:
        """(max_batch_size, batch_timeout_ms) when dynamic batching is on, else None."""
        return self._batching

    # -- the operator's view
    @property
    def log(self) -> list[LogEntry]:
        """The newest requests (newest last): a summary of each, and the body of small ones."""
        with self._log_lock:
            return list(self._log)

    def log_bytes(self) -> int:
        """Bytes the log holds, as its bound (LOG_BYTES) counts them."""
        return self._log_bytes

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()
            self._log_bytes = self._bytes_received = 0

    def bytes_received(self) -> int:
        """Total request-body bytes received since the log was last cleared (including entries it dropped)."""
        return self._bytes_received

    def _append(self, entry: LogEntry) -> None:
        with self._log_lock:
            self._log.append(entry)
            self._log_bytes += entry.cost
            self._bytes_received += entry.body_bytes
            while len(self._log) > LOG_LIMIT or (self._log_bytes > LOG_BYTES and len(self._log) > 1):
                self._log_bytes -= self._log.popleft().cost

    # -- inference
    def _infer(self, batch: np.ndarray) -> tuple[np.ndarray, float, float, int]:
        """Predictions for ``batch`` through the model worker, in chunks others can queue between;
        with the model's and the queue's milliseconds and the largest batch the model ran."""
        worker = self._worker
        if worker is None:
            raise _Stopping()
        batching = self._batching
        step = self.fixed_batch or (batching[0] if batching else CHUNK)
        parts, infer_ms, queue_ms, largest = [], 0.0, 0.0, 0
        for i in range(0, len(batch), step):
            task = worker.submit(batch[i: i + step])
            task.done.wait()
            if task.error is not None:
                raise task.error
            parts.append(task.result)
            infer_ms, queue_ms = infer_ms + task.infer_ms, queue_ms + task.queue_ms
            largest = max(largest, task.batch_size)
        return (parts[0] if len(parts) == 1 else np.concatenate(parts)), infer_ms, queue_ms, largest

    def _predict(self, batch: np.ndarray) -> np.ndarray:
        if self.fixed_batch:
            # a fixed-batch edge model (batch_size=1) takes its instances one at a time
            parts = [_call(self.model, batch[i: i + self.fixed_batch]) for i in range(0, len(batch), self.fixed_batch)]
            return np.concatenate(parts)
        return _call(self.model, batch)


def _call(model, batch: np.ndarray) -> np.ndarray:
    out = model(batch, training=False) if hasattr(model, "layers") else model(batch)
    return np.asarray(out, dtype=np.float32)


def _seconds(value, what: str) -> float:
    return number(value, what, high=3600, above=0, unit="seconds")


def _shapes(model, input_shape) -> tuple[tuple, int]:
    """(shape of one instance, fixed batch size or 0) from the model or ``input_shape``."""
    if input_shape is None:
        shape = getattr(model, "input_shape", None)
        if shape is None:
            raise CourseError("This model has no input_shape: pass input_shape=(8, 8, 1) (one instance's shape).")
        if isinstance(shape, list):
            raise CourseError("The endpoint serves single-input models only; this one has several inputs.")
        return tuple(int(d) for d in shape[1:]), int(shape[0] or 0)
    if not isinstance(input_shape, (tuple, list)):
        raise CourseError(f"input_shape must be one instance's shape such as (8, 8, 1), got {shown(input_shape)}.")
    return tuple(number(d, "Each input_shape size (such as (8, 8, 1))", 1, whole=True) for d in input_shape), 0
