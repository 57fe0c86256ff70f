"""The MQTT probe against a Mosquitto the test starts on an ephemeral port, with its own
user and password (the machine's shared broker on 1883 is left alone)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.tests.probing import SlowRelay, check, closed_port
from aviso.monitors.tests.targets import listening

pytestmark = pytest.mark.skipif(
    not (shutil.which("mosquitto") and shutil.which("mosquitto_passwd")),
    reason="mosquitto and mosquitto_passwd are not installed",
)
USER, PASSWORD = "probe", "pr0be-pass"


class Mosquitto:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="aviso-mqtt-"))
        self.port = closed_port()
        passwords = self.folder / "passwords"
        subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), USER, PASSWORD],
                       check=True, capture_output=True, timeout=10)  # fmt: skip
        passwords.chmod(0o600)
        # Started as root, mosquitto drops to its own user, which cannot read our folder.
        user = "user root\n" if os.geteuid() == 0 else ""
        (self.folder / "mosquitto.conf").write_text(
            f"{user}listener {self.port} 127.0.0.1\nallow_anonymous false\n"
            f"password_file {passwords}\npersistence false\n"
        )
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(self.folder / "mosquitto.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if listening(self.port):
            return
        self.stop()
        raise RuntimeError("mosquitto did not start")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:  # a loaded machine: SIGTERM came before its handler
            self.process.kill()
            self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def broker():
    server = Mosquitto()
    yield server
    server.stop()


def conf(port: int, **more) -> dict:
    return {"host": "127.0.0.1", "port": port, "username": USER, "password": PASSWORD, **more}


class TestMqttProbe:
    def test_it_is_up_on_a_connect(self, broker):
        outcome = check("mqtt", conf(broker.port))
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "connected")
        assert outcome.latency_ms > 0

    def test_the_round_trip_comes_back(self, broker):
        outcome = check("mqtt", conf(broker.port, topic="aviso/probe/test"))
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "publish/subscribe round trip")

    def test_it_is_degraded_when_the_broker_is_slow(self, broker):
        relay = SlowRelay(broker.port, delay=0.15)
        try:
            outcome = check("mqtt", conf(relay.port, topic="aviso/slow", degraded_latency_ms=100))
        finally:
            relay.stop()
        assert outcome.status == CheckStatus.DEGRADED, outcome.message
        assert outcome.message.startswith("slow: ")

    def test_a_wrong_password_is_down_and_not_repeated(self, broker):
        outcome = check("mqtt", {**conf(broker.port), "password": "wrong-one"})
        assert outcome.status == CheckStatus.DOWN
        assert outcome.message.startswith("the broker refused: "), outcome.message
        assert "wrong-one" not in outcome.message

    def test_it_is_down_when_the_broker_is_stopped(self):
        server = Mosquitto()
        port = server.port
        server.stop()
        outcome = check("mqtt", conf(port))
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "cannot connect: Connection refused",
        )  # fmt: skip

    def test_bad_settings_are_named(self):
        with pytest.raises(ConfigError) as caught:
            parse_config("mqtt", {"host": "broker", "topic": "sensors/#"})
        assert caught.value.errors == {
            "config.topic": "a topic to publish on cannot hold +, # or NUL"
        }
        with pytest.raises(ConfigError) as caught:
            parse_config("mqtt", {"host": "broker", "port": 0})
        assert "config.port" in caught.value.errors
