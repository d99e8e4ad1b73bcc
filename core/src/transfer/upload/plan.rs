//! Where a multipart upload starts: a valid checkpoint reconciled with the server, the upload id
//! the caller gave, or a new upload.

use std::collections::BTreeMap;

use super::effective_part_size;
use super::job::Multipart;
use crate::api::UploadedPart;
use crate::error::Result;
use crate::transfer::CheckedLoad;

/// Where a multipart upload stands before parts are sent.
pub(super) struct Plan {
    pub(super) upload_id: String,
    pub(super) part_size: u64,
    /// Parts the server already has that match the source.
    pub(super) done: BTreeMap<u32, UploadedPart>,
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
        let ours =
            cp.bucket == job.bucket && cp.key == job.key && Some(&cp.file) == self.file.as_ref();
        if !ours {
            // Another transfer's checkpoint (copied or edited): its upload is not ours to abort.
            tracing::warn!(
                path,
                "the checkpoint belongs to another transfer; starting over"
            );
            checkpoint.remove().await?;
            return Ok(None);
        }
        let same = Some(&cp.source) == self.identity.as_ref()
            && effective_part_size(self.size, cp.part_size) == cp.part_size;
        if !same {
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
            })),
            Err(e) if e.is_no_such_upload() => {
                tracing::warn!(upload_id = %cp.upload_id, "the upload is gone on the server; starting over");
                checkpoint.remove().await?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
