package org.interplab.dashboard.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.dashboard.entity.Experiment;

/**
 * Where each queued run stands and when it should start and finish. The trainer claims the oldest request first
 * ({@code JobStore.claimNext}) on {@code workers} threads; a run's length is its steps times the seconds per step
 * of its task: measured on the run itself while it trains, else the median of recently completed runs of the task
 * (any task when none). Starts are found by handing each queued run, in order, to the worker that frees up first.
 */
public final class QueueEstimates {

    /** One run's place: 1-based position among the queued (null when running), and its ETAs (null: unknown). */
    public record Place(UUID id, Integer position, Instant startsAt, Instant finishesAt) {
    }

    private QueueEstimates() {
    }

    /**
     * @param active   queued and running runs, queued ones in claim order
     * @param finished recently completed runs with start and finish times
     * @param workers  training threads of the trainer (at least 1)
     */
    public static Map<UUID, Place> of(List<Experiment> active, List<Experiment> finished, int workers, Instant now) {
        Map<String, List<Double>> perTask = new HashMap<>();
        List<Double> all = new ArrayList<>();
        for (Experiment e : finished) {
            long steps = steps(e);
            // the query asks for both times, but an entity already in the session (loaded as running by the active
            // list of the same request) comes back with its state from then: finishedAt still null
            if (steps > 0 && e.startedAt != null && e.finishedAt != null) {
                double s = Duration.between(e.startedAt, e.finishedAt).toMillis() / 1000.0 / steps;
                perTask.computeIfAbsent(e.task, t -> new ArrayList<>()).add(s);
                all.add(s);
            }
        }
        Double anyTask = median(all);
        PriorityQueue<Double> freeAt = new PriorityQueue<>(); // seconds from now at which each worker frees up
        Map<UUID, Place> places = new LinkedHashMap<>();
        for (Experiment e : active) {
            if (e.status != RunStatus.RUNNING) {
                continue;
            }
            // (Double) keeps the conditional boxed: a primitive branch would unbox a null median (no finished runs)
            Double perStep = e.startedAt != null && e.step > 0
                    ? (Double) (Duration.between(e.startedAt, now).toMillis() / 1000.0 / e.step)
                    : median(perTask.getOrDefault(e.task, all));
            Double left = perStep == null ? null : perStep * Math.max(0, steps(e) - e.step);
            freeAt.add(left == null ? Double.NaN : left);
            places.put(e.id, new Place(e.id, null, e.startedAt, left == null ? null : at(now, left)));
        }
        while (freeAt.size() < Math.max(1, workers)) {
            freeAt.add(0.0);
        }
        int position = 0;
        for (Experiment e : active) {
            if (e.status != RunStatus.QUEUED) {
                continue;
            }
            position++;
            Double perStep = median(perTask.get(e.task));
            if (perStep == null) {
                perStep = anyTask;
            }
            double start = freeAt.poll();
            Double length = perStep == null ? null : perStep * steps(e);
            double end = length == null || Double.isNaN(start) ? Double.NaN : start + length;
            freeAt.add(end);
            places.put(e.id, new Place(e.id, position, Double.isNaN(start) ? null : at(now, start),
                    Double.isNaN(end) ? null : at(now, end)));
        }
        return places;
    }

    /** The steps the run trains: what the trainer reported, else its spec's {@code training.steps}. */
    static long steps(Experiment e) {
        if (e.totalSteps > 0) {
            return e.totalSteps;
        }
        try {
            return e.spec == null ? 0 : Json.MAPPER.readTree(e.spec).path("training").path("steps").asLong(0);
        } catch (java.io.IOException notJson) {
            return 0;
        }
    }

    static Double median(List<Double> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static Instant at(Instant now, double seconds) {
        return now.plusMillis(Math.round(seconds * 1000));
    }
}
