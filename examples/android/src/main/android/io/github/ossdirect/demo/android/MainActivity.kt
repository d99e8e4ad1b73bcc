package io.github.ossdirect.demo.android

import android.Manifest
import android.app.Activity
import android.content.ClipData
import android.content.ClipboardManager
import android.content.Intent
import android.net.Uri
import android.os.Build
import android.os.Bundle
import android.provider.OpenableColumns
import android.text.InputType
import android.view.View
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ProgressBar
import android.widget.ScrollView
import android.widget.TextView
import android.widget.Toast
import io.github.ossdirect.TransferState
import io.github.ossdirect.UploadSource
import io.github.ossdirect.android.Content
import io.github.ossdirect.demo.CheckResult
import io.github.ossdirect.demo.DemoSettings
import io.github.ossdirect.demo.DemoUiState
import io.github.ossdirect.demo.TransferItem
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/**
 * The demo's one screen, built from platform views (no layouts, no AndroidX): settings, "Pick files", and the
 * transfer list with progress, rate, ETA and per-transfer actions. It renders the view model's state and
 * forwards taps; the work lives in [DemoApp]'s view model and goes on without this `Activity`.
 */
class MainActivity : Activity() {
    private val app get() = application as DemoApp
    private lateinit var fields: Map<String, EditText>
    private lateinit var list: LinearLayout
    private var render: Job? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val root = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; setPadding(32, 32, 32, 32) }
        val settings = app.model.state.value.settings
        fields = linkedMapOf(
            "Token server URL" to settings.tokenUrl,
            "Bearer token" to settings.bearerToken,
            "OSS endpoint" to settings.endpoint,
            "Region" to settings.region,
            "Bucket" to settings.bucket,
            "Prefix" to settings.prefix,
        ).mapValues { (label, value) ->
            EditText(this).apply {
                hint = label
                setText(value)
                inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_URI
                root.addView(this)
            }
        }
        root.addView(button("Save settings") { app.model.saveSettings(readSettings()) })
        root.addView(button("Pick files") { pickFiles() })
        list = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        root.addView(list)
        setContentView(ScrollView(this).apply { addView(root) })
        if (Build.VERSION.SDK_INT >= 33) requestPermissions(arrayOf(Manifest.permission.POST_NOTIFICATIONS), 1)
    }

    override fun onStart() {
        super.onStart()
        render = app.scope.launch { app.model.state.collect { show(it) } }
    }

    override fun onStop() {
        render?.cancel()
        super.onStop()
    }

    private fun readSettings(): DemoSettings {
        val v = fields.values.map { it.text.toString().trim() }
        return DemoSettings(v[0], v[1], v[2], v[3], v[4], v[5], app.model.state.value.settings.signatureVersion)
    }

    private fun pickFiles() {
        val intent = Intent(Intent.ACTION_OPEN_DOCUMENT)
            .addCategory(Intent.CATEGORY_OPENABLE)
            .setType("*/*")
            .putExtra(Intent.EXTRA_ALLOW_MULTIPLE, true)
            .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION or Intent.FLAG_GRANT_PERSISTABLE_URI_PERMISSION)
        @Suppress("DEPRECATION")
        startActivityForResult(intent, PICK)
    }

    @Deprecated("platform Activity result API")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        @Suppress("DEPRECATION")
        super.onActivityResult(requestCode, resultCode, data)
        if (requestCode != PICK || resultCode != RESULT_OK || data == null) return
        val uris = data.clipData?.let { clip -> (0 until clip.itemCount).map { clip.getItemAt(it).uri } }
            ?: listOfNotNull(data.data)
        for (uri in uris) upload(uri)
    }

    private fun upload(uri: Uri) {
        val name = displayName(uri)
        try {
            // The document's descriptor goes to the SDK: no copy; the persistable grant lets it resume later.
            // Opened only once the settings allow an upload (nothing to release otherwise).
            val id = app.model.upload(name) { UploadSource.Content(this, uri) } ?: return
            app.contents.remember(id, uri)
        } catch (e: Exception) {
            Toast.makeText(this, "$name: ${e.message}", Toast.LENGTH_LONG).show()
        }
    }

    private fun displayName(uri: Uri): String =
        contentResolver.query(uri, arrayOf(OpenableColumns.DISPLAY_NAME), null, null, null)?.use {
            if (it.moveToFirst()) it.getString(0) else null
        } ?: uri.lastPathSegment ?: "file"

    private fun show(ui: DemoUiState) {
        ui.message?.let {
            Toast.makeText(this, it, Toast.LENGTH_SHORT).show()
            app.model.messageShown()
        }
        list.removeAllViews()
        for (item in ui.transfers) list.addView(row(item))
    }

    private fun row(item: TransferItem): View {
        val row = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; setPadding(0, 24, 0, 24) }
        row.addView(TextView(this).apply { text = item.name })
        row.addView(
            ProgressBar(this, null, android.R.attr.progressBarStyleHorizontal).apply {
                max = 1000
                progress = (item.state.progress.fraction * 1000).toInt()
                isIndeterminate = item.state is TransferState.Queued
            },
        )
        row.addView(TextView(this).apply { text = item.summary })
        val actions = LinearLayout(this).apply { orientation = LinearLayout.HORIZONTAL }
        when (val s = item.state) {
            is TransferState.Running, is TransferState.Queued, is TransferState.WaitingForNetwork ->
                actions.addView(button("Pause") { app.model.pause(item.id) })
            is TransferState.Paused, is TransferState.Failed ->
                actions.addView(button("Resume") { app.model.resume(item.id) })
            is TransferState.Completed -> {
                app.contents.forget(item.id)
                actions.addView(button("Link") { app.model.shareLink(item.id) })
                actions.addView(button("Check") { app.model.checkDownload(item.id) })
                item.link?.let { link ->
                    actions.addView(button("Copy") { copy(link) })
                    actions.addView(button("Share") { share(link) })
                }
                row.addView(TextView(this).apply { text = "CRC-64 ${s.result.crc64}" })
            }
            is TransferState.Cancelled -> {}
        }
        if (!item.state.isTerminal || item.state is TransferState.Failed) {
            actions.addView(button("Cancel") { app.model.cancel(item.id) { app.contents.forget(it) } })
        }
        item.check?.let { check ->
            row.addView(
                TextView(this).apply {
                    text = when (check) {
                        CheckResult.Checking -> "downloading back…"
                        is CheckResult.Matches -> "downloaded back: same size and CRC-64"
                        is CheckResult.Differs -> "check failed: ${check.reason}"
                    }
                },
            )
        }
        row.addView(actions)
        return row
    }

    private fun copy(link: String) {
        getSystemService(ClipboardManager::class.java).setPrimaryClip(ClipData.newPlainText("link", link))
        Toast.makeText(this, "link copied", Toast.LENGTH_SHORT).show()
    }

    private fun share(link: String) {
        val send = Intent(Intent.ACTION_SEND).setType("text/plain").putExtra(Intent.EXTRA_TEXT, link)
        startActivity(Intent.createChooser(send, "Share link"))
    }

    private fun button(label: String, onClick: () -> Unit) = Button(this).apply {
        text = label
        setOnClickListener { onClick() }
    }

    private companion object {
        const val PICK = 42
    }
}
