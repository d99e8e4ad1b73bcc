package io.github.ossdirect.demo.android

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.app.Service
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.IBinder
import io.github.ossdirect.TransferState
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.launch

/**
 * Keeps the process in the foreground while transfers move, with a progress notification, so they go on
 * when the app is in the background. Stops itself when none is left (type `dataSync`; on Android 14+ a
 * user-initiated data transfer job is the alternative for very long transfers).
 */
class TransferService : Service() {
    private var watcher: Job? = null

    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        val app = application as DemoApp
        val manager = getSystemService(NotificationManager::class.java)
        if (Build.VERSION.SDK_INT >= 26) {
            manager.createNotificationChannel(
                NotificationChannel(CHANNEL, "Transfers", NotificationManager.IMPORTANCE_LOW),
            )
        }
        val first = notification("Starting transfers", 0, 0)
        if (Build.VERSION.SDK_INT >= 29) {
            startForeground(ID, first, ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC)
        } else {
            startForeground(ID, first)
        }
        watcher?.cancel()
        watcher = app.scope.launch {
            combine(app.model.state, app.model.busy) { ui, busy -> ui to busy }.collect { (ui, busy) ->
                if (!busy) {
                    stopForegroundCompat()
                    stopSelf()
                    return@collect
                }
                val moving = ui.transfers.filter { !it.state.isTerminal }
                val done = moving.sumOf { it.state.progress.bytesDone }
                val total = moving.sumOf { it.state.progress.bytesTotal }
                val waiting = moving.any { it.state is TransferState.WaitingForNetwork }
                val title = if (waiting) "Waiting for the network" else "${moving.size} transfer(s)"
                val percent = if (total > 0) (done * 100 / total).toInt() else 0
                manager.notify(ID, notification(title, percent, 100))
            }
        }
        return START_STICKY
    }

    private fun notification(title: String, progress: Int, max: Int): Notification {
        val open = PendingIntent.getActivity(
            this, 0, Intent(this, MainActivity::class.java), PendingIntent.FLAG_IMMUTABLE,
        )
        val builder = if (Build.VERSION.SDK_INT >= 26) Notification.Builder(this, CHANNEL) else
            @Suppress("DEPRECATION") Notification.Builder(this)
        return builder
            .setSmallIcon(android.R.drawable.stat_sys_upload)
            .setContentTitle(title)
            .setProgress(max, progress, max == 0)
            .setOngoing(true)
            .setContentIntent(open)
            .build()
    }

    private fun stopForegroundCompat() {
        if (Build.VERSION.SDK_INT >= 24) stopForeground(STOP_FOREGROUND_REMOVE) else
            @Suppress("DEPRECATION") stopForeground(true)
    }

    override fun onDestroy() {
        watcher?.cancel()
        super.onDestroy()
    }

    private companion object {
        const val CHANNEL = "transfers"
        const val ID = 1
    }
}
