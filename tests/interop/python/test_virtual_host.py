"""Virtual-hosted addressing: requests to `<bucket>.<emulator host>` with the key as the path.

Both SDKs force path style for an IP endpoint, so they are configured the way one configures a
custom domain (oss-v2 `use_cname`, oss2 `is_cname`) with endpoint http://<bucket>.127.0.0.1:PORT.
Name resolution of that host is pointed at 127.0.0.1 for the duration of each test.
"""

import os
import socket
from urllib.parse import urlsplit

import pytest

from rawhttp import fetch
from sdk_clients import ALL_FLAVORS, make_client


@pytest.fixture
def virtual_host_endpoint(emulator, monkeypatch):
    parts = urlsplit(emulator.oss_endpoint)
    vhost = f"{emulator.bucket}.{parts.hostname}"
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return real_getaddrinfo(parts.hostname if host == vhost else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return f"{parts.scheme}://{vhost}:{parts.port}"


@pytest.mark.parametrize("flavor", ALL_FLAVORS)
def test_virtual_hosted_put_get_delete(flavor, emulator, sts_creds, virtual_host_endpoint, unique_prefix):
    client = make_client(flavor, emulator, sts_creds.access_key_id, sts_creds.access_key_secret,
                         sts_creds.security_token, endpoint=virtual_host_endpoint,
                         path_style=False, cname=True)
    key = unique_prefix + "virtual/hosted.bin"
    data = os.urandom(2048)
    client.put(key, data, content_type="application/octet-stream")
    try:
        assert client.get(key, byte_range=(10, 19)) == data[10:20]
        url, headers = client.presign_get(key)
        assert urlsplit(url).hostname == urlsplit(virtual_host_endpoint).hostname
        r = fetch("GET", url, headers)
        assert (r.status, r.body) == (200, data)
    finally:
        client.delete(key)
