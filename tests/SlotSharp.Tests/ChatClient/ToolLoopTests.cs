using System.Text.Json;
using Microsoft.Extensions.AI;
using ChatTemplate = SlotSharp.Chat.ChatTemplate;
using SlotSharp.Extensions.AI;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.ChatClients;

/// <summary>
/// Tool calling through SlotChatClient on Qwen2.5's real template and tokenizer with scripted answers: Microsoft.Extensions.AI's
/// function-invocation middleware runs a whole tool loop, and the calls, results and tool modes reach the template.
/// </summary>
public class ToolLoopTests
{
    const string Question = "What's the weather in Paris?";
    const string CallParis = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    const string Answer = "It is 22°C and sunny in Paris.";

    // The end of the second prompt, written from the golden tool_call_roundtrip_gen render of Qwen2.5's template.
    const string RoundTripTail = "<|im_start|>user\nWhat's the weather in Paris?<|im_end|>\n"
        + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
        + "<|im_start|>user\n<tool_response>\n22°C and sunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n";

    static ScriptedTemplateGenerator Generator(string folder = "qwen2.5", params string[] replies)
    {
        var dir = SharedAssets.Require("tokenizers", folder);
        var tokenizer = TokenizerLoader.LoadFolder(SharedAssets.Require("tokenizers", "qwen2.5"));
        return new ScriptedTemplateGenerator(tokenizer, ChatTemplate.FromModelFolder(dir), replies);
    }

    static (AIFunction Function, Func<int> Calls) Weather()
    {
        int calls = 0;
        var function = AIFunctionFactory.Create((string city) =>
        {
            calls++;
            return city == "Paris" ? "22°C and sunny" : "unknown";
        }, "get_weather", "Get the current weather for a city.");
        return (function, () => calls);
    }

    [SkippableFact]
    public async Task FunctionInvocationRunsAToolLoop()
    {
        var generator = Generator("qwen2.5", CallParis, Answer);
        var (weather, calls) = Weather();
        using var client = new ChatClientBuilder(new SlotChatClient(generator)).UseFunctionInvocation().Build();
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, Question)], new ChatOptions { Tools = [weather] });

        Assert.Equal(Answer, response.Text);
        Assert.Equal(1, calls());
        Assert.Equal(2, generator.Prompts.Count);
        Assert.Contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the current weather for a city.\", "
                        + "\"parameters\": {", generator.Prompts[0]);
        Assert.EndsWith(RoundTripTail, generator.Prompts[1]);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("get_weather", "Paris"), (call.Name, ((JsonElement)call.Arguments!["city"]!).GetString()));
        Assert.Equal(call.CallId, Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>()).CallId);
    }

    [SkippableFact]
    public async Task FunctionInvocationRunsAStreamingToolLoop()
    {
        var generator = Generator("qwen2.5", "Let me look.\n" + CallParis, Answer);
        var (weather, calls) = Weather();
        using var client = new ChatClientBuilder(new SlotChatClient(generator)).UseFunctionInvocation().Build();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, Question)], new ChatOptions { Tools = [weather] }))
            updates.Add(u);

        Assert.Equal("Let me look." + Answer, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(1, calls());
        Assert.EndsWith("<|im_start|>assistant\nLet me look.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
                        + "<|im_start|>user\n<tool_response>\n22°C and sunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n", generator.Prompts[1]);
    }

    [SkippableFact]
    public async Task ACallComesBackAsFunctionCallContentWithFinishReasonToolCalls()
    {
        var (weather, _) = Weather();
        var options = new ChatOptions { Tools = [weather] };
        var response = await new SlotChatClient(Generator("qwen2.5", "Let me look.\n" + CallParis)).GetResponseAsync([new ChatMessage(ChatRole.User, Question)], options);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var contents = Assert.Single(response.Messages).Contents;
        Assert.Equal("Let me look.", Assert.IsType<TextContent>(contents[0]).Text);
        var call = Assert.IsType<FunctionCallContent>(contents[1]);
        Assert.StartsWith("call_", call.CallId);
        Assert.Equal("""{"city":"Paris"}""", JsonSerializer.Serialize(call.Arguments));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in new SlotChatClient(Generator("qwen2.5", "Let me look.\n" + CallParis)).GetStreamingResponseAsync([new ChatMessage(ChatRole.User, Question)], options))
            updates.Add(u);
        Assert.Equal("Let me look.", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal("get_weather", Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>()).Name);
        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
    }

    [SkippableFact]
    public async Task ToolModeNoneOffersNothingAndParsesNothing()
    {
        var (weather, _) = Weather();
        var generator = Generator("qwen2.5", CallParis);
        var response = await new SlotChatClient(generator).GetResponseAsync([new ChatMessage(ChatRole.User, Question)],
            new ChatOptions { Tools = [weather], ToolMode = ChatToolMode.None });
        Assert.DoesNotContain("# Tools", generator.Prompts[0]);
        Assert.Equal((CallParis, ChatFinishReason.Stop), (response.Text, response.FinishReason));
    }

    [SkippableFact]
    public async Task RequireSpecificOffersOnlyThatFunctionAndAnAnswerInTextStaysText()
    {
        var (weather, _) = Weather();
        var time = AIFunctionFactory.Create(() => "14:05", "get_time", "The time now.");
        var generator = Generator("qwen2.5", "I cannot tell.");
        var response = await new SlotChatClient(generator).GetResponseAsync([new ChatMessage(ChatRole.User, Question)],
            new ChatOptions { Tools = [weather, time], ToolMode = ChatToolMode.RequireSpecific("get_time") });
        Assert.Contains("\"name\": \"get_time\"", generator.Prompts[0]);
        Assert.DoesNotContain("get_weather", generator.Prompts[0]);
        Assert.Equal(("I cannot tell.", ChatFinishReason.Stop), (response.Text, response.FinishReason));
    }

    [SkippableFact]
    public async Task AModelWhoseTemplateRendersNoToolsRefusesThem()
    {
        var (weather, _) = Weather();
        var client = new SlotChatClient(Generator("deepseek-r1-distill-qwen"));
        var e = await Assert.ThrowsAsync<SlotSharpException>(() =>
            client.GetResponseAsync([new ChatMessage(ChatRole.User, Question)], new ChatOptions { Tools = [weather] }));
        Assert.Equal("ChatOptions.Tools: this model's chat template does not render tool definitions, so the model cannot be offered tools", e.Message);
        e = await Assert.ThrowsAsync<SlotSharpException>(() =>
            client.GetResponseAsync([new ChatMessage(ChatRole.User, Question)], new ChatOptions { ToolMode = ChatToolMode.RequireAny }));
        Assert.Equal("ChatOptions.ToolMode: asks for a tool call, but the request offers no tools", e.Message);
    }
}
