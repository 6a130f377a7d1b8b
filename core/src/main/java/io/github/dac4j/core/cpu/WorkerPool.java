package io.github.dac4j.core.cpu;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of worker threads for the CPU backend's ops: one pool for the decoder's life instead of a
 * parallel stream per op. Tasks are claimed from a shared counter; which worker runs a task never changes its
 * result, so the output is the same with any number of threads.
 */
final class WorkerPool implements AutoCloseable {
    /** Body of a parallel loop: task index, and the worker's id in [0, threads) for its scratch. */
    interface Task {
        void run(int worker, int task);
    }

    private final int threads;
    private final ExecutorService pool;

    WorkerPool(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = this.threads == 1 ? null : Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread t = new Thread(r, "dac4j-cpu");
            t.setDaemon(true);
            return t;
        });
    }

    int threads() { return threads; }

    /** Runs tasks [0, count) on the workers and the calling thread; returns when all are done. */
    void forEach(int count, Task body) {
        if (pool == null || count <= 1) {
            for (int i = 0; i < count; i++) body.run(0, i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        int helpers = Math.min(threads - 1, count - 1);
        Future<?>[] futures = new Future<?>[helpers];
        for (int w = 0; w < helpers; w++) {
            int worker = w + 1;
            futures[w] = pool.submit(() -> drain(next, count, worker, body));
        }
        Throwable failure = null;
        try {
            drain(next, count, 0, body);
        } catch (RuntimeException | Error e) {
            failure = e;
            next.set(count);
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) failure = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) failure = e;
            }
        }
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new IllegalStateException(failure);
    }

    private static void drain(AtomicInteger next, int count, int worker, Task body) {
        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) body.run(worker, i);
    }

    @Override public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
