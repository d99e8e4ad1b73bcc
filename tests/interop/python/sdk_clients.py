"""Thin, uniform wrappers around the two official OSS Python SDKs.

Each wrapper only calls the official SDK (alibabacloud-oss-v2 or oss2); it exists so that the
tests can be parametrized over SDK x signature version and stay readable.

Flavors:
    oss-v2-v4  alibabacloud-oss-v2, signature V4 (SDK default)       token: x-oss-security-token header
    oss2-v1    oss2, StsAuth signature V1 (SDK default)               token: x-oss-security-token header
    oss-v2-v1  alibabacloud-oss-v2, signature_version="v1"            token: security-token header
    oss2-v4    oss2, StsAuth(auth_version=AUTH_VERSION_4)             token: x-oss-security-token header
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import alibabacloud_oss_v2 as oss
import oss2

PRIMARY_FLAVORS = ["oss-v2-v4", "oss2-v1"]
EXTRA_FLAVORS = ["oss-v2-v1", "oss2-v4"]
ALL_FLAVORS = PRIMARY_FLAVORS + EXTRA_FLAVORS


@dataclass(frozen=True)
class ServiceFailure:
    """What the SDK reported for a failed request: HTTP status and OSS error code."""
    status: int
    code: str
    message: str = ""


def v2_config(endpoint: str, region: str, access_key_id: str, access_key_secret: str,
              security_token: Optional[str], signature_version: str = "v4",
              path_style: bool = True, cname: bool = False) -> oss.config.Config:
    """An alibabacloud-oss-v2 configuration (for `oss.Client` or `oss.aio.AsyncClient`)."""
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
        access_key_id, access_key_secret, security_token)
    cfg.region = region
    cfg.endpoint = endpoint  # "http://127.0.0.1:PORT": scheme picks plain http
    cfg.signature_version = signature_version
    # Path style is automatic for an IP endpoint; for a hostname endpoint it's opt-in.
    cfg.use_path_style = path_style
    cfg.use_cname = cname  # endpoint host is already "<bucket>.<host>"
    return cfg


def service_error(call: Callable[[], object]):
    """Run `call` (a V2 SDK call) which must fail with an OSS service error; return
    (status, code, error)."""
    try:
        call()
    except oss.exceptions.OperationError as op_err:
        err = op_err.unwrap()
        assert isinstance(err, oss.exceptions.ServiceError), f"not a service error: {op_err!r}"
        return err.status_code, err.code, err
    raise AssertionError("the request unexpectedly succeeded")


class OssV2Client:
    """alibabacloud-oss-v2 (`import alibabacloud_oss_v2 as oss`)."""

    def __init__(self, endpoint: str, region: str, bucket: str, access_key_id: str,
                 access_key_secret: str, security_token: Optional[str], signature_version: str,
                 path_style: bool = True, cname: bool = False):
        self.client = oss.Client(v2_config(endpoint, region, access_key_id, access_key_secret,
                                           security_token, signature_version, path_style, cname))
        self.bucket = bucket

    # --- objects -------------------------------------------------------------------------
    def put(self, key: str, data: bytes, content_type: Optional[str] = None) -> str:
        r = self.client.put_object(oss.PutObjectRequest(
            bucket=self.bucket, key=key, body=data, content_type=content_type))
        return r.etag

    def get(self, key: str, byte_range: Optional[Tuple[int, int]] = None) -> bytes:
        range_header = f"bytes={byte_range[0]}-{byte_range[1]}" if byte_range else None
        r = self.client.get_object(oss.GetObjectRequest(
            bucket=self.bucket, key=key, range_header=range_header))
        return r.body.read()

    def head(self, key: str) -> Dict[str, object]:
        r = self.client.head_object(oss.HeadObjectRequest(bucket=self.bucket, key=key))
        return {"content_length": r.content_length, "etag": r.etag}

    def delete(self, key: str) -> None:
        self.client.delete_object(oss.DeleteObjectRequest(bucket=self.bucket, key=key))

    # --- multipart -----------------------------------------------------------------------
    def initiate_multipart(self, key: str) -> str:
        r = self.client.initiate_multipart_upload(
            oss.InitiateMultipartUploadRequest(bucket=self.bucket, key=key))
        return r.upload_id

    def upload_part(self, key: str, upload_id: str, part_number: int, data: bytes) -> str:
        r = self.client.upload_part(oss.UploadPartRequest(
            bucket=self.bucket, key=key, upload_id=upload_id, part_number=part_number, body=data))
        return r.etag

    def complete_multipart(self, key: str, upload_id: str, parts: List[Tuple[int, str]]) -> str:
        r = self.client.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
            bucket=self.bucket, key=key, upload_id=upload_id,
            complete_multipart_upload=oss.CompleteMultipartUpload(
                parts=[oss.UploadPart(part_number=n, etag=etag) for n, etag in parts])))
        return r.etag

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self.client.abort_multipart_upload(oss.AbortMultipartUploadRequest(
            bucket=self.bucket, key=key, upload_id=upload_id))

    # --- presigned URLs --------------------------------------------------------------------
    def presign_get(self, key: str, expires_s: int = 600) -> Tuple[str, Dict[str, str]]:
        r = self.client.presign(oss.GetObjectRequest(bucket=self.bucket, key=key),
                                expires=datetime.timedelta(seconds=expires_s))
        return r.url, dict(r.signed_headers or {})

    def presign_put(self, key: str, content_type: str, expires_s: int = 600) -> Tuple[str, Dict[str, str]]:
        r = self.client.presign(oss.PutObjectRequest(bucket=self.bucket, key=key, content_type=content_type),
                                expires=datetime.timedelta(seconds=expires_s))
        return r.url, dict(r.signed_headers or {})

    # --- errors ----------------------------------------------------------------------------
    @staticmethod
    def failure(call: Callable[[], object]) -> ServiceFailure:
        """Run `call`, which must fail with a service error, and return what the SDK reported."""
        status, code, err = service_error(call)
        return ServiceFailure(status=status, code=code, message=err.message or "")


class Oss2Client:
    """oss2 (the classic SDK)."""

    def __init__(self, endpoint: str, region: str, bucket: str, access_key_id: str,
                 access_key_secret: str, security_token: Optional[str], signature_version: str,
                 path_style: bool = True, cname: bool = False):
        auth_version = {"v1": oss2.AUTH_VERSION_1, "v4": oss2.AUTH_VERSION_4}[signature_version]
        if security_token is not None:
            auth = oss2.StsAuth(access_key_id, access_key_secret, security_token, auth_version=auth_version)
        elif signature_version == "v4":
            auth = oss2.AuthV4(access_key_id, access_key_secret)
        else:
            auth = oss2.Auth(access_key_id, access_key_secret)
        # region is mandatory for V4; path style is automatic for IP/localhost endpoints.
        self.bucket = oss2.Bucket(auth, endpoint, bucket, region=region,
                                  is_path_style=path_style, is_cname=cname)

    def put(self, key: str, data: bytes, content_type: Optional[str] = None) -> str:
        headers = {"Content-Type": content_type} if content_type else None
        return self.bucket.put_object(key, data, headers=headers).etag

    def get(self, key: str, byte_range: Optional[Tuple[int, int]] = None) -> bytes:
        return self.bucket.get_object(key, byte_range=byte_range).read()

    def head(self, key: str) -> Dict[str, object]:
        r = self.bucket.head_object(key)
        return {"content_length": r.content_length, "etag": r.etag}

    def delete(self, key: str) -> None:
        self.bucket.delete_object(key)

    def initiate_multipart(self, key: str) -> str:
        return self.bucket.init_multipart_upload(key).upload_id

    def upload_part(self, key: str, upload_id: str, part_number: int, data: bytes) -> str:
        return self.bucket.upload_part(key, upload_id, part_number, data).etag

    def complete_multipart(self, key: str, upload_id: str, parts: List[Tuple[int, str]]) -> str:
        r = self.bucket.complete_multipart_upload(
            key, upload_id, [oss2.models.PartInfo(n, etag) for n, etag in parts])
        return r.etag

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self.bucket.abort_multipart_upload(key, upload_id)

    def presign_get(self, key: str, expires_s: int = 600) -> Tuple[str, Dict[str, str]]:
        return self.bucket.sign_url("GET", key, expires_s), {}

    def presign_put(self, key: str, content_type: str, expires_s: int = 600) -> Tuple[str, Dict[str, str]]:
        headers = {"Content-Type": content_type}
        return self.bucket.sign_url("PUT", key, expires_s, headers=headers), headers

    @staticmethod
    def failure(call: Callable[[], object]) -> ServiceFailure:
        try:
            call()
        except oss2.exceptions.ServerError as e:
            return ServiceFailure(status=e.status, code=e.code, message=e.message or "")
        raise AssertionError("the request unexpectedly succeeded")


def make_client(flavor: str, emu, access_key_id: str, access_key_secret: str,
                security_token: Optional[str], *, endpoint: Optional[str] = None,
                path_style: bool = True, cname: bool = False):
    sdk, _, version = flavor.rpartition("-")
    cls = {"oss-v2": OssV2Client, "oss2": Oss2Client}[sdk]
    return cls(endpoint or emu.oss_endpoint, emu.region, emu.bucket, access_key_id,
               access_key_secret, security_token, version, path_style=path_style, cname=cname)


def client_for(flavor: str, emu, creds, *, access_key_id: Optional[str] = None,
               access_key_secret: Optional[str] = None, security_token: Optional[str] = None):
    """A client for `flavor` using STS `creds`, with any of the three fields overridden."""
    return make_client(
        flavor, emu,
        access_key_id if access_key_id is not None else creds.access_key_id,
        access_key_secret if access_key_secret is not None else creds.access_key_secret,
        security_token if security_token is not None else creds.security_token,
    )
