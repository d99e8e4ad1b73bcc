//! Where a multipart upload starts: a valid checkpoint reconciled with the server, the upload id
//! the caller gave, or a new upload.

use std::collections::BTreeMap;

use super::super::checkpoint::now_ms;
use super::job::Multipart;
use super::{effective_part_size, UploadCheckpoint};
use crate::api::UploadedPart;
use crate::error::{Error, Result};
use crate::transfer::CheckedLoad;

/// Where a multipart upload stands before parts are sent.
pub(super) struct Plan {
    pub(super) upload_id: String,
    pub(super) part_size: u64,
    /// Parts the server already has that match the source.
    pub(super) done: BTreeMap<u32, UploadedPart>,
    /// When the upload started (milliseconds since the Unix epoch), kept across resumes.
    pub(super) created_ms: u64,
}

impl Multipart<'_> {
    /// Decides the upload id, part size and finished parts: from a valid checkpoint reconciled
    /// with ListParts, from a given upload id, or a new upload.
    pub(super) async fn plan(&mut self) -> Result<Plan> {
        if let Some(plan) = self.resume_from_checkpoint().await? {
            return Ok(plan);
        }
        let job = self.job;
        let part_size = effective_part_size(self.size, job.options.part_size);
        if let Some(id) = &job.options.upload_id {
            let done = self.reconcile(id, part_size, &[]).await?;
            return Ok(Plan {
                upload_id: id.clone(),
                part_size,
                done,
                created_ms: now_ms(),
            });
        }
        let upload_id = job
            .client
            .initiate_multipart_upload(job.bucket, job.key, &job.options.put)
            .await?;
        Ok(Plan {
            upload_id,
            part_size,
            done: BTreeMap::new(),
            created_ms: now_ms(),
        })
    }

    /// The plan of the checkpoint, reconciled with the server; `None` when there is nothing to
    /// resume (no checkpoint, or one that is unusable, another transfer's, of a changed source,
    /// or of an upload the server no longer has: it is removed, and the upload aborted when it
    /// was ours).
    async fn resume_from_checkpoint(&mut self) -> Result<Option<Plan>> {
        let Some(checkpoint) = self.checkpoint.clone() else {
            return Ok(None);
        };
        let path = checkpoint.path().display().to_string();
        let cp = match checkpoint.load().await?.checked() {
            None => return Ok(None),
            Some(Err(problem)) => {
                tracing::warn!(%problem, path, "ignoring the checkpoint; starting over");
                checkpoint.remove().await?;
                return Ok(None);
            }
            Some(Ok(cp)) => cp,
        };
        let job = self.job;
        let ours = cp.bucket == job.bucket
            && cp.key == job.key
            && self.origin.as_ref().is_some_and(|o| o.named_in(&cp));
        if !ours {
            // Another transfer's checkpoint (copied or edited): its upload is not ours to abort.
            tracing::warn!(
                path,
                "the checkpoint belongs to another transfer; starting over"
            );
            checkpoint.remove().await?;
            return Ok(None);
        }
        if let Some(change) = self.change_since(&cp) {
            if job.options.refuse_changed_source {
                return Err(Error::SourceChanged(change));
            }
            tracing::warn!(upload_id = %cp.upload_id, "the source changed since the checkpoint; starting over");
            job.forget_upload(&cp.upload_id, Some(&checkpoint), false, "source changed")
                .await;
            return Ok(None);
        }
        match self.reconcile(&cp.upload_id, cp.part_size, &cp.parts).await {
            Ok(done) => Ok(Some(Plan {
                upload_id: cp.upload_id,
                part_size: cp.part_size,
                done,
                created_ms: cp.created_ms,
            })),
            Err(e) if e.is_no_such_upload() => {
                tracing::warn!(upload_id = %cp.upload_id, "the upload is gone on the server; starting over");
                checkpoint.remove().await?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// How the source differs from the one checkpoint `cp` was written for, if it does.
    fn change_since(&self, cp: &UploadCheckpoint) -> Option<String> {
        if let Some(change) = self.origin.as_ref().and_then(|o| o.version_change(cp)) {
            return Some(change);
        }
        match &self.identity {
            Some(now) if now.size != cp.source.size => Some(format!(
                "{} bytes, {} when the upload started",
                now.size, cp.source.size
            )),
            Some(now) if *now != cp.source => Some("the file was modified".into()),
            None => Some("the source cannot be identified".into()),
            Some(_) if effective_part_size(self.size, cp.part_size) != cp.part_size => {
                Some(format!("part size {} does not fit", cp.part_size))
            }
            Some(_) => None,
        }
    }
}
