// The ossdirect Android demo app, for developer machines with the Android SDK.
// Build the library first (`cargo xtask aar`); this build includes it from ../../bindings-kotlin/android.
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
rootProject.name = "ossdirect-demo"
include(":ossdirect-android")
project(":ossdirect-android").projectDir = file("../../bindings-kotlin/android")
