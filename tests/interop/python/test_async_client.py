"""Uploads through the official V2 SDK's aiohttp client, which sends bodies chunked
(`Transfer-Encoding: chunked`, no Content-Length): issue 14, point 2."""

import asyncio
import hashlib
import os

import alibabacloud_oss_v2 as oss
import alibabacloud_oss_v2.aio as oss_aio

from sdk_clients import v2_config

KIB = 1024


def _async_client(emulator, creds) -> oss_aio.AsyncClient:
    return oss_aio.AsyncClient(v2_config(emulator.oss_endpoint, emulator.region,
                                         creds.access_key_id, creds.access_key_secret,
                                         creds.security_token))


def test_async_put_object(emulator, sts_creds, v2, unique_prefix):
    key = unique_prefix + "async-put.bin"
    data = os.urandom(300 * KIB + 7)

    async def put():
        async with _async_client(emulator, sts_creds) as client:
            return await client.put_object(oss.PutObjectRequest(
                bucket=emulator.bucket, key=key, body=data))

    r = asyncio.run(put())
    assert r.etag.strip('"').lower() == hashlib.md5(data).hexdigest()
    got = v2.get_object(oss.GetObjectRequest(bucket=emulator.bucket, key=key))
    assert got.body.read() == data
    assert got.hash_crc64 == r.hash_crc64


def test_async_multipart_and_append(emulator, sts_creds, v2, unique_prefix):
    key, log = unique_prefix + "async-mp.bin", unique_prefix + "async.log"
    parts = [os.urandom(100 * KIB), os.urandom(3 * KIB)]

    async def upload():
        async with _async_client(emulator, sts_creds) as client:
            init = await client.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(
                bucket=emulator.bucket, key=key))
            done = []
            for n, body in enumerate(parts, start=1):
                r = await client.upload_part(oss.UploadPartRequest(
                    bucket=emulator.bucket, key=key, upload_id=init.upload_id,
                    part_number=n, body=body))
                done.append(oss.UploadPart(part_number=n, etag=r.etag))
            await client.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
                bucket=emulator.bucket, key=key, upload_id=init.upload_id,
                complete_multipart_upload=oss.CompleteMultipartUpload(parts=done)))
            first = await client.append_object(oss.AppendObjectRequest(
                bucket=emulator.bucket, key=log, position=0, body=b"line 1\n"))
            await client.append_object(oss.AppendObjectRequest(
                bucket=emulator.bucket, key=log, position=first.next_position,
                body=b"line 2\n"))

    asyncio.run(upload())
    got = v2.get_object(oss.GetObjectRequest(bucket=emulator.bucket, key=key)).body.read()
    assert got == b"".join(parts)
    got = v2.get_object(oss.GetObjectRequest(bucket=emulator.bucket, key=log)).body.read()
    assert got == b"line 1\nline 2\n"
