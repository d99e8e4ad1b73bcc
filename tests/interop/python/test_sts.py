"""AssumeRole through the official STS SDK (alibabacloud_sts20150401, ACS3-HMAC-SHA256 signing)."""

import datetime

import pytest
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.exceptions import ClientException

from sts_helpers import assume_role, sts_client


def _parse_expiration(value: str) -> datetime.datetime:
    # STS returns ISO 8601 UTC, e.g. 2026-11-24T01:00:00Z
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def test_assume_role_returns_temporary_credentials(emulator):
    before = datetime.datetime.now(datetime.timezone.utc)
    # RoleSessionName allows only [A-Za-z0-9.@_-]; spaces on the wire are exercised by the
    # session Policy (json.dumps output) in test_auth_errors.py.
    creds = assume_role(emulator, duration_seconds=900, session_name="interop.session@test")

    assert creds.access_key_id and creds.access_key_secret and creds.security_token
    assert creds.access_key_id != emulator.access_key_id
    expires_in = (_parse_expiration(creds.expiration) - before).total_seconds()
    assert 900 - 60 <= expires_in <= 900 + 60, creds.expiration


def test_assume_role_reports_assumed_role_user(emulator):
    response = sts_client(emulator).assume_role(sts_models.AssumeRoleRequest(
        role_arn=emulator.role_arn, role_session_name="who-am-i", duration_seconds=900))
    body = response.body
    assert body.request_id
    assert body.assumed_role_user.arn.endswith("/who-am-i"), body.assumed_role_user.arn
    assert body.assumed_role_user.assumed_role_id


def test_assume_role_with_wrong_secret_is_refused(emulator):
    client = sts_client(emulator, access_key_secret=emulator.access_key_secret + "x")
    with pytest.raises(ClientException) as info:
        client.assume_role(sts_models.AssumeRoleRequest(
            role_arn=emulator.role_arn, role_session_name="bad-secret", duration_seconds=900))
    assert info.value.code == "SignatureDoesNotMatch"


def test_assume_role_with_unknown_access_key_is_refused(emulator):
    client = sts_client(emulator, access_key_id="LTAI5tNoSuchKeyInEmulator")
    with pytest.raises(ClientException) as info:
        client.assume_role(sts_models.AssumeRoleRequest(
            role_arn=emulator.role_arn, role_session_name="bad-key", duration_seconds=900))
    assert info.value.code == "InvalidAccessKeyId.NotFound"
