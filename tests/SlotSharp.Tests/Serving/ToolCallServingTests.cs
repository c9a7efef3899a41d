using System.ClientModel;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using OpenAI;
using OpenAI.Chat;
using SlotSharp.Backends;
using SlotSharp.Chat;
using SlotSharp.Server;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// Tool calling over HTTP with the official OpenAI SDK's typed API, on Qwen2.5's real tokenizer and chat template and
/// a <see cref="ScriptedBackend"/> whose answers are a fixed Qwen2.5 tool call, then a fixed text: the server renders
/// the tools, parses the call into tool_calls (finish reason tool_calls), renders the call and the tool's result back
/// into the next prompt, and streams the call as a tool-call delta.
/// </summary>
public class ToolCallServingTests
{
    const string CallParis = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    const string Answer = "It is 22°C and sunny in Paris.";

    // The end of the second prompt, written from the golden tool_call_roundtrip_gen render of Qwen2.5's template.
    const string RoundTripTail = "<|im_start|>user\nWhat's the weather in Paris?<|im_end|>\n"
        + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
        + "<|im_start|>user\n<tool_response>\n22°C and sunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n";

    static readonly ChatTool Weather = ChatTool.CreateFunctionTool("get_weather", "Get the current weather for a city.",
        BinaryData.FromString("""{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}"""));

    sealed class Served : IAsyncDisposable
    {
        public required ScriptedBackend Backend { get; init; }
        public required ITokenizer Tokenizer { get; init; }
        public required WebApplication App { get; init; }
        public required SlotModel Model { get; init; }
        public ChatClient Client => new("qwen", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(new Uri(App.Urls.First()), "/v1") });

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
            Model.Dispose();
        }
    }

    static Task<Served> Start(params string[] replies) => StartWithTemplate("qwen2.5", replies);

    /// <param name="templateFolder">Whose chat template the model has (the tokenizer is always Qwen2.5's).</param>
    static async Task<Served> StartWithTemplate(string templateFolder, params string[] replies)
    {
        var dir = SharedAssets.Require("tokenizers", "qwen2.5");
        var templateDir = SharedAssets.Require("tokenizers", templateFolder);
        var tokenizer = TokenizerLoader.LoadFolder(dir);
        int end = tokenizer.TokenToId("<|im_end|>")!.Value;
        var backend = new ScriptedBackend(tokenizer.VocabSize, [.. replies.Select(r => tokenizer.Encode(r, addSpecialTokens: false))], end);
        var model = new SlotModel(dir, new LoadedBackend(backend, tokenizer, [end], 1.0, () => ChatTemplate.FromModelFolder(templateDir)), 0, null, _ => { });
        var app = new SlotServer(model, new ServeSettings { ServedModelName = "qwen" }).Build("http://127.0.0.1:0");
        await app.StartAsync();
        return new Served { Backend = backend, Tokenizer = tokenizer, App = app, Model = model };
    }

    [SkippableFact]
    public async Task AToolCallComesBackTypedAndItsResultRendersIntoTheNextPrompt()
    {
        await using var s = await Start(CallParis, Answer);
        var options = new ChatCompletionOptions { Tools = { Weather }, Temperature = 0 };
        List<OpenAI.Chat.ChatMessage> messages = [new UserChatMessage("What's the weather in Paris?")];
        var first = (await s.Client.CompleteChatAsync(messages, options)).Value;
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());
        Assert.Empty(first.Content);
        // The tool as the SDK sent it (its key order), inside the template's <tools> block.
        var rendered = s.Tokenizer.Decode(s.Backend.Prompts[0]);
        var tools = rendered[rendered.LastIndexOf("<tools>", StringComparison.Ordinal)..rendered.LastIndexOf("</tools>", StringComparison.Ordinal)]; // the template names the tags once before the block
        Assert.Contains("\"name\": \"get_weather\"", tools);
        Assert.Contains("\"description\": \"Get the current weather for a city.\"", tools);

        messages.Add(new AssistantChatMessage(first.ToolCalls));
        messages.Add(new ToolChatMessage(call.Id, "22°C and sunny"));
        var second = (await s.Client.CompleteChatAsync(messages, options)).Value;
        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.Equal(Answer, second.Content[0].Text);
        Assert.EndsWith(RoundTripTail, s.Tokenizer.Decode(s.Backend.Prompts[1]));
    }

    [SkippableFact]
    public async Task AStreamedToolCallArrivesAsOneToolCallDeltaWithNoMarkupInTheContent()
    {
        await using var s = await Start("Let me check. " + CallParis);
        var content = new System.Text.StringBuilder();
        var names = new List<string>();
        var arguments = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var u in s.Client.CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], new ChatCompletionOptions { Tools = { Weather } }))
        {
            foreach (var part in u.ContentUpdate) content.Append(part.Text);
            foreach (var t in u.ToolCallUpdates)
            {
                if (t.FunctionName != null) names.Add(t.FunctionName);
                arguments.Append(t.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= u.FinishReason;
        }
        // Qwen2.5's parser (as vLLM's hermes parser) trims the whitespace between the text and the call.
        Assert.Equal("Let me check.", content.ToString());
        Assert.Equal(["get_weather"], names);
        Assert.Equal("Paris", JsonDocument.Parse(arguments.ToString()).RootElement.GetProperty("city").GetString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [SkippableFact]
    public async Task ToolsOnATemplateThatCannotRenderThemAndRequiredWithoutToolsAre400sNamingTheField()
    {
        // DeepSeek-R1-Distill's template renders calls and results but not tool definitions.
        await using (var deepseek = await StartWithTemplate("deepseek-r1-distill-qwen", Answer))
        {
            var error = await Assert.ThrowsAsync<ClientResultException>(() => deepseek.Client.CompleteChatAsync([new UserChatMessage("x")],
                new ChatCompletionOptions { Tools = { Weather } }));
            Assert.Equal(400, error.Status);
            Assert.Contains("'tools'", error.Message);
            Assert.Empty(deepseek.Backend.Prompts); // refused before the engine
        }
        await using var s = await Start(Answer);
        var required = await Assert.ThrowsAsync<ClientResultException>(() => s.Client.CompleteChatAsync([new UserChatMessage("x")],
            new ChatCompletionOptions { ToolChoice = ChatToolChoice.CreateRequiredChoice() }));
        Assert.Equal(400, required.Status);
        Assert.Contains("tool_choice", required.Message);
    }
}
