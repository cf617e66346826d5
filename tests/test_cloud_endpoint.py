"""The cloud endpoint as a small real server: loopback only, TF Serving shape, a JSON 4xx for every bad
request, timeouts, a clean stop, a log bounded in bytes, no resets under load, dynamic batching.

Load is short and bounded here; throughput figures live in `make bench` (tools/nb.py bench), not in asserts.
"""

import gc
import http.client
import json
import re
import select
import socket
import threading
import time
import tracemalloc

import numpy as np
import pytest

from utils import cloud_endpoint as ce
from utils.camera_client import load_test
from utils.cloud_endpoint import CloudEndpoint
from utils.errors import CourseError


def request(ep, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=5)
    try:
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        r = conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None), dict(r.getheaders())
    finally:
        conn.close()


def raw_exchange(port, data: bytes, timeout=5.0) -> bytes:
    """Send raw bytes, half-close, and read whatever comes back until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        return read_all(s)


def read_all(s) -> bytes:
    chunks = []
    try:
        while chunk := s.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def json_error(reply: bytes) -> tuple[int, str]:
    head, _, body = reply.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    assert b"application/json" in head
    return status, json.loads(body)["error"]


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and not re.search(r"[.!?] [A-Z]", message)


def predict_ok(ep):
    return request(ep, "POST", "/v1/models/digits:predict", {"instances": FRAMES[:1].tolist()})[0] == 200


def conn_threads(name):
    return [t for t in threading.enumerate() if t.name == f"endpoint-{name}-conn" and t.is_alive()]


FRAMES = np.random.default_rng(0).random((3, 8, 8, 1)).astype(np.float32)
ONE = FRAMES[0].tolist()


def frame_with(value_json: str) -> bytes:
    """A well-formed one-frame request whose first value is replaced by the JSON text ``value_json``."""
    text = json.dumps({"instances": [ONE]})
    first = json.dumps(ONE[0][0][0])
    return text.replace(first, value_json, 1).encode()


# ---------------------------------------------------------------- serving


def test_binds_loopback_only_with_a_deep_backlog(model, endpoint):
    host, port = endpoint._server.server_address
    assert host == "127.0.0.1" and port > 0
    assert endpoint._server.request_queue_size >= 128
    with CloudEndpoint(model, name="other") as second:
        assert second.port != endpoint.port
    assert endpoint.url == f"http://127.0.0.1:{endpoint.port}"


def test_predictions_equal_the_model_run_directly(model, endpoint):
    status, body, headers = request(endpoint, "POST", "/v1/models/digits:predict", {"instances": FRAMES.tolist()})
    assert status == 200
    got = np.asarray(body["predictions"], dtype=np.float32)
    want = np.asarray(model(FRAMES, training=False))
    assert got.shape == (3, 10)
    np.testing.assert_array_equal(got, want)  # JSON float round trip is exact for float32 values
    assert float(headers["X-Inference-Ms"]) > 0 and float(headers["X-Queue-Ms"]) >= 0
    assert headers["X-Batch-Size"] == "3"


def test_status_in_tf_serving_shape(endpoint):
    status, body, _ = request(endpoint, "GET", "/v1/models/digits")
    assert status == 200
    assert body["model_version_status"][0]["state"] == "AVAILABLE"
    status, body, headers = request(endpoint, "HEAD", "/v1/models/digits")
    assert status == 200 and body is None and headers["Content-Type"] == "application/json"


# ---------------------------------------------------------------- bad requests: a JSON 400 each, never a dropped connection

BAD_BODIES = [
    (b"{not json", "not valid JSON"),
    (b"", "body is empty"),
    (b"\xff\xfe{}", "not UTF-8 text"),
    (json.dumps({"inputs": [1]}).encode(), 'needs an "instances" list'),
    (json.dumps({"instances": []}).encode(), "non-empty list"),
    (json.dumps({"instances": [[1, 2]]}).encode(), r"shape \(2,\) but model 'digits' expects \(8, 8, 1\)"),
    (json.dumps({"instances": [[["a"] * 8] * 8]}).encode(), "a string where a number belongs"),
    (frame_with('"0.5"'), "a string where a number belongs"),  # a numeric string is still a string
    (frame_with("true"), "true or false where a number belongs"),
    (frame_with("null"), "null where a number belongs"),
    (frame_with('{"v": 1}'), "an object where a number belongs"),
    (frame_with("NaN"), "NaN is not a JSON number"),
    (frame_with("-Infinity"), "-Infinity is not a JSON number"),
    (frame_with("1e39"), "beyond float32's range"),
    (frame_with("9" * 400), "beyond float32's range"),  # was OverflowError and a dropped connection
    (frame_with("9" * 5000), "integer longer than 4,300 digits"),  # was ValueError inside json.loads
    (b'{"instances": ' + b"[" * 3000 + b"]" * 3000 + b"}", "nests lists or objects too deeply"),  # RecursionError
    (json.dumps({"instances": [[[[[1.0]]]]]}).encode(), "shape"),
    (json.dumps({"instances": json.loads("[" * 80 + "1" + "]" * 80)}).encode(), "nest deeper than model 'digits'"),
    (json.dumps({"instances": [ONE, ONE[:4]]}).encode(), "not all the same shape"),
]


@pytest.mark.parametrize("body, message", BAD_BODIES, ids=[m for _, m in BAD_BODIES])
def test_each_bad_body_gets_a_json_400_and_the_server_stays_up(endpoint, body, message):
    status, answer, headers = request(endpoint, "POST", "/v1/models/digits:predict", body)
    assert status == 400 and set(answer) == {"error"} and headers["Content-Type"] == "application/json"
    assert re.search(message, answer["error"]), answer["error"]
    assert one_sentence(answer["error"])
    assert predict_ok(endpoint)


def test_bad_events_get_a_json_400(endpoint):
    assert request(endpoint, "POST", "/v1/events", [1, 2])[0] == 400
    status, answer, _ = request(endpoint, "POST", "/v1/events", b'{"n": ' + b"9" * 5000 + b"}")
    assert status == 400 and "4,300 digits" in answer["error"]
    status, answer, _ = request(endpoint, "POST", "/v1/events", b"[" * 3000 + b"]" * 3000)
    assert status == 400 and "too deeply" in answer["error"]


@pytest.mark.parametrize(
    "data, status, message",
    [
        (b"POST /v1/models/digits:predict HTTP/1.0\r\nContent-Length: abc\r\n\r\n", 400, "whole number of bytes"),
        (b"POST /v1/models/digits:predict HTTP/1.0\r\nContent-Length: -5\r\n\r\n", 400, "whole number of bytes"),
        (b"POST /v1/models/digits:predict HTTP/1.0\r\nContent-Length: 100\r\n\r\n{\"inst", 400,
         "ended after 6 of the 100 bytes"),
        (b"POST /v1/models/digits:predict HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411,
         "Content-Length header"),
        (b"NONSENSE\r\n\r\n", 400, "could not be read"),
        (b"GET /v1/models/digits HTTP/9.9\r\n\r\n", 505, "could not be read"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.0\r\n\r\n", 414, "could not be read"),
    ],
    ids=["length-not-a-number", "negative-length", "short-body", "chunked", "no-http", "http-9", "long-url"],
)
def test_broken_http_gets_a_json_error(endpoint, data, status, message):
    got, error = json_error(raw_exchange(endpoint.port, data))
    assert got == status and message in error and one_sentence(error)


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/nothing", 404),
        ("POST", "/v1/models/cats:predict", 404),
        ("GET", "/v1/models/cats", 404),
        ("PUT", "/v1/models/digits", 405),
        ("DELETE", "/v1/models/digits:predict", 405),
        ("GET", "/v1/models/digits:predict", 405),
        ("OPTIONS", "/v1/events", 405),
        ("BREW", "/v1/models/digits", 405),
        ("PATCH", "/elsewhere", 404),
    ],
)
def test_every_method_and_path_gets_json(endpoint, method, path, status):
    got, answer, headers = request(endpoint, method, path, {"instances": [1]})
    assert got == status and headers["Content-Type"] == "application/json" and one_sentence(answer["error"])
    if status == 405:
        assert headers["Allow"] in ("GET, HEAD", "POST")
    if status == 404:
        assert "/v1/models/digits" in answer["error"] or "'digits'" in answer["error"]


def test_oversized_body_is_refused_before_it_is_sent(endpoint):
    conn = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=5)
    conn.putrequest("POST", "/v1/models/digits:predict")
    conn.putheader("Content-Length", str(50_000_000))
    conn.endheaders()
    r = conn.getresponse()
    assert r.status == 413 and "at most 4,000,000" in json.loads(r.read())["error"]
    conn.close()


def test_oversized_body_sent_in_full_still_gets_its_413(endpoint):
    """http.client sends the whole body before reading: the server must read it, not reset the sender."""
    body = b'{"instances": [' + b"0.5, " * 1_200_000 + b"0.5]}"  # 6 MB
    status, answer, _ = request(endpoint, "POST", "/v1/models/digits:predict", body)
    assert status == 413 and f"{len(body):,} bytes" in answer["error"]
    assert predict_ok(endpoint)


# ---------------------------------------------------------------- the log: the operator's view, bounded in bytes


def test_log_is_the_operators_view(endpoint):
    endpoint.clear_log()
    request(endpoint, "POST", "/v1/models/digits:predict", {"instances": FRAMES[:2].tolist()})
    request(endpoint, "POST", "/v1/events", {"device": "doorbell", "event": "John is at the door."})
    frames_entry, event_entry = endpoint.log
    np.testing.assert_array_equal(frames_entry.payload, FRAMES[:2])  # the operator can see the raw frames
    assert event_entry.payload == {"device": "doorbell", "event": "John is at the door."}
    assert event_entry.summary == 'event: {"device": "doorbell", "event": "John is at the door."}'
    assert event_entry.body_bytes < frames_entry.body_bytes / 20
    assert endpoint.bytes_received() == frames_entry.body_bytes + event_entry.body_bytes


def test_log_and_memory_stay_bounded_after_100_large_events(endpoint):
    """100 events of ~1 MB each (100 MB in all): the log keeps their summaries within LOG_BYTES and
    Python holds no more than LOG_BYTES + 2 MB more than before (it grew by 126 MB for ten 3.9 MB events)."""
    endpoint.clear_log()
    blob = json.dumps({"event": "big", "blob": "x" * 1_000_000}).encode()
    numbers = json.dumps({"event": "many", "readings": [0.25] * 150_000}).encode()  # ~1 MB of small objects
    request(endpoint, "POST", "/v1/events", blob)  # warm up the allocator before measuring
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(100):
            assert request(endpoint, "POST", "/v1/events", numbers if i % 10 == 0 else blob)[0] == 200
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < ce.LOG_BYTES + 2_000_000, f"Python holds {grown:,} more bytes after 100 large events"
    log = endpoint.log
    assert endpoint.log_bytes() <= ce.LOG_BYTES and len(log) == 101
    assert all(e.body is None and e.payload is None for e in log)  # summarised, not kept
    assert log[-1].summary.startswith('event: {"event": "big", "blob": "xxx') and len(log[-1].summary) <= 120
    assert endpoint.bytes_received() == 91 * len(blob) + 10 * len(numbers)


def test_log_drops_its_oldest_entries_to_stay_within_its_byte_bound(endpoint):
    endpoint.clear_log()
    body = json.dumps({"event": "x" * (ce.LOG_BODY_BYTES - 100)}).encode()  # kept: just under the body limit
    n = ce.LOG_BYTES // len(body) + 20
    for _ in range(n):
        request(endpoint, "POST", "/v1/events", body)
    assert endpoint.log_bytes() <= ce.LOG_BYTES and len(endpoint.log) < n
    assert endpoint.bytes_received() == n * len(body)  # counted even when the entry was dropped


# ---------------------------------------------------------------- timeouts


@pytest.fixture
def impatient(model):
    with CloudEndpoint(model, name="digits", idle_timeout_s=0.3, read_timeout_s=0.8) as ep:
        yield ep


def test_a_silent_connection_is_closed_by_the_idle_timeout(impatient):
    with socket.create_connection(("127.0.0.1", impatient.port), timeout=5) as s:
        start = time.perf_counter()
        reply = read_all(s)
        waited = time.perf_counter() - start
    status, error = json_error(reply)
    assert status == 408 and "No request arrived within 0.3 s" in error
    assert 0.25 < waited < 2.0


def test_a_stalled_body_is_closed_by_the_idle_timeout(impatient):
    with socket.create_connection(("127.0.0.1", impatient.port), timeout=5) as s:
        s.sendall(b"POST /v1/models/digits:predict HTTP/1.0\r\nContent-Length: 500\r\n\r\n{\"instances\": [")
        status, error = json_error(read_all(s))
    assert status == 408 and "stalled (no byte for 0.3 s)" in error


def test_a_trickled_request_is_closed_by_the_read_timeout(impatient):
    """One byte every 0.1 s never trips the idle timeout; the whole-request deadline stops it."""
    with socket.create_connection(("127.0.0.1", impatient.port), timeout=5) as s:
        start = time.perf_counter()
        for byte in b"POST /v1/models/digits:predict HTTP/1.0\r\nContent-Length: 20\r\n\r\n":
            if select.select([s], [], [], 0)[0]:
                break  # the server has answered: stop trickling and read it
            s.sendall(bytes([byte]))
            time.sleep(0.1)
        reply = read_all(s)
        waited = time.perf_counter() - start
    status, error = json_error(reply)
    assert status == 408 and "did not arrive in full within 0.8 s" in error
    assert waited < 3.0
    assert predict_ok(impatient)


# ---------------------------------------------------------------- stop()


def test_stops_cleanly_and_frees_the_port(model):
    ep = CloudEndpoint(model, name="digits")
    port = ep.port
    assert request(ep, "GET", "/v1/models/digits")[0] == 200
    ep.stop()
    ep.stop()  # twice is fine
    assert not ep.running and "stopped" in repr(ep)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
    with socket.socket() as s:  # the port is free again (REUSEADDR, as servers use, skips TIME_WAIT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
    with pytest.raises(CourseError, match="stopped"):
        _ = ep.url


def test_stop_refuses_a_stalled_request_and_leaves_no_handler(model):
    ep = CloudEndpoint(model, name="stalled")
    stalled = socket.create_connection(("127.0.0.1", ep.port), timeout=5)
    stalled.sendall(b"POST /v1/models/stalled:predict HTTP/1.0\r\nContent-Length: 300\r\n\r\n{\"inst")
    time.sleep(0.1)
    assert len(conn_threads("stalled")) == 1
    start = time.perf_counter()
    ep.stop()
    assert time.perf_counter() - start < 2.0  # nothing to drain: the stalled read is cut at once
    assert conn_threads("stalled") == []
    try:
        stalled.sendall(b'ances": [' + json.dumps(ONE).encode() + b"]}" + b" " * 200)  # complete it after stop()
    except OSError:
        pass
    assert b"200" not in read_all(stalled)  # nothing, or a reset: never an answer
    stalled.close()


def test_stop_drains_a_request_already_being_worked_on():
    def slow(batch):
        time.sleep(0.4)
        return np.zeros((len(batch), 10), dtype=np.float32)

    ep = CloudEndpoint(slow, name="slow", input_shape=(8, 8, 1))
    answers = []
    worker = threading.Thread(target=lambda: answers.append(request(ep, "POST", "/v1/models/slow:predict",
                                                                    {"instances": [ONE]})[0]))
    worker.start()
    time.sleep(0.15)  # the request is read and the model is running
    ep.stop()
    worker.join(5)
    assert answers == [200] and conn_threads("slow") == []


def test_a_restart_keeps_the_port_and_a_fixed_port_is_honoured(model):
    ep = CloudEndpoint(model, name="digits")
    port = ep.port
    ep.stop()
    ep.start()
    assert ep.port == port and predict_ok(ep)
    ep.stop()
    with CloudEndpoint(model, name="digits", port=port) as fixed:
        assert fixed.port == port and fixed.address == ("127.0.0.1", port)
        with pytest.raises(CourseError, match=f"Cannot listen on 127.0.0.1:{port}"):
            CloudEndpoint(model, name="digits", port=port)


# ---------------------------------------------------------------- load and batching


def test_128_clients_see_no_resets(endpoint):
    (row,) = load_test(endpoint, clients=[128], seconds=2.0, frames=FRAMES, timeout_s=20)
    assert row["failed"] == 0, row.get("why")
    assert row["answered"] >= 128


def test_dynamic_batching_runs_concurrent_requests_together(model, endpoint):
    endpoint.set_batching(max_batch_size=32, batch_timeout_ms=20)
    try:
        (row,) = load_test(endpoint, clients=[16], seconds=0.5, frames=FRAMES)
        status, body, _ = request(endpoint, "POST", "/v1/models/digits:predict", {"instances": FRAMES.tolist()})
    finally:
        endpoint.set_batching(None)
    assert row["failed"] == 0 and row["batch"] > 1.5
    want = np.asarray(model(FRAMES, training=False))
    np.testing.assert_allclose(np.asarray(body["predictions"]), want, rtol=1e-5, atol=1e-7)


def test_a_lone_request_waits_out_the_batch_timeout(endpoint):
    """The latency floor moves: with nobody to batch with, a request waits the whole timeout."""
    endpoint.set_batching(max_batch_size=64, batch_timeout_ms=80)
    try:
        _, _, headers = request(endpoint, "POST", "/v1/models/digits:predict", {"instances": [ONE]})
    finally:
        endpoint.set_batching(None)
    assert 70 <= float(headers["X-Queue-Ms"]) < 1000 and headers["X-Batch-Size"] == "1"


def test_a_huge_request_does_not_hold_the_model_for_everyone():
    def model(batch):
        time.sleep(0.05)  # 50 ms per model call, whatever its size
        return np.zeros((len(batch), 10), dtype=np.float32)

    zero = [[[0]] * 8] * 8
    with CloudEndpoint(model, name="digits", input_shape=(8, 8, 1)) as ep:
        huge = {"instances": [zero] * (ce.CHUNK * 12)}  # 12 model calls in a row: about 600 ms
        answers = []
        big = threading.Thread(target=lambda: answers.append(request(ep, "POST", "/v1/models/digits:predict", huge)))
        big.start()
        time.sleep(0.25)  # the huge request is read and its chunks are running
        start = time.perf_counter()
        status, _, headers = request(ep, "POST", "/v1/models/digits:predict", {"instances": [zero]})
        waited = time.perf_counter() - start
        big.join(5)
    assert status == 200 and answers[0][0] == 200 and len(answers[0][1]["predictions"]) == ce.CHUNK * 12
    assert waited < 0.3 and float(headers["X-Queue-Ms"]) < 150  # one chunk's wait, not the whole request's


def test_fixed_batch_models_take_one_instance_at_a_time():
    import keras

    edge = keras.Sequential([keras.Input((8, 8, 1), batch_size=1), keras.layers.Flatten(), keras.layers.Dense(10)])
    with CloudEndpoint(edge, name="edge") as ep:
        status, body, _ = request(ep, "POST", "/v1/models/edge:predict", {"instances": FRAMES.tolist()})
    assert status == 200 and np.asarray(body["predictions"]).shape == (3, 10)


def test_bad_construction_is_one_sentence(model, endpoint):
    with pytest.raises(CourseError, match="goes into the URL"):
        CloudEndpoint(model, name="my model")
    with pytest.raises(CourseError, match="Keras model or a function"):
        CloudEndpoint(42)
    with pytest.raises(CourseError, match="pass input_shape"):
        CloudEndpoint(lambda x: x, start=False)
    with pytest.raises(CourseError, match=r"Each input_shape size .* must be a whole number, 1 or more, got True"):
        CloudEndpoint(lambda x: x, input_shape=(8, True), start=False)
    with pytest.raises(CourseError, match="input_shape must be one instance's shape such as"):
        CloudEndpoint(lambda x: x, input_shape=8, start=False)
    with pytest.raises(CourseError, match="must be a whole number, from 0 to 65,535"):
        CloudEndpoint(model, port=70_000, start=False)
    with pytest.raises(CourseError, match="idle_timeout_s must be a number of seconds, above 0 and at most 3,600"):
        CloudEndpoint(model, idle_timeout_s=0, start=False)
    with pytest.raises(CourseError, match="max_batch_size must be a whole number"):
        endpoint.set_batching(0)
    with pytest.raises(CourseError, match="batch_timeout_ms must be a number"):
        endpoint.set_batching(8, batch_timeout_ms=-1)
    with pytest.raises(CourseError, match="has not been started"):
        _ = CloudEndpoint(model, start=False).address
    assert endpoint.batching is None
