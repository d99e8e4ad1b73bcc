//! The operations the emulator serves, with their names and RAM actions.

/// The scope an operation's RAM resource names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The service: `acs:oss:*:<account>:*`.
    Service,
    /// A bucket: `acs:oss:<region>:<account>:<bucket>`.
    Bucket,
    /// An object: `acs:oss:<region>:<account>:<bucket>/<key>`.
    Object,
    /// Each object the request names (checked by the handler, key by key).
    Keys,
}

macro_rules! operations {
    ($($op:ident => $action:literal, $scope:ident;)*) => {
        /// An operation the emulator implements (statistics, fault rules and RAM actions use it).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) enum Operation {
            $(
                #[doc = concat!("`", stringify!($op), "` (RAM action `", $action, "`).")]
                $op,
            )*
        }

        impl Operation {
            /// Every operation, in a stable order.
            pub(crate) const ALL: &'static [Operation] = &[$(Self::$op),*];

            /// The API name, e.g. `UploadPart`.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(Self::$op => stringify!($op),)*
                }
            }

            /// The RAM action a policy must allow for this operation.
            pub(crate) fn action(self) -> &'static str {
                match self {
                    $(Self::$op => $action,)*
                }
            }

            /// What the operation's RAM resource names.
            pub(crate) fn scope(self) -> Scope {
                match self {
                    $(Self::$op => Scope::$scope,)*
                }
            }
        }
    };
}

operations! {
    PutObject => "oss:PutObject", Object;
    CopyObject => "oss:PutObject", Object;
    AppendObject => "oss:PutObject", Object;
    GetObject => "oss:GetObject", Object;
    HeadObject => "oss:GetObject", Object;
    GetObjectMeta => "oss:GetObject", Object;
    DeleteObject => "oss:DeleteObject", Object;
    DeleteMultipleObjects => "oss:DeleteObject", Keys;
    GetObjectAcl => "oss:GetObjectAcl", Object;
    PutObjectAcl => "oss:PutObjectAcl", Object;
    InitiateMultipartUpload => "oss:PutObject", Object;
    UploadPart => "oss:PutObject", Object;
    UploadPartCopy => "oss:PutObject", Object;
    CompleteMultipartUpload => "oss:PutObject", Object;
    AbortMultipartUpload => "oss:AbortMultipartUpload", Object;
    ListParts => "oss:ListParts", Object;
    ListMultipartUploads => "oss:ListMultipartUploads", Bucket;
    ListObjects => "oss:ListObjects", Bucket;
    PutBucket => "oss:PutBucket", Bucket;
    DeleteBucket => "oss:DeleteBucket", Bucket;
    GetBucketInfo => "oss:GetBucketInfo", Bucket;
    GetBucketLocation => "oss:GetBucketLocation", Bucket;
    GetBucketAcl => "oss:GetBucketAcl", Bucket;
    ListBuckets => "oss:ListBuckets", Service;
    AssumeRole => "sts:AssumeRole", Service;
}

impl Operation {
    /// The operation with this API name (case-insensitive).
    pub(crate) fn from_name(name: &str) -> Option<Operation> {
        Self::ALL
            .iter()
            .copied()
            .find(|op| op.name().eq_ignore_ascii_case(name))
    }

    /// Whether the operation needs its bucket to exist before anything else is checked.
    pub(crate) fn needs_bucket(self) -> bool {
        !matches!(self, Self::ListBuckets | Self::PutBucket | Self::AssumeRole)
    }

    /// Whether the operation reads its source object (`x-oss-copy-source`).
    pub(crate) fn copies(self) -> bool {
        matches!(self, Self::CopyObject | Self::UploadPartCopy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(&op.name().to_lowercase()), Some(*op));
        }
        assert_eq!(Operation::from_name("PutBucketAcl"), None);
        assert_eq!(Operation::UploadPart.action(), "oss:PutObject");
        assert_eq!(Operation::GetBucketAcl.scope(), Scope::Bucket);
    }
}
