package org.interplab.trainer;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.interplab.storage.S3ObjectStore;
import org.interplab.storage.S3Proxy;

/** The same checks as {@link CheckpointObjectsTest} with {@code lab.objects.kind=s3} against a real S3Proxy. */
@QuarkusTest
@TestProfile(CheckpointObjectsS3Test.S3Store.class)
class CheckpointObjectsS3Test extends CheckpointObjectsTest {

    public static class S3Store implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            S3ObjectStore.Settings s3 = S3Proxy.settings("trainer-test");
            return Map.of("lab.objects.kind", "s3",
                    "lab.objects.s3.endpoint", s3.endpoint().toString(),
                    "lab.objects.s3.region", s3.region(),
                    "lab.objects.s3.bucket", s3.bucket(),
                    "lab.objects.s3.access-key", s3.accessKey(),
                    "lab.objects.s3.secret-key", s3.secretKey());
        }
    }
}
