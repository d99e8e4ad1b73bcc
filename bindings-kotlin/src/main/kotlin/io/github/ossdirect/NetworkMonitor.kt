package io.github.ossdirect

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

/**
 * Tells transfers whether the device has a network. With one in [OssConfig.networkMonitor], a transfer that
 * fails for the network ([OssException.Network], [OssException.Timeout]) waits in
 * [TransferState.WaitingForNetwork] and resumes by itself once [available] is `true` again (after a short
 * back-off while the network is up but the server is not reachable).
 *
 * On Android, `ConnectivityNetworkMonitor` follows the `ConnectivityManager`; elsewhere use
 * [ManualNetworkMonitor] or implement this.
 */
interface NetworkMonitor {
    /** Whether a network is available now. */
    val available: StateFlow<Boolean>
}

/** A [NetworkMonitor] the app sets itself (from its own connectivity events, or in tests). */
class ManualNetworkMonitor(initiallyAvailable: Boolean = true) : NetworkMonitor {
    private val state = MutableStateFlow(initiallyAvailable)

    override val available: StateFlow<Boolean> = state.asStateFlow()

    /** Reports the network as available or not. */
    fun set(available: Boolean) {
        state.value = available
    }
}
