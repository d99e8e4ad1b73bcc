package io.github.ossdirect

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

/** The test fixture itself: `ossdirect dev` starts, answers (tokens and signatures), restarts on the same ports, stops. */
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
            // `/sign` is served: an empty description is a malformed request, not an unknown path.
            val (signStatus, signBody) = DevStack.http(
                "POST", dev.signUrl, "{}",
                mapOf("Authorization" to "Bearer ${dev.bearer("alice")}", "Content-Type" to "application/json"),
            )
            assertEquals(400, signStatus, signBody)
            assertTrue(signBody.contains("InvalidRequest"), signBody)
            val before = dev.ossEndpoint
            dev.restart()
            assertEquals(before, dev.ossEndpoint)
            assertEquals(200, DevStack.http("GET", "${dev.ossEndpoint}/_emulator/stats", null).first)
        }
    }
}
