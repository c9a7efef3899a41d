using System.Text.Json.Nodes;
using SlotSharp.Chat;
using SlotSharp.Chat.Tools;

namespace SlotSharp.Tests.Chat.Tools;

/// <summary>
/// Tools and typed tool-call turns rendered into the real templates of shared/tokenizers: against the goldens
/// (transformers.js, checked with Python Jinja2) where they have tools, hand-written from the template elsewhere.
/// </summary>
public class ToolRenderTests
{
    static readonly ToolCall Paris = new("call_1", "get_weather", """{"city": "Paris"}""");

    static ChatTemplate Template(string folder) => ChatTemplate.FromModelFolder(SharedAssets.Require("tokenizers", folder));

    /// <summary>The golden case's tools, read as the server reads a request's "tools", and planned as for tool_choice auto.</summary>
    static IReadOnlyList<object?>? PlannedTools(ChatTemplate template, GoldenChatCase golden)
    {
        var tools = ToolDefinition.ListFromOpenAi(JsonNode.Parse(golden.Tools!.Value.GetRawText()));
        return ToolCalling.Plan(template, tools, null).RenderTools;
    }

    [SkippableTheory]
    [InlineData("qwen2.5")]
    [InlineData("qwen3")]
    [InlineData("llama3.1")]
    public void PlannedToolsRenderAsTheGolden(string folder)
    {
        var template = Template(folder);
        var golden = GoldenChatCase.Load(folder).Single(c => c.Name == "tools_user_gen");
        var messages = new[] { ChatMessage.User("What's the weather in Paris?") };
        Assert.Equal(golden.Rendered, template.Render(messages, true, golden.Context, PlannedTools(template, golden)));
    }

    [SkippableTheory]
    [InlineData("qwen2.5")]
    [InlineData("qwen3")]
    [InlineData("llama3.1")]
    public void TypedToolCallTurnsRenderAsTheGolden(string folder)
    {
        // The golden passed transformers' native form ("" content, arguments as a dict); the typed turn has no
        // content and the arguments as OpenAI's JSON text, so this also checks the conversion.
        var template = Template(folder);
        var golden = GoldenChatCase.Load(folder).Single(c => c.Name == "tool_call_roundtrip_gen");
        ChatMessage[] messages =
        [
            ChatMessage.User("What's the weather in Paris?"),
            ChatMessage.AssistantToolCalls([Paris]),
            ChatMessage.Tool("22°C and sunny", "call_1"),
        ];
        Assert.Equal(golden.Rendered, template.Render(messages, true, golden.Context, PlannedTools(template, golden)));
    }

    [SkippableFact]
    public void DeepSeekRendersTypedCallsAsTextArgumentsWithNoneContent()
    {
        // Read off the template: calls only when content is None, arguments concatenated as text, a single call
        // without <｜tool▁calls▁end｜>, and no generation prompt right after tool outputs.
        var template = Template("deepseek-r1-distill-qwen");
        ChatMessage[] messages =
        [
            ChatMessage.User("What's the weather in Paris?"),
            ChatMessage.AssistantToolCalls([Paris]),
            ChatMessage.Tool("22°C and sunny", "call_1"),
        ];
        const string Expected = "<｜begin▁of▁sentence｜><｜User｜>What's the weather in Paris?<｜Assistant｜><｜tool▁calls▁begin｜>"
            + "<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜>"
            + "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>22°C and sunny<｜tool▁output▁end｜><｜tool▁outputs▁end｜>";
        Assert.Equal(Expected, template.Render(messages, addGenerationPrompt: true));
        Assert.Equal(new ToolCallShape(NullContent: true, ArgumentsAsText: true), template.ToolSupport.CallShape);
    }

    [SkippableFact]
    public void QwenRendersTextWithSeveralCallsAndJoinsConsecutiveResults()
    {
        var template = Template("qwen2.5");
        ChatMessage[] messages =
        [
            ChatMessage.System("Be brief."),
            ChatMessage.User("Weather and time in Paris?"),
            ChatMessage.AssistantToolCalls([Paris, new ToolCall("call_2", "get_time", "")], "Checking."),
            ChatMessage.Tool("22°C", "call_1"),
            ChatMessage.Tool("14:05", "call_2"),
        ];
        // From the template: calls after the text, "arguments" through tojson (an empty one is {}), and the results
        // of consecutive tool messages in one user turn.
        const string Expected = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWeather and time in Paris?<|im_end|>\n"
            + "<|im_start|>assistant\nChecking.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n22°C\n</tool_response>\n<tool_response>\n14:05\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n";
        Assert.Equal(Expected, template.Render(messages, addGenerationPrompt: true));
    }

    [SkippableFact]
    public void ArgumentsThatAreNotJsonNameTheCall()
    {
        var template = Template("qwen2.5");
        ChatMessage[] messages = [ChatMessage.User("q"), ChatMessage.AssistantToolCalls([new ToolCall("call_9", "f", "{oops")])];
        var e = Assert.Throws<SlotSharpException>(() => template.Render(messages, true));
        Assert.StartsWith("the arguments of tool call 'call_9' (f) are not valid JSON", e.Message);
    }

    [SkippableTheory]
    [InlineData("qwen2.5", true, "Hermes")]
    [InlineData("qwen3", true, "Hermes")]
    [InlineData("llama3.1", true, "Llama3Json")]
    [InlineData("deepseek-r1-distill-qwen", false, "DeepSeek")]
    [InlineData("llama3", false, null)]
    public void EachTemplateSaysWhetherItRendersToolsAndItsCallFormat(string folder, bool rendersTools, string? format)
    {
        var template = Template(folder);
        Assert.Equal(rendersTools, template.RendersTools);
        Assert.Equal(format, template.ToolSupport.Format?.ToString());
    }

    [SkippableFact]
    public void ChatMLFallbackRendersNoTools() =>
        Assert.False(ChatTemplate.Parse(ChatTemplate.FallbackChatMLSource).RendersTools);
}
