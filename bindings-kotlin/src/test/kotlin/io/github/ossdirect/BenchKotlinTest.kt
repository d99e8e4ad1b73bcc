package io.github.ossdirect

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.io.File
import java.io.RandomAccessFile
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.minutes

/**
 * `cargo xtask bench kotlin`: a large upload and download through the Kotlin API on the JVM against
 * `ossdirect upload` / `download` (the same library, the same defaults: 8 MiB parts, 4 in flight), in one run
 * against one `ossdirect dev`, after an untimed warm-up of both sides, alternating (who goes first changes
 * each round; each run starts after a `sync`), best of five each; and the JVM's peak RSS. Writes its report to
 * `ossdirect.bench.report`. Excluded from the normal test run (tag `bench`).
 */
@Tag("bench")
class BenchKotlinTest {
    private fun size(): Long {
        val text = System.getProperty("ossdirect.bench.size", "1GiB").trim()
        val units = listOf("GiB" to (1L shl 30), "MiB" to (1L shl 20), "KiB" to (1L shl 10))
        for ((suffix, factor) in units) if (text.endsWith(suffix)) return text.removeSuffix(suffix).trim().toLong() * factor
        return text.toLong()
    }

    private fun peakRssMiB(): Long =
        File("/proc/self/status").readLines().first { it.startsWith("VmHWM:") }.split(Regex("\\s+"))[1].toLong() / 1024

    /**
     * The seconds [block] takes, started with no dirty pages in the page cache (`sync`, not timed): each run
     * pays for its own writes only, not for flushing the previous run's gigabyte.
     */
    private fun timedClean(block: () -> Unit): Double {
        check(ProcessBuilder("sync").start().waitFor() == 0) { "sync failed" }
        val t = System.nanoTime()
        block()
        return (System.nanoTime() - t) / 1e9
    }

    @Test
    @Timeout(60, unit = TimeUnit.MINUTES)
    fun `Kotlin API against the CLI, upload and download`() {
        val size = size()
        val dir = tempDir("ossdirect-bench")
        DevStack.start().use { dev ->
            val source = File(dir, "source.bin")
            RandomAccessFile(source, "rw").use { f ->
                val chunk = pattern(8 * MIB, 1)
                var written = 0L
                while (written < size) {
                    val n = minOf(chunk.size.toLong(), size - written).toInt()
                    chunk[0] = (written / chunk.size).toByte() // every chunk differs
                    f.write(chunk, 0, n)
                    written += n
                }
            }
            val auth = "Authorization: Bearer ${dev.bearer("alice")}"
            fun cli(vararg args: String) {
                val common = listOf(
                    "--endpoint", dev.ossEndpoint, "--region", dev.region, "--token-url", dev.tokenUrl,
                    "--token-header", auth, "--no-resume", "--quiet",
                )
                val p = ProcessBuilder(listOf(DevStack.binary().path) + args + common)
                    .redirectErrorStream(true).redirectOutput(File(dir, "cli.log")).start()
                check(p.waitFor(30, TimeUnit.MINUTES) && p.exitValue() == 0) { File(dir, "cli.log").readText() }
            }
            val url = "oss://${dev.bucket}/users/alice/bench"
            val cliUp = mutableListOf<Double>()
            val ktUp = mutableListOf<Double>()
            val cliDown = mutableListOf<Double>()
            val ktDown = mutableListOf<Double>()
            OssClient(dev.config(), dev.userCredentials()).use { client ->
                // Untimed warm-up, both sides: the JIT compiles the callback and coroutine paths once, as in an
                // app that has been running; and both keys exist before the timed runs (the first upload to a
                // new key ran up to 30 % faster than every overwrite after it, a gift to whoever went first).
                cli("upload", source.path, "$url-cli.bin")
                blocking(30.minutes) {
                    client.uploadFile(dev.bucket, "users/alice/bench-kt.bin", source)
                    client.downloadFile(dev.bucket, "users/alice/bench-kt.bin", File(dir, "warm-up.bin"))
                }
                File(dir, "warm-up.bin").delete()
                repeat(ROUNDS) { round ->
                    val cliOut = File(dir, "cli-$round.bin")
                    val ktOut = File(dir, "kt-$round.bin")
                    val cliUpload = { cliUp += timedClean { cli("upload", source.path, "$url-cli.bin") } }
                    val ktUpload = {
                        ktUp += timedClean {
                            blocking(30.minutes) { client.uploadFile(dev.bucket, "users/alice/bench-kt.bin", source) }
                        }
                    }
                    val cliDownload = { cliDown += timedClean { cli("download", "$url-cli.bin", cliOut.path) } }
                    val ktDownload = {
                        ktDown += timedClean {
                            blocking(30.minutes) { client.downloadFile(dev.bucket, "users/alice/bench-kt.bin", ktOut) }
                        }
                    }
                    // Who goes first changes each round: the second of a pair used to write while the first's
                    // gigabyte was still being flushed.
                    if (round % 2 == 0) {
                        cliUpload(); ktUpload(); cliDownload(); ktDownload()
                    } else {
                        ktUpload(); cliUpload(); ktDownload(); cliDownload()
                    }
                    assertEquals(size, cliOut.length())
                    assertEquals(size, ktOut.length())
                    cliOut.delete()
                    ktOut.delete()
                }
            }
            val mib = size / 1048576.0
            // Interference on a shared 2-core machine only ever slows a run, so each side's fastest round is the
            // best estimate of its own cost; the rounds' ratios are printed too (they wander by ±10 %).
            val up = cliUp.min() / ktUp.min()
            val down = cliDown.min() / ktDown.min()
            val report = buildString {
                appendLine(
                    "bench kotlin: ${"%.0f".format(mib)} MiB, 8 MiB parts, 4 in flight, against ossdirect dev, $ROUNDS rounds",
                )
                fun line(what: String, cli: List<Double>, kt: List<Double>, ratio: Double) {
                    val rounds = cli.zip(kt) { c, k -> "%.2f".format(c / k) }
                    appendLine(
                        "  %-8s  best CLI %6.1f MiB/s  Kotlin %6.1f MiB/s   ratio per round %s, best/best %.2f".format(
                            what, mib / cli.min(), mib / kt.min(), rounds, ratio,
                        ),
                    )
                }
                line("upload", cliUp, ktUp, up)
                line("download", cliDown, ktDown, down)
                appendLine("  JVM peak RSS ${peakRssMiB()} MiB (heap max ${Runtime.getRuntime().maxMemory() / 1048576} MiB)")
            }
            print(report)
            System.getProperty("ossdirect.bench.report")?.let { File(it).writeText(report) }
            assertTrue(up >= 0.95 && down >= 0.95, "the Kotlin API is within 5 % of the CLI:\n$report")
        }
        dir.deleteRecursively()
    }

    private companion object {
        /** Timed rounds; each side's fastest counts. */
        const val ROUNDS = 5
    }
}
