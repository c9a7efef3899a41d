using Microsoft.Extensions.AI;
using SlotSharp.Extensions.AI;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.ChatClients;

/// <summary>
/// The client's text path on scripted ids (Qwen2.5's tokenizer, no model): stop sequences, finish reasons, usage and
/// streaming, against hand-written text.
/// </summary>
public class SlotChatClientFakeGeneratorTests
{
    const string Script = "Hello, wörld! 你好 STOP after";
    static readonly ChatMessage[] Hello = [new(ChatRole.User, "hi")];

    static (SlotChatClient Client, FakeChatGenerator Engine) Client(bool endsAtStopId = false, string script = Script)
    {
        var tokenizer = TokenizerLoader.LoadFolder(SharedAssets.Require("tokenizers", "qwen2.5"));
        var engine = new FakeChatGenerator(tokenizer, tokenizer.Encode(script, addSpecialTokens: false), endsAtStopId);
        return (new SlotChatClient(engine), engine);
    }

    static async Task<(string Text, ChatFinishReason? Reason, UsageDetails? Usage)> Stream(SlotChatClient client, ChatOptions? options)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync(Hello, options)) updates.Add(u);
        var usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().SingleOrDefault()?.Details;
        Assert.Null(updates[..^1].Select(u => u.FinishReason).FirstOrDefault(r => r != null)); // only the last update ends it
        return (string.Concat(updates.Select(u => u.Text)), updates[^1].FinishReason, usage);
    }

    [SkippableFact]
    public async Task StopSequenceCutsTheTextBothWays()
    {
        var (client, _) = Client();
        var options = new ChatOptions { StopSequences = ["STOP", "zzz"] };
        var response = await client.GetResponseAsync(Hello, options);
        Assert.Equal("Hello, wörld! 你好 ", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        var (text, reason, _) = await Stream(client, options);
        Assert.Equal(("Hello, wörld! 你好 ", ChatFinishReason.Stop), (text, reason));
    }

    [SkippableFact]
    public async Task RunningOutOfTokensIsLengthAndUsageCountsTokens()
    {
        var (client, engine) = Client();
        var response = await client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 2 });
        Assert.Equal("Hello,", response.Text); // "Hello" and "," are single Qwen tokens
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal((3L, 2L, 5L), (response.Usage!.InputTokenCount, response.Usage.OutputTokenCount, response.Usage.TotalTokenCount));
        Assert.Equal("fake-model", response.ModelId);
        Assert.Equal(2, engine.LastRequest!.Generation.MaxNewTokens);
    }

    [SkippableFact]
    public async Task AStopIdIsStopAndStreamingEqualsTheWholeText()
    {
        var (client, _) = Client(endsAtStopId: true);
        var response = await client.GetResponseAsync(Hello);
        Assert.Equal((Script, ChatFinishReason.Stop), (response.Text, response.FinishReason));
        var (text, reason, usage) = await Stream(client, null);
        Assert.Equal((Script, ChatFinishReason.Stop), (text, reason));
        Assert.Equal(response.Usage!.OutputTokenCount, usage!.OutputTokenCount);
    }

    [SkippableFact]
    public void MetadataNamesProviderAndModel()
    {
        var (client, _) = Client();
        var metadata = client.GetService<ChatClientMetadata>()!;
        Assert.Equal(("SlotSharp", "fake-model"), (metadata.ProviderName, metadata.DefaultModelId));
        Assert.Same(client, client.GetService<SlotChatClient>());
        Assert.Null(client.GetService<ChatClientMetadata>("some key"));
    }
}
