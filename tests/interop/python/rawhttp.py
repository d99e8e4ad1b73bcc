"""Plain-HTTP helpers (stdlib only) for fetching presigned URLs and reading OSS error bodies."""

from __future__ import annotations

import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Dict, Optional
from urllib.parse import urlsplit, urlunsplit


@dataclass
class Response:
    status: int
    body: bytes
    headers: Dict[str, str]

    @property
    def error_code(self) -> str:
        """<Code> of an OSS XML error body ('' if there is none)."""
        try:
            root = ET.fromstring(self.body)
        except ET.ParseError:
            return ""
        return (root.findtext("Code") or "") if root.tag == "Error" else ""


def fetch(method: str, url: str, headers: Optional[Dict[str, str]] = None,
          body: Optional[bytes] = None, timeout: float = 15) -> Response:
    """Send one request exactly as given (urllib adds no Content-Type when we pass one)."""
    headers = dict(headers or {})
    if body is not None and not any(k.lower() == "content-type" for k in headers):
        # urllib would otherwise add "application/x-www-form-urlencoded", which is signed.
        raise ValueError("pass an explicit Content-Type for requests with a body")
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, r.read(), dict(r.headers.items()))
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read(), dict(e.headers.items()))


SIGNATURE_PARAMS = ("x-oss-signature", "Signature")


def _flip(value: str) -> str:
    """Change the first alphanumeric character of `value` (keeps it a valid hex/base64 string)."""
    for i, c in enumerate(value):
        if c.isalnum():
            return value[:i] + ("b" if c == "a" else "a") + value[i + 1:]
    raise ValueError(f"nothing to tamper with in {value!r}")


def tamper_signature(url: str) -> str:
    """Return `url` with one character of its signature query parameter changed."""
    parts = urlsplit(url)
    pairs = parts.query.split("&")
    for i, pair in enumerate(pairs):
        name, sep, value = pair.partition("=")
        if name in SIGNATURE_PARAMS:
            pairs[i] = name + sep + _flip(value)
            break
    else:
        raise ValueError(f"no signature parameter in {url}")
    tampered = urlunsplit(parts._replace(query="&".join(pairs)))
    assert tampered != url
    return tampered


def replace_in_path(url: str, old: str, new: str) -> str:
    """Return `url` with `old` replaced by `new` in its path only (query untouched)."""
    parts = urlsplit(url)
    assert old in parts.path, f"{old!r} not in path of {url}"
    return urlunsplit(parts._replace(path=parts.path.replace(old, new)))
