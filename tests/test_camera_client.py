"""The camera: every phase timed, explicit failures, and one sentence for every way an exchange can fail.

The failure sentences are provoked by a stand-in server that misbehaves on purpose (refuses, resets,
closes, hangs, truncates, answers garbage); everything else runs against the real endpoint.
"""

import re
import socket
import struct
import threading
import time

import numpy as np
import pytest

from utils.camera_client import (
    EMULATED,
    MEASURED,
    PHASES,
    CloudCamera,
    EndpointError,
    exchange,
    failures,
    load_test,
    phase_means,
    post_event,
)
from utils.cloud_endpoint import CloudEndpoint
from utils.errors import CourseError
from utils.network import link

FRAMES = np.random.default_rng(0).random((3, 8, 8, 1)).astype(np.float32)



def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and not re.search(r"[.!?] [A-Z]", message)


# ---------------------------------------------------------------- a server that misbehaves on purpose


class Misbehaving:
    """A stand-in for the endpoint on 127.0.0.1 that reads each request and then does ``mode``."""

    REPLIES = {
        "truncated": b"HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n{\"predictions\": [[0.1",
        "not-http": b"HELLO, I AM NOT A WEB SERVER\r\n\r\n",
        "not-json": b"HTTP/1.0 200 OK\r\nContent-Length: 15\r\n\r\n<html>hi</html>",
        "no-scores": b"HTTP/1.0 200 OK\r\nContent-Length: 13\r\n\r\n{\"result\": 7}",
        "bad-header": b"HTTP/1.0 200 OK\r\nX-Inference-Ms: fast\r\nContent-Length: 24\r\n\r\n{\"predictions\": [[1.0]]}",
        "refuses": b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 31\r\n\r\n{\"error\": \"Overloaded, sorry.\"}",
    }

    def __init__(self, mode: str):
        self.mode = mode
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self._read_request(conn)
                if self.mode == "reset":  # SO_LINGER 0: close() sends a RST instead of a FIN
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                elif self.mode == "hang":
                    time.sleep(1.0)
                elif self.mode in self.REPLIES:
                    conn.sendall(self.REPLIES[self.mode])
                # "close": nothing at all, a clean close

    @staticmethod
    def _read_request(conn):
        conn.settimeout(2)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1)) if b"Content-Length" in head else 0
        while len(body) < length:
            body += conn.recv(65536)

    def close(self):
        self.sock.close()


@pytest.fixture
def stand_in(request):
    server = Misbehaving(request.param)
    yield server
    server.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


FAILURES = [
    ("reset", "reset", "reset the connection before its reply arrived."),
    ("close", "closed", "closed the connection without sending a reply."),
    ("hang", "timeout", "sent no reply within 0.3 s."),
    ("truncated", "truncated", "sent a truncated reply: 21 of the 100 bytes it announced."),
    ("not-http", "malformed", "sent a reply that is not valid HTTP (BadStatusLine)."),
]


@pytest.mark.parametrize("stand_in, kind, sentence", FAILURES, indirect=["stand_in"], ids=[f[0] for f in FAILURES])
def test_each_transport_failure_is_one_sentence(stand_in, kind, sentence):
    with pytest.raises(EndpointError) as info:
        exchange("127.0.0.1", stand_in.port, "POST", "/v1/models/digits:predict", b"{}", timeout_s=0.3)
    assert info.value.kind == kind and isinstance(info.value, CourseError)
    assert str(info.value) == f"The endpoint at 127.0.0.1:{stand_in.port} {sentence}"
    assert one_sentence(str(info.value))


def test_a_refused_connection_is_one_sentence():
    port = closed_port()
    with pytest.raises(EndpointError) as info:
        exchange("127.0.0.1", port, "GET", "/", timeout_s=0.5)
    assert info.value.kind == "refused"
    assert str(info.value) == (f"The endpoint at 127.0.0.1:{port} refused the connection: nothing is listening "
                               "there (is it stopped?).")
    assert one_sentence(str(info.value))


CAMERA_FAILURES = [
    *[(mode, sentence) for mode, _, sentence in FAILURES if mode != "hang"],
    ("not-json", "answered 200 with a body that is not a JSON object."),
    ("no-scores", 'answered 200 without a list of scores under "predictions".'),
    ("bad-header", "answered with a header X-Inference-Ms that is not a number of milliseconds."),
]


@pytest.mark.parametrize("stand_in, sentence", CAMERA_FAILURES, indirect=["stand_in"],
                         ids=[f[0] for f in CAMERA_FAILURES])
def test_the_camera_turns_each_failure_into_a_failed_reading(stand_in, sentence):
    cam = CloudCamera(stand_in.url, model_name="digits", link=link("fibre").with_(loss_pct=0), realtime=False)
    r = cam.classify(FRAMES[0])
    assert not r.ok and r.error == f"The endpoint at 127.0.0.1:{stand_in.port} {sentence}"
    assert one_sentence(r.error)


@pytest.mark.parametrize("stand_in", ["hang"], indirect=True)
def test_the_camera_times_out_on_a_server_that_hangs(stand_in):
    cam = CloudCamera(stand_in.url, model_name="digits", link=link("fibre").with_(loss_pct=0), timeout_s=0.3,
                      realtime=False)
    r = cam.classify(FRAMES[0])
    assert not r.ok and r.error == "no reply within 0.3 s (the server took too long)"


@pytest.mark.parametrize(
    "stand_in, sentence",
    [("reset", "The endpoint at {where} reset the connection before its reply arrived."),
     ("truncated", "The endpoint at {where} sent a truncated reply: 21 of the 100 bytes it announced."),
     ("refuses", "The endpoint refused the event (503): Overloaded, sorry.")],
    indirect=["stand_in"],
)
def test_post_event_raises_one_sentence(stand_in, sentence):
    with pytest.raises(CourseError) as info:
        post_event(stand_in.url, {"event": "x"}, timeout_s=0.5)
    assert str(info.value) == sentence.format(where=f"127.0.0.1:{stand_in.port}")
    assert one_sentence(str(info.value))


def test_post_event_to_a_stopped_endpoint(model):
    ep = CloudEndpoint(model, name="digits")
    port = CloudCamera(ep).port
    ep.stop()
    with pytest.raises(CourseError, match="refused the connection"):
        post_event(f"http://127.0.0.1:{port}", {"event": "x"})
    with pytest.raises(CourseError, match="cannot be sent as JSON"):
        post_event(f"http://127.0.0.1:{port}", {"event": float("nan")})


# ---------------------------------------------------------------- the camera against the real endpoint


def test_camera_times_every_phase(endpoint):
    profile = link("4G").with_(jitter_ms=0, loss_pct=0)
    cam = CloudCamera(endpoint, link=profile, realtime=False)
    r = cam.classify(FRAMES[0])
    assert r.ok and 0 <= r.label < 10 and len(r.scores) == 10
    assert set(r.phases) == set(PHASES) == set(MEASURED) | set(EMULATED)
    assert r.phases["upload"] == pytest.approx(r.request_bytes * 8 / 6.3e3)
    assert r.phases["propagate"] == pytest.approx(55.0)
    assert r.phases["infer"] > 0 and r.phases["serialise"] > 0
    assert r.total_ms == pytest.approx(sum(r.phases.values()))


def test_realtime_camera_really_waits_the_link(endpoint):
    cam = CloudCamera(endpoint, link=link("4G").with_(jitter_ms=0, loss_pct=0), realtime=True)
    start = time.perf_counter()
    r = cam.classify(FRAMES[0])
    assert r.ok and (time.perf_counter() - start) * 1000 >= 55.0


def test_stand_in_bytes_time_the_upload_of_a_real_frame(endpoint):
    cam = CloudCamera(endpoint, link=link("4G").with_(loss_pct=0), realtime=False, stand_in_bytes=16_667)
    r = cam.classify(FRAMES[0])
    assert r.phases["upload"] == pytest.approx(16_667 * 8 / 6.3e3)


def test_cut_link_misses_exactly_the_frames_in_the_outage(endpoint):
    cam = CloudCamera(endpoint, link=link("Wi-Fi").with_(loss_pct=0), realtime=False)
    readings = cam.stream(np.repeat(FRAMES[:1], 10, axis=0), cut=(3, 6))
    assert [r.ok for r in readings] == [True] * 3 + [False] * 4 + [True] * 3
    assert failures(readings) == {"link down: the request never left the device": 4}
    assert set(phase_means(readings)) == set(PHASES)


def test_lost_requests_fail_at_the_timeout(endpoint):
    cam = CloudCamera(endpoint, link=link("4G").with_(loss_pct=100), timeout_s=0.2, realtime=True)
    start = time.perf_counter()
    r = cam.classify(FRAMES[0])
    assert not r.ok and "no reply within 0.2 s" in r.error and "lost" in r.error
    assert time.perf_counter() - start >= 0.19


def test_slow_server_hits_the_timeout():
    def slow(batch):
        time.sleep(0.4)
        return np.zeros((len(batch), 10), dtype=np.float32)

    with CloudEndpoint(slow, name="slow", input_shape=(8, 8, 1)) as ep:
        cam = CloudCamera(ep, link=link("fibre").with_(loss_pct=0), timeout_s=0.2, realtime=False)
        r = cam.classify(FRAMES[0])
    assert not r.ok and "server took too long" in r.error


def test_a_stopped_endpoint_is_a_failed_reading_and_a_restart_is_found_again(model):
    ep = CloudEndpoint(model, name="digits")
    cam = CloudCamera(ep, link=link("fibre").with_(loss_pct=0), realtime=False)
    ep.stop()
    r = cam.classify(FRAMES[0])
    assert not r.ok and r.error.endswith("refused the connection: nothing is listening there (is it stopped?).")
    ep.start()  # the same port again: the camera made before the stop works
    try:
        assert cam.classify(FRAMES[0]).ok
    finally:
        ep.stop()


def test_endpoint_refusal_is_reported(endpoint):
    cam = CloudCamera(endpoint, link=link("fibre").with_(loss_pct=0), realtime=False)
    r = cam.classify(np.zeros((4, 4)))
    assert not r.ok and "refused the request (400)" in r.error and "expects (8, 8, 1)" in r.error


def test_bad_camera_settings(endpoint):
    with pytest.raises(CourseError, match="timeout_s must be a number of seconds, above 0"):
        CloudCamera(endpoint, timeout_s=0)
    with pytest.raises(CourseError, match="CloudEndpoint or a URL"):
        CloudCamera(8501)
    with pytest.raises(CourseError, match="first <= last"):
        CloudCamera(endpoint).stream(FRAMES, cut=(5, 2))


def test_post_event_sends_only_the_conclusion(endpoint):
    endpoint.clear_log()
    sent = post_event(endpoint, {"event": "digit 7 seen", "confidence": 0.98})
    (entry,) = endpoint.log
    assert entry.path == "/v1/events" and entry.body_bytes == sent < 60
    with pytest.raises(CourseError, match="must be a dict"):
        post_event(endpoint, "digit 7")


# ---------------------------------------------------------------- many cameras at once


def test_load_test_gives_one_row_per_level(endpoint):
    rows = load_test(endpoint, clients=[1, 4], seconds=0.2, frames=FRAMES)
    assert [r["clients"] for r in rows] == [1, 4]
    for r in rows:
        assert r["failed"] == 0 and r["answered"] >= r["clients"]
        assert 0 < r["p50_ms"] <= r["p99_ms"] and r["throughput_rps"] > 0
        assert r["model_ms"] > 0 and r["queue_ms"] >= 0 and r["batch"] == 1
    assert "throughput_rps" in repr(rows)


def test_load_test_is_bounded_in_requests(endpoint):
    (row,) = load_test(endpoint, clients=[8], seconds=5, frames=FRAMES, max_requests=20)
    assert row["answered"] + row["failed"] == 20


@pytest.mark.parametrize("stand_in", ["reset"], indirect=True)
def test_load_test_counts_failures_by_kind(stand_in):
    (row,) = load_test(stand_in.url, model_name="digits", clients=[2], seconds=0.2, frames=FRAMES, max_requests=6)
    assert row["answered"] == 0 and row["failed"] == 6 and row["why"] == "reset: 6"


def test_bad_load_settings(model, endpoint):
    with pytest.raises(CourseError, match=r"clients \(concurrent clients\) must be a whole number, from 1 to 256"):
        load_test(endpoint, clients=[0, 1000])
    with pytest.raises(CourseError, match="seconds must be a number of seconds per level"):
        load_test(endpoint, seconds=0)
    with pytest.raises(CourseError, match="max_requests must be a whole number, 1 or more"):
        load_test(endpoint, max_requests=0)
    with pytest.raises(CourseError, match="Pass frames="):
        load_test("http://127.0.0.1:1", model_name="digits", clients=[1])
    stopped = CloudEndpoint(model, name="digits", start=False)
    with pytest.raises(CourseError, match="stopped: call start"):
        load_test(stopped)


def test_progress_bar_has_a_readable_static_copy(monkeypatch):
    """A saved notebook (GitHub, exported HTML) shows a line of text, never the widget's repr."""
    pytest.importorskip("ipywidgets")
    import IPython.display

    from utils import camera_client

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    bar = camera_client._progress(30)
    assert bar is not None and bar.max == 30
    (bundle,) = shown
    assert bundle["text/plain"] == "sending 30 frames to the endpoint"
    assert "children=" not in bundle["text/html"] and "IntProgress(" not in bundle["text/plain"]
