"""Presigned URLs made by the official SDKs, fetched with plain urllib."""

import os
import time
import uuid

import pytest

from rawhttp import fetch, replace_in_path, tamper_signature
from sdk_clients import ALL_FLAVORS, client_for

CONTENT_TYPE = "application/octet-stream"


@pytest.fixture(params=ALL_FLAVORS)
def client(request, emulator, sts_creds):
    return client_for(request.param, emulator, sts_creds)


@pytest.fixture
def stored_object(client, unique_prefix):
    """An object put through the SDK (removed afterwards): (key, data)."""
    key = unique_prefix + "object-a.bin"
    data = os.urandom(4096)
    client.put(key, data, content_type=CONTENT_TYPE)
    yield key, data
    client.delete(key)


def test_presigned_get(client, stored_object):
    key, data = stored_object
    url, headers = client.presign_get(key)
    r = fetch("GET", url, headers)
    assert r.status == 200, (r.status, r.body[:300])
    assert r.body == data


def test_presigned_put(client, unique_prefix):
    key = unique_prefix + "uploaded via url.bin"
    data = os.urandom(3000)
    url, headers = client.presign_put(key, CONTENT_TYPE)
    assert any(k.lower() == "content-type" for k in headers)
    try:
        r = fetch("PUT", url, headers, body=data)
        assert r.status == 200, (r.status, r.body[:300])
        assert client.get(key) == data
    finally:
        client.delete(key)


def test_tampered_signature_on_get_is_refused(client, stored_object):
    key, _ = stored_object
    url, headers = client.presign_get(key)
    r = fetch("GET", tamper_signature(url), headers)
    assert (r.status, r.error_code) == (403, "SignatureDoesNotMatch"), r.body[:300]


def test_tampered_signature_on_put_is_refused(client, unique_prefix):
    key = unique_prefix + "never-written.bin"
    url, headers = client.presign_put(key, CONTENT_TYPE)
    r = fetch("PUT", tamper_signature(url), headers, body=b"nope")
    assert (r.status, r.error_code) == (403, "SignatureDoesNotMatch"), r.body[:300]
    assert client.failure(lambda: client.head(key)).status == 404


def test_url_signed_for_one_key_does_not_open_another(client, stored_object):
    key_a, _ = stored_object
    key_b = key_a.replace("object-a.bin", "object-b.bin")
    client.put(key_b, b"secret b", content_type=CONTENT_TYPE)
    try:
        url, headers = client.presign_get(key_a)
        r = fetch("GET", replace_in_path(url, "object-a.bin", "object-b.bin"), headers)
        assert (r.status, r.error_code) == (403, "SignatureDoesNotMatch"), r.body[:300]
    finally:
        client.delete(key_b)


def test_presigned_put_with_other_content_type_is_refused(client, unique_prefix):
    key = unique_prefix + "ct-mismatch.bin"
    url, _ = client.presign_put(key, CONTENT_TYPE)
    r = fetch("PUT", url, {"Content-Type": "text/plain"}, body=b"x")
    assert (r.status, r.error_code) == (403, "SignatureDoesNotMatch"), r.body[:300]


@pytest.fixture(scope="module")
def expired_presigned_get_urls(emulator, sts_creds):
    """flavor -> (url, headers) of a presigned GET that has expired.

    Signed for 2 s (oss-v2 truncates that to x-oss-expires=1; 1 s would become an invalid 0),
    for all flavors at once so the module waits for expiry only once.
    """
    key = f"interop/{uuid.uuid4().hex[:10]}/expiring.txt"
    clients = {flavor: client_for(flavor, emulator, sts_creds) for flavor in ALL_FLAVORS}
    clients[ALL_FLAVORS[0]].put(key, b"short-lived", content_type=CONTENT_TYPE)
    urls = {flavor: c.presign_get(key, expires_s=2) for flavor, c in clients.items()}
    time.sleep(2.5)
    yield urls
    clients[ALL_FLAVORS[0]].delete(key)


@pytest.mark.parametrize("flavor", ALL_FLAVORS)
def test_expired_presigned_url_is_refused(flavor, expired_presigned_get_urls):
    url, headers = expired_presigned_get_urls[flavor]
    r = fetch("GET", url, headers)
    assert (r.status, r.error_code) == (403, "AccessDenied"), r.body[:300]
