"""Emulator description and STS helpers built on the official STS SDK."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi import models as openapi_models


@dataclass(frozen=True)
class Emulator:
    oss_endpoint: str  # e.g. http://127.0.0.1:PORT
    sts_endpoint: str  # e.g. http://127.0.0.1:PORT2 (STS answers at "/")
    region: str
    bucket: str
    access_key_id: str  # a RAM user's long-term key
    access_key_secret: str
    role_arn: str
    info: dict  # the whole first stdout line, for debugging


@dataclass(frozen=True)
class StsCredentials:
    access_key_id: str
    access_key_secret: str
    security_token: str
    expiration: str



def sts_client(emu: Emulator, access_key_secret: Optional[str] = None,
               access_key_id: Optional[str] = None) -> StsClient:
    """An official STS client pointed at the emulator (ACS3-HMAC-SHA256 signing)."""
    parts = urlsplit(emu.sts_endpoint)
    config = openapi_models.Config(
        access_key_id=access_key_id or emu.access_key_id,
        access_key_secret=access_key_secret or emu.access_key_secret,
        endpoint=parts.netloc,  # the tea client wants host:port, scheme goes in `protocol`
        protocol=parts.scheme or "http",
        region_id=emu.region,
    )
    return StsClient(config)


def assume_role(emu: Emulator, *, duration_seconds: int = 900, policy: Optional[str] = None,
                session_name: Optional[str] = None) -> StsCredentials:
    request = sts_models.AssumeRoleRequest(
        role_arn=emu.role_arn,
        role_session_name=session_name or f"interop-{uuid.uuid4().hex[:8]}",
        duration_seconds=duration_seconds,
        policy=policy,
    )
    creds = sts_client(emu).assume_role(request).body.credentials
    return StsCredentials(
        access_key_id=creds.access_key_id,
        access_key_secret=creds.access_key_secret,
        security_token=creds.security_token,
        expiration=creds.expiration,
    )
