// The watcher's Android app: thin Compose screens over `:watcher`, CameraX for the acta and the
// enrollment QR, WorkManager for background sync, Android Keystore for the keys. The Rust library
// is built per ABI by cargo-ndk and its Kotlin bindings generated, both from this build.
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

val repoRoot: File = rootDir.parentFile
val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val jniLibsDir = layout.buildDirectory.dir("rust/jniLibs")

android {
    namespace = "org.testigo.sample"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.testigo.sample"
        // Android 8: the oldest the low-end phones watchers carry still run.
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        ndk { abiFilters += abis }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    buildFeatures { compose = true }
    sourceSets["main"].jniLibs.srcDir(jniLibsDir)
    packaging { jniLibs { useLegacyPackaging = false } }
}

// The Rust library for each ABI (needs the Android NDK, `cargo install cargo-ndk` and
// `rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android`), built
// with the `phone` profile (root Cargo.toml: fat LTO in one codegen unit, the smallest library),
// then copied into the jniLibs layout from cargo's own output.
val abiTriples = mapOf(
    "arm64-v8a" to "aarch64-linux-android",
    "armeabi-v7a" to "armv7-linux-androideabi",
    "x86_64" to "x86_64-linux-android",
)
val cargoTargetDir: File = System.getenv("CARGO_TARGET_DIR")?.let(::File) ?: File(repoRoot, "target")

val cargoNdk by tasks.registering(Exec::class) {
    workingDir = repoRoot
    val args = mutableListOf("cargo", "ndk")
    abis.forEach { args += listOf("-t", it) }
    // Android has no libcrypto for SQLCipher to link: OpenSSL is built from source (`vendored-openssl`).
    args += listOf("build", "--profile", "phone", "--locked", "-p", "testigo-ffi", "--features", "vendored-openssl")
    commandLine(args)
    inputs.dir(File(repoRoot, "core/src"))
    inputs.dir(File(repoRoot, "protocol/src"))
    inputs.dir(File(repoRoot, "bindings/src"))
    outputs.files(abis.map { File(cargoTargetDir, "${abiTriples.getValue(it)}/phone/libtestigo_ffi.so") })
}

val rustJniLibs by tasks.registering(Copy::class) {
    dependsOn(cargoNdk)
    abis.forEach { abi ->
        from(File(cargoTargetDir, "${abiTriples.getValue(abi)}/phone/libtestigo_ffi.so")) { into(abi) }
    }
    into(jniLibsDir)
}

// The Kotlin bindings `:watcher` compiles (bindings/out/kotlin), generated from the host library.
val generateBindings by tasks.registering(Exec::class) {
    workingDir = repoRoot
    commandLine("bindings/generate.sh")
    inputs.dir(File(repoRoot, "bindings/src"))
    outputs.dir(File(repoRoot, "bindings/out/kotlin"))
}

tasks.named("preBuild") { dependsOn(rustJniLibs) }
project(":watcher").tasks.matching { it.name == "compileKotlin" }.configureEach { dependsOn(generateBindings) }

dependencies {
    implementation(project(":watcher"))
    implementation("${libs.jna.get()}@aar")
    implementation(libs.coroutines.android)
    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.material3)
    implementation(libs.activity.compose)
    // FileProvider (sealed files to share), ContextCompat.registerReceiver, IntentCompat.
    implementation(libs.core.ktx)
    implementation(libs.lifecycle.runtime.compose)
    implementation(libs.lifecycle.process)
    implementation(libs.camera.camera2)
    implementation(libs.camera.lifecycle)
    implementation(libs.camera.view)
    implementation(libs.work.runtime)
    implementation(libs.zxing.core)
}
