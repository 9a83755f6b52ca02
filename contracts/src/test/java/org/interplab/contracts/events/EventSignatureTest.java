package org.interplab.contracts.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EventSignatureTest {

    @Test
    void isTheHmacSha256OfKindNewlinePayload() {
        // reference: printf 'experiments.requested\n{"experimentId":"x"}' | openssl dgst -sha256 -hmac lab-key
        assertEquals("c0e28a568e4a3e5f650fc449c4cbf87bdc4dfa06552b8eb60a2802436ed08563",
                EventSignature.sign("lab-key", Topics.EXPERIMENTS_REQUESTED, "{\"experimentId\":\"x\"}"));
    }

    @Test
    void refusesAnotherKindAnotherPayloadAnotherKeyAndNoSignature() {
        String sig = EventSignature.sign("k1", Topics.CHECKPOINTS_PUBLISHED, "{\"a\":1}");
        assertTrue(EventSignature.verify("k1", Topics.CHECKPOINTS_PUBLISHED, "{\"a\":1}", sig));
        assertFalse(EventSignature.verify("k1", Topics.TRAINING_PROGRESS, "{\"a\":1}", sig));
        assertFalse(EventSignature.verify("k1", Topics.CHECKPOINTS_PUBLISHED, "{\"a\":2}", sig));
        assertFalse(EventSignature.verify("k2", Topics.CHECKPOINTS_PUBLISHED, "{\"a\":1}", sig));
        assertFalse(EventSignature.verify("k1", Topics.CHECKPOINTS_PUBLISHED, "{\"a\":1}", null));
        assertFalse(EventSignature.verify("k1", Topics.CHECKPOINTS_PUBLISHED, "{\"a\":1}", sig.substring(1)));
    }
}
