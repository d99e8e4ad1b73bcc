package io.github.ossdirect

import java.io.File
import java.net.HttpURLConnection
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.URI
import java.nio.file.Files
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

/**
 * A real `ossdirect dev` (the emulator and the token server on loopback, ephemeral ports) started from the
 * binary named by the `ossdirect.bin` system property (or `OSSDIRECT_BIN`), stopped by [close].
 *
 * Its demo users (`alice`, `bob`) may put, get, delete, list (with a prefix inside their own), list parts and
 * abort under `users/<user>/`, with credentials from [tokenUrl] or signatures from [signUrl].
 *
 * [restart] stops it and starts it again on the same ports with the same data directory, so objects,
 * multipart uploads and issued STS tokens survive; the demo users' bearer tokens are new after it.
 */
class DevStack private constructor(
    private val dataDir: File,
    private val ownsDataDir: Boolean,
    private val stsMaxLifetimeSeconds: Int?,
) : AutoCloseable {
    private var process: Process? = null
    private lateinit var info: Map<String, Any?>
    private var ossPort = 0
    private var tokenPort = 0

    val ossEndpoint: String get() = info["oss_endpoint"] as String
    val stsEndpoint: String get() = info["sts_endpoint"] as String
    val region: String get() = info["region"] as String
    val bucket: String get() = info["bucket"] as String
    val accessKeyId: String get() = info["access_key_id"] as String
    val accessKeySecret: String get() = info["access_key_secret"] as String
    val tokenUrl: String get() = info["token_url"] as String

    /** The token server's remote-signing endpoint (`POST /sign`). */
    val signUrl: String get() = info["sign_url"] as String

    /** The emulator's data directory. */
    val dataDirectory: File get() = dataDir

    /** The token server's base URL (`/sts-token`, `/sign` under it). */
    val serverUrl: String get() = tokenUrl.removeSuffix("/sts-token")

    /** The bearer token of a demo user (`alice`, `bob`). */
    fun bearer(user: String): String {
        @Suppress("UNCHECKED_CAST")
        val users = info["users"] as List<Map<String, Any?>>
        return users.first { it["user"] == user }["bearer_token"] as String
    }

    private fun start() {
        val bin = binary()
        val cmd = mutableListOf(bin.path, "dev", "--data-dir", dataDir.path)
        cmd += listOf("--listen-oss", "127.0.0.1:$ossPort", "--listen-token", "127.0.0.1:$tokenPort")
        stsMaxLifetimeSeconds?.let { cmd += listOf("--sts-max-lifetime", "$it") }
        val log = File(dataDir.parentFile, "dev-${System.nanoTime()}.log")
        val p = ProcessBuilder(cmd)
            .redirectError(ProcessBuilder.Redirect.appendTo(log))
            .start()
        process = p
        val lines = LinkedBlockingQueue<String>()
        Thread({
            p.inputStream.bufferedReader().useLines { seq -> seq.forEach { lines.put(it) } }
        }, "ossdirect-dev-stdout").apply { isDaemon = true }.start()
        val line = lines.poll(60, TimeUnit.SECONDS)
        if (line == null) {
            p.destroyForcibly()
            error("ossdirect dev printed no ready line within 60 s (log: $log): ${log.readTextOrEmpty()}")
        }
        @Suppress("UNCHECKED_CAST")
        info = Json.parse(line) as Map<String, Any?>
        ossPort = URI(ossEndpoint).port
        tokenPort = URI(tokenUrl).port
    }

    /** Stops the processes (SIGTERM, then SIGKILL after 10 s). */
    fun stop() {
        val p = process ?: return
        process = null
        p.destroy()
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly()
            p.waitFor(10, TimeUnit.SECONDS)
        }
    }

    /** Starts it again on the same ports and data directory (after [stop]). */
    fun startAgain() {
        check(process == null) { "still running" }
        start()
    }

    /** [stop] then [startAgain]. */
    fun restart() {
        stop()
        startAgain()
    }

    override fun close() {
        stop()
        if (ownsDataDir) dataDir.parentFile.deleteRecursively()
    }

    // --- the emulator's test controls (loopback only) ---

    /** Adds fault rules, e.g. `op=UploadPart,kind=corrupt,nth=1`. */
    fun addFaults(vararg rules: String) {
        val body = rules.joinToString(",", "[", "]") { Json.quote(it) }
        http("POST", "$ossEndpoint/_emulator/faults", body).also { check(it.first == 200) { "faults: $it" } }
    }

    /** Removes every fault rule. */
    fun clearFaults() {
        http("DELETE", "$ossEndpoint/_emulator/faults", null)
    }

    /** Per-operation counters: name -> (count, ...). */
    @Suppress("UNCHECKED_CAST")
    fun stats(): Map<String, Map<String, Any?>> {
        val (status, body) = http("GET", "$ossEndpoint/_emulator/stats", null)
        check(status == 200) { "stats: $status $body" }
        return (Json.parse(body) as Map<String, Any?>)["operations"] as Map<String, Map<String, Any?>>
    }

    /** Count of an operation since the last [resetStats]. */
    fun count(operation: String): Long = (stats()[operation]?.get("count") as? Long) ?: 0L

    /** Zeroes the counters. */
    fun resetStats() {
        http("POST", "$ossEndpoint/_emulator/stats/reset", "")
    }

    companion object {
        /**
         * Starts `ossdirect dev` with a fresh data directory. With [stsMaxLifetimeSeconds] (its
         * `--sts-max-lifetime`), every STS credential it vends expires after at most that many seconds.
         */
        fun start(stsMaxLifetimeSeconds: Int? = null): DevStack {
            val base = Files.createTempDirectory("ossdirect-dev").toFile()
            val dir = File(base, "data")
            val stack = DevStack(dir, ownsDataDir = true, stsMaxLifetimeSeconds = stsMaxLifetimeSeconds)
            stack.start()
            return stack
        }

        /** The `ossdirect` binary the tests run. */
        fun binary(): File {
            val path = System.getProperty("ossdirect.bin") ?: System.getenv("OSSDIRECT_BIN")
                ?: error("set -Dossdirect.bin=<path of target/debug/ossdirect> (cargo xtask kotlin does)")
            val f = File(path)
            check(f.canExecute()) { "$f is not an executable: build it with cargo build -p ossdirect-cli" }
            return f
        }

        /** A plain HTTP request: (status, body). */
        fun http(
            method: String,
            url: String,
            body: String?,
            headers: Map<String, String> = emptyMap(),
        ): Pair<Int, String> {
            val c = URI(url).toURL().openConnection() as HttpURLConnection
            c.requestMethod = method
            c.connectTimeout = 10_000
            c.readTimeout = 30_000
            headers.forEach { (k, v) -> c.setRequestProperty(k, v) }
            if (body != null) {
                c.doOutput = true
                c.outputStream.use { it.write(body.toByteArray()) }
            }
            return try {
                val status = c.responseCode
                val stream = if (status >= 400) c.errorStream else c.inputStream
                status to (stream?.use { String(it.readBytes()) } ?: "")
            } finally {
                c.disconnect()
            }
        }

        /** A free loopback port (for a server that must come back on the same one). */
        fun freePort(): Int = ServerSocket().use {
            it.bind(InetSocketAddress("127.0.0.1", 0))
            it.localPort
        }

        private fun File.readTextOrEmpty() = if (exists()) readText().takeLast(4000) else ""
    }
}
