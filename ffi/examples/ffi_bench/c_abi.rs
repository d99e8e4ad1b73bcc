//! Calls through the C functions UniFFI exports, made the way the generated Kotlin and Swift make
//! them: clone the object's handle, call the scaffolding function with lowered arguments, poll the
//! returned Rust future with a continuation callback until it is ready, complete it, lift the
//! answer, free the future.

use std::mem::ManuallyDrop;
use std::sync::{Arc, Condvar, Mutex};

use ossdirect_ffi::{ObjectInfo, OssClient, PresignRequest, PresignedRequest, UniFfiTag};
use uniffi::{Handle, Lift, Lower, RustBuffer, RustCallStatus, RustCallStatusCode, RustFuturePoll};

unsafe extern "C" {
    fn uniffi_ossdirect_ffi_fn_clone_ossclient(
        handle: Handle,
        status: &mut RustCallStatus,
    ) -> Handle;
    fn uniffi_ossdirect_ffi_fn_free_ossclient(handle: Handle, status: &mut RustCallStatus);
    fn uniffi_ossdirect_ffi_fn_method_ossclient_presign(
        handle: Handle,
        request: RustBuffer,
    ) -> Handle;
    fn uniffi_ossdirect_ffi_fn_method_ossclient_head_object(
        handle: Handle,
        bucket: RustBuffer,
        key: RustBuffer,
    ) -> Handle;
    fn ffi_ossdirect_ffi_rust_future_poll_rust_buffer(
        future: Handle,
        callback: extern "C" fn(u64, RustFuturePoll),
        data: u64,
    );
    fn ffi_ossdirect_ffi_rust_future_complete_rust_buffer(
        future: Handle,
        status: &mut RustCallStatus,
    ) -> RustBuffer;
    fn ffi_ossdirect_ffi_rust_future_free_rust_buffer(future: Handle);
}

/// An `OssClient` held as a foreign language holds it: by its handle.
pub struct ForeignClient(Handle);

impl ForeignClient {
    /// Hands `client` over the boundary.
    pub fn new(client: Arc<OssClient>) -> Self {
        Self(<Arc<OssClient> as Lower<UniFfiTag>>::lower(client))
    }

    /// `OssClient.presign(request)`.
    pub fn presign(&self, request: PresignRequest) -> Result<PresignedRequest, String> {
        let this = self.cloned()?;
        let request = <PresignRequest as Lower<UniFfiTag>>::lower(request);
        // SAFETY: a fresh handle of an OssClient (consumed by the call) and a lowered record.
        let future = unsafe { uniffi_ossdirect_ffi_fn_method_ossclient_presign(this, request) };
        let answer = complete(future)?;
        <PresignedRequest as Lift<UniFfiTag>>::try_lift(answer).map_err(|e| e.to_string())
    }

    /// `OssClient.headObject(bucket, key)`.
    pub fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo, String> {
        let this = self.cloned()?;
        let bucket = <String as Lower<UniFfiTag>>::lower(bucket.to_owned());
        let key = <String as Lower<UniFfiTag>>::lower(key.to_owned());
        // SAFETY: a fresh handle of an OssClient (consumed by the call) and lowered strings.
        let future =
            unsafe { uniffi_ossdirect_ffi_fn_method_ossclient_head_object(this, bucket, key) };
        let answer = complete(future)?;
        <ObjectInfo as Lift<UniFfiTag>>::try_lift(answer).map_err(|e| e.to_string())
    }

    /// A new handle for one call (a method consumes the handle it is given).
    fn cloned(&self) -> Result<Handle, String> {
        let mut status = RustCallStatus::default();
        // SAFETY: `self.0` is a live handle of an OssClient.
        let handle =
            unsafe { uniffi_ossdirect_ffi_fn_clone_ossclient(self.0.clone(), &mut status) };
        checked(status).map(|()| handle)
    }
}

impl Drop for ForeignClient {
    fn drop(&mut self) {
        let mut status = RustCallStatus::default();
        // SAFETY: the handle is live and not used again.
        unsafe { uniffi_ossdirect_ffi_fn_free_ossclient(self.0.clone(), &mut status) };
    }
}

/// Where the continuation callback says the future may have moved.
#[derive(Default)]
struct Continuation {
    poll: Mutex<Option<RustFuturePoll>>,
    woken: Condvar,
}

extern "C" fn resume(data: u64, poll: RustFuturePoll) {
    // SAFETY: `data` is the address of the `Continuation` `complete` keeps alive while polling.
    let continuation = unsafe { &*(data as *const Continuation) };
    if let Ok(mut slot) = continuation.poll.lock() {
        *slot = Some(poll);
        continuation.woken.notify_one();
    }
}

/// Drives a Rust future returning a buffer to its end and frees it.
fn complete(future: Handle) -> Result<RustBuffer, String> {
    let continuation = Continuation::default();
    let data = &continuation as *const Continuation as u64;
    loop {
        // SAFETY: a live future handle; `continuation` outlives every callback (we wait for it).
        unsafe { ffi_ossdirect_ffi_rust_future_poll_rust_buffer(future.clone(), resume, data) };
        let mut slot = continuation.poll.lock().map_err(|e| e.to_string())?;
        while slot.is_none() {
            slot = continuation.woken.wait(slot).map_err(|e| e.to_string())?;
        }
        if slot.take() == Some(RustFuturePoll::Ready) {
            break;
        }
    }
    let mut status = RustCallStatus::default();
    // SAFETY: the future is ready; it is completed once and freed once.
    let answer = unsafe {
        let answer =
            ffi_ossdirect_ffi_rust_future_complete_rust_buffer(future.clone(), &mut status);
        ffi_ossdirect_ffi_rust_future_free_rust_buffer(future);
        answer
    };
    checked(status).map(|()| answer)
}

/// `Ok` for a successful call; the error buffer freed otherwise.
fn checked(status: RustCallStatus) -> Result<(), String> {
    if status.code == RustCallStatusCode::Success {
        return Ok(());
    }
    let code = format!("{:?}", status.code);
    ManuallyDrop::into_inner(status.error_buf).destroy();
    Err(format!("the call failed: {code}"))
}
