package org.testigo.tests

import kotlin.system.exitProcess
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

/** Runs the suites (the bindings', then the watcher app's model), prints one line per test and a closing `kotlin: N passed, N failed` line. */
fun main() {
    val core = JUnitCore()
    core.addListener(object : RunListener() {
        private val failed = mutableSetOf<Description>()
        override fun testFailure(failure: Failure) {
            failed.add(failure.description)
            println("FAILED ${failure.description.methodName}: ${failure.message?.take(2000)}")
            println(failure.trace.lines().take(30).joinToString("\n"))
        }
        override fun testFinished(description: Description) {
            if (description !in failed) println("ok     ${description.methodName}")
        }
    })
    val result = core.run(
        BindingsTest::class.java,
        org.testigo.watcher.ModelTest::class.java,
        org.testigo.watcher.WatcherNightTest::class.java,
    )
    val failedCount = result.failureCount
    val passed = result.runCount - failedCount
    println("kotlin: $passed passed, $failedCount failed, ${result.ignoreCount} skipped")
    exitProcess(if (result.wasSuccessful() && result.runCount > 0) 0 else 1)
}
