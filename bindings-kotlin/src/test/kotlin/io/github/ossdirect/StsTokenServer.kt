package io.github.ossdirect

import com.sun.net.httpserver.HttpServer
import java.io.File
import java.net.InetSocketAddress
import java.net.URLEncoder
import java.nio.file.Files
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.util.Base64
import java.util.UUID
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

/**
 * A real `ossdirect emulator` whose STS credentials live [lifetimeSeconds] (its `--sts-max-lifetime` test
 * control), and an app server's token endpoint in front of it: each GET calls the emulator's STS
 * `AssumeRole` (RPC, HMAC-SHA1 signed with the emulator's RAM user key) and answers in the official mobile
 * SDKs' JSON. Both on loopback ephemeral ports; [close] stops them.
 */
class StsTokenServer(lifetimeSeconds: Int) : AutoCloseable {
    private val base = Files.createTempDirectory("ossdirect-sts").toFile()
    private val process: Process
    private val info: Map<String, Any?>
    private val http: HttpServer

    /** Credential sets handed out so far. */
    val fetches = AtomicInteger()

    val ossEndpoint: String get() = info["oss_endpoint"] as String
    val region: String get() = info["region"] as String
    val bucket: String get() = info["bucket"] as String

    /** The token endpoint's URL. */
    val url: String

    init {
        val cmd = listOf(
            DevStack.binary().path, "emulator", "--listen", "127.0.0.1:0", "--data-dir", File(base, "data").path,
            "--sts-max-lifetime", "$lifetimeSeconds",
        )
        process = ProcessBuilder(cmd).redirectError(File(base, "emulator.log")).start()
        val lines = LinkedBlockingQueue<String>()
        Thread({ process.inputStream.bufferedReader().useLines { s -> s.forEach { lines.put(it) } } }, "emulator-out")
            .apply { isDaemon = true }.start()
        val line = lines.poll(60, TimeUnit.SECONDS)
        if (line == null) {
            process.destroyForcibly()
            error("ossdirect emulator printed no ready line: ${File(base, "emulator.log").readText()}")
        }
        @Suppress("UNCHECKED_CAST")
        info = Json.parse(line) as Map<String, Any?>
        http = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        http.createContext("/sts-token") { exchange ->
            val body = try {
                val c = assumeRole()
                fetches.incrementAndGet()
                """{"StatusCode":200,"AccessKeyId":${Json.quote(c["AccessKeyId"] as String)},""" +
                    """"AccessKeySecret":${Json.quote(c["AccessKeySecret"] as String)},""" +
                    """"SecurityToken":${Json.quote(c["SecurityToken"] as String)},""" +
                    """"Expiration":${Json.quote(c["Expiration"] as String)}}"""
            } catch (e: Exception) {
                """{"StatusCode":500,"ErrorMessage":${Json.quote(e.toString())}}"""
            }
            val bytes = body.toByteArray()
            exchange.responseHeaders.add("Content-Type", "application/json")
            exchange.sendResponseHeaders(200, bytes.size.toLong())
            exchange.responseBody.use { it.write(bytes) }
        }
        http.start()
        url = "http://127.0.0.1:${http.address.port}/sts-token"
    }

    /** The emulator's STS `AssumeRole` for its default role; returns its `Credentials`. */
    @Suppress("UNCHECKED_CAST")
    private fun assumeRole(): Map<String, Any?> {
        val params = sortedMapOf(
            "Action" to "AssumeRole",
            "Format" to "JSON",
            "Version" to "2015-04-01",
            "AccessKeyId" to info["access_key_id"] as String,
            "SignatureMethod" to "HMAC-SHA1",
            "SignatureVersion" to "1.0",
            "SignatureNonce" to UUID.randomUUID().toString(),
            "Timestamp" to DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
                .withZone(ZoneOffset.UTC).format(Instant.now()),
            "RoleArn" to info["role_arn"] as String,
            "RoleSessionName" to "kotlin-test",
            "DurationSeconds" to "900",
        )
        val query = params.entries.joinToString("&") { "${enc(it.key)}=${enc(it.value)}" }
        val toSign = "GET&${enc("/")}&${enc(query)}"
        val mac = Mac.getInstance("HmacSHA1")
        mac.init(SecretKeySpec("${info["access_key_secret"]}&".toByteArray(), "HmacSHA1"))
        val signature = Base64.getEncoder().encodeToString(mac.doFinal(toSign.toByteArray()))
        val (status, body) = DevStack.http("GET", "${info["sts_endpoint"]}/?$query&Signature=${enc(signature)}", null)
        check(status == 200) { "AssumeRole: $status $body" }
        return (Json.parse(body) as Map<String, Any?>)["Credentials"] as Map<String, Any?>
    }

    private fun enc(s: String) =
        URLEncoder.encode(s, "UTF-8").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    override fun close() {
        http.stop(0)
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
        base.deleteRecursively()
    }

    /** Adds emulator fault rules. */
    fun addFaults(vararg rules: String) {
        val body = rules.joinToString(",", "[", "]") { Json.quote(it) }
        check(DevStack.http("POST", "$ossEndpoint/_emulator/faults", body).first == 200)
    }
}
