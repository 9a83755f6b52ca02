package org.interplab.trainer.storage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.storage.FileObjectStore;
import org.interplab.storage.ObjectStore;

/** The object store of this service: a directory on the local filesystem ({@code lab.objects.dir}). */
@ApplicationScoped
public class ObjectStoreProducer {
    @ConfigProperty(name = "lab.objects.dir")
    Optional<String> dir;

    @Produces
    @ApplicationScoped
    ObjectStore objectStore() {
        String home = Optional.ofNullable(System.getenv("LAB_HOME")).orElse(".lab");
        try {
            return new FileObjectStore(Path.of(dir.orElse(home + "/objects")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
