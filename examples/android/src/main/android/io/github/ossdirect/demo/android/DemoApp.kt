package io.github.ossdirect.demo.android

import android.app.Application
import android.content.Intent
import android.os.Build
import android.os.Handler
import android.os.Looper
import io.github.ossdirect.LogLevel
import io.github.ossdirect.android.ConnectivityNetworkMonitor
import io.github.ossdirect.android.ContentUploads
import io.github.ossdirect.android.LogcatLogger
import io.github.ossdirect.android.OssAndroid
import io.github.ossdirect.demo.DemoViewModel
import io.github.ossdirect.demo.FileSettingsStore
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.launch
import java.io.File
import java.util.concurrent.Executor

/** The main thread as a coroutine dispatcher (platform only: no kotlinx-coroutines-android needed). */
val MainThread: CoroutineDispatcher = Executor { Handler(Looper.getMainLooper()).post(it) }.asCoroutineDispatcher()

/**
 * Owns the demo's view model for the life of the process, so transfers outlive the `Activity`; restores the
 * transfers an earlier process left unfinished; keeps [TransferService] in the foreground while any moves.
 */
class DemoApp : Application() {
    /** Application-wide work, on the main thread. */
    val scope = CoroutineScope(SupervisorJob() + MainThread)

    /** Follows the default network: transfers wait for it and resume. */
    lateinit var network: ConnectivityNetworkMonitor
        private set

    /** `content://` uploads that survive process death. */
    lateinit var contents: ContentUploads
        private set

    /** The demo's logic. */
    lateinit var model: DemoViewModel
        private set

    override fun onCreate() {
        super.onCreate()
        LogcatLogger.install(LogLevel.Info, "ossdirect-demo")
        network = ConnectivityNetworkMonitor(this)
        contents = ContentUploads(this)
        model = DemoViewModel(
            store = FileSettingsStore(File(noBackupFilesDir, "demo-settings.properties")),
            checkpointDir = OssAndroid.checkpointDir(this),
            scratchDir = File(cacheDir, "checks"),
            scope = scope,
            networkMonitor = network,
        )
        // Transfers left by a process the system killed: shown and resumed at start.
        model.start { record -> contents.sourceFor(record) }
        scope.launch {
            model.busy.collect { busy -> if (busy) startTransferService() }
        }
    }

    private fun startTransferService() {
        val intent = Intent(this, TransferService::class.java)
        if (Build.VERSION.SDK_INT >= 26) startForegroundService(intent) else startService(intent)
    }
}
