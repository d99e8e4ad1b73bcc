"""Requests for operations the emulator lacks: credentials are checked first, as OSS does
(issue 14, points 5 and 6)."""

import alibabacloud_oss_v2 as oss

from sdk_clients import service_error, v2_config


def _stranger(emulator) -> oss.Client:
    return oss.Client(v2_config(emulator.oss_endpoint, emulator.region,
                                "LTAI5tNoSuchKeyInEmulator", "secret", None))


def test_describe_regions_is_not_list_buckets(v2):
    status, code, _ = service_error(lambda: v2.describe_regions(oss.DescribeRegionsRequest()))
    assert (status, code) == (501, "NotImplemented")


def test_unknown_key_before_not_implemented(emulator):
    stranger = _stranger(emulator)
    status, code, _ = service_error(
        lambda: stranger.describe_regions(oss.DescribeRegionsRequest()))
    assert (status, code) == (403, "InvalidAccessKeyId")
    status, code, _ = service_error(lambda: stranger.get_bucket_tags(
        oss.GetBucketTagsRequest(bucket=emulator.bucket)))
    assert (status, code) == (403, "InvalidAccessKeyId")


def test_unimplemented_bucket_operation_is_501(v2, emulator):
    status, code, _ = service_error(lambda: v2.get_bucket_tags(
        oss.GetBucketTagsRequest(bucket=emulator.bucket)))
    assert (status, code) == (501, "NotImplemented")
