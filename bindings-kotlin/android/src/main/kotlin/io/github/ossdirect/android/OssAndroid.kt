package io.github.ossdirect.android

import android.content.Context
import io.github.ossdirect.Addressing
import io.github.ossdirect.NetworkMonitor
import io.github.ossdirect.OssConfig
import io.github.ossdirect.SignatureVersion
import java.io.File

/** Android defaults for an [OssConfig]. */
object OssAndroid {
    /**
     * Where transfers keep their checkpoints: `noBackupFilesDir/ossdirect/transfers`. Under
     * `noBackupFilesDir` so that Auto Backup never restores a checkpoint of an upload that no longer exists
     * onto another device; inside the app's sandbox, so the path (and with it each transfer's id) stays the
     * same across process restarts and app updates.
     */
    @JvmStatic
    fun checkpointDir(context: Context): File =
        File(context.applicationContext.noBackupFilesDir, "ossdirect/transfers").apply { mkdirs() }

    /**
     * A configuration with the Android defaults: checkpoints under [checkpointDir] (transfers survive process
     * death) and, unless [networkMonitor] is given, a [ConnectivityNetworkMonitor] (transfers wait for the
     * network and resume).
     */
    @JvmStatic
    @JvmOverloads
    fun config(
        context: Context,
        region: String,
        endpoint: String? = null,
        signatureVersion: SignatureVersion = SignatureVersion.V4,
        addressing: Addressing = Addressing.Auto,
        networkMonitor: NetworkMonitor = ConnectivityNetworkMonitor(context),
    ): OssConfig = OssConfig(
        region = region,
        endpoint = endpoint,
        addressing = addressing,
        signatureVersion = signatureVersion,
        checkpointDir = checkpointDir(context),
        networkMonitor = networkMonitor,
        userAgentSuffix = "android/${android.os.Build.VERSION.SDK_INT}",
    )
}
