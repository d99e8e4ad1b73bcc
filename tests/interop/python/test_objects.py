"""Object operations through both official OSS SDKs, signed with STS credentials."""

import hashlib
import os

import pytest

from sdk_clients import ALL_FLAVORS, client_for

KIB = 1024


@pytest.fixture(params=ALL_FLAVORS)
def flavor(request):
    return request.param


@pytest.fixture
def client(flavor, emulator, sts_creds):
    return client_for(flavor, emulator, sts_creds)


def test_put_head_get_range_delete(client, unique_prefix):
    key = unique_prefix + "hello.bin"
    data = os.urandom(10 * KIB + 3)

    client.put(key, data, content_type="application/octet-stream")
    try:
        assert client.head(key)["content_length"] == len(data)
        assert client.get(key) == data
        assert client.get(key, byte_range=(100, 4195)) == data[100:4196]
        assert client.get(key, byte_range=(len(data) - 5, len(data) - 1)) == data[-5:]
    finally:
        client.delete(key)

    gone = client.failure(lambda: client.get(key))
    assert (gone.status, gone.code) == (404, "NoSuchKey")
    # HEAD has no body: both SDKs read the code from the base64 XML in the x-oss-err header
    gone = client.failure(lambda: client.head(key))
    assert (gone.status, gone.code) == (404, "NoSuchKey")


def test_put_overwrites_and_etag_is_md5(client, unique_prefix):
    key = unique_prefix + "etag.txt"
    client.put(key, b"first version")
    etag = client.put(key, b"second")
    try:
        assert etag.strip('"').lower() == hashlib.md5(b"second").hexdigest()
        assert client.get(key) == b"second"
    finally:
        client.delete(key)


def test_multipart_upload_three_parts(client, unique_prefix):
    key = unique_prefix + "multipart.bin"
    parts = [os.urandom(100 * KIB + 17), os.urandom(128 * KIB), os.urandom(1000)]
    whole = b"".join(parts)

    upload_id = client.initiate_multipart(key)
    assert upload_id
    etags = [client.upload_part(key, upload_id, n, data) for n, data in enumerate(parts, start=1)]
    client.complete_multipart(key, upload_id, list(enumerate(etags, start=1)))
    try:
        assert client.head(key)["content_length"] == len(whole)
        assert client.get(key) == whole
        # a range that straddles the boundary between part 1 and part 2
        start, end = len(parts[0]) - 10, len(parts[0]) + 9
        assert client.get(key, byte_range=(start, end)) == whole[start:end + 1]
        # the small last part
        assert client.get(key, byte_range=(len(whole) - 1000, len(whole) - 1)) == parts[2]
    finally:
        client.delete(key)


def test_multipart_complete_with_wrong_etag_is_invalid_part(client, unique_prefix):
    key = unique_prefix + "bad-etag.bin"
    upload_id = client.initiate_multipart(key)
    try:
        etag = client.upload_part(key, upload_id, 1, os.urandom(1000))
        wrong = '"' + ("0" * 32 if etag.strip('"') != "0" * 32 else "1" * 32) + '"'
        err = client.failure(lambda: client.complete_multipart(key, upload_id, [(1, wrong)]))
        assert (err.status, err.code) == (400, "InvalidPart"), err
    finally:
        client.abort_multipart(key, upload_id)


def test_multipart_small_non_last_part_is_entity_too_small(client, unique_prefix):
    key = unique_prefix + "too-small.bin"
    upload_id = client.initiate_multipart(key)
    try:
        parts = [(1, client.upload_part(key, upload_id, 1, os.urandom(1000))),
                 (2, client.upload_part(key, upload_id, 2, os.urandom(1000)))]
        err = client.failure(lambda: client.complete_multipart(key, upload_id, parts))
        assert (err.status, err.code) == (400, "EntityTooSmall"), err
    finally:
        client.abort_multipart(key, upload_id)


@pytest.mark.parametrize("name", [
    "nested/dir/file.txt",
    "space and plus+sign.txt",
    "ünïcødé/ключ-键.dat",
    "punct !$&'()*,;=@~.bin",
])
def test_keys_with_special_characters(client, unique_prefix, name):
    key = unique_prefix + name
    data = name.encode()
    client.put(key, data)
    try:
        assert client.get(key) == data
        assert client.head(key)["content_length"] == len(data)
    finally:
        client.delete(key)
