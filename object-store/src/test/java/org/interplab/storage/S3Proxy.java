package org.interplab.storage;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real S3-compatible server for tests: the one `./lab test` started (its settings in the environment, from
 * {@code infra/s3proxy.sh env}), else one this JVM starts with {@code infra/s3proxy.sh} on a free port under
 * {@code target/} and stops at exit. Never a mock.
 */
public final class S3Proxy {
    private static S3ObjectStore.Settings settings;

    private S3Proxy() {
    }

    /** Settings of a running S3Proxy for the given bucket; throws with the reason when none can be had. */
    public static synchronized S3ObjectStore.Settings settings(String bucket) {
        if (settings == null) {
            settings = fromEnvironment();
            if (settings == null) {
                settings = startOwn();
            }
        }
        return new S3ObjectStore.Settings(settings.endpoint(), settings.region(), bucket, settings.accessKey(),
                settings.secretKey());
    }

    private static S3ObjectStore.Settings fromEnvironment() {
        Map<String, String> env = System.getenv();
        String endpoint = env.get("LAB_OBJECTS_S3_ENDPOINT");
        if (endpoint == null || endpoint.isBlank()) {
            return null;
        }
        return new S3ObjectStore.Settings(URI.create(endpoint), env.getOrDefault("LAB_OBJECTS_S3_REGION", "us-east-1"),
                null, env.get("LAB_OBJECTS_S3_ACCESS_KEY"), env.get("LAB_OBJECTS_S3_SECRET_KEY"));
    }

    private static S3ObjectStore.Settings startOwn() {
        Path script = repoRoot().resolve("infra/s3proxy.sh");
        Path home = Path.of("target", "s3proxy-test").toAbsolutePath();
        int port = freePort();
        Map<String, String> env = Map.of("LAB_HOME", home.toString(), "LAB_S3_PORT", Integer.toString(port));
        run(script, "start", env, 300);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> run(script, "stop", env, 60)));
        return new S3ObjectStore.Settings(URI.create("http://127.0.0.1:" + port), "us-east-1", null,
                "lab-access-key", "lab-secret-key");
    }

    private static void run(Path script, String command, Map<String, String> env, int timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), command).inheritIO();
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                throw new IllegalStateException("infra/s3proxy.sh " + command + " failed (see its output above)");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run infra/s3proxy.sh: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running infra/s3proxy.sh", e);
        }
    }

    private static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("infra/s3proxy.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("infra/s3proxy.sh not found above " + Path.of("").toAbsolutePath());
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
