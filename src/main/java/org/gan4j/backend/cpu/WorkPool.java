package org.gan4j.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's threads: the calling thread and {@code threads - 1} parked workers run one loop at a time, cut
 * into chunks that each thread claims, its own share first (see {@link Job}), then whatever is left of the others'.
 *
 * <p>Why chunks claimed, not one fixed range per thread: waking a parked worker takes 16 us at the median on the
 * project's 2-core VM, 45-70 us at the 90th percentile and over 300 us at the 99th after an idle spell, longer than
 * many loops of a small batch last. With fixed ranges the calling thread finished its half and then waited for the
 * worker to wake and do the other half, so a second thread made small batches slower (dcgan28 at batch 2: 0.72-0.85x
 * one thread's speed). Here the calling thread never waits for a worker to wake: it starts at once and takes whatever
 * the worker has not claimed yet, so a late worker costs nothing but the wake-up call (about 0.5 us per loop), and it
 * waits only for chunks a worker has already started (at most one each). A loop's result does not depend on which
 * thread ran which chunk: every body handles each item exactly once, whatever range it falls in (see
 * {@link CpuBackend}).
 *
 * <p>Workers park between loops and never spin. The calling thread spins at most {@link #WAIT_SPIN_NANOS} for the
 * chunks in flight at the end of a loop, then parks until the last one is done. Workers wake each other in a tree
 * when chunks are left unclaimed, so the calling thread pays at most two wake-up calls per loop whatever the thread
 * count.
 */
final class WorkPool {
    /** How long the calling thread spins for the last chunks in flight before it parks (a few chunks' time). */
    private static final long WAIT_SPIN_NANOS = 50_000;

    private final Worker[] workers;
    /** The loop being run, or null between loops (a loop started from a chunk meanwhile runs inline). */
    private volatile Job job;
    private volatile boolean closed;

    /** A pool of {@code workers} parked threads named {@code gan4j-cpu-1 ...} (daemons: they never keep a JVM up). */
    WorkPool(int workers) {
        this.workers = new Worker[workers];
        for (int i = 0; i < workers; i++) {
            this.workers[i] = new Worker(i);
        }
        for (Worker w : this.workers) {
            w.start();
        }
    }

    /**
     * Runs {@code body} over {@code [0, n)} cut into {@code chunks} contiguous ranges (chunk {@code c} is
     * {@code [n c / chunks, n (c + 1) / chunks)}), on the calling thread and whichever workers wake in time; returns
     * when every chunk has run. The first exception a chunk threw is rethrown after all chunks ran (an error as it
     * is; a body throws no checked exception).
     */
    void run(int n, int chunks, CpuBackend.RangeBody body) {
        if (chunks < 1 || chunks > n) {
            throw new IllegalArgumentException("chunks must be in [1, " + n + "], got " + chunks);
        }
        if (job != null || Thread.currentThread() instanceof Worker || workers.length == 0 || chunks == 1) {
            body.run(0, n);
            return;
        }
        if (closed) {
            throw new IllegalStateException("the CPU backend's threads were stopped (close() was called)");
        }
        Job j = new Job(body, n, chunks, workers.length + 1);
        try {
            job = j;
            wakeChildren(0);
            j.work(0);
            j.await();
        } finally {
            job = null;
        }
        j.rethrow();
    }

    /** Stops the workers (they exit when they next wake; none is running a loop between ops). */
    void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    /**
     * Wakes the two threads below thread {@code node} in the tree of wake-ups (thread 0 is the calling one, thread
     * {@code t > 0} worker {@code t - 1}; thread {@code t} wakes {@code 2t + 1} and {@code 2t + 2}): every worker is
     * awake after about log2(threads) wake-up latencies, and no thread pays more than two wake-up calls per loop.
     */
    private void wakeChildren(int node) {
        for (int child = 2 * node + 1; child <= 2 * node + 2 && child <= workers.length; child++) {
            LockSupport.unpark(workers[child - 1]);
        }
    }

    /**
     * One loop: its chunks, the counters that hand them out and count them done, and the first failure. Each thread
     * has a home segment of consecutive chunks (thread {@code t} of {@code T}: chunks {@code [C t / T, C (t + 1) / T)})
     * which it claims first, in order, then it helps with the others' segments. When every thread is on time each
     * does its own segment, the same part of every loop of the same shape (the calling thread the front), so data
     * one op wrote is mostly read by the next on the same core; when a worker is late its segment is shared.
     */
    private static final class Job {
        private final CpuBackend.RangeBody body;
        private final int n;
        private final int chunks;
        private final int threads;
        /** The next chunk to claim in each thread's segment. */
        private final AtomicIntegerArray next;
        private final AtomicInteger done = new AtomicInteger();
        /** The calling thread once it parks for the last chunks, so the thread finishing them can wake it. */
        private volatile Thread waiter;
        private volatile Throwable failure;

        Job(CpuBackend.RangeBody body, int n, int chunks, int threads) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.threads = threads;
            this.next = new AtomicIntegerArray(threads);
            for (int t = 0; t < threads; t++) {
                next.set(t, segmentStart(t));
            }
        }

        private int segmentStart(int t) {
            return (int) ((long) chunks * t / threads);
        }

        /** Whether chunks are left to claim. */
        boolean open() {
            for (int t = 0; t < threads; t++) {
                if (next.get(t) < segmentStart(t + 1)) {
                    return true;
                }
            }
            return false;
        }

        /** Claims and runs chunks until none is left: thread {@code self}'s own segment first, then the others'. */
        void work(int self) {
            for (int k = 0; k < threads; k++) {
                int t = (self + k) % threads;
                int end = segmentStart(t + 1);
                for (int c = next.getAndIncrement(t); c < end; c = next.getAndIncrement(t)) {
                    runChunk(c);
                }
            }
        }

        private void runChunk(int c) {
            try {
                body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            } catch (Throwable t) {
                synchronized (this) {
                    if (failure == null) {
                        failure = t;
                    }
                }
            }
            if (done.incrementAndGet() == chunks) {
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
        }

        /** Waits until every chunk has run: spins a little (they are short), then parks. */
        void await() {
            long start = System.nanoTime();
            while (done.get() < chunks) {
                if (System.nanoTime() - start < WAIT_SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    waiter = Thread.currentThread();
                    if (done.get() < chunks) {
                        LockSupport.park(this);
                    }
                }
            }
        }

        void rethrow() {
            Throwable t = failure;
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }
    }

    /** A worker: parks until a loop it has not seen is posted, wakes its children if chunks are left, works on it. */
    private final class Worker extends Thread {
        private final int index;

        Worker(int index) {
            super("gan4j-cpu-" + (index + 1));
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            while (!closed) {
                Job j = job;
                if (j == null || j == seen) {
                    LockSupport.park(WorkPool.this);
                    continue;
                }
                seen = j;
                if (j.open()) {
                    wakeChildren(index + 1);
                    j.work(index + 1);
                }
            }
        }
    }
}
