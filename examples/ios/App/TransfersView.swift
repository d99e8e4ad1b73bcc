#if canImport(SwiftUI)
import DemoCore
import PhotosUI
import SwiftUI

struct TransfersView: View {
    @EnvironmentObject var store: DemoStore
    @State private var picked: [PhotosPickerItem] = []
    @State private var importing = false

    var body: some View {
        NavigationStack {
            List(store.rows) { row in TransferRowView(row: row) }
                .navigationTitle("Transfers")
                .toolbar {
                    PhotosPicker(selection: $picked, matching: .any(of: [.images, .videos])) {
                        Image(systemName: "photo.on.rectangle")
                    }
                    Button { importing = true } label: { Image(systemName: "doc") }
                }
                .onChange(of: picked) { items in
                    for item in items {
                        store.run {
                            // Photos and videos arrive as data; the model writes them to a file before uploading.
                            if let data = try await item.loadTransferable(type: Data.self) {
                                let name = item.itemIdentifier.map { "\($0.replacingOccurrences(of: "/", with: "_"))" }
                                    ?? UUID().uuidString
                                try store.model.upload(data: data, name: name)
                            }
                        }
                    }
                    picked = []
                }
                .fileImporter(isPresented: $importing, allowedContentTypes: [.item], allowsMultipleSelection: true) { result in
                    guard case .success(let urls) = result else { return }
                    for url in urls {
                        store.run {
                            let scoped = url.startAccessingSecurityScopedResource()
                            defer { if scoped { url.stopAccessingSecurityScopedResource() } }
                            try store.model.upload(fileURL: url)
                        }
                    }
                }
        }
    }
}

struct TransferRowView: View {
    @EnvironmentObject var store: DemoStore
    let row: DemoModel.Row

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text(row.name).font(.headline)
            ProgressView(value: row.fraction)
            HStack {
                Text(row.progressText)
                Spacer()
                Text(row.detailText)
            }.font(.caption).foregroundStyle(.secondary)
            if let error = row.error { Text(error).font(.caption).foregroundStyle(.red) }
            HStack {
                if row.canPause { Button("Pause") { store.model.pause(row.id) } }
                if row.canResume { Button("Resume") { store.model.resume(row.id) } }
                if row.canCancel { Button("Cancel", role: .destructive) { store.run { await store.model.cancel(row.id) } } }
                if row.state == .completed && row.kind == .upload {
                    if let url = row.shareURL {
                        ShareLink(item: url)
                    } else {
                        Button("Link") { store.run { _ = try await store.model.shareLink(row.id) } }
                    }
                    Button(row.verified == true ? "Verified" : "Check") {
                        store.run { _ = try await store.model.verifyDownload(row.id) }
                    }
                }
            }.buttonStyle(.borderless)
        }
    }
}
#endif
