//! The OSS object API: one module per operation family.

pub(crate) mod list;
pub(crate) mod multipart;
mod object;
mod validate;
mod xml;

pub use list::{ListObjectsOptions, ListObjectsPage, ObjectSummary};
pub use multipart::{
    combined_crc, CompleteMultipartUploadOutput, CompleteOptions, MultipartUploadInfo, PartInfo,
    UploadedPart, MAX_PARTS,
};
pub(crate) use multipart::{PartBody, PartTarget};
pub use object::{
    content_md5, GetObjectOptions, GetObjectOutput, ObjectMeta, PutObjectOptions, PutObjectOutput,
};
pub use validate::{validate_bucket_name, validate_object_key};
