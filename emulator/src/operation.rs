//! The operations the emulator serves, with their names and RAM actions.

/// An operation the emulator implements (statistics, fault rules and RAM actions use it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Operation {
    PutObject,
    GetObject,
    HeadObject,
    DeleteObject,
    InitiateMultipartUpload,
    UploadPart,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    ListMultipartUploads,
    ListObjects,
    ListBuckets,
    AssumeRole,
}

impl Operation {
    /// Every operation, in a stable order.
    pub(crate) const ALL: [Operation; 13] = [
        Self::PutObject,
        Self::GetObject,
        Self::HeadObject,
        Self::DeleteObject,
        Self::InitiateMultipartUpload,
        Self::UploadPart,
        Self::CompleteMultipartUpload,
        Self::AbortMultipartUpload,
        Self::ListParts,
        Self::ListMultipartUploads,
        Self::ListObjects,
        Self::ListBuckets,
        Self::AssumeRole,
    ];

    /// The API name, e.g. `UploadPart`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::PutObject => "PutObject",
            Self::GetObject => "GetObject",
            Self::HeadObject => "HeadObject",
            Self::DeleteObject => "DeleteObject",
            Self::InitiateMultipartUpload => "InitiateMultipartUpload",
            Self::UploadPart => "UploadPart",
            Self::CompleteMultipartUpload => "CompleteMultipartUpload",
            Self::AbortMultipartUpload => "AbortMultipartUpload",
            Self::ListParts => "ListParts",
            Self::ListMultipartUploads => "ListMultipartUploads",
            Self::ListObjects => "ListObjects",
            Self::ListBuckets => "ListBuckets",
            Self::AssumeRole => "AssumeRole",
        }
    }

    /// The operation with this API name (case-insensitive).
    pub(crate) fn from_name(name: &str) -> Option<Operation> {
        Self::ALL
            .into_iter()
            .find(|op| op.name().eq_ignore_ascii_case(name))
    }

    /// The RAM action a policy must allow for this operation.
    pub(crate) fn action(self) -> &'static str {
        match self {
            Self::GetObject | Self::HeadObject => "oss:GetObject",
            Self::PutObject
            | Self::InitiateMultipartUpload
            | Self::UploadPart
            | Self::CompleteMultipartUpload => "oss:PutObject",
            Self::DeleteObject => "oss:DeleteObject",
            Self::AbortMultipartUpload => "oss:AbortMultipartUpload",
            Self::ListParts => "oss:ListParts",
            Self::ListMultipartUploads => "oss:ListMultipartUploads",
            Self::ListObjects => "oss:ListObjects",
            Self::ListBuckets => "oss:ListBuckets",
            Self::AssumeRole => "sts:AssumeRole",
        }
    }

    /// Whether the operation addresses a bucket rather than an object.
    pub(crate) fn is_bucket_level(self) -> bool {
        matches!(self, Self::ListMultipartUploads | Self::ListObjects)
    }

    /// Whether the operation addresses the service (no bucket).
    pub(crate) fn is_service_level(self) -> bool {
        matches!(self, Self::ListBuckets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(&op.name().to_lowercase()), Some(op));
        }
        assert_eq!(Operation::from_name("PutBucketAcl"), None);
        assert_eq!(Operation::UploadPart.action(), "oss:PutObject");
    }
}
