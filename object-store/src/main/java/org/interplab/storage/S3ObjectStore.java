package org.interplab.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Objects in one bucket of an S3-compatible store (MinIO, S3Proxy, AWS S3), path-style. A put streams: small objects
 * in one request, larger ones as a multipart upload of {@link #PART_SIZE} parts (one part buffer in memory, never the
 * whole object), the sha256 computed on the way. A multipart upload that fails is aborted, so nothing appears under
 * the key; S3 makes a completed upload visible at once and whole.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {
    /** Multipart part size: S3 wants at least 5 MiB per part (but the last) and at most 10 000 parts. */
    static final int PART_SIZE = 16 * 1024 * 1024;
    static final int MIN_PART_SIZE = 5 * 1024 * 1024;

    /** Where the store is and how to sign in; {@code region} matters to AWS only (any value for MinIO/S3Proxy). */
    public record Settings(URI endpoint, String region, String bucket, String accessKey, String secretKey) {
    }

    private final S3Client s3;
    private final String bucket;
    private final String description;
    private final int partSize;

    /** Connects and creates the bucket if it does not exist. */
    public S3ObjectStore(Settings settings) throws IOException {
        this(settings, PART_SIZE);
    }

    S3ObjectStore(Settings settings, int partSize) throws IOException {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("part size " + partSize + " is below S3's minimum " + MIN_PART_SIZE);
        }
        this.partSize = partSize;
        this.bucket = settings.bucket();
        this.description = "s3:" + settings.endpoint() + "/" + settings.bucket();
        this.s3 = S3Client.builder()
                .endpointOverride(settings.endpoint())
                .region(Region.of(settings.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
                .forcePathStyle(true)
                // checksums only where S3 requires them: S3-compatible servers do not all know the newer headers
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        createBucketIfAbsent();
    }

    private void createBucketIfAbsent() throws IOException {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw failure("cannot reach bucket " + bucket, e);
            }
            try {
                s3.createBucket(b -> b.bucket(bucket));
            } catch (S3Exception raced) {
                if (!"BucketAlreadyOwnedByYou".equals(raced.awsErrorDetails().errorCode())) {
                    throw failure("cannot create bucket " + bucket, raced);
                }
            }
        } catch (SdkException e) {
            throw failure("cannot reach bucket " + bucket, e);
        }
    }

    @Override
    public StoredObject put(String key, InputStream content) throws IOException {
        checkKey(key);
        MessageDigest sha = FileObjectStore.sha256();
        byte[] part = new byte[partSize];
        int n = content.readNBytes(part, 0, partSize);
        sha.update(part, 0, n);
        if (n < partSize) {
            long length = n;
            try {
                s3.putObject(r -> r.bucket(bucket).key(key).contentLength(length), body(part, n));
            } catch (SdkException e) {
                throw failure("cannot store " + key, e);
            }
            return new StoredObject(key, length, HexFormat.of().formatHex(sha.digest()));
        }
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
        } catch (SdkException e) {
            throw failure("cannot start the upload of " + key, e);
        }
        long size = 0;
        List<CompletedPart> parts = new ArrayList<>();
        try {
            while (n > 0) {
                int number = parts.size() + 1;
                int length = n;
                String etag = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(number)
                        .contentLength((long) length), body(part, length)).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                size += n;
                n = content.readNBytes(part, 0, partSize);
                sha.update(part, 0, n);
            }
            s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (SdkException e) {
            abort(key, uploadId, e);
            throw failure("cannot store " + key, e);
        } catch (IOException | RuntimeException e) {
            abort(key, uploadId, e);
            throw e;
        }
        return new StoredObject(key, size, HexFormat.of().formatHex(sha.digest()));
    }

    private static RequestBody body(byte[] buffer, int length) {
        // a stream over the buffer (no copy); ByteArrayInputStream supports the mark/reset a retry needs
        return RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, length), length);
    }

    private void abort(String key, String uploadId, Exception cause) {
        try {
            s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public Optional<InputStream> get(String key) throws IOException {
        checkKey(key);
        try {
            return Optional.of(s3.getObject(r -> r.bucket(bucket).key(key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("cannot read " + key, e);
        }
    }

    @Override
    public Optional<Long> size(String key) throws IOException {
        checkKey(key);
        try {
            return Optional.of(s3.headObject(r -> r.bucket(bucket).key(key)).contentLength());
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("cannot read the size of " + key, e);
        } catch (SdkException e) {
            throw failure("cannot read the size of " + key, e);
        }
    }

    @Override
    public void delete(String key) throws IOException {
        checkKey(key);
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw failure("cannot delete " + key, e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        s3.close();
    }

    /** The same keys as the filesystem store accepts, so that a lab can move between the two. */
    private static void checkKey(String key) {
        FileObjectStore.checkKey(key);
    }

    private static IOException failure(String what, SdkException e) {
        return new IOException(what + ": " + e.getMessage(), e);
    }
}
