from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from aviso.publish.store import GENERATION_KEY, MANIFEST_KEY, Snapshot, SnapshotStore
from aviso.publish.tests.conftest import wsgi_get
from aviso.publish.wsgi import SnapshotApp

REDIS = shutil.which("redis-server")


def snap(path: str, text: str) -> Snapshot:
    return Snapshot.build(path, text.encode() * 100, "text/html; charset=utf-8")


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"fell through"]


class TestSnapshotStore:
    def test_it_writes_a_set_and_reads_it_back(self, snapshot_dir):
        store = SnapshotStore()
        first = store.write([snap("/", "one"), snap("/history", "two")], rendered_at="t1")
        assert first.generation == 1
        assert store.get("/").body == b"one" * 100
        assert store.get("/history").gzip is not None
        assert store.get("/nothing") is None
        assert (snapshot_dir / "manifest.json").stat().st_mode & 0o777 == 0o644

    def test_it_keeps_the_previous_sets_bytes_and_no_older(self, snapshot_dir):
        store = SnapshotStore()
        old = snap("/", "one")
        store.write([old], rendered_at="t1")
        store.write([snap("/", "two")], rendered_at="t2")
        assert store._blob_path(old.digest).exists()  # a reader may still hold set 1
        third = store.write([snap("/", "three")], rendered_at="t3")
        assert third.generation == 3
        assert not store._blob_path(old.digest).exists()
        assert store.get("/").body == b"three" * 100

    def test_an_unchanged_manifest_is_not_parsed_again(self, snapshot_dir):
        # Web processes look for a newer set ten times a second: a stat, not a parse.
        writer, reader = SnapshotStore(), SnapshotStore()
        writer.write([snap("/", "one")], rendered_at="t1")
        first = reader.read_manifest()
        assert reader.read_manifest() is first
        writer.write([snap("/", "two")], rendered_at="t2")
        second = reader.read_manifest()
        assert second.generation == 2 and second is not first
        assert reader.get("/").body == b"two" * 100


@pytest.fixture
def redis_url():
    if REDIS is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    try:
        yield url, server
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_cache(settings, redis_url):
    url, server = redis_url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    return server


class TestSharedCache:
    def test_it_shares_snapshots_through_redis(self, redis_cache, settings, tmp_path):
        from django.core.cache import cache

        SnapshotStore().write([snap("/", "shared")], rendered_at="t1")
        assert cache.get(MANIFEST_KEY)["generation"] == 1
        # Another machine: its own (empty) data dir, the same Redis.
        settings.AVISO_SNAPSHOT_DIR = str(tmp_path / "elsewhere")
        reply = wsgi_get(SnapshotApp(not_found), "/")
        assert reply.status_code == 200
        assert reply.body == b"shared" * 100

    def test_a_reader_fetches_the_manifest_only_when_its_generation_moves(
        self, redis_cache, settings, tmp_path
    ):
        from django.core.cache import cache

        writer = SnapshotStore()
        writer.write([snap("/", "one")], rendered_at="t1")
        settings.AVISO_SNAPSHOT_DIR = str(tmp_path / "elsewhere")  # only Redis is shared
        reader = SnapshotStore()
        first = reader.read_manifest()
        assert reader.read_manifest() is first
        assert cache.get(GENERATION_KEY) == 1
        writer.write([snap("/", "two")], rendered_at="t2")
        assert reader.read_manifest().generation == 2

    def test_it_falls_back_to_disk_when_redis_is_down(self, redis_cache):
        SnapshotStore().write([snap("/", "on disk too")], rendered_at="t1")
        redis_cache.terminate()
        redis_cache.wait(timeout=10)
        reply = wsgi_get(SnapshotApp(not_found), "/")
        assert reply.status_code == 200
        assert reply.body == b"on disk too" * 100
        # And a render still lands on disk while the cache is gone.
        SnapshotStore().write([snap("/", "newer")], rendered_at="t2")
        assert SnapshotStore().get("/").body == b"newer" * 100
