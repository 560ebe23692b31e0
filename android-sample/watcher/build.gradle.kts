// Everything below the screens, in plain Kotlin: the model the screens draw, the capture flow,
// the sync scheduler's rules, messages in four languages, the PIN and the wipe. It compiles the
// generated bindings (bindings/out/kotlin, made by bindings/generate.sh) into itself; JNA comes
// from the app at run time (its Android AAR), so it is only compiled against here.
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
}

sourceSets {
    main {
        kotlin.srcDir("../../bindings/out/kotlin")
    }
    // The JUnit suite needs a real `testigo serve` and the host library: it runs with
    // `bindings/test-kotlin.sh` (make test-kotlin), not with Gradle.
}

dependencies {
    compileOnly(libs.jna)
    api(libs.coroutines.core)
}
