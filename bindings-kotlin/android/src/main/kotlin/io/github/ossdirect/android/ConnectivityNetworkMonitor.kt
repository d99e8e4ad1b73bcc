package io.github.ossdirect.android

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import android.net.NetworkCapabilities
import io.github.ossdirect.NetworkMonitor
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

/**
 * A [NetworkMonitor] that follows the `ConnectivityManager`'s default network: transfers that fail for the
 * network wait in `WaitingForNetwork` and resume when a network with Internet access is back.
 *
 * Needs `android.permission.ACCESS_NETWORK_STATE` (declared by the library's manifest). [close] unregisters
 * the callback; one monitor for the whole app (e.g. in the `Application`) is enough.
 */
class ConnectivityNetworkMonitor(context: Context) : NetworkMonitor, AutoCloseable {
    private val manager = context.applicationContext.getSystemService(ConnectivityManager::class.java)
    private val state = MutableStateFlow(currentlyAvailable())

    override val available: StateFlow<Boolean> = state.asStateFlow()

    private val callback = object : ConnectivityManager.NetworkCallback() {
        override fun onAvailable(network: Network) {
            state.value = true
        }

        override fun onCapabilitiesChanged(network: Network, capabilities: NetworkCapabilities) {
            state.value = capabilities.hasCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET)
        }

        override fun onLost(network: Network) {
            state.value = currentlyAvailable()
        }

        override fun onUnavailable() {
            state.value = false
        }
    }

    init {
        manager.registerDefaultNetworkCallback(callback)
    }

    private fun currentlyAvailable(): Boolean {
        val network = manager.activeNetwork ?: return false
        val capabilities = manager.getNetworkCapabilities(network) ?: return false
        return capabilities.hasCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET)
    }

    /** Unregisters from the `ConnectivityManager` (idempotent). */
    override fun close() {
        try {
            manager.unregisterNetworkCallback(callback)
        } catch (_: IllegalArgumentException) {
            // already unregistered
        }
    }
}
