using System.Text.Json;
using Microsoft.Extensions.AI;
using SlotSharp.Extensions.AI;
using SlotSharp.Slot;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.ChatClients;

/// <summary>ChatOptions and messages to SlotSharp settings, and the refusals; no model needed.</summary>
public class ChatRequestMapperTests
{
    static readonly ChatMessage[] Hello = [new(ChatRole.User, "hi")];

    static MappedRequest Map(ChatOptions? options, params ChatMessage[] messages) =>
        ChatRequestMapper.Map(messages.Length == 0 ? Hello : messages, options, new FakeChatGenerator(null!, []), new SlotChatClientOptions());

    static string Refused(ChatOptions? options, params ChatMessage[] messages) =>
        Assert.Throws<SlotSharpException>(() => Map(options, messages)).Message;

    [SkippableFact]
    public void MapsSamplingOptions()
    {
        var g = Map(new ChatOptions { Temperature = 0.5f, TopP = 0.25f, TopK = 7, Seed = 42, MaxOutputTokens = 9 }).Request.Generation;
        Assert.Equal((0.5, 0.25, 7, 42, 9), (g.Temperature, g.TopP, g.TopK, g.Seed, g.MaxNewTokens));
    }

    [SkippableFact]
    public void DefaultsAreGreedyWith128TokensAndTheClientsSlotSettings()
    {
        var r = Map(null).Request;
        Assert.True(r.Generation.Greedy);
        Assert.Equal(128, r.Generation.MaxNewTokens);
        Assert.Equal((5, 0.1), (r.Slot.Times, r.Slot.Lr));
    }

    [SkippableFact]
    public void MapsRolesAndInstructions()
    {
        var r = Map(new ChatOptions { Instructions = "be brief" }, new(ChatRole.System, "sys"), new(ChatRole.User, "q"), new(ChatRole.Assistant, "a"));
        Assert.Equal(["system:be brief", "system:sys", "user:q", "assistant:a"], r.Request.Messages.Select(m => $"{m.Role}:{m.Content}"));
    }

    [SkippableFact]
    public void MapsFunctionCallsAndResultsToToolCallTurns()
    {
        var call = new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 2 });
        var r = Map(null, new(ChatRole.User, "q"), new(ChatRole.Assistant, [new TextContent("Looking."), call]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "22°C"), new FunctionResultContent("c2", JsonDocument.Parse("{\"ok\": true}").RootElement)]));
        var m = r.Request.Messages;
        Assert.Equal(["user:q", "assistant:Looking.", "tool:22°C", "tool:{\"ok\": true}"], m.Select(x => $"{x.Role}:{x.Content}"));
        Assert.Equal(new SlotSharp.Chat.Tools.ToolCall("c1", "get_weather", """{"city":"Paris","days":2}"""), Assert.Single(m[1].ToolCalls!));
        Assert.Equal(("c1", "c2"), (m[2].ToolCallId, m[3].ToolCallId));
    }

    [SkippableFact]
    public void ReadsFlatSlotKeysOverTheSlotObject()
    {
        var json = JsonDocument.Parse("""{"times": 3, "lr": 0.05, "optimizer": "vllm", "impl": "reference"}""").RootElement;
        var options = new ChatOptions { AdditionalProperties = new() { ["slot"] = json, ["slot_times"] = 2 } };
        var slot = Map(options).Request.Slot;
        Assert.Equal((2, 0.05, SlotOptimizerKind.Vllm, SlotImplKind.Reference), (slot.Times, slot.Lr, slot.Optimizer, slot.Impl));
    }

    [SkippableFact]
    public void ReadsSlotSettingsGivenAsJsonValues()
    {
        var props = JsonSerializer.Deserialize<AdditionalPropertiesDictionary>("""{"slot_times": 4, "slot_lr": 0.2, "slot_optimizer": "adamw"}""")!;
        var slot = Map(new ChatOptions { AdditionalProperties = props }).Request.Slot;
        Assert.Equal((4, 0.2, SlotOptimizerKind.AdamW), (slot.Times, slot.Lr, slot.Optimizer));
    }

    [SkippableFact]
    public void RefusesBadOptionsNamingThem()
    {
        Assert.Contains("ChatOptions.MaxOutputTokens must be >= 0, got -1", Refused(new ChatOptions { MaxOutputTokens = -1 }));
        Assert.Contains("ChatOptions.TopP", Refused(new ChatOptions { TopP = 0 }));
        Assert.Contains("'times' must lie in [0, 1000] (got 5000)", Refused(new ChatOptions { AdditionalProperties = new() { ["slot_times"] = 5000 } }));
        Assert.Contains("\"slot_optimizer\"] must be \"adamw\" or \"vllm\"", Refused(new ChatOptions { AdditionalProperties = new() { ["slot_optimizer"] = "sgd" } }));
        Assert.Contains("unknown SLOT key \"slot_time\"", Refused(new ChatOptions { AdditionalProperties = new() { ["slot_time"] = 5 } }));
        Assert.Contains("\"slot_times\"] must be an integer", Refused(new ChatOptions { AdditionalProperties = new() { ["slot_times"] = 2.5 } }));
        Assert.Contains("ChatOptions.ModelId is \"other\"", Refused(new ChatOptions { ModelId = "other" }));
        Assert.Contains("ChatOptions.Seed", Refused(new ChatOptions { Seed = 1L << 40 }));
        Assert.Contains("StopSequences holds an empty string", Refused(new ChatOptions { StopSequences = [""] }));
        Assert.Contains("ChatOptions.Tools", Refused(new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "f")] }));
        var minimum = System.Text.Json.JsonDocument.Parse("{\"type\": \"integer\", \"minimum\": 2}").RootElement;
        Assert.Contains("ChatOptions.ResponseFormat: the JSON schema keyword 'minimum' is not supported",
            Refused(new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(minimum) }));
        Assert.Contains("ChatOptions.FrequencyPenalty must lie in [-2, 2]", Refused(new ChatOptions { FrequencyPenalty = 2.5f }));
        Assert.Contains("ChatOptions.PresencePenalty must lie in [-2, 2]", Refused(new ChatOptions { PresencePenalty = -3f }));
    }

    /// <summary>OpenAI's penalties reach the sampler (its arithmetic is checked in LogitAdjustmentTests).</summary>
    [SkippableFact]
    public void FrequencyAndPresencePenaltiesMapToTheSampler()
    {
        var g = Map(new ChatOptions { FrequencyPenalty = 0.5f, PresencePenalty = -0.25f }).Request.Generation;
        Assert.Equal((0.5, -0.25), (g.FrequencyPenalty, g.PresencePenalty));
    }

    [SkippableFact]
    public void RefusesNonTextContentAndOtherRoles()
    {
        var image = new ChatMessage(ChatRole.User, [new TextContent("look"), new DataContent(new byte[] { 1 }, "image/png")]);
        const string Accepts = "SlotChatClient accepts text content, function calls in assistant messages and function results in tool messages";
        Assert.Equal($"message 1 (user) holds DataContent; {Accepts}", Refused(null, new ChatMessage(ChatRole.System, "s"), image));
        Assert.Equal($"message 0 (tool) holds TextContent; {Accepts}", Refused(null, new ChatMessage(ChatRole.Tool, "x")));
        var call = new FunctionCallContent("c1", "f", new Dictionary<string, object?>());
        Assert.Equal($"message 0 (user) holds FunctionCallContent; {Accepts}", Refused(null, new ChatMessage(ChatRole.User, [call])));
        Assert.Contains("message 0 has role 'robot'", Refused(null, new ChatMessage(new ChatRole("robot"), "x")));
        Assert.Equal("the chat has no messages", Assert.Throws<SlotSharpException>(() =>
            ChatRequestMapper.Map([], null, new FakeChatGenerator(null!, []), new SlotChatClientOptions())).Message);
    }
}
