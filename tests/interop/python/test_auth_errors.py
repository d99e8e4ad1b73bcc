"""Requests the emulator must refuse, checked through each SDK's own error fields.

oss2 reports ServerError.status / .code; alibabacloud-oss-v2 reports ServiceError.status_code /
.code (wrapped in OperationError). sdk_clients.*.failure() reads exactly those fields.
"""

import json

import pytest

from sdk_clients import ALL_FLAVORS, client_for, make_client
from sts_helpers import assume_role


@pytest.fixture(params=ALL_FLAVORS)
def flavor(request):
    return request.param


def _tamper(token: str) -> str:
    """Change one character in the middle of the token, keeping its alphabet."""
    i = len(token) // 2
    while not token[i].isalnum():
        i += 1
    return token[:i] + ("B" if token[i] == "A" else "A") + token[i + 1:]


@pytest.fixture(scope="module")
def prefix_limited_creds(emulator):
    """STS credentials whose session policy only allows objects under `allowed/`."""
    policy = {
        "Version": "1",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["oss:*"],
            "Resource": [f"acs:oss:*:*:{emulator.bucket}/allowed/*"],
        }],
    }
    return assume_role(emulator, duration_seconds=900, policy=json.dumps(policy))


def test_wrong_secret_is_signature_mismatch(flavor, emulator, sts_creds, unique_prefix):
    client = client_for(flavor, emulator, sts_creds,
                        access_key_secret=sts_creds.access_key_secret + "x")
    err = client.failure(lambda: client.put(unique_prefix + "wrong-secret.txt", b"data"))
    assert (err.status, err.code) == (403, "SignatureDoesNotMatch"), err


def test_unknown_access_key_id(flavor, emulator, unique_prefix):
    client = make_client(flavor, emulator, "LTAI5tNoSuchKeyInEmulator",
                         emulator.access_key_secret, security_token=None)
    err = client.failure(lambda: client.put(unique_prefix + "unknown-ak.txt", b"data"))
    assert (err.status, err.code) == (403, "InvalidAccessKeyId"), err


def test_expired_security_token(flavor, emulator, expired_creds, unique_prefix):
    client = client_for(flavor, emulator, expired_creds)
    err = client.failure(lambda: client.put(unique_prefix + "expired.txt", b"data"))
    assert (err.status, err.code) == (403, "SecurityTokenExpired"), err


def test_tampered_security_token(flavor, emulator, sts_creds, unique_prefix):
    client = client_for(flavor, emulator, sts_creds,
                        security_token=_tamper(sts_creds.security_token))
    err = client.failure(lambda: client.put(unique_prefix + "tampered-token.txt", b"data"))
    assert (err.status, err.code) == (403, "InvalidSecurityToken"), err


def test_session_policy_limits_to_prefix(flavor, emulator, prefix_limited_creds, unique_prefix):
    client = client_for(flavor, emulator, prefix_limited_creds)

    allowed_key = "allowed/" + unique_prefix + "ok.txt"
    client.put(allowed_key, b"inside the prefix")
    try:
        assert client.get(allowed_key) == b"inside the prefix"
    finally:
        client.delete(allowed_key)

    denied_key = "elsewhere/" + unique_prefix + "denied.txt"
    err = client.failure(lambda: client.put(denied_key, b"outside the prefix"))
    assert (err.status, err.code) == (403, "AccessDenied"), err
