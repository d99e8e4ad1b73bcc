package io.github.ossdirect

import com.sun.jna.Callback
import com.sun.jna.CallbackThreadInitializer
import com.sun.jna.Native
import io.github.ossdirect.ffi.uniffiCallbackInterfaceCredentialsFetcher
import io.github.ossdirect.ffi.uniffiCallbackInterfaceLogger
import io.github.ossdirect.ffi.uniffiCallbackInterfaceSignatureProvider
import io.github.ossdirect.ffi.uniffiCallbackInterfaceSourceReader
import io.github.ossdirect.ffi.uniffiCallbackInterfaceTransferListener
import io.github.ossdirect.ffi.uniffiRustFutureContinuationCallbackImpl

/**
 * How the SDK's threads call into the JVM. By default JNA attaches a native thread to the JVM for each callback
 * and detaches it afterwards (a new `java.lang.Thread` every time: a transfer's part events, progress, log lines,
 * every completed native future). Here the SDK's callbacks keep their thread attached, as a **daemon** thread
 * (it never holds up a desktop JVM's exit) named `ossdirect-callback`; JNA detaches it when the native thread ends
 * (the runtime's idle blocking threads end after 10 s).
 *
 * JNA reads the initializer when it first makes a callback's native entry point, which the generated code does
 * when it loads the library: [ensure] runs before anything of ours calls into it (the companion objects of
 * [OssClient] and [CredentialsSource], [Ossdirect] and every [ffiCall]). If an app reached the generated code
 * first, the callbacks work as before, only with JNA's per-call attach.
 */
internal object CallbackThreads {
    init {
        val initializer = CallbackThreadInitializer(true, false, "ossdirect-callback")
        val callbacks: List<Callback> = listOf(
            uniffiRustFutureContinuationCallbackImpl,
            uniffiCallbackInterfaceTransferListener.onStateChanged,
            uniffiCallbackInterfaceTransferListener.onProgress,
            uniffiCallbackInterfaceTransferListener.onEvent,
            uniffiCallbackInterfaceTransferListener.uniffiFree,
            uniffiCallbackInterfaceTransferListener.uniffiClone,
            uniffiCallbackInterfaceLogger.log,
            uniffiCallbackInterfaceLogger.uniffiFree,
            uniffiCallbackInterfaceLogger.uniffiClone,
            uniffiCallbackInterfaceSourceReader.readAt,
            uniffiCallbackInterfaceSourceReader.uniffiFree,
            uniffiCallbackInterfaceSourceReader.uniffiClone,
            uniffiCallbackInterfaceCredentialsFetcher.fetch,
            uniffiCallbackInterfaceCredentialsFetcher.uniffiFree,
            uniffiCallbackInterfaceCredentialsFetcher.uniffiClone,
            uniffiCallbackInterfaceSignatureProvider.sign,
            uniffiCallbackInterfaceSignatureProvider.uniffiFree,
            uniffiCallbackInterfaceSignatureProvider.uniffiClone,
        )
        for (callback in callbacks) Native.setCallbackThreadInitializer(callback, initializer)
    }

    /** Installs the initializers (once, thread-safe: the object's initialization). */
    fun ensure() = Unit
}
