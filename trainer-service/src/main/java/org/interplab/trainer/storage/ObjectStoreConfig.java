package org.interplab.trainer.storage;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Where checkpoint bytes live: {@code lab.objects.kind=file} (default, under {@code lab.objects.dir}) or {@code s3}. */
@ConfigMapping(prefix = "lab.objects")
public interface ObjectStoreConfig {
    @WithDefault("file")
    String kind();

    /** The directory of the filesystem store. */
    String dir();

    S3 s3();

    /** An S3-compatible store (MinIO, S3Proxy, AWS), path-style; the bucket is created when absent. */
    interface S3 {
        Optional<String> endpoint();

        @WithDefault("us-east-1")
        String region();

        @WithDefault("interplab")
        String bucket();

        Optional<String> accessKey();

        Optional<String> secretKey();
    }
}
