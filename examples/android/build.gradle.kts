// The demo app: platform views and coroutines only (no AndroidX), the same sources Maven compiles here
// against android-all, whose logic (src/main/kotlin) is tested on the JVM and whose Activity and Service
// (src/main/android) run under Robolectric (src/test/android, in pom.xml).
plugins {
    id("com.android.application") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.4.21"
}

android {
    namespace = "io.github.ossdirect.demo"
    compileSdk = 35
    defaultConfig {
        applicationId = "io.github.ossdirect.demo"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }
    sourceSets["main"].kotlin.srcDirs("src/main/kotlin", "src/main/android")
    buildTypes {
        release {
            isMinifyEnabled = true // exercises the library's consumer R8 rules
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
            signingConfig = signingConfigs.getByName("debug")
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    implementation(project(":ossdirect-android"))
}
