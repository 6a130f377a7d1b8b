package io.github.dac4j.weights;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The streaming tree reader gives the tree ObjectMapper.readTree gives, node types included, and fails where it fails. */
class JsonTreesTest {
    private static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    @Test
    void sameTreesAsTheMapper() throws Exception {
        ObjectMapper mapper = new ObjectMapper(FACTORY);
        for (String text : new String[] {
                "{\"a.weight\": {\"dtype\": \"F32\", \"shape\": [1536, 1024, 7], \"data_offsets\": [0, 44040192]}, \"__metadata__\": {\"format\": \"pt\"}}",
                "{\"n\": [0, -1, 2147483647, 2147483648, 9223372036854775807, 9223372036854775808, 1.5, -2e-3, 1e300]}",
                "{\"t\": true, \"f\": false, \"z\": null, \"s\": \"\\u00e9\\n\", \"e\": {}, \"l\": [[], [[]], {}]}",
                "[1, \"two\", {\"three\": 3}]",
                "\"text\"", "42", "{} trailing"}) {
            var ours = JsonTrees.read(FACTORY, text);
            var theirs = mapper.readTree(text);
            assertEquals(theirs, ours, text);
            assertEquals(theirs.toString(), ours.toString(), text);
        }
        assertNull(JsonTrees.read(FACTORY, ""));
        assertNull(JsonTrees.read(FACTORY, "   "));
    }

    @Test
    void failsWhereTheParserFails() {
        for (String text : new String[] {"{\"a\": 1, \"a\": 2}", "{\"a\": }", "[1, 2", "{\"a\" 1}", "nul"}) {
            assertThrows(JsonProcessingException.class, () -> JsonTrees.read(FACTORY, text), text);
        }
    }
}
