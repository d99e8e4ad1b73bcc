// The Android library (AAR) of ossdirect, for developer machines with the Android SDK and NDK.
// `cargo xtask aar` builds the native libraries (cargo-ndk) and the bindings, then runs Gradle here.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "ossdirect-android"
