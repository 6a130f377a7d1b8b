package io.github.dac4j.weights;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;

/**
 * JSON text to Jackson's tree through the streaming parser, without an {@code ObjectMapper}: building a mapper costs
 * 200-280 ms in a fresh JVM (databind's configuration, before any parsing), the streaming parser and the node classes
 * 40-100 ms, and the safetensors header and config.json are read on the way to a decoder's first samples. The tree is
 * the one {@code ObjectMapper.readTree} gives (int, long or big-integer nodes by size, doubles for fractions); the
 * factory's features and limits (duplicate keys, nesting, lengths) apply as they did.
 */
final class JsonTrees {
    private JsonTrees() {}

    /** The tree of {@code text}'s first value, or null when it holds none; what follows that value is not read. */
    static JsonNode read(JsonFactory factory, String text) throws IOException {
        try (JsonParser p = factory.createParser(text)) {
            return p.nextToken() == null ? null : value(p);
        }
    }

    /** The value starting at the parser's current token, which it leaves on the value's last token. */
    private static JsonNode value(JsonParser p) throws IOException {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                ObjectNode o = nodes.objectNode();
                for (JsonToken k = p.nextToken(); k == JsonToken.FIELD_NAME; k = p.nextToken()) {
                    String name = p.currentName();
                    p.nextToken();
                    o.set(name, value(p));
                }
                return o;
            }
            case START_ARRAY: {
                ArrayNode a = nodes.arrayNode();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_ARRAY; k = p.nextToken()) a.add(value(p));
                return a;
            }
            case VALUE_STRING: return nodes.textNode(p.getText());
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT: return nodes.numberNode(p.getIntValue());
                    case LONG: return nodes.numberNode(p.getLongValue());
                    default: return nodes.numberNode(p.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT: return nodes.numberNode(p.getDoubleValue());
            case VALUE_TRUE: return nodes.booleanNode(true);
            case VALUE_FALSE: return nodes.booleanNode(false);
            case VALUE_NULL: return nodes.nullNode();
            default: throw new JsonParseException(p, "unexpected " + t);
        }
    }
}
