"""Fixtures for the interop suite: start `ossdirect emulator`, get STS credentials.

The emulator binary is taken from $OSSDIRECT_BIN (default: <repo>/target/debug/ossdirect).
It is started once per test session as

    $OSSDIRECT_BIN emulator --listen 127.0.0.1:0 --data-dir <tmp> --sts-min-duration 1

and must print, as its FIRST stdout line, one JSON object with at least:
oss_endpoint, sts_endpoint, region, bucket, access_key_id, access_key_secret, role_arn.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import threading
import time
import uuid

import pytest

import alibabacloud_oss_v2 as oss

from sdk_clients import v2_config
from sts_helpers import Emulator, StsCredentials, assume_role

REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]
DEFAULT_BIN = REPO_ROOT / "target" / "debug" / "ossdirect"
STARTUP_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10


def _read_first_line(proc: subprocess.Popen, timeout: float) -> str:
    """Read the first stdout line, giving up after `timeout` seconds."""
    box: dict = {}

    def reader() -> None:
        box["line"] = proc.stdout.readline()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TimeoutError(f"emulator printed no line within {timeout}s")
    return box["line"]


def _drain(stream) -> None:
    """Keep reading so that a chatty emulator never blocks on a full pipe."""
    for _ in iter(stream.readline, ""):
        pass


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> Emulator:
    binary = pathlib.Path(os.environ.get("OSSDIRECT_BIN", str(DEFAULT_BIN)))
    if not binary.exists():
        pytest.fail(f"emulator binary not found: {binary} (build it, or set OSSDIRECT_BIN)")

    workdir = tmp_path_factory.mktemp("emulator")
    data_dir = workdir / "data"
    data_dir.mkdir()
    stderr_path = workdir / "stderr.log"
    cmd = [
        str(binary), "emulator",
        "--listen", "127.0.0.1:0",
        "--data-dir", str(data_dir),
        "--sts-min-duration", "1",
    ]
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        try:
            line = _read_first_line(proc, STARTUP_TIMEOUT_S)
            info = json.loads(line)
        except Exception as e:  # noqa: BLE001 - report whatever went wrong with context
            _stop(proc)
            raise RuntimeError(
                f"emulator did not start properly ({e!r}); cmd={cmd}; "
                f"stderr:\n{stderr_path.read_text(errors='replace')[-4000:]}"
            ) from e
        threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()

        missing = [k for k in ("oss_endpoint", "sts_endpoint", "region", "bucket",
                               "access_key_id", "access_key_secret", "role_arn") if k not in info]
        assert not missing, f"emulator startup line lacks {missing}: {info}"
        yield Emulator(
            oss_endpoint=info["oss_endpoint"].rstrip("/"),
            sts_endpoint=info["sts_endpoint"].rstrip("/"),
            region=info["region"],
            bucket=info["bucket"],
            access_key_id=info["access_key_id"],
            access_key_secret=info["access_key_secret"],
            role_arn=info["role_arn"],
            info=info,
        )
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def sts_creds(emulator) -> StsCredentials:
    """One 15-minute STS session under the default role, shared by the whole run."""
    return assume_role(emulator, duration_seconds=900)


@pytest.fixture(scope="session")
def expired_creds(emulator) -> StsCredentials:
    """STS credentials that were valid for 1 s and have expired by the time they're used."""
    creds = assume_role(emulator, duration_seconds=1)
    time.sleep(2.2)
    return creds


@pytest.fixture
def unique_prefix() -> str:
    return f"interop/{uuid.uuid4().hex[:10]}/"


@pytest.fixture(scope="session")
def v2(emulator, sts_creds) -> oss.Client:
    """The official V2 SDK's sync client (signature V4) with the session's STS credentials."""
    return oss.Client(v2_config(emulator.oss_endpoint, emulator.region, sts_creds.access_key_id,
                                sts_creds.access_key_secret, sts_creds.security_token))


@pytest.fixture(scope="session")
def v2_user(emulator) -> oss.Client:
    """The V2 sync client with the RAM user's long-term key (allowed on every bucket)."""
    return oss.Client(v2_config(emulator.oss_endpoint, emulator.region, emulator.access_key_id,
                                emulator.access_key_secret, None))

