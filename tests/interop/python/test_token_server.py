"""The token vending server (started by `ossdirect dev`) speaks the official SDKs' language.

The server hands out the mobile SDKs' JSON; the official Python SDK consumes it through its own
credentials-provider hook (`CredentialsProviderFunc`), and the session policy the server built
keeps each user in `users/<user>/`.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import re
import subprocess
import threading
import urllib.error
import urllib.request

import alibabacloud_oss_v2 as oss
import pytest

from conftest import DEFAULT_BIN, STARTUP_TIMEOUT_S, _drain, _read_first_line, _stop


@pytest.fixture(scope="module")
def dev(tmp_path_factory) -> dict:
    binary = pathlib.Path(os.environ.get("OSSDIRECT_BIN", str(DEFAULT_BIN)))
    data_dir = tmp_path_factory.mktemp("dev") / "data"
    proc = subprocess.Popen(
        [str(binary), "dev", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        info = json.loads(_read_first_line(proc, STARTUP_TIMEOUT_S))
        threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
        yield info
    finally:
        _stop(proc)


def bearer(dev: dict, user: str) -> str:
    return next(u["bearer_token"] for u in dev["users"] if u["user"] == user)


def fetch(url: str, token: str | None) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_token_json_is_what_the_mobile_sdks_read(dev):
    status, body = fetch(dev["token_url"], bearer(dev, "alice"))
    assert status == 200
    assert body["StatusCode"] == 200 and isinstance(body["StatusCode"], int)
    for field in ("AccessKeyId", "AccessKeySecret", "SecurityToken"):
        assert isinstance(body[field], str) and body[field]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["Expiration"]), body["Expiration"]


@pytest.mark.parametrize("token", [None, "not-a-valid-token"])
def test_unauthenticated_requests_get_the_error_shape(dev, token):
    status, body = fetch(dev["token_url"], token)
    assert status == 401
    assert body["StatusCode"] == 401
    assert body["ErrorCode"] and body["ErrorMessage"]


def provider_for(dev: dict, user: str) -> oss.credentials.CredentialsProviderFunc:
    """The official SDK's provider hook, fed by the token server."""
    token = bearer(dev, user)

    def credentials() -> oss.credentials.Credentials:
        status, body = fetch(dev["token_url"], token)
        assert status == 200, body
        expiration = datetime.datetime.strptime(body["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        return oss.credentials.Credentials(
            access_key_id=body["AccessKeyId"],
            access_key_secret=body["AccessKeySecret"],
            security_token=body["SecurityToken"],
            expiration=expiration,
        )

    return oss.credentials.CredentialsProviderFunc(credentials)


def test_official_sdk_uploads_with_server_credentials_inside_the_users_prefix(dev):
    cfg = oss.config.load_default()
    cfg.credentials_provider = provider_for(dev, "alice")
    cfg.region = dev["region"]
    cfg.endpoint = dev["oss_endpoint"]
    client = oss.Client(cfg)
    bucket = dev["bucket"]

    result = client.put_object(oss.PutObjectRequest(bucket=bucket, key="users/alice/from-python.txt", body=b"hi"))
    assert result.status_code == 200
    got = client.get_object(oss.GetObjectRequest(bucket=bucket, key="users/alice/from-python.txt"))
    assert got.body.read() == b"hi"

    for key in ("users/bob/intrusion.txt", "elsewhere.txt"):
        with pytest.raises(oss.exceptions.OperationError) as info:
            client.put_object(oss.PutObjectRequest(bucket=bucket, key=key, body=b"x"))
        error = info.value.unwrap()
        assert isinstance(error, oss.exceptions.ServiceError)
        assert (error.status_code, error.code) == (403, "AccessDenied")
