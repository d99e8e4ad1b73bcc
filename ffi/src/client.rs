//! `OssClient`: the object operations, transfers and the registry of unfinished transfers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use ossdirect::client::Method;
use ossdirect::transfer::{self as core_transfer, TransferJob, TransferTask};
use ossdirect::{Client, GetObjectOptions};

use crate::config::ClientConfig;
use crate::credentials::CredentialsSource;
use crate::error::OssError;
use crate::live::LiveToken;
use crate::objects::{
    ListObjectsRequest, ListPage, ObjectInfo, PresignRequest, PresignedRequest, PutOptions,
    PutResult,
};
use crate::runtime::{handle, run, run_quick};
use crate::source::UploadSource;
use crate::transfer::{
    download_options, upload_options, DownloadRequest, Transfer, TransferKind, TransferListener,
    TransferOptions, TransferRecord, UploadRequest,
};

/// A client of one OSS endpoint with one credentials source. Creating it does no I/O; every
/// call that can do I/O is async and runs on the SDK's runtime.
#[derive(uniffi::Object)]
pub struct OssClient {
    client: Client,
    checkpoint_dir: Option<PathBuf>,
    transfers: Mutex<HashMap<String, Arc<Transfer>>>,
    closed: AtomicBool,
    _live: LiveToken,
}

impl std::fmt::Debug for OssClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OssClient")
            .field("endpoint", &self.client.config().endpoint)
            .finish_non_exhaustive()
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

#[uniffi::export]
impl OssClient {
    /// A client with `config` and `credentials`. Does no I/O and never blocks.
    #[uniffi::constructor]
    pub fn new(
        config: ClientConfig,
        credentials: Arc<CredentialsSource>,
    ) -> Result<Arc<Self>, OssError> {
        let builder = config.builder()?;
        let builder = credentials.apply(builder, config.version().into(), &config.region);
        Ok(Arc::new(Self {
            client: builder.build()?,
            checkpoint_dir: config.checkpoint_dir.map(PathBuf::from),
            transfers: Mutex::new(HashMap::new()),
            closed: AtomicBool::new(false),
            _live: LiveToken::new(),
        }))
    }

    /// Uploads `data` as one object.
    pub async fn put_object(
        &self,
        bucket: String,
        key: String,
        data: Vec<u8>,
        options: Option<PutOptions>,
    ) -> Result<PutResult, OssError> {
        let client = self.open()?;
        let options = options.map(Into::into).unwrap_or_default();
        run(async move {
            let out = client
                .put_object(&bucket, &key, Bytes::from(data), &options)
                .await?;
            Ok(out.into())
        })
        .await
    }

    /// Uploads a local file in one request, streamed from the file (never whole in memory) and
    /// checked against the server's CRC-64. Up to 5 GiB; `start_upload` sends larger files in
    /// resumable parts.
    pub async fn put_file(
        &self,
        bucket: String,
        key: String,
        path: String,
        options: Option<PutOptions>,
    ) -> Result<PutResult, OssError> {
        let client = self.open()?;
        let options = options.map(Into::into).unwrap_or_default();
        run(async move {
            let out = client
                .put_file(&bucket, &key, std::path::Path::new(&path), &options)
                .await?;
            Ok(out.into())
        })
        .await
    }

    /// Reads a whole object into memory (checked against its CRC-64). For large objects use
    /// `get_to_file` or a download.
    pub async fn get_object(&self, bucket: String, key: String) -> Result<Vec<u8>, OssError> {
        let client = self.open()?;
        run(async move {
            let out = client
                .get_object(&bucket, &key, &GetObjectOptions::default())
                .await?;
            Ok(out.body.to_vec())
        })
        .await
    }

    /// Downloads an object into `path` (ranged, verified, renamed into place when complete).
    pub async fn get_to_file(
        &self,
        bucket: String,
        key: String,
        path: String,
    ) -> Result<ObjectInfo, OssError> {
        let client = self.open()?;
        run(async move {
            let handle = core_transfer::TransferHandle::new();
            let options = core_transfer::DownloadOptions::default();
            client
                .download(&bucket, &key, Path::new(&path), &options, &handle)
                .await?;
            let meta = client
                .head_object(&bucket, &key, &GetObjectOptions::default())
                .await?;
            Ok(meta.into())
        })
        .await
    }

    /// An object's metadata.
    pub async fn head_object(&self, bucket: String, key: String) -> Result<ObjectInfo, OssError> {
        let client = self.open()?;
        run(async move {
            let meta = client
                .head_object(&bucket, &key, &GetObjectOptions::default())
                .await?;
            Ok(meta.into())
        })
        .await
    }

    /// Deletes an object (succeeds when it does not exist).
    pub async fn delete_object(&self, bucket: String, key: String) -> Result<(), OssError> {
        let client = self.open()?;
        run(async move { Ok(client.delete_object(&bucket, &key).await?) }).await
    }

    /// One page of the objects in `bucket`.
    pub async fn list_objects(
        &self,
        bucket: String,
        request: ListObjectsRequest,
    ) -> Result<ListPage, OssError> {
        let client = self.open()?;
        run(async move {
            let page = client.list_objects(&bucket, &request.into()).await?;
            Ok(page.into())
        })
        .await
    }

    /// A presigned URL (signed here, or by the remote signer).
    pub async fn presign(&self, request: PresignRequest) -> Result<PresignedRequest, OssError> {
        let client = self.open()?;
        run_quick(async move {
            let method = Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
                .map_err(|_| OssError::InvalidArgument {
                    reason: format!("not an HTTP method: {:?}", request.method),
                })?;
            let issued = client.clock().now();
            let headers: Vec<(String, String)> = request.headers.clone().into_iter().collect();
            let url = client
                .presign_object(
                    method.clone(),
                    &request.bucket,
                    &request.key,
                    headers,
                    request.expires_in_secs,
                )
                .await?;
            let expires = issued + chrono::Duration::seconds(request.expires_in_secs as i64);
            Ok(PresignedRequest {
                url,
                method: method.to_string(),
                signed_headers: request.headers,
                expiration: expires.into(),
            })
        })
        .await
    }

    /// Starts an upload at once and returns it; it runs until it completes, fails, or is
    /// paused or cancelled, whether or not anyone awaits it.
    pub fn start_upload(
        &self,
        request: UploadRequest,
        listener: Option<Arc<dyn TransferListener>>,
    ) -> Result<Arc<Transfer>, OssError> {
        let options = request.options.unwrap_or_default();
        let job = TransferJob::Upload {
            bucket: request.bucket,
            key: request.key,
            source: request.source.into_core()?,
            options: upload_options(&options, request.put, self.checkpoint_dir.clone()),
        };
        self.start(job, listener)
    }

    /// Starts a download at once and returns it.
    pub fn start_download(
        &self,
        request: DownloadRequest,
        listener: Option<Arc<dyn TransferListener>>,
    ) -> Result<Arc<Transfer>, OssError> {
        let options = request.options.unwrap_or_default();
        let job = TransferJob::Download {
            bucket: request.bucket,
            key: request.key,
            path: PathBuf::from(request.path),
            options: download_options(&options, self.checkpoint_dir.clone()),
        };
        self.start(job, listener)
    }

    /// The unfinished transfers in the checkpoint directory (none without one), oldest first.
    pub async fn pending_transfers(&self) -> Result<Vec<TransferRecord>, OssError> {
        let Some(dir) = self.checkpoint_dir.clone() else {
            return Ok(Vec::new());
        };
        run(async move {
            let found = tokio::task::spawn_blocking(move || core_transfer::registry::list(&dir))
                .await
                .map_err(|e| OssError::Internal {
                    reason: e.to_string(),
                })??;
            Ok(found.into_iter().map(TransferRecord::from).collect())
        })
        .await
    }

    /// Resumes an unfinished transfer found by `pending_transfers` (a running one with the same
    /// id is returned as it is). `source` replaces the upload's file (same identity required).
    pub fn resume_transfer(
        &self,
        record: TransferRecord,
        source: Option<UploadSource>,
        listener: Option<Arc<dyn TransferListener>>,
    ) -> Result<Arc<Transfer>, OssError> {
        if let Some(problem) = &record.problem {
            return Err(OssError::InvalidArgument {
                reason: format!(
                    "transfer {} cannot resume: {problem}; discard it",
                    record.id
                ),
            });
        }
        let options = TransferOptions {
            part_size: record.part_size.max(1),
            multipart_threshold: 0,
            ..TransferOptions::default()
        };
        let job = match record.kind {
            TransferKind::Upload => {
                let source = match (source, record.local_path, record.source_name) {
                    (Some(source), _, _) => source,
                    (None, Some(path), _) => UploadSource::File { path },
                    (None, None, name) => {
                        return Err(OssError::InvalidArgument {
                            reason: format!(
                                "transfer {} reads from the app's source {}: pass it again",
                                record.id,
                                name.unwrap_or_default()
                            ),
                        })
                    }
                };
                let mut options = upload_options(&options, None, self.checkpoint_dir.clone());
                // A resume goes on with the same content or not at all.
                options.refuse_changed_source = true;
                TransferJob::Upload {
                    bucket: record.bucket,
                    key: record.key,
                    source: source.into_core()?,
                    options,
                }
            }
            TransferKind::Download => {
                let local = record.local_path.ok_or_else(|| OssError::InvalidArgument {
                    reason: format!("transfer {} has no local file", record.id),
                })?;
                TransferJob::Download {
                    bucket: record.bucket,
                    key: record.key,
                    path: PathBuf::from(local),
                    options: download_options(&options, self.checkpoint_dir.clone()),
                }
            }
        };
        self.start(job, listener)
    }

    /// Forgets an unfinished transfer: a running one is cancelled; otherwise its multipart
    /// upload is aborted and its checkpoint and partial file deleted.
    pub async fn discard_transfer(&self, id: String) -> Result<(), OssError> {
        let running = self.lock().get(&id).cloned();
        if let Some(transfer) = running {
            transfer.cancel();
            let _ = transfer.result().await;
            return Ok(());
        }
        let Some(dir) = self.checkpoint_dir.clone() else {
            return Ok(());
        };
        let client = self.client.clone();
        run(async move { Ok(client.discard_transfer(&dir, &id).await?) }).await
    }

    /// The transfers this client runs that have not completed or been cancelled.
    pub fn active_transfers(&self) -> Vec<Arc<Transfer>> {
        let mut transfers = self.lock();
        transfers.retain(|_, t| !t.task().status().state.is_terminal() || failed(t));
        transfers.values().cloned().collect()
    }

    /// Pauses every transfer this client runs (each stays resumable) and refuses new calls.
    /// (Not `close`: Kotlin objects have a `close()` of their own that frees them.)
    pub fn pause_all_and_close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        for transfer in self.lock().values() {
            transfer.pause();
        }
    }
}

fn failed(t: &Transfer) -> bool {
    t.task().status().state == core_transfer::TransferState::Failed
}

impl OssClient {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Transfer>>> {
        self.transfers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The core client, unless this one was closed.
    fn open(&self) -> Result<Client, OssError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(OssError::InvalidArgument {
                reason: "the client was closed".into(),
            });
        }
        Ok(self.client.clone())
    }

    fn start(
        &self,
        job: TransferJob,
        listener: Option<Arc<dyn TransferListener>>,
    ) -> Result<Arc<Transfer>, OssError> {
        let client = self.open()?;
        let runtime = handle()?;
        let mut transfers = self.lock();
        transfers.retain(|_, t| !t.task().status().state.is_terminal() || failed(t));
        // One task per checkpoint: starting a transfer that runs (or is paused) already resumes
        // that one; a failed one is replaced, so the new job's source is the one read.
        if let Some(id) = job.checkpoint_id() {
            match transfers.get(&id) {
                Some(existing) if !failed(existing) => {
                    existing.resume();
                    return Ok(existing.clone());
                }
                Some(_) => {
                    transfers.remove(&id);
                }
                None => {}
            }
        }
        let serial = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let hint = format!("{}-mem{serial}", job.kind().prefix());
        let task = TransferTask::spawn(client, job, hint, &runtime);
        let transfer = Transfer::new(task, listener, &runtime);
        transfers.insert(transfer.id(), transfer.clone());
        Ok(transfer)
    }
}
