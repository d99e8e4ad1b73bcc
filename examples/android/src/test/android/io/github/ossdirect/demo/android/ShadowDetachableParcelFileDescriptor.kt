package io.github.ossdirect.demo.android

import android.os.ParcelFileDescriptor
import com.sun.jna.Library
import com.sun.jna.Native
import org.robolectric.annotation.Implementation
import org.robolectric.annotation.Implements
import org.robolectric.shadows.ShadowParcelFileDescriptor
import java.io.IOException

/**
 * Robolectric's `ParcelFileDescriptor` with a working `detachFd()`, which the demo's `content://` uploads use
 * (`UploadSource.Content` hands the document's descriptor to the SDK). Robolectric 4.14 keeps the open file in
 * the shadow, apart from the `FileDescriptor` Android's own `detachFd()` reads (which then fails on the JVM).
 * As on Android, the caller gets a descriptor of its own (a `dup(2)` of the shadow's) and this one is closed.
 */
@Implements(ParcelFileDescriptor::class)
class ShadowDetachableParcelFileDescriptor : ShadowParcelFileDescriptor() {
    /** A descriptor of the same open file that the caller owns; this object is closed. */
    @Implementation
    protected fun detachFd(): Int {
        val detached = LibC.INSTANCE.dup(getFd())
        if (detached < 0) throw IOException("dup failed: errno ${Native.getLastError()}")
        close()
        return detached
    }

    /** The one libc call needed. */
    private interface LibC : Library {
        /** `dup(2)`. */
        fun dup(fd: Int): Int

        companion object {
            val INSTANCE: LibC = Native.load("c", LibC::class.java)
        }
    }
}
