import Foundation

/// Runs `work` in a task of its own and waits for it, but returns at once with `CancellationError` when the
/// calling Task is cancelled (calling `onCancel` first, e.g. to pause a transfer). UniFFI's async functions
/// ignore Task cancellation, so the wrapper cannot rely on them for it; `work`'s own task is cancelled too,
/// which stops its waits (native work that cannot be interrupted finishes in the background).
func cancellable<T: Sendable>(
    onCancel: @escaping @Sendable () -> Void = {},
    _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    let gate = ResumeOnce<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            // Cancelled before it began: nothing is started.
            guard gate.install(continuation) else { return }
            let task = Task {
                do { gate.resume(.success(try await work())) } catch { gate.resume(.failure(error)) }
            }
            gate.setTask(task)
        }
    } onCancel: {
        onCancel()
        gate.cancel()
    }
}

/// A continuation resumed exactly once: by the work's outcome or by cancellation, whichever comes first
/// (cancellation may even come before the continuation exists).
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?
    private var outcome: Result<T, Error>?
    private var task: Task<Void, Never>?
    private var cancelled = false

    /// Installs the continuation; `false` (and resumed) when the outcome is already known.
    func install(_ c: CheckedContinuation<T, Error>) -> Bool {
        lock.lock()
        if let outcome {
            lock.unlock()
            c.resume(with: outcome)
            return false
        }
        continuation = c
        lock.unlock()
        return true
    }

    func setTask(_ t: Task<Void, Never>) {
        lock.lock()
        let alreadyCancelled = cancelled
        task = t
        lock.unlock()
        if alreadyCancelled { t.cancel() }
    }

    func resume(_ result: Result<T, Error>) {
        lock.lock()
        guard outcome == nil else { lock.unlock(); return }
        outcome = result
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume(with: result)
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let t = task
        lock.unlock()
        t?.cancel()
        resume(.failure(CancellationError()))
    }
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Sleeps, unless the task is cancelled (then returns early).
func sleep(seconds: Double) async {
    try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
}
