//! Reconciling a resumed upload with the server: which of the parts it lists match the source,
//! so that nothing the server has is sent again.

use std::collections::BTreeMap;

use md5::{Digest, Md5};

use super::super::source::PartReader;
use super::job::Multipart;
use super::{part_count, part_range, CheckpointPart};
use crate::api::{PartInfo, UploadedPart};
use crate::crc64;
use crate::error::Result;

impl Multipart<'_> {
    /// The parts the server has that match the source: those the checkpoint recorded (same
    /// ETag), and any others whose bytes match the local part (CRC-64 or MD5), so nothing the
    /// server has is sent again.
    pub(super) async fn reconcile(
        &mut self,
        upload_id: &str,
        part_size: u64,
        recorded: &[CheckpointPart],
    ) -> Result<BTreeMap<u32, UploadedPart>> {
        let job = self.job;
        let listed = job
            .client
            .list_parts(job.bucket, job.key, upload_id)
            .await?;
        let mut done = BTreeMap::new();
        for p in listed {
            let crc = match classify(&p, self.size, part_size, recorded) {
                Listed::Unusable => continue,
                Listed::Recorded { crc64 } => Some(crc64),
                // A stream cannot be read at an offset to compare.
                Listed::CompareLocal { .. } if matches!(self.reader, PartReader::Stream(_)) => {
                    continue
                }
                Listed::CompareLocal { offset, len } => {
                    local_match(&p, &self.reader.read(offset, len).await?)
                }
            };
            if let Some(crc) = crc {
                done.insert(
                    p.part_number,
                    UploadedPart {
                        part_number: p.part_number,
                        etag: p.etag,
                        crc64: Some(crc),
                        size: p.size,
                    },
                );
            }
        }
        Ok(done)
    }
}

/// What a part the server lists is to a resumed upload of `size` bytes in parts of `part_size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listed {
    /// Not one of this upload's parts (number out of range, or the wrong size): ignored.
    Unusable,
    /// The checkpoint recorded it with the same ETag: kept with the recorded CRC-64.
    Recorded {
        /// The part's CRC-64, as recorded.
        crc64: u64,
    },
    /// Unknown to the checkpoint: kept if the source's bytes at this range match it.
    CompareLocal {
        /// Where the part starts in the source.
        offset: u64,
        /// Its length.
        len: usize,
    },
}

/// Classifies the listed part `p` (a pure function of untrusted server data: never panics).
pub(crate) fn classify(
    p: &PartInfo,
    size: u64,
    part_size: u64,
    recorded: &[CheckpointPart],
) -> Listed {
    if part_size == 0 || p.part_number < 1 || p.part_number > part_count(size, part_size) {
        return Listed::Unusable;
    }
    let (offset, len) = part_range(p.part_number, part_size, size);
    if p.size != len as u64 {
        return Listed::Unusable;
    }
    match recorded
        .iter()
        .find(|r| r.number == p.part_number && r.etag == p.etag)
    {
        Some(r) => Listed::Recorded { crc64: r.crc64 },
        None => Listed::CompareLocal { offset, len },
    }
}

/// The checkpoint's record of the parts `done`.
pub(super) fn checkpoint_parts(done: &BTreeMap<u32, UploadedPart>) -> Vec<CheckpointPart> {
    done.values()
        .map(|p| CheckpointPart {
            number: p.part_number,
            etag: p.etag.clone(),
            crc64: p.crc64.unwrap_or(0),
            size: p.size,
        })
        .collect()
}

/// The CRC-64 of `bytes` if they are what the server's part holds (by CRC-64 when the server
/// reports it, else by the MD5 ETag).
pub(crate) fn local_match(server: &PartInfo, bytes: &[u8]) -> Option<u64> {
    let crc = crc64::checksum(bytes);
    let matches = match server.crc64 {
        Some(server_crc) => server_crc == crc,
        None => {
            let md5 = hex::encode_upper(Md5::digest(bytes));
            server.etag.trim_matches('"').eq_ignore_ascii_case(&md5)
        }
    };
    matches.then_some(crc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(part_number: u32, etag: &str, size: u64) -> PartInfo {
        PartInfo {
            part_number,
            etag: etag.into(),
            size,
            last_modified: String::new(),
            crc64: None,
        }
    }

    #[test]
    fn listed_parts_are_classified_against_the_checkpoint() {
        let (size, part_size) = (250_000, 102_400);
        let recorded = [CheckpointPart {
            number: 1,
            etag: "\"E1\"".into(),
            crc64: 7,
            size: part_size,
        }];
        let classify = |p: &PartInfo| classify(p, size, part_size, &recorded);
        assert_eq!(
            classify(&listed(1, "\"E1\"", part_size)),
            Listed::Recorded { crc64: 7 }
        );
        assert_eq!(
            classify(&listed(1, "\"other\"", part_size)),
            Listed::CompareLocal {
                offset: 0,
                len: 102_400
            }
        );
        assert_eq!(
            classify(&listed(3, "\"E3\"", 45_200)),
            Listed::CompareLocal {
                offset: 204_800,
                len: 45_200
            }
        );
        for foreign in [
            listed(0, "\"E0\"", 1),
            listed(4, "\"E4\"", 1),
            listed(3, "\"E3\"", part_size),
            listed(u32::MAX, "\"E\"", 0),
        ] {
            assert_eq!(classify(&foreign), Listed::Unusable, "{foreign:?}");
        }
        assert_eq!(
            super::classify(&listed(1, "\"E1\"", 0), 0, 0, &[]),
            Listed::Unusable
        );
    }

    #[test]
    fn server_parts_match_by_crc_or_md5() {
        let bytes = b"hello part";
        let mut p = PartInfo {
            part_number: 1,
            etag: String::new(),
            size: 10,
            last_modified: String::new(),
            crc64: Some(crc64::checksum(bytes)),
        };
        assert!(local_match(&p, bytes).is_some());
        p.crc64 = Some(1);
        assert!(local_match(&p, bytes).is_none());
        p.crc64 = None;
        p.etag = format!("\"{}\"", hex::encode_upper(Md5::digest(bytes)));
        assert!(local_match(&p, bytes).is_some());
    }
}
