package io.github.ossdirect

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

/** The test fixture itself: `ossdirect dev` starts, answers, restarts on the same ports, stops. */
class DevStackTest {
    @Test
    @Timeout(120)
    fun startsRestartsAndStops() {
        DevStack.start().use { dev ->
            assertTrue(dev.ossEndpoint.startsWith("http://127.0.0.1:"))
            val (status, body) = DevStack.http(
                "GET", dev.tokenUrl, null, mapOf("Authorization" to "Bearer ${dev.bearer("alice")}"),
            )
            assertEquals(200, status, body)
            val before = dev.ossEndpoint
            dev.restart()
            assertEquals(before, dev.ossEndpoint)
            assertEquals(200, DevStack.http("GET", "${dev.ossEndpoint}/_emulator/stats", null).first)
        }
    }
}
