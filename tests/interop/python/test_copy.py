"""CopyObject and UploadPartCopy through the official SDKs (issue 14, point 1: a copy used to
overwrite its destination with an empty object)."""

import hashlib
import json
import os
import uuid

import alibabacloud_oss_v2 as oss
import oss2

from sdk_clients import service_error, v2_config
from sts_helpers import assume_role

KIB = 1024


def _crc(client: oss.Client, bucket: str, key: str) -> str:
    return client.head_object(oss.HeadObjectRequest(bucket=bucket, key=key)).hash_crc64


def _body(client: oss.Client, bucket: str, key: str) -> bytes:
    return client.get_object(oss.GetObjectRequest(bucket=bucket, key=key)).body.read()


def test_copy_object_same_bucket_copy_and_replace(v2, emulator, unique_prefix):
    bucket = emulator.bucket
    src, dst = unique_prefix + "src ü.bin", unique_prefix + "dst.bin"
    data = os.urandom(64 * KIB + 5)
    put = v2.put_object(oss.PutObjectRequest(bucket=bucket, key=src, body=data,
                                             content_type="text/x-source",
                                             metadata={"colour": "blue"}))
    r = v2.copy_object(oss.CopyObjectRequest(bucket=bucket, key=dst, source_key=src))
    assert r.etag == put.etag
    assert r.hash_crc64 == put.hash_crc64
    assert r.last_modified is not None
    assert _body(v2, bucket, dst) == data
    head = v2.head_object(oss.HeadObjectRequest(bucket=bucket, key=dst))
    assert head.content_type == "text/x-source"
    assert head.metadata == {"colour": "blue"}

    r = v2.copy_object(oss.CopyObjectRequest(bucket=bucket, key=dst, source_key=src,
                                             metadata_directive="REPLACE",
                                             content_type="text/x-copy",
                                             metadata={"shape": "round"}))
    head = v2.head_object(oss.HeadObjectRequest(bucket=bucket, key=dst))
    assert (head.content_type, head.metadata) == ("text/x-copy", {"shape": "round"})
    assert _body(v2, bucket, dst) == data

    # A copy onto itself keeps the bytes (the files are shared, not rewritten).
    v2.copy_object(oss.CopyObjectRequest(bucket=bucket, key=src, source_key=src,
                                         metadata_directive="REPLACE"))
    assert _body(v2, bucket, src) == data


def test_copy_of_a_missing_source_stores_nothing(v2, emulator, unique_prefix):
    bucket = emulator.bucket
    dst = unique_prefix + "precious.txt"
    v2.put_object(oss.PutObjectRequest(bucket=bucket, key=dst, body=b"precious"))
    status, code, _ = service_error(lambda: v2.copy_object(oss.CopyObjectRequest(
        bucket=bucket, key=dst, source_key=unique_prefix + "missing")))
    assert (status, code) == (404, "NoSuchKey")
    assert _body(v2, bucket, dst) == b"precious"

    status, code, _ = service_error(lambda: v2.copy_object(oss.CopyObjectRequest(
        bucket=bucket, key=dst, source_key=dst, if_match='"00000000000000000000000000000000"')))
    assert (status, code) == (412, "PreconditionFailed")


def test_copy_across_buckets(v2_user, emulator, unique_prefix):
    other = "copy-target-" + uuid.uuid4().hex[:8]
    v2_user.put_bucket(oss.PutBucketRequest(bucket=other))
    key = unique_prefix + "crossing.bin"
    data = os.urandom(10 * KIB)
    v2_user.put_object(oss.PutObjectRequest(bucket=emulator.bucket, key=key, body=data))
    try:
        v2_user.copy_object(oss.CopyObjectRequest(bucket=other, key="copied.bin",
                                                  source_bucket=emulator.bucket, source_key=key))
        assert _body(v2_user, other, "copied.bin") == data
        assert _crc(v2_user, other, "copied.bin") == _crc(v2_user, emulator.bucket, key)
    finally:
        v2_user.delete_object(oss.DeleteObjectRequest(bucket=other, key="copied.bin"))
        v2_user.delete_bucket(oss.DeleteBucketRequest(bucket=other))


def test_copy_needs_read_on_the_source_and_write_on_the_destination(emulator, unique_prefix):
    bucket = emulator.bucket
    secret, public = unique_prefix + "secret/s.txt", unique_prefix + "public/p.txt"
    admin = oss.Client(v2_config(emulator.oss_endpoint, emulator.region, emulator.access_key_id,
                                 emulator.access_key_secret, None))
    admin.put_object(oss.PutObjectRequest(bucket=bucket, key=secret, body=b"secret"))
    admin.put_object(oss.PutObjectRequest(bucket=bucket, key=public, body=b"public"))
    policy = {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["oss:PutObject"],
         "Resource": [f"acs:oss:*:*:{bucket}/{unique_prefix}out/*"]},
        {"Effect": "Allow", "Action": ["oss:GetObject"],
         "Resource": [f"acs:oss:*:*:{bucket}/{unique_prefix}public/*"]},
    ]}
    creds = assume_role(emulator, duration_seconds=900, policy=json.dumps(policy))
    limited = oss.Client(v2_config(emulator.oss_endpoint, emulator.region, creds.access_key_id,
                                   creds.access_key_secret, creds.security_token))
    out = unique_prefix + "out/copy.txt"
    status, code, _ = service_error(lambda: limited.copy_object(oss.CopyObjectRequest(
        bucket=bucket, key=out, source_key=secret)))
    assert (status, code) == (403, "AccessDenied")
    status, code, _ = service_error(lambda: limited.copy_object(oss.CopyObjectRequest(
        bucket=bucket, key=unique_prefix + "elsewhere.txt", source_key=public)))
    assert (status, code) == (403, "AccessDenied")
    limited.copy_object(oss.CopyObjectRequest(bucket=bucket, key=out, source_key=public))
    assert _body(admin, bucket, out) == b"public"


def test_upload_part_copy_with_ranges(v2, emulator, unique_prefix):
    bucket = emulator.bucket
    src, dst = unique_prefix + "part-source.bin", unique_prefix + "assembled.bin"
    data = os.urandom(300 * KIB)
    v2.put_object(oss.PutObjectRequest(bucket=bucket, key=src, body=data))
    upload_id = v2.initiate_multipart_upload(
        oss.InitiateMultipartUploadRequest(bucket=bucket, key=dst)).upload_id
    first = v2.upload_part_copy(oss.UploadPartCopyRequest(
        bucket=bucket, key=dst, upload_id=upload_id, part_number=1, source_key=src,
        source_range=f"bytes=0-{200 * KIB - 1}"))
    assert first.etag.strip('"').lower() == hashlib.md5(data[:200 * KIB]).hexdigest()
    second = v2.upload_part_copy(oss.UploadPartCopyRequest(
        bucket=bucket, key=dst, upload_id=upload_id, part_number=2, source_key=src,
        source_range=f"bytes={200 * KIB}-{300 * KIB - 1}"))
    whole = v2.upload_part_copy(oss.UploadPartCopyRequest(
        bucket=bucket, key=dst, upload_id=upload_id, part_number=3, source_key=src))
    assert whole.etag.strip('"').lower() == hashlib.md5(data).hexdigest()
    parts = [oss.UploadPart(part_number=n, etag=p.etag)
             for n, p in enumerate([first, second, whole], start=1)]
    v2.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
        bucket=bucket, key=dst, upload_id=upload_id,
        complete_multipart_upload=oss.CompleteMultipartUpload(parts=parts)))
    assert _body(v2, bucket, dst) == data + data


def test_oss2_copy_object_and_upload_part_copy(emulator, sts_creds, unique_prefix):
    auth = oss2.StsAuth(sts_creds.access_key_id, sts_creds.access_key_secret,
                        sts_creds.security_token)
    b = oss2.Bucket(auth, emulator.oss_endpoint, emulator.bucket, region=emulator.region)
    src, dst = unique_prefix + "oss2 src.txt", unique_prefix + "oss2-dst.txt"
    data = os.urandom(150 * KIB)
    b.put_object(src, data)
    b.copy_object(emulator.bucket, src, dst)
    assert b.get_object(dst).read() == data

    mp = unique_prefix + "oss2-mp.bin"
    upload_id = b.init_multipart_upload(mp).upload_id
    r = b.upload_part_copy(emulator.bucket, src, (0, 100 * KIB - 1), mp, upload_id, 1)
    r2 = b.upload_part_copy(emulator.bucket, src, (100 * KIB, len(data) - 1), mp, upload_id, 2)
    b.complete_multipart_upload(mp, upload_id, [oss2.models.PartInfo(1, r.etag),
                                                oss2.models.PartInfo(2, r2.etag)])
    assert b.get_object(mp).read() == data

