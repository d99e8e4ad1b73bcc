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
        let total = part_count(self.size, part_size);
        let mut done = BTreeMap::new();
        for p in listed {
            if p.part_number < 1 || p.part_number > total {
                continue;
            }
            let (offset, len) = part_range(p.part_number, part_size, self.size);
            if p.size != len as u64 {
                continue;
            }
            let known = recorded
                .iter()
                .find(|r| r.number == p.part_number && r.etag == p.etag);
            let crc = match known {
                Some(r) => Some(r.crc64),
                // A stream cannot be read at an offset to compare.
                None if matches!(self.reader, PartReader::Stream(_)) => continue,
                None => local_match(&p, &self.reader.read(offset, len).await?),
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
fn local_match(server: &PartInfo, bytes: &[u8]) -> Option<u64> {
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
