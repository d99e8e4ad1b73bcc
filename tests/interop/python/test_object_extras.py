"""Object operations the SDKs' helpers rely on: GetObjectMeta (is_object_exist),
DeleteMultipleObjects, object ACLs (anonymous reads of public-read objects), AppendObject."""

import json
import os

import alibabacloud_oss_v2 as oss
import pytest

from rawhttp import fetch
from sdk_clients import service_error, v2_config
from sts_helpers import assume_role

KIB = 1024


def test_get_object_meta_and_is_object_exist(v2, emulator, unique_prefix):
    key = unique_prefix + "meta.bin"
    data = os.urandom(5 * KIB)
    put = v2.put_object(oss.PutObjectRequest(bucket=emulator.bucket, key=key, body=data))
    meta = v2.get_object_meta(oss.GetObjectMetaRequest(bucket=emulator.bucket, key=key))
    assert meta.content_length == len(data)
    assert meta.etag == put.etag
    assert meta.hash_crc64 == put.hash_crc64
    assert meta.last_modified is not None
    assert v2.is_object_exist(emulator.bucket, key)
    assert not v2.is_object_exist(emulator.bucket, unique_prefix + "absent")
    status, code, _ = service_error(lambda: v2.get_object_meta(
        oss.GetObjectMetaRequest(bucket=emulator.bucket, key=unique_prefix + "absent")))
    assert (status, code) == (404, "NoSuchKey")


@pytest.mark.parametrize("quiet", [False, True])
def test_delete_multiple_objects(v2, emulator, unique_prefix, quiet):
    keys = [unique_prefix + name for name in ("a.txt", "b c+ü.txt", "x&y<z>.txt")]
    for key in keys:
        v2.put_object(oss.PutObjectRequest(bucket=emulator.bucket, key=key, body=b"doomed"))
    absent = unique_prefix + "never-existed"
    r = v2.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(
        bucket=emulator.bucket, quiet=quiet,
        objects=[oss.DeleteObject(key=k) for k in keys + [absent]]))
    if quiet:
        assert not r.deleted_objects
    else:
        assert [d.key for d in r.deleted_objects] == keys + [absent]
    for key in keys:
        assert not v2.is_object_exist(emulator.bucket, key)


def test_delete_multiple_objects_checks_each_key(v2, emulator, unique_prefix):
    mine = [unique_prefix + "mine/1", unique_prefix + "mine/2"]
    theirs = unique_prefix + "theirs/1"
    for key in mine + [theirs]:
        v2.put_object(oss.PutObjectRequest(bucket=emulator.bucket, key=key, body=b"x"))
    policy = {"Version": "1", "Statement": [{
        "Effect": "Allow", "Action": ["oss:DeleteObject"],
        "Resource": [f"acs:oss:*:*:{emulator.bucket}/{unique_prefix}mine/*"]}]}
    creds = assume_role(emulator, duration_seconds=900, policy=json.dumps(policy))
    limited = oss.Client(v2_config(emulator.oss_endpoint, emulator.region, creds.access_key_id,
                                   creds.access_key_secret, creds.security_token))
    status, code, _ = service_error(lambda: limited.delete_multiple_objects(
        oss.DeleteMultipleObjectsRequest(bucket=emulator.bucket,
                                         objects=[oss.DeleteObject(key=k)
                                                  for k in mine + [theirs]])))
    assert (status, code) == (403, "AccessDenied")
    assert all(v2.is_object_exist(emulator.bucket, k) for k in mine + [theirs]), \
        "nothing is deleted when one key is refused"
    limited.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(
        bucket=emulator.bucket, objects=[oss.DeleteObject(key=k) for k in mine]))
    assert not any(v2.is_object_exist(emulator.bucket, k) for k in mine)


def test_object_acl_opens_anonymous_reads(v2, emulator, unique_prefix):
    key = unique_prefix + "shared.txt"
    url = f"{emulator.oss_endpoint}/{emulator.bucket}/{key}"
    v2.put_object(oss.PutObjectRequest(bucket=emulator.bucket, key=key, body=b"for all"))
    assert v2.get_object_acl(oss.GetObjectAclRequest(
        bucket=emulator.bucket, key=key)).acl == "default"
    assert fetch("GET", url).status == 403

    v2.put_object_acl(oss.PutObjectAclRequest(bucket=emulator.bucket, key=key,
                                              acl="public-read"))
    assert v2.get_object_acl(oss.GetObjectAclRequest(
        bucket=emulator.bucket, key=key)).acl == "public-read"
    r = fetch("GET", url)
    assert (r.status, r.body) == (200, b"for all")
    assert fetch("PUT", url, {"Content-Type": "text/plain"}, b"vandal").status == 403

    private = unique_prefix + "private.txt"
    v2.put_object(oss.PutObjectRequest(bucket=emulator.bucket, key=private, body=b"mine",
                                       acl="public-read"))
    assert fetch("GET", f"{emulator.oss_endpoint}/{emulator.bucket}/{private}").status == 200
    v2.put_object_acl(oss.PutObjectAclRequest(bucket=emulator.bucket, key=private,
                                              acl="private"))
    assert fetch("GET", f"{emulator.oss_endpoint}/{emulator.bucket}/{private}").status == 403
    status, code, _ = service_error(lambda: v2.put_object_acl(oss.PutObjectAclRequest(
        bucket=emulator.bucket, key=private, acl="world-writable")))
    assert (status, code) == (400, "InvalidArgument")


def test_append_object(v2, emulator, unique_prefix):
    key = unique_prefix + "log.txt"
    first = v2.append_object(oss.AppendObjectRequest(bucket=emulator.bucket, key=key,
                                                     position=0, body=b"hello "))
    assert first.next_position == 6
    second = v2.append_object(oss.AppendObjectRequest(
        bucket=emulator.bucket, key=key, position=first.next_position, body=b"world"))
    assert second.next_position == 11
    got = v2.get_object(oss.GetObjectRequest(bucket=emulator.bucket, key=key))
    assert got.body.read() == b"hello world"
    assert got.object_type == "Appendable"
    assert got.hash_crc64 == second.hash_crc64

    status, code, err = service_error(lambda: v2.append_object(oss.AppendObjectRequest(
        bucket=emulator.bucket, key=key, position=3, body=b"!")))
    assert (status, code) == (409, "PositionNotEqualToLength")
    headers = {k.lower(): v for k, v in (err.headers or {}).items()}
    assert headers.get("x-oss-next-append-position") == "11"

    normal = unique_prefix + "normal.txt"
    v2.put_object(oss.PutObjectRequest(bucket=emulator.bucket, key=normal, body=b"n"))
    status, code, _ = service_error(lambda: v2.append_object(oss.AppendObjectRequest(
        bucket=emulator.bucket, key=normal, position=1, body=b"!")))
    assert (status, code) == (409, "ObjectNotAppendable")
