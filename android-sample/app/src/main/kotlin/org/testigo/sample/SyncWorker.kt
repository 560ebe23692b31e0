package org.testigo.sample

import android.content.Context
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import java.time.Duration
import java.util.concurrent.TimeUnit
import org.testigo.watcher.NextSync
import org.testigo.watcher.Scheduler

/**
 * The background sync: one unique WorkManager job with a network constraint, replaced each time
 * the model decides when the next run should be ([org.testigo.watcher.SyncPolicy]).
 */
class WorkScheduler(private val context: Context) : Scheduler {
    override fun schedule(next: NextSync) {
        val work = WorkManager.getInstance(context)
        when (next) {
            is NextSync.WhenOnline -> {
                val delay = (next.atMs - System.currentTimeMillis()).coerceAtLeast(0)
                val request = OneTimeWorkRequestBuilder<SyncWorker>()
                    .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                    .setInitialDelay(delay, TimeUnit.MILLISECONDS)
                    .build()
                work.enqueueUniqueWork(UNIQUE, ExistingWorkPolicy.REPLACE, request)
            }
            NextSync.None, NextSync.Enroll -> work.cancelUniqueWork(UNIQUE)
        }
    }

    private companion object {
        const val UNIQUE = "testigo-sync"
    }
}

/**
 * One background run within WorkManager's budget; the model plans the next one itself. When
 * WorkManager stops the job (the network went, the budget ended), it cancels this coroutine,
 * and the model cancels the core's sync at once (see `Watcher.syncInBackground`).
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    private val watcher = (context.applicationContext as WatcherApp).watcher

    override suspend fun doWork(): Result {
        watcher.syncInBackground(Duration.ofMinutes(9))
        return Result.success()
    }
}
