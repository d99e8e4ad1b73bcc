// io.github.ossdirect:ossdirect-android, the AAR. One Kotlin module: the idiomatic layer
// (../src/main/kotlin), the UniFFI bindings generated for Android (target/bindings/kotlin-android,
// by `cargo xtask aar`), and the Android helpers (src/main/kotlin). The .so files for arm64-v8a,
// armeabi-v7a and x86_64 come from cargo-ndk into src/main/jniLibs, linked for 16 KB pages.
plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.4.21"
    id("maven-publish")
}

group = "io.github.ossdirect"
version = "0.1.0"

android {
    namespace = "io.github.ossdirect"
    compileSdk = 35
    defaultConfig {
        // 24 (Android 7.0): JNA >= 5.15 crashes below Android 7, and registerDefaultNetworkCallback is API 24.
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].apply {
        kotlin.srcDirs("../src/main/kotlin", "../../target/bindings/kotlin-android", "src/main/kotlin")
        jniLibs.srcDirs("src/main/jniLibs")
    }
    packaging {
        // Keep symbols so crash reports are readable (stripped when the app is packaged, if it wants).
        jniLibs.keepDebugSymbols += "**/libossdirect_ffi.so"
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    publishing {
        singleVariant("release") { withSourcesJar() }
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // @aar: JNA's Android build with its own libjnidispatch.so per ABI; 5.17+ is aligned for 16 KB pages.
    api("net.java.dev.jna:jna:5.19.1@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
}

publishing {
    publications {
        register<MavenPublication>("release") {
            artifactId = "ossdirect-android"
            afterEvaluate { from(components["release"]) }
        }
    }
}
