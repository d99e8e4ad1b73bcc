"""Uploads or downloads one file with the official Python SDK v2 (alibabacloud-oss-v2) Uploader or
Downloader, for bench/transfer.py. Runs in the venv transfer.py creates (target/bench/venv).
Credentials come from OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET; the endpoint is an IP, so the
SDK uses path-style addressing by itself.

    python py_sdk.py upload|download ENDPOINT REGION BUCKET KEY FILE PART_SIZE PARALLEL
"""

import os
import sys

import alibabacloud_oss_v2 as oss


def main() -> int:
    mode, endpoint, region, bucket, key, path, part_size, parallel = sys.argv[1:9]
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
        os.environ["OSS_ACCESS_KEY_ID"], os.environ["OSS_ACCESS_KEY_SECRET"]
    )
    cfg.region = region
    cfg.endpoint = endpoint
    client = oss.Client(cfg)
    if mode == "upload":
        uploader = client.uploader(part_size=int(part_size), parallel_num=int(parallel))
        r = uploader.upload_file(oss.PutObjectRequest(bucket=bucket, key=key), filepath=path)
        print(f"uploaded etag {r.etag} crc64ecma {r.hash_crc64}")
    elif mode == "download":
        downloader = client.downloader(part_size=int(part_size), parallel_num=int(parallel))
        r = downloader.download_file(oss.GetObjectRequest(bucket=bucket, key=key), filepath=path)
        print(f"downloaded {r.written} bytes")
    else:
        print("usage: py_sdk.py upload|download ...", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
