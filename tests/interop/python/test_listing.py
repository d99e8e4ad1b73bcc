"""ListParts and ListMultipartUploads answers the SDKs rely on (issue 14, points 3 and 4)."""

import os

import alibabacloud_oss_v2 as oss
from alibabacloud_oss_v2.crypto.aes_ctr_cipher import AESCtrCipherBuilder
from alibabacloud_oss_v2.encryption_client import (EncryptionMultiPartContext,
                                                   _get_envelope_from_list_parts)
from Crypto.PublicKey import RSA

KIB = 1024


def test_list_parts_names_the_storage_class(v2, emulator, unique_prefix):
    key = unique_prefix + "parts.bin"
    upload_id = v2.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(
        bucket=emulator.bucket, key=key)).upload_id
    try:
        v2.upload_part(oss.UploadPartRequest(bucket=emulator.bucket, key=key,
                                             upload_id=upload_id, part_number=1, body=b"x"))
        r = v2.list_parts(oss.ListPartsRequest(bucket=emulator.bucket, key=key,
                                               upload_id=upload_id))
        assert r.storage_class == "Standard"
        assert [p.part_number for p in r.parts] == [1]
        assert r.client_encryption_key is None
    finally:
        v2.abort_multipart_upload(oss.AbortMultipartUploadRequest(
            bucket=emulator.bucket, key=key, upload_id=upload_id))


def test_client_side_encryption_multipart_resumes_from_list_parts(v2, emulator, unique_prefix):
    rsa = RSA.generate(2048)
    cipher = oss.crypto.MasterRsaCipher(
        mat_desc={"purpose": "interop"},
        public_key=rsa.publickey().export_key().decode(),
        private_key=rsa.export_key().decode())
    eclient = oss.EncryptionClient(v2, cipher)
    key = unique_prefix + "encrypted.bin"
    part_size = 100 * KIB
    data = os.urandom(part_size + 1000)
    init = eclient.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(
        bucket=emulator.bucket, key=key, cse_part_size=part_size, cse_data_size=len(data)))
    r1 = eclient.upload_part(oss.UploadPartRequest(
        bucket=emulator.bucket, key=key, upload_id=init.upload_id, part_number=1,
        body=data[:part_size], cse_multipart_context=init.cse_multipart_context))

    listed = eclient.list_parts(oss.ListPartsRequest(bucket=emulator.bucket, key=key,
                                                     upload_id=init.upload_id))
    assert listed.client_encryption_key
    assert listed.client_encryption_start
    assert listed.client_encryption_cek_alg == "AES/CTR/NoPadding"
    assert listed.client_encryption_wrap_alg == "RSA/NONE/PKCS1Padding"
    assert listed.client_encryption_part_size == part_size
    assert listed.client_encryption_data_size == len(data)

    # Resume as a restarted uploader would: rebuild the multipart context from what ListParts
    # echoed alone (with the SDK's own helpers), and finish the upload with it.
    env = _get_envelope_from_list_parts(listed)
    resumed = EncryptionMultiPartContext(
        content_cipher=AESCtrCipherBuilder(cipher).content_cipher_from_env(env),
        part_size=listed.client_encryption_part_size,
        data_size=listed.client_encryption_data_size)
    r2 = eclient.upload_part(oss.UploadPartRequest(
        bucket=emulator.bucket, key=key, upload_id=init.upload_id, part_number=2,
        body=data[part_size:], cse_multipart_context=resumed))
    eclient.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
        bucket=emulator.bucket, key=key, upload_id=init.upload_id,
        complete_multipart_upload=oss.CompleteMultipartUpload(parts=[
            oss.UploadPart(part_number=1, etag=r1.etag),
            oss.UploadPart(part_number=2, etag=r2.etag)])))
    got = eclient.get_object(oss.GetObjectRequest(bucket=emulator.bucket, key=key))
    assert got.body.read() == data


def test_list_multipart_uploads_names_the_last_upload(v2, emulator, unique_prefix):
    keys = [unique_prefix + "up/a", unique_prefix + "up/b"]
    ids = [v2.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(
        bucket=emulator.bucket, key=k)).upload_id for k in keys]
    try:
        r = v2.list_multipart_uploads(oss.ListMultipartUploadsRequest(
            bucket=emulator.bucket, prefix=unique_prefix + "up/"))
        assert not r.is_truncated
        assert [u.key for u in r.uploads] == keys
        assert (r.next_key_marker, r.next_upload_id_marker) == (keys[1], ids[1])
        page = v2.list_multipart_uploads(oss.ListMultipartUploadsRequest(
            bucket=emulator.bucket, prefix=unique_prefix + "up/", max_uploads=1))
        assert page.is_truncated
        assert (page.next_key_marker, page.next_upload_id_marker) == (keys[0], ids[0])
    finally:
        for k, i in zip(keys, ids):
            v2.abort_multipart_upload(oss.AbortMultipartUploadRequest(
                bucket=emulator.bucket, key=k, upload_id=i))
