package io.github.ossdirect.demo

import io.github.ossdirect.SignatureVersion
import java.io.File
import java.util.Properties

/**
 * What the demo's settings screen holds: the app server's token endpoint and the user's bearer token (the
 * token vending machine), the OSS endpoint and region, and where uploads go.
 *
 * With `ossdirect dev` on a computer, `tokenUrl` and `endpoint` are its printed URLs (from an emulator,
 * `10.0.2.2` reaches the host's loopback) and `prefix` is `users/<user>/`.
 */
data class DemoSettings(
    val tokenUrl: String = "",
    val bearerToken: String = "",
    val endpoint: String = "",
    val region: String = "cn-hangzhou",
    val bucket: String = "",
    val prefix: String = "",
    val signatureVersion: SignatureVersion = SignatureVersion.V4,
) {
    /** Whether uploads can start: everything but the prefix is set. */
    val complete: Boolean
        get() = tokenUrl.isNotBlank() && bearerToken.isNotBlank() && region.isNotBlank() && bucket.isNotBlank()

    /** The key of an upload named [name]: the prefix, then the name. */
    fun keyFor(name: String): String {
        val p = prefix.trim()
        return if (p.isEmpty() || p.endsWith("/")) p + name else "$p/$name"
    }

    /** The bearer token without its middle, for display. */
    override fun toString() =
        "DemoSettings(tokenUrl=$tokenUrl, bearerToken=${bearerToken.take(4)}…, endpoint=$endpoint, " +
            "region=$region, bucket=$bucket, prefix=$prefix, signatureVersion=$signatureVersion)"
}

/** Where settings are kept between runs. */
interface SettingsStore {
    /** The saved settings (defaults when none were saved). */
    fun load(): DemoSettings

    /** Saves [settings]. */
    fun save(settings: DemoSettings)
}

/** Settings in a properties file (the Android app keeps it in its no-backup directory: it holds a token). */
class FileSettingsStore(private val file: File) : SettingsStore {
    override fun load(): DemoSettings {
        if (!file.exists()) return DemoSettings()
        val p = Properties().apply { file.inputStream().use { load(it) } }
        val defaults = DemoSettings()
        return DemoSettings(
            tokenUrl = p.getProperty("tokenUrl", defaults.tokenUrl),
            bearerToken = p.getProperty("bearerToken", defaults.bearerToken),
            endpoint = p.getProperty("endpoint", defaults.endpoint),
            region = p.getProperty("region", defaults.region),
            bucket = p.getProperty("bucket", defaults.bucket),
            prefix = p.getProperty("prefix", defaults.prefix),
            signatureVersion = p.getProperty("signatureVersion")?.let { SignatureVersion.valueOf(it) }
                ?: defaults.signatureVersion,
        )
    }

    override fun save(settings: DemoSettings) {
        val p = Properties()
        p["tokenUrl"] = settings.tokenUrl
        p["bearerToken"] = settings.bearerToken
        p["endpoint"] = settings.endpoint
        p["region"] = settings.region
        p["bucket"] = settings.bucket
        p["prefix"] = settings.prefix
        p["signatureVersion"] = settings.signatureVersion.name
        file.parentFile?.mkdirs()
        val tmp = File(file.path + ".tmp")
        tmp.outputStream().use { p.store(it, "ossdirect demo") }
        if (!tmp.renameTo(file)) {
            file.delete()
            tmp.renameTo(file)
        }
    }
}
