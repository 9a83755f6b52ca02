package org.interplab.trainer.storage;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import org.interplab.storage.FileObjectStore;
import org.interplab.storage.ObjectStore;
import org.interplab.storage.S3ObjectStore;

/** The object store of this service, chosen by {@code lab.objects.kind} ({@link ObjectStoreConfig}). */
@ApplicationScoped
public class ObjectStoreProducer {

    @Produces
    @ApplicationScoped
    ObjectStore objectStore(ObjectStoreConfig config) {
        try {
            ObjectStore store = switch (config.kind()) {
                case "file" -> new FileObjectStore(Path.of(config.dir()));
                case "s3" -> new S3ObjectStore(new S3ObjectStore.Settings(
                        URI.create(required(config.s3().endpoint().orElse(null), "endpoint")),
                        config.s3().region(), config.s3().bucket(),
                        required(config.s3().accessKey().orElse(null), "access-key"),
                        required(config.s3().secretKey().orElse(null), "secret-key")));
                default -> throw new IllegalStateException("lab.objects.kind must be 'file' or 's3', not '"
                        + config.kind() + "'");
            };
            Log.infof("checkpoint objects are stored in %s", store.describe());
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the object store (lab.objects.*)", e);
        }
    }

    void close(@Disposes ObjectStore store) throws Exception {
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    private static String required(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("lab.objects.s3." + name + " is required when lab.objects.kind=s3");
        }
        return value;
    }
}
