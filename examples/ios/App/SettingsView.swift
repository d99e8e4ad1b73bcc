#if canImport(SwiftUI)
import DemoCore
import SwiftUI

struct SettingsView: View {
    @EnvironmentObject var store: DemoStore

    var body: some View {
        NavigationStack {
            Form {
                Section("Token server") {
                    TextField("Token URL (…/sts-token)", text: $store.settings.tokenServerURL).textInputAutocapitalization(.never)
                    SecureField("Bearer token", text: $store.settings.bearerToken)
                }
                Section("OSS") {
                    TextField("Endpoint", text: $store.settings.endpoint).textInputAutocapitalization(.never)
                    TextField("Region", text: $store.settings.region).textInputAutocapitalization(.never)
                    TextField("Bucket", text: $store.settings.bucket).textInputAutocapitalization(.never)
                    TextField("Prefix (users/alice/)", text: $store.settings.prefix).textInputAutocapitalization(.never)
                }
                ForEach(store.settings.problems, id: \.self) { Text($0).foregroundStyle(.red) }
                Button("Save") { Task { await store.save() } }.disabled(!store.settings.problems.isEmpty)
                if let m = store.message { Text(m).font(.footnote) }
            }
            .navigationTitle("Settings")
        }
    }
}
#endif
