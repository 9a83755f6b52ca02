package org.interplab.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The shared job-claiming loop: every worker has its own id, a worker with nothing to do polls again, an error
 * does not end a worker, and stop interrupts a running step and tells it the pool is stopping.
 */
class WorkerPoolTest {
    @Test
    void workersClaimUntilStoppedAndSurviveErrors() throws Exception {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch afterError = new CountDownLatch(1);
        WorkerPool pool = WorkerPool.start("test-worker", 2, Duration.ofMillis(10), id -> {
            ids.add(id);
            int n = calls.incrementAndGet();
            if (n == 3) {
                throw new IllegalStateException("the job table is unreachable");
            }
            if (n > 3) {
                afterError.countDown();
            }
            return n % 2 == 0;   // work on every other call, nothing to do on the others
        });
        assertTrue(afterError.await(10, TimeUnit.SECONDS), "a worker went on after the error");
        pool.stop();
        assertFalse(pool.running());
        assertEquals(2, ids.size(), "two workers, two ids: " + ids);
        assertTrue(ids.stream().allMatch(i -> i.contains("/test-worker")), ids.toString());
        int after = calls.get();
        Thread.sleep(100);
        assertEquals(after, calls.get(), "no step after stop");
    }

    @Test
    void stopInterruptsARunningStep() throws Exception {
        CountDownLatch inStep = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        WorkerPool[] holder = new WorkerPool[1];
        boolean[] runningWhenInterrupted = {true};
        holder[0] = WorkerPool.start("long-job", 1, Duration.ofMillis(10), id -> {
            inStep.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                runningWhenInterrupted[0] = holder[0].running();
                interrupted.countDown();
                throw e;
            }
            return true;
        });
        assertTrue(inStep.await(10, TimeUnit.SECONDS));
        holder[0].stop();
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the step was interrupted");
        assertFalse(runningWhenInterrupted[0], "the step sees a stopping pool (the trainer leaves its run for resumption)");
    }
}
