//! Checking every field of a loaded checkpoint: a checkpoint whose digest is right can still be
//! wrong (edited and re-digested, written by a buggy version), and a part number or size out of
//! range would otherwise break the range arithmetic. A checkpoint that fails is a
//! [`CheckpointProblem::Invalid`], and the transfer starts over.

use std::collections::HashSet;

use super::checkpoint::CheckpointProblem;
use super::download::DownloadCheckpoint;
use super::upload::{UploadCheckpoint, MAX_PART_SIZE, MIN_PART_SIZE};
use crate::api::MAX_PARTS;

/// A checkpoint whose fields can be checked against each other.
pub trait CheckpointCheck {
    /// `Ok` when every field is consistent; otherwise what is wrong.
    fn check(&self) -> Result<(), CheckpointProblem>;
}

/// `.checked()` on what a checkpoint load returns: a checkpoint that fails its
/// [`CheckpointCheck`] becomes its problem.
pub trait CheckedLoad {
    /// The loaded value, with an inconsistent checkpoint turned into `Some(Err(problem))`.
    fn checked(self) -> Self;
}

impl<T: CheckpointCheck> CheckedLoad for Option<Result<T, CheckpointProblem>> {
    fn checked(self) -> Self {
        self.map(|loaded| loaded.and_then(|cp| cp.check().map(|()| cp)))
    }
}

fn invalid(what: String) -> CheckpointProblem {
    CheckpointProblem::Invalid(what)
}

/// The number of parts of `size` bytes in parts of `part_size` (at least one).
fn part_count(size: u64, part_size: u64) -> u64 {
    size.div_ceil(part_size).max(1)
}

/// The length of part `number` (1-based, within the count).
fn part_len(number: u32, part_size: u64, size: u64) -> u64 {
    let offset = u64::from(number - 1) * part_size;
    part_size.min(size.saturating_sub(offset))
}

impl CheckpointCheck for UploadCheckpoint {
    fn check(&self) -> Result<(), CheckpointProblem> {
        if self.upload_id.is_empty() {
            return Err(invalid("empty upload id".to_owned()));
        }
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&self.part_size) {
            return Err(invalid(format!(
                "part size {} out of range",
                self.part_size
            )));
        }
        let size = self.source.size;
        let count = part_count(size, self.part_size);
        if count > u64::from(MAX_PARTS) {
            return Err(invalid(format!("{count} parts, more than {MAX_PARTS}")));
        }
        let mut seen = HashSet::new();
        for part in &self.parts {
            if part.number == 0 || u64::from(part.number) > count {
                return Err(invalid(format!("part {} outside 1..={count}", part.number)));
            }
            if !seen.insert(part.number) {
                return Err(invalid(format!("part {} listed twice", part.number)));
            }
            let expected = part_len(part.number, self.part_size, size);
            if part.size != expected {
                return Err(invalid(format!(
                    "part {} of {} bytes, expected {expected}",
                    part.number, part.size
                )));
            }
            if part.etag.is_empty() {
                return Err(invalid(format!("part {} without an ETag", part.number)));
            }
        }
        Ok(())
    }
}

impl CheckpointCheck for DownloadCheckpoint {
    fn check(&self) -> Result<(), CheckpointProblem> {
        if self.part_size == 0 {
            return Err(invalid("part size 0".to_owned()));
        }
        let count = part_count(self.size, self.part_size);
        if count > u64::from(u32::MAX) {
            return Err(invalid(format!("{count} ranges")));
        }
        if let Some(number) = self.parts.keys().find(|&&n| n == 0 || u64::from(n) > count) {
            return Err(invalid(format!("range {number} outside 1..={count}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::transfer::{CheckpointPart, SourceIdentity};

    const PART: u64 = MIN_PART_SIZE;

    fn upload() -> UploadCheckpoint {
        UploadCheckpoint {
            bucket: "b".into(),
            key: "k".into(),
            file: "f".into(),
            source: SourceIdentity {
                size: 2 * PART + 10,
                modified_ns: 0,
                sample: String::new(),
            },
            app_source: None,
            created_ms: 0,
            last_error: None,
            upload_id: "U".into(),
            part_size: PART,
            parts: vec![
                CheckpointPart {
                    number: 1,
                    etag: "\"E1\"".into(),
                    crc64: 0,
                    size: PART,
                },
                CheckpointPart {
                    number: 3,
                    etag: "\"E3\"".into(),
                    crc64: 0,
                    size: 10,
                },
            ],
        }
    }

    fn download() -> DownloadCheckpoint {
        DownloadCheckpoint {
            bucket: "b".into(),
            key: "k".into(),
            file: "f".into(),
            etag: "\"E\"".into(),
            size: 25,
            part_size: 10,
            parts: BTreeMap::from([(1, 0), (3, 0)]),
            created_ms: 0,
            last_error: None,
        }
    }

    #[test]
    fn consistent_checkpoints_pass() {
        upload().check().unwrap();
        download().check().unwrap();
        let loaded = Some(Ok(download())).checked();
        assert_eq!(loaded, Some(Ok(download())));
    }

    #[test]
    fn every_inconsistent_upload_field_is_caught() {
        let damaged: [fn(&mut UploadCheckpoint); 8] = [
            |c| c.parts[0].number = 0,
            |c| c.parts[1].number = 4,
            |c| c.parts[1].number = 1,
            |c| c.parts[0].size = PART - 1,
            |c| c.parts[1].size = PART,
            |c| c.parts[0].etag.clear(),
            |c| c.part_size = 0,
            |c| c.upload_id.clear(),
        ];
        for (i, damage) in damaged.iter().enumerate() {
            let mut cp = upload();
            damage(&mut cp);
            assert!(
                matches!(cp.check(), Err(CheckpointProblem::Invalid(_))),
                "damage {i}"
            );
        }
        let mut too_many = upload();
        too_many.source.size = u64::MAX;
        too_many.parts.clear();
        assert!(too_many.check().is_err());
    }

    #[test]
    fn every_inconsistent_download_field_is_caught() {
        let damaged: [fn(&mut DownloadCheckpoint); 3] = [
            |c| {
                c.parts.insert(0, 0);
            },
            |c| {
                c.parts.insert(4, 0);
            },
            |c| c.part_size = 0,
        ];
        for (i, damage) in damaged.iter().enumerate() {
            let mut cp = download();
            damage(&mut cp);
            let loaded = Some(Ok(cp)).checked();
            assert!(
                matches!(loaded, Some(Err(CheckpointProblem::Invalid(_)))),
                "damage {i}"
            );
        }
    }
}
