package io.github.ossdirect.demo.android

import org.robolectric.internal.dependency.DependencyResolver
import org.robolectric.pluginapi.Sdk
import org.robolectric.plugins.DefaultSdkProvider
import java.util.TreeMap
import javax.annotation.Priority
import javax.inject.Inject

/**
 * Robolectric knows only API 34 here, the one instrumented Android jar Maven copies for it: by default it also
 * loads the newest SDK it can run (API 35) for its framework resources, whatever the test's SDK, which would mean
 * a second instrumented jar. Registered in `META-INF/services/org.robolectric.pluginapi.SdkProvider`; its priority
 * puts it before Robolectric's own provider.
 */
@Priority(1)
class Api34SdkProvider @Inject constructor(resolver: DependencyResolver) : DefaultSdkProvider(resolver) {
    override fun populateSdks(knownSdks: TreeMap<Int, Sdk>) {
        super.populateSdks(knownSdks)
        knownSdks.keys.retainAll(setOf(API))
    }

    private companion object {
        const val API = 34
    }
}
