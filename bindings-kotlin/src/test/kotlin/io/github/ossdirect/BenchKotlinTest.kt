package io.github.ossdirect

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.io.File
import java.io.RandomAccessFile
import java.lang.management.ManagementFactory
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
     * CPU seconds so far of this JVM (every thread: JIT, GC, the SDK's) and of its children that have been
     * waited for (each finished CLI run), from `/proc/self/stat` (utime + stime, cutime + cstime; 100 ticks/s).
     */
    private fun cpuSeconds(): Pair<Double, Double> {
        val fields = File("/proc/self/stat").readText().substringAfterLast(')').trim().split(' ')
        // After the command's name: state is field 3, so utime (14) is index 11.
        val self = fields[11].toLong() + fields[12].toLong()
        val children = fields[13].toLong() + fields[14].toLong()
        return self / 100.0 to children / 100.0
    }

    /** Where the untimed scratch file of [warmFreeMemory] goes (the benchmark's directory). */
    private lateinit var scratchDir: File

    /** The transfers' size. */
    private var benchSize = 0L

    /**
     * Writes and removes (untimed) a scratch file of twice the transfer's size, so the run after it writes into
     * memory the machine has touched before. On this VM (a balloon with free page reporting) the first write into
     * never-touched memory is slow: a download that needed fresh page-cache pages took 1.5–2.5 times as long, with
     * most of its time copying into them, and it was whichever side went second that paid.
     */
    private fun warmFreeMemory() {
        val scratch = File(scratchDir, "scratch.bin")
        val zeros = ByteArray(8 * MIB)
        RandomAccessFile(scratch, "rw").use { f ->
            repeat((2 * benchSize / zeros.size).toInt()) { f.write(zeros) }
        }
        check(scratch.delete()) { "could not remove $scratch" }
    }

    /** One timed run: its wall-clock seconds and the CPU seconds it used (the JVM's or the CLI's). */
    private class Run(val seconds: Double, val cpu: Double)

    /**
     * Times [block], started with no dirty pages in the page cache (`sync`, not timed): each run pays for its
     * own writes only, not for flushing the previous run's gigabyte. [inChild]: its CPU is a child process's.
     */
    private fun timedClean(inChild: Boolean, block: () -> Unit): Run {
        warmFreeMemory()
        check(ProcessBuilder("sync").start().waitFor() == 0) { "sync failed" }
        val cpu0 = cpuSeconds()
        val t = System.nanoTime()
        block()
        val seconds = (System.nanoTime() - t) / 1e9
        val cpu1 = cpuSeconds()
        return Run(seconds, if (inChild) cpu1.second - cpu0.second else cpu1.first - cpu0.first)
    }

    @Test
    @Timeout(60, unit = TimeUnit.MINUTES)
    fun `Kotlin API against the CLI, upload and download`() {
        val size = size()
        val dir = tempDir("ossdirect-bench")
        scratchDir = dir
        benchSize = size
        try {
            run(size, dir)
        } finally {
            dir.deleteRecursively()
        }
    }

    private fun run(size: Long, dir: File) {
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
            val cliUp = mutableListOf<Run>()
            val ktUp = mutableListOf<Run>()
            val cliDown = mutableListOf<Run>()
            val ktDown = mutableListOf<Run>()
            var jitBefore = 0L
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
                warmUpJit(client, dev, dir)
                repeat(3) { warmFreeMemory() } // its own code compiled before the timed runs too
                jitBefore = jitMillis()
                repeat(rounds) { round ->
                    val out = File(dir, "download-$round.bin")
                    /** Checks a download's file and removes it (untimed) before the next run. */
                    fun checkAndRemove() {
                        assertEquals(size, out.length())
                        check(out.delete()) { "could not remove $out" }
                    }
                    val cliUpload = { cliUp += timedClean(true) { cli("upload", source.path, "$url-cli.bin") } }
                    val ktUpload = {
                        ktUp += timedClean(false) {
                            blocking(30.minutes) { client.uploadFile(dev.bucket, "users/alice/bench-kt.bin", source) }
                        }
                    }
                    val cliDownload = {
                        cliDown += timedClean(true) { cli("download", "$url-cli.bin", out.path) }
                        checkAndRemove()
                    }
                    val ktDownload = {
                        ktDown += timedClean(false) {
                            blocking(30.minutes) { client.downloadFile(dev.bucket, "users/alice/bench-kt.bin", out) }
                        }
                        checkAndRemove()
                    }
                    // Who goes first changes each round: the second of a pair used to write while the first's
                    // gigabyte was still being flushed. And each download's file goes before the next run: on this
                    // VM, writing a gigabyte while the previous one was still on disk took 1.5–1.7 times as long
                    // (twice the system time, copying into fresh page-cache pages), whoever wrote it.
                    if (round % 2 == 0) {
                        cliUpload(); ktUpload(); cliDownload(); ktDownload()
                    } else {
                        ktUpload(); cliUpload(); ktDownload(); cliDownload()
                    }
                }
            }
            val jitDuringRuns = jitMillis() - jitBefore
            val mib = size / 1048576.0
            // Interference on a shared 2-core machine only ever slows a run, so each side's fastest round is the
            // best estimate of its own cost; the rounds' ratios are printed too (they wander by ±10 %).
            val up = cliUp.minOf { it.seconds } / ktUp.minOf { it.seconds }
            val down = cliDown.minOf { it.seconds } / ktDown.minOf { it.seconds }
            val report = buildString {
                appendLine(
                    "bench kotlin: ${"%.0f".format(mib)} MiB, 8 MiB parts, 4 in flight, against ossdirect dev, " +
                        "$rounds rounds, files in $dir",
                )
                fun line(what: String, cli: List<Run>, kt: List<Run>, ratio: Double) {
                    val perRound = cli.zip(kt) { c, k -> "%.2f".format(c.seconds / k.seconds) }
                    appendLine(
                        "  %-8s  best CLI %6.1f MiB/s  Kotlin %6.1f MiB/s   best/best %.2f   ratio per round %s".format(
                            what, mib / cli.minOf { it.seconds }, mib / kt.minOf { it.seconds }, ratio, perRound,
                        ),
                    )
                    appendLine(
                        "  %-8s  CPU s per run (median): CLI %.2f, JVM %.2f".format(
                            "", median(cli.map { it.cpu }), median(kt.map { it.cpu }),
                        ),
                    )
                }
                line("upload", cliUp, ktUp, up)
                line("download", cliDown, ktDown, down)
                appendLine("  JIT compilation during the timed runs: $jitDuringRuns ms")
                appendLine("  JVM peak RSS ${peakRssMiB()} MiB (heap max ${Runtime.getRuntime().maxMemory() / 1048576} MiB)")
            }
            print(report)
            System.getProperty("ossdirect.bench.report")?.let { File(it).writeText(report) }
            assertTrue(up >= 0.95 && down >= 0.95, "the Kotlin API is within 5 % of the CLI:\n$report")
        }
    }

    /** Milliseconds the JIT compilers have spent so far. */
    private fun jitMillis(): Long = ManagementFactory.getCompilationMXBean().totalCompilationTime

    /**
     * Small transfers, untimed, until the JIT has compiled the per-call paths (JNA's structures, the coroutines
     * that carry the SDK's reports): a gigabyte calls them a few hundred times, far from the C2 compiler's
     * thresholds, so without this its compiler threads take CPU from the timed runs (about 0.1 s per run here,
     * a tenth of the transfer's own CPU). An app that has been running is past this point.
     */
    private fun warmUpJit(client: OssClient, dev: DevStack, dir: File) {
        val small = File(dir, "warm-up-small.bin").apply { writeBytes(pattern(WARM_UP_SIZE, 7)) }
        val back = File(dir, "warm-up-small-back.bin")
        blocking(30.minutes) {
            repeat(WARM_UP_TRANSFERS) {
                client.uploadFile(dev.bucket, "users/alice/bench-warm-up.bin", small)
                client.downloadFile(dev.bucket, "users/alice/bench-warm-up.bin", back)
            }
        }
        small.delete()
        back.delete()
    }

    private fun median(values: List<Double>): Double = values.sorted().let { (it[(it.size - 1) / 2] + it[it.size / 2]) / 2 }

    private companion object {
        /** Untimed transfers (each an upload and a download) that warm the JIT up before the timed runs. */
        const val WARM_UP_TRANSFERS = 40

        /** Their size: a multipart upload of four parts. */
        const val WARM_UP_SIZE = 32 * MIB
    }

    /** Timed rounds (`ossdirect.bench.rounds`); each side's fastest counts. */
    private val rounds = System.getProperty("ossdirect.bench.rounds", "8").trim().toInt()
}
