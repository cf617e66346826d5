"""The cloud endpoint and the camera: loopback only, TF Serving shape, clear 400s, clean stop, explicit failures."""

import http.client
import json
import re
import socket
import time

import numpy as np
import pytest

from utils.camera_client import EMULATED, MEASURED, PHASES, CloudCamera, failures, phase_means, post_event
from utils.cloud_endpoint import CloudEndpoint
from utils.errors import CourseError
from utils.network import link


@pytest.fixture(scope="module")
def model():
    from utils.course import quiet_tensorflow

    quiet_tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )


@pytest.fixture(scope="module")
def endpoint(model):
    with CloudEndpoint(model, name="digits") as ep:
        yield ep


def request(ep, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=5)
    try:
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, json.loads(r.read()), dict(r.getheaders())
    finally:
        conn.close()


FRAMES = np.random.default_rng(0).random((3, 8, 8, 1)).astype(np.float32)


def test_binds_loopback_only_on_a_free_port(model, endpoint):
    host, port = endpoint._server.server_address
    assert host == "127.0.0.1" and port > 0
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
    assert float(headers["X-Inference-Ms"]) > 0


def test_status_in_tf_serving_shape(endpoint):
    status, body, _ = request(endpoint, "GET", "/v1/models/digits")
    assert status == 200
    assert body["model_version_status"][0]["state"] == "AVAILABLE"


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{not json", "not valid JSON"),
        (b"", "body is empty"),
        ({"inputs": [1]}, 'needs an "instances" list'),
        ({"instances": []}, "non-empty list"),
        ({"instances": [[1, 2]]}, r"shape \(2,\) but model 'digits' expects \(8, 8, 1\)"),
        ({"instances": [[["a"] * 8] * 8]}, "numbers only"),
        (b'{"instances": [[[[NaN]]]]}', "shape"),
    ],
)
def test_malformed_requests_get_a_400_and_the_server_stays_up(endpoint, body, message):
    status, answer, _ = request(endpoint, "POST", "/v1/models/digits:predict", body)
    assert status == 400
    assert set(answer) == {"error"}

    assert re.search(message, answer["error"])
    ok, _, _ = request(endpoint, "POST", "/v1/models/digits:predict", {"instances": FRAMES[:1].tolist()})
    assert ok == 200


def test_nan_values_are_refused(endpoint):
    frame = FRAMES[0].tolist()
    frame[0][0][0] = float("nan")
    status, answer, _ = request(endpoint, "POST", "/v1/models/digits:predict", json.dumps({"instances": [frame]}).encode())
    assert status == 400 and "NaN" in answer["error"]


def test_unknown_model_and_path_are_404(endpoint):
    assert request(endpoint, "POST", "/v1/models/cats:predict", {"instances": [1]})[0] == 404
    status, answer, _ = request(endpoint, "GET", "/nothing")
    assert status == 404 and "/v1/models/digits" in answer["error"]


def test_oversized_body_is_refused(endpoint):
    conn = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=5)
    conn.putrequest("POST", "/v1/models/digits:predict")
    conn.putheader("Content-Length", str(50_000_000))
    conn.endheaders()
    r = conn.getresponse()
    assert r.status == 413 and "at most" in json.loads(r.read())["error"]
    conn.close()


def test_log_is_the_operators_view(endpoint):
    endpoint.clear_log()
    request(endpoint, "POST", "/v1/models/digits:predict", {"instances": FRAMES[:2].tolist()})
    request(endpoint, "POST", "/v1/events", {"device": "doorbell", "event": "John is at the door."})
    frames_entry, event_entry = endpoint.log
    np.testing.assert_array_equal(frames_entry.payload, FRAMES[:2])  # the operator can see the raw frames
    assert event_entry.payload == {"device": "doorbell", "event": "John is at the door."}
    assert event_entry.body_bytes < frames_entry.body_bytes / 20
    assert endpoint.bytes_received() == frames_entry.body_bytes + event_entry.body_bytes
    assert request(endpoint, "POST", "/v1/events", [1, 2])[0] == 400


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


def test_fixed_batch_models_take_one_instance_at_a_time():
    import keras

    edge = keras.Sequential([keras.Input((8, 8, 1), batch_size=1), keras.layers.Flatten(), keras.layers.Dense(10)])
    with CloudEndpoint(edge, name="edge") as ep:
        status, body, _ = request(ep, "POST", "/v1/models/edge:predict", {"instances": FRAMES.tolist()})
    assert status == 200 and np.asarray(body["predictions"]).shape == (3, 10)


def test_bad_construction_is_one_sentence(model):
    with pytest.raises(CourseError, match="goes into the URL"):
        CloudEndpoint(model, name="my model")
    with pytest.raises(CourseError, match="Keras model or a function"):
        CloudEndpoint(42)
    with pytest.raises(CourseError, match="pass input_shape"):
        CloudEndpoint(lambda x: x, start=False)


# ---------------------------------------------------------------- the camera


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


def test_unreachable_endpoint_is_a_failed_reading(model):
    ep = CloudEndpoint(model, name="digits")
    cam = CloudCamera(ep, link=link("fibre").with_(loss_pct=0), realtime=False)
    ep.stop()
    r = cam.classify(FRAMES[0])
    assert not r.ok and "cannot reach the endpoint" in r.error


def test_endpoint_refusal_is_reported(endpoint):
    cam = CloudCamera(endpoint, link=link("fibre").with_(loss_pct=0), realtime=False)
    r = cam.classify(np.zeros((4, 4)))
    assert not r.ok and "refused the request (400)" in r.error and "expects (8, 8, 1)" in r.error


def test_bad_camera_settings(endpoint):
    with pytest.raises(CourseError, match="timeout_s must be a positive"):
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


def test_post_event_to_a_stopped_endpoint(model):
    ep = CloudEndpoint(model, name="digits")
    ep_port_holder = CloudCamera(ep)  # remembers the port after the stop
    ep.stop()
    with pytest.raises(CourseError, match="Cannot reach the endpoint"):
        post_event(f"http://127.0.0.1:{ep_port_holder.port}", {"event": "x"})


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
