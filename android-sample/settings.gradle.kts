// The watcher's Android app. `:watcher` is plain Kotlin (everything below the screens, tested on
// the JVM by bindings/test-kotlin.sh); `:app` is the Android app (Compose, CameraX, WorkManager).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "testigo-android-sample"
include(":app", ":watcher")
