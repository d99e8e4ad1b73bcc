#if canImport(SwiftUI)
import DemoCore
import SwiftUI

@main
struct DemoApp: App {
    @StateObject private var store = DemoStore()
    @Environment(\.scenePhase) private var phase

    var body: some Scene {
        WindowGroup {
            TabView {
                TransfersView().tabItem { Label("Transfers", systemImage: "arrow.up.arrow.down") }
                SettingsView().tabItem { Label("Settings", systemImage: "gear") }
            }
            .environmentObject(store)
            .task { await store.launch() }
        }
        .onChange(of: phase) { newPhase in
            if newPhase == .background { Task { await store.model.shutdown() } }
            if newPhase == .active { Task { await store.launch() } }
        }
    }
}

/// Republishes the model for SwiftUI; no logic here.
@MainActor
final class DemoStore: ObservableObject {
    let model: DemoModel
    let settingsStore: SettingsStore
    @Published private(set) var rows: [DemoModel.Row] = []
    @Published var settings: DemoSettings
    @Published var message: String?

    init() {
        let support = (try? FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask,
                                                    appropriateFor: nil, create: true)) ?? FileManager.default.temporaryDirectory
        settingsStore = SettingsStore(directory: support)
        settings = settingsStore.load()
        model = DemoModel(settings: settings, inbox: support.appendingPathComponent("Inbox"))
        model.onChange = { [weak self] in self?.rows = self?.model.rows ?? [] }
    }

    func launch() async {
        guard settings.problems.isEmpty else { return }
        do { try await model.restore() } catch { message = "\(error)" }
    }

    func save() async {
        do {
            try settingsStore.save(settings)
            try await model.apply(settings)
            message = "Saved"
        } catch { message = "\(error)" }
    }

    func run(_ work: @escaping @MainActor () async throws -> Void) {
        Task { do { try await work() } catch { message = "\(error)" } }
    }
}
#endif
