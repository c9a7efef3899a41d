using System.Text.Json.Nodes;
using SlotSharp.Chat.Tools;

namespace SlotSharp.Tests.Chat.Tools;

/// <summary>Tool calls in OpenAI's JSON, out (responses, stream deltas) and in (a request's assistant messages).</summary>
public class ToolCallJsonTests
{
    static readonly ToolCall Paris = new("call_1", "get_weather", """{"city": "Paris"}""");

    [SkippableFact]
    public void ResponseAndDeltaHaveOpenAisShape()
    {
        Assert.Equal("""[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\u0022city\u0022: \u0022Paris\u0022}"}}]""",
            ToolCallJson.ToOpenAi([Paris]).ToJsonString());
        Assert.Equal("""{"index":2,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\u0022city\u0022: \u0022Paris\u0022}"}}""",
            ToolCallJson.ToOpenAiDelta(2, Paris).ToJsonString());
    }

    [SkippableFact]
    public void RequestCallsTakeArgumentsAsTextOrObject()
    {
        var calls = ToolCallJson.FromOpenAi(JsonNode.Parse("""
            [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}},
             {"id": "b", "function": {"name": "g", "arguments": {"y": [2]}}},
             {"id": "c", "type": "function", "function": {"name": "h", "arguments": ""}}]
            """), "messages[1].tool_calls");
        Assert.Equal([new ToolCall("a", "f", """{"x": 1}"""), new ToolCall("b", "g", """{"y":[2]}"""), new ToolCall("c", "h", "{}")], calls);
    }

    [SkippableTheory]
    [InlineData("""[{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{oops"}}]""", "messages[1].tool_calls[0].function.arguments")]
    [InlineData("""[{"type": "function", "function": {"name": "f"}}]""", "messages[1].tool_calls[0].id")]
    [InlineData("""[{"id": "a", "type": "code", "function": {"name": "f"}}]""", "messages[1].tool_calls[0].type")]
    [InlineData("""[{"id": "a", "function": {"arguments": "{}"}}]""", "messages[1].tool_calls[0].function.name")]
    [InlineData("""{"id": "a"}""", "messages[1].tool_calls")]
    public void BadRequestCallsNameTheirField(string json, string field) =>
        Assert.Equal(field, Assert.Throws<ToolRequestException>(() => ToolCallJson.FromOpenAi(JsonNode.Parse(json), "messages[1].tool_calls")).Field);
}
