package org.interplab.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.interplab.contracts.Json;
import org.interplab.core.corpus.Gpt2Tokenizer;
import org.interplab.core.corpus.StoryGenerator;
import org.interplab.core.corpus.TokenCorpus;
import org.junit.jupiter.api.Test;

/** Corpora over REST against PostgreSQL and the file object store: upload, tokenize job, splits, refusals. */
@QuarkusTest
class CorpusResourceTest {
    @Inject
    EntityManager em;

    static String txt(int stories) {
        StoryGenerator g = new StoryGenerator(99);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < stories; i++) {
            sb.append(g.story(i)).append("\n<|endoftext|>\n");
        }
        return sb.toString();
    }

    static JsonNode awaitStatus(String id, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            JsonNode c = Json.MAPPER.readTree(given().get("/corpora/" + id).then().statusCode(200).extract().asString());
            String status = c.get("status").asText();
            if (status.equals("READY") || status.equals("FAILED") || System.currentTimeMillis() > deadline) {
                return c;
            }
            Thread.sleep(200);
        }
    }

    long rows() {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select count(*) from corpus").getSingleResult()).longValue());
    }

    @Test
    void uploadedTxtIsTokenizedWithItsCountsAndItsSplitsStream() throws Exception {
        String text = txt(120);
        JsonNode added = Json.MAPPER.readTree(given().multiPart("file", "mini-stories.txt",
                        text.getBytes(StandardCharsets.UTF_8), "text/plain").multiPart("name", "Mini stories")
                .post("/corpora").then().statusCode(202).extract().asString());
        String id = added.get("id").asText();
        assertTrue(id.startsWith("mini-stories-"), id);
        JsonNode c = awaitStatus(id, 120_000);
        assertEquals("READY", c.get("status").asText(), c.toString());
        assertEquals(120, c.get("stories").asLong());
        assertEquals(120, c.get("trainStories").asLong() + c.get("validationStories").asLong());
        assertEquals(c.get("tokens").asLong(), c.get("trainTokens").asLong() + c.get("validationTokens").asLong());
        assertEquals(new StoryGenerator(99).story(0), c.get("samples").get(0).asText());

        byte[] train = given().get("/corpora/" + id + "/splits/train").then().statusCode(200)
                .contentType("application/octet-stream").extract().asByteArray();
        byte[] validation = given().get("/corpora/" + id + "/splits/validation").then().statusCode(200)
                .extract().asByteArray();
        assertEquals(2 * c.get("trainTokens").asLong(), train.length);
        assertEquals(2 * c.get("validationTokens").asLong(), validation.length);
        char[] tokens = TokenCorpus.readTokens(new ByteArrayInputStream(train));
        assertEquals(Gpt2Tokenizer.EOT, tokens[tokens.length - 1]);
        int[] ids = new int[tokens.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens[i];
        }
        assertTrue(text.replace("\n<|endoftext|>\n", "<|endoftext|>").contains(
                Gpt2Tokenizer.get().decode(ids).split("<\\|endoftext\\|>")[0]));
        JsonNode list = Json.MAPPER.readTree(given().get("/corpora").then().statusCode(200).extract().asString());
        boolean listed = false;
        for (JsonNode x : list) {
            listed |= x.get("id").asText().equals(id);
        }
        assertTrue(listed);
        given().get("/corpora/" + id + "/splits/test").then().statusCode(400)
                .body("field", org.hamcrest.Matchers.equalTo("split"));
    }

    @Test
    void jsonlUploadAndServerSidePath() throws Exception {
        String jsonl = "{\"text\": \"Tom saw an owl. The owl said hi.\"}\n{\"story\": \"Mia ate an apple.\"}\n"
                + "{\"text\": \"Ben had a ball. He threw the ball.\"}\n";
        String id = Json.MAPPER.readTree(given().multiPart("file", "three.jsonl", jsonl.getBytes(StandardCharsets.UTF_8),
                "application/json").post("/corpora").then().statusCode(202).extract().asString()).get("id").asText();
        JsonNode c = awaitStatus(id, 60_000);
        assertEquals("READY", c.get("status").asText(), c.toString());
        assertEquals(3, c.get("stories").asLong());
        assertTrue(c.get("validationStories").asLong() >= 1);

        Path file = Files.createTempFile("server-side-", ".txt");
        Files.writeString(file, txt(30));
        String pathId = Json.MAPPER.readTree(given().contentType("application/json")
                .body("{\"name\": \"on the server\", \"path\": \"" + file + "\"}").post("/corpora").then()
                .statusCode(202).extract().asString()).get("id").asText();
        JsonNode p = awaitStatus(pathId, 60_000);
        assertEquals("READY", p.get("status").asText(), p.toString());
        assertEquals(30, p.get("stories").asLong());
        assertEquals("path", p.get("sourceKind").asText());
        Files.deleteIfExists(file);
    }

    @Test
    void badUploadsAre400NamingTheDefectAndStoreNothing() {
        long before = rows();
        given().multiPart("file", "broken.jsonl", "{\"text\": \"ok\"}\n{\"text\": oops}\n".getBytes(StandardCharsets.UTF_8),
                "application/json").post("/corpora").then().statusCode(400)
                .body("field", org.hamcrest.Matchers.equalTo("file"))
                .body("error", org.hamcrest.Matchers.startsWith("line 2: malformed JSON"));
        given().multiPart("file", "weights.bin", new byte[] {1, 2, 3}, "application/octet-stream").post("/corpora")
                .then().statusCode(400).body("field", org.hamcrest.Matchers.equalTo("file"));
        given().multiPart("file", "one.txt", "Only one story.\n".getBytes(StandardCharsets.UTF_8), "text/plain")
                .post("/corpora").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("at least 2 stories"));
        given().contentType("application/json").body("{\"path\": \"/no/such/file.txt\"}").post("/corpora").then()
                .statusCode(400).body("field", org.hamcrest.Matchers.equalTo("path"));
        given().contentType("application/json").body("{\"name\": \"x\"}").post("/corpora").then()
                .statusCode(400).body("field", org.hamcrest.Matchers.equalTo("path"));
        // a readable story file outside lab.corpora.path-roots (the temp directory under %test) is refused
        given().contentType("application/json").body("{\"path\": \"" + outsideRoots() + "\"}").post("/corpora")
                .then().statusCode(400).body("field", org.hamcrest.Matchers.equalTo("path"))
                .body("error", org.hamcrest.Matchers.containsString("lab.corpora.path-roots"));
        given().get("/corpora/no-such-corpus").then().statusCode(404);
        assertEquals(before, rows());
    }

    @Test
    void builtinStoriesAreRegisteredAtStartAndBecomeReady() throws Exception {
        JsonNode c = awaitStatus(StoryGenerator.CORPUS_ID, 300_000);
        assertEquals("READY", c.get("status").asText(), c.toString());
        assertEquals(StoryGenerator.DEFAULT_STORIES, c.get("stories").asLong());
        assertTrue(c.get("tokens").asLong() >= 2_000_000, c.toString());
        assertEquals("builtin", c.get("sourceKind").asText());
        assertEquals(64, c.get("splits").get("train").get("sha256").asText().length());
    }

    /** A well-formed .txt corpus outside the temp directory: in the build's target directory. */
    private static String outsideRoots() {
        try {
            Path file = Path.of("target", "outside-roots.txt").toAbsolutePath();
            Files.writeString(file, txt(5));
            return file.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
