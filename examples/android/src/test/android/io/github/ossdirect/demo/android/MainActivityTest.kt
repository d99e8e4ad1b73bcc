package io.github.ossdirect.demo.android

import android.Manifest
import android.app.Activity
import android.app.Notification
import android.app.NotificationManager
import android.content.ClipData
import android.content.ClipboardManager
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import io.github.ossdirect.DevStack
import io.github.ossdirect.demo.DemoSettings
import io.github.ossdirect.demo.FileSettingsStore
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowToast
import java.io.File
import java.net.URI
import java.nio.file.Files
import kotlin.random.Random

/**
 * The demo's Android classes on Robolectric (API 34), against a real `ossdirect dev`: [MainActivity]'s screen
 * (settings, the document picker's result, the transfer list and its buttons, recreation) and [TransferService]
 * (the foreground notification while transfers move). Documents come from a [FileDocumentsProvider], uploads go
 * through the real native library; the main looper is run by hand (Robolectric's paused looper). No manifest is
 * read (Gradle's merged one does not exist here): the application class is named in [Config].
 */
@RunWith(RobolectricTestRunner::class)
@Config(
    sdk = [34],
    manifest = Config.NONE,
    application = DemoApp::class,
    shadows = [ShadowDetachableParcelFileDescriptor::class],
)
class MainActivityTest {
    private lateinit var dev: DevStack
    private lateinit var documents: File
    private val app get() = RuntimeEnvironment.getApplication() as DemoApp

    @Before
    fun start() {
        dev = DevStack.start()
        documents = Files.createTempDirectory("ossdirect-documents").toFile()
        Robolectric.setupContentProvider(FileDocumentsProvider::class.java, FileDocumentsProvider.AUTHORITY)
            .directory = documents
    }

    @After
    fun stop() {
        app.model.close()
        dev.close()
        documents.deleteRecursively()
    }

    @Test
    fun `settings are saved and restored, picked documents upload and show in the list, link and check work`() {
        val controller = Robolectric.buildActivity(MainActivity::class.java).setup()
        var activity = controller.get()
        assertEquals(
            listOf("Token server URL", "Bearer token", "OSS endpoint", "Region", "Bucket", "Prefix"),
            activity.fields().map { it.hint.toString() },
        )
        assertEquals(listOf("", "", "", "cn-hangzhou", "", ""), activity.fields().map { it.text.toString() })
        val permissions = shadowOf(activity).lastRequestedPermission
        assertNotNull("notifications permission asked for", permissions)
        assertTrue(Manifest.permission.POST_NOTIFICATIONS in permissions.requestedPermissions)

        // Nothing uploads before the settings are complete.
        val early = document("early.bin", 10)
        activity.pick(early)
        runMainLooper()
        assertEquals("fill in the settings first", ShadowToast.getTextOfLatestToast())
        assertEquals(emptyList<String>(), activity.rowNames())

        val settings = settings()
        activity.enter(settings)
        activity.click("Save settings")
        runMainLooper()
        assertEquals("settings saved", ShadowToast.getTextOfLatestToast())
        assertEquals(settings, FileSettingsStore(File(app.noBackupFilesDir, "demo-settings.properties")).load())

        // Two documents picked at once (ClipData): a multipart upload and a single PUT.
        val photo = document("photo.jpg", 9 * 1024 * 1024 + 7)
        val notes = document("notes.txt", 1000)
        activity.pick(photo, notes)
        val uris = listOf(photo, notes).map { FileDocumentsProvider.uriOf(it) }
        assertTrue(
            "persistable read grants taken, for resuming after process death",
            app.persistedUris().containsAll(uris),
        )
        runMainLooper()
        assertEquals(listOf("photo.jpg", "notes.txt"), activity.rowNames())
        for (name in listOf("photo.jpg", "notes.txt")) {
            val done = awaitRow(activity, name) { it.texts().any { t -> t.startsWith("done · ") } }
            assertTrue(done.texts().toString(), done.texts().any { it.startsWith("CRC-64 ") })
            assertEquals(listOf("Link", "Check"), done.buttons())
        }
        assertTrue("grants released once the uploads are done", app.persistedUris().none { it in uris })

        // The link serves what was uploaded; the download-back check matches.
        row(activity, "photo.jpg").click("Link")
        awaitRow(activity, "photo.jpg") { "Copy" in it.buttons() }.click("Copy")
        runMainLooper()
        assertEquals("link copied", ShadowToast.getTextOfLatestToast())
        val link = app.getSystemService(ClipboardManager::class.java).primaryClip?.getItemAt(0)?.text.toString()
        assertTrue(link, link.contains("users/alice/robolectric/photo.jpg"))
        assertArrayEquals(photo.readBytes(), URI(link).toURL().openStream().use { it.readBytes() })
        row(activity, "photo.jpg").click("Check")
        awaitRow(activity, "photo.jpg") { "downloaded back: same size and CRC-64" in it.texts() }

        // A new Activity (rotation): the settings and the list come back from the application's view model.
        controller.recreate()
        activity = controller.get()
        assertEquals(settings.fieldValues(), activity.fields().map { it.text.toString() })
        runMainLooper()
        assertEquals(listOf("photo.jpg", "notes.txt"), activity.rowNames())
        assertEquals(listOf("Link", "Check", "Copy", "Share"), row(activity, "photo.jpg").buttons())
        assertTrue("downloaded back: same size and CRC-64" in row(activity, "photo.jpg").texts())
    }

    @Test
    fun `a moving upload keeps the transfer service in the foreground, pause stops it, resume brings it back`() {
        val activity = Robolectric.buildActivity(MainActivity::class.java).setup().get()
        activity.enter(settings())
        activity.click("Save settings")
        // Four parts, all in flight at once, each held a minute by the server: the upload is still moving when
        // Pause is clicked, however slowly Robolectric builds the service on a loaded machine (a pause stops the
        // parts in flight); the hold is lifted before the resume.
        dev.addFaults("op=UploadPart,kind=delay,ms=60000")
        val video = document("video.mp4", 24 * 1024 * 1024 + 1)
        activity.pick(video)
        runMainLooper()

        val started = shadowOf(app).nextStartedService
        assertNotNull("the application starts the service while a transfer moves", started)
        assertEquals(TransferService::class.java.name, started.component?.className)
        val controller = Robolectric.buildService(TransferService::class.java, started).create().startCommand(0, 1)
        val service = controller.get()
        runMainLooper()
        val foreground = shadowOf(service)
        assertEquals(1, foreground.lastForegroundNotificationId)
        assertEquals(ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC, service.foregroundServiceType)
        val notifications = shadowOf(app.getSystemService(NotificationManager::class.java))
        assertEquals("transfers", notifications.getNotification(1).channelId)
        assertEquals("1 transfer(s)", notifications.getNotification(1).title())

        row(activity, "video.mp4").click("Pause")
        awaitRow(activity, "video.mp4") { "Resume" in it.buttons() }
        awaitMain({ "the service to stop itself" }) { foreground.isStoppedBySelf }
        assertTrue(foreground.isForegroundStopped)
        assertNull("notification removed", notifications.getNotification(1))
        assertNull("no start of the service left over", shadowOf(app).peekNextStartedService())
        controller.destroy()

        dev.clearFaults()
        row(activity, "video.mp4").click("Resume")
        awaitMain({ "the service to be started again" }) { shadowOf(app).peekNextStartedService() != null }
        assertEquals(TransferService::class.java.name, shadowOf(app).nextStartedService.component?.className)
        val done = awaitRow(activity, "video.mp4") { it.texts().any { t -> t.startsWith("done · 24.0 MiB") } }
        assertEquals(listOf("Link", "Check"), done.buttons())
        assertFalse("a finished transfer needs no service", app.model.busy.value)
    }

    private fun settings() = DemoSettings(
        tokenUrl = dev.tokenUrl,
        bearerToken = dev.bearer("alice"),
        endpoint = dev.ossEndpoint,
        region = dev.region,
        bucket = dev.bucket,
        prefix = "users/alice/robolectric/",
    )

    private fun DemoApp.persistedUris() = contentResolver.persistedUriPermissions.map { it.uri }

    private fun document(name: String, size: Int) =
        File(documents, name).apply { writeBytes(Random(size).nextBytes(size)) }

    // --- the screen, as a person sees it: views found by their hints, labels and texts ---

    private fun View.descendants(): Sequence<View> = sequence {
        yield(this@descendants)
        if (this@descendants is ViewGroup) {
            for (i in 0 until childCount) yieldAll(getChildAt(i).descendants())
        }
    }

    private fun Activity.views() = window.decorView.descendants()

    private fun Activity.fields() = views().filterIsInstance<EditText>().toList()

    /** The settings in the order of the screen's fields. */
    private fun DemoSettings.fieldValues() = listOf(tokenUrl, bearerToken, endpoint, region, bucket, prefix)

    private fun Activity.enter(settings: DemoSettings) {
        fields().zip(settings.fieldValues()).forEach { (field, value) -> field.setText(value) }
    }

    private fun Activity.click(label: String) {
        val button = views().filterIsInstance<Button>().singleOrNull { it.text.toString() == label }
        checkNotNull(button) { "no \"$label\" button" }
        assertTrue(button.performClick())
    }

    /** Taps "Pick files" and answers the document picker with [files]. */
    private fun Activity.pick(vararg files: File) {
        click("Pick files")
        val request = checkNotNull(shadowOf(this).nextStartedActivityForResult) { "the document picker was not opened" }
        val intent = request.intent
        assertEquals(Intent.ACTION_OPEN_DOCUMENT, intent.action)
        assertTrue(intent.hasCategory(Intent.CATEGORY_OPENABLE))
        assertTrue(intent.getBooleanExtra(Intent.EXTRA_ALLOW_MULTIPLE, false))
        assertTrue(intent.flags and Intent.FLAG_GRANT_PERSISTABLE_URI_PERMISSION != 0)
        val uris = files.map { FileDocumentsProvider.uriOf(it) }
        val result = Intent()
        if (uris.size == 1) {
            result.data = uris[0]
        } else {
            val clip = ClipData.newRawUri("documents", uris[0])
            uris.drop(1).forEach { clip.addItem(ClipData.Item(it)) }
            result.clipData = clip
        }
        result.addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION or Intent.FLAG_GRANT_PERSISTABLE_URI_PERMISSION)
        shadowOf(this).receiveResult(intent, Activity.RESULT_OK, result)
    }

    /** The transfer list's rows: each starts with the document's name. */
    private fun Activity.rows(): List<ViewGroup> {
        val pickFiles = views().filterIsInstance<Button>().single { it.text.toString() == "Pick files" }
        val root = pickFiles.parent as ViewGroup
        val list = root.getChildAt(root.indexOfChild(pickFiles) + 1) as ViewGroup
        return (0 until list.childCount).map { list.getChildAt(it) as ViewGroup }
    }

    private fun Activity.rowNames() = rows().map { it.texts().first() }

    private fun row(activity: Activity, name: String): ViewGroup {
        return checkNotNull(activity.rows().firstOrNull { it.texts().first() == name }) {
            "no row for $name in ${activity.rowNames()}"
        }
    }

    private fun ViewGroup.texts() =
        descendants().filterIsInstance<TextView>().filter { it !is Button }.map { it.text.toString() }.toList()

    private fun ViewGroup.buttons() = descendants().filterIsInstance<Button>().map { it.text.toString() }.toList()

    private fun ViewGroup.click(label: String) {
        val button = descendants().filterIsInstance<Button>().singleOrNull { it.text.toString() == label }
        checkNotNull(button) { "no \"$label\" button in ${texts()}" }
        assertTrue(button.performClick())
    }

    private fun Notification.title() = extras.getCharSequence(Notification.EXTRA_TITLE)?.toString()

    // --- time: the SDK works on its own threads and posts to the main looper, which the test runs ---

    private fun runMainLooper() = shadowOf(Looper.getMainLooper()).idle()

    private fun awaitMain(what: () -> String, timeoutMillis: Long = 60_000, done: () -> Boolean) {
        val deadline = System.currentTimeMillis() + timeoutMillis
        while (true) {
            runMainLooper()
            if (done()) return
            check(System.currentTimeMillis() < deadline) { "timed out waiting for ${what()}" }
            Thread.sleep(10)
        }
    }

    /** Waits until [name]'s row satisfies [condition] (it is rebuilt on every change) and returns it. */
    private fun awaitRow(activity: Activity, name: String, condition: (ViewGroup) -> Boolean): ViewGroup {
        var last: List<String> = emptyList()
        awaitMain({ "$name's row (last seen: $last)" }) {
            val row = activity.rows().firstOrNull { it.texts().first() == name }
            last = row?.texts().orEmpty() + row?.buttons().orEmpty()
            row != null && condition(row)
        }
        return row(activity, name)
    }
}
