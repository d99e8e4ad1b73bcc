"""Bucket operations the SDKs' helpers and test suites use: PutBucket, DeleteBucket,
GetBucketInfo, GetBucketLocation, GetBucketAcl (is_bucket_exist), ListBuckets."""

import uuid

import alibabacloud_oss_v2 as oss
import pytest

from sdk_clients import service_error


@pytest.fixture
def bucket_name() -> str:
    return "interop-" + uuid.uuid4().hex[:12]


def _names(client: oss.Client):
    return [b.name for b in client.list_buckets(oss.ListBucketsRequest()).buckets]


def test_bucket_life_cycle(v2_user, emulator, bucket_name):
    assert not v2_user.is_bucket_exist(bucket_name)
    status, code, _ = service_error(lambda: v2_user.get_bucket_info(
        oss.GetBucketInfoRequest(bucket=bucket_name)))
    assert (status, code) == (404, "NoSuchBucket")

    v2_user.put_bucket(oss.PutBucketRequest(
        bucket=bucket_name, acl="public-read",
        create_bucket_configuration=oss.CreateBucketConfiguration(storage_class="IA")))
    assert v2_user.is_bucket_exist(bucket_name)
    assert bucket_name in _names(v2_user)
    status, code, _ = service_error(lambda: v2_user.put_bucket(
        oss.PutBucketRequest(bucket=bucket_name)))
    assert (status, code) == (409, "BucketAlreadyExists")

    info = v2_user.get_bucket_info(oss.GetBucketInfoRequest(bucket=bucket_name)).bucket_info
    assert info.name == bucket_name
    assert info.location == f"oss-{emulator.region}"
    assert info.storage_class == "IA"
    assert info.acl == "public-read"
    assert info.owner.id
    assert info.creation_date is not None
    location = v2_user.get_bucket_location(oss.GetBucketLocationRequest(bucket=bucket_name))
    assert location.location == f"oss-{emulator.region}"
    acl = v2_user.get_bucket_acl(oss.GetBucketAclRequest(bucket=bucket_name))
    assert acl.acl == "public-read"

    v2_user.put_object(oss.PutObjectRequest(bucket=bucket_name, key="k", body=b"x"))
    status, code, _ = service_error(lambda: v2_user.delete_bucket(
        oss.DeleteBucketRequest(bucket=bucket_name)))
    assert (status, code) == (409, "BucketNotEmpty")
    v2_user.delete_object(oss.DeleteObjectRequest(bucket=bucket_name, key="k"))
    upload = v2_user.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(
        bucket=bucket_name, key="pending")).upload_id
    status, code, _ = service_error(lambda: v2_user.delete_bucket(
        oss.DeleteBucketRequest(bucket=bucket_name)))
    assert (status, code) == (409, "BucketNotEmpty"), "an upload in progress keeps it"
    v2_user.abort_multipart_upload(oss.AbortMultipartUploadRequest(
        bucket=bucket_name, key="pending", upload_id=upload))

    r = v2_user.delete_bucket(oss.DeleteBucketRequest(bucket=bucket_name))
    assert r.status_code == 204
    assert not v2_user.is_bucket_exist(bucket_name)
    assert bucket_name not in _names(v2_user)


def test_put_bucket_needs_the_right(v2):
    # The default role's policy covers only the default bucket.
    status, code, _ = service_error(lambda: v2.put_bucket(
        oss.PutBucketRequest(bucket="interop-" + uuid.uuid4().hex[:12])))
    assert (status, code) == (403, "AccessDenied")
