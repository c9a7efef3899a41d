using SlotSharp.Tests.Oracles;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using SlotSharp.Extensions.AI;
using SlotSharp.Extensions.AI.Engine;
using SlotSharp.Generation;

using SlotSharp.Runtime;
using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Tests.ChatClients;

/// <summary>tiny-qwen2 (Qwen2.5's chat template) loaded once for <see cref="SlotChatClientModelTests"/>.</summary>
public sealed class TinyQwenFixture : IDisposable
{
    readonly Lazy<TestModel> _pipeline = new(() =>
    {
        var p = TestModel.Load(SharedAssets.Require("models", "tiny-qwen2"));
        p.Warn = _ => { };
        return p;
    });

    internal TestModel Pipeline => _pipeline.Value;

    public void Dispose()
    {
        if (_pipeline.IsValueCreated) _pipeline.Value.Dispose();
    }
}

/// <summary>
/// The chat client end to end on tiny-qwen2: the prompt ids against the golden chat render of Qwen2.5's template, the
/// text against the tokenizer's decode of what <see cref="TestModel.Generate"/> produces for those ids (whose
/// goldens live in the generation tests), SLOT through AdditionalProperties, streaming, stops and cancellation.
/// </summary>
public class SlotChatClientModelTests(TinyQwenFixture fixture) : IClassFixture<TinyQwenFixture>
{
    const int MaxTokens = 24;

    /// <summary>shared/tokenizers/qwen2.5/golden_chat.json's case rendered by Python's jinja2 and encoded by HF tokenizers.</summary>
    static (ChatMessage[] Messages, int[] Ids) GoldenChat(string name = "system_user_gen")
    {
        var cases = (JsonArray)JsonNode.Parse(File.ReadAllText(SharedAssets.Require("tokenizers", "qwen2.5", "golden_chat.json")))!;
        var c = cases.Single(x => (string?)x!["name"] == name)!;
        var messages = ((JsonArray)c["messages"]!).Select(m => new ChatMessage(new ChatRole((string)m!["role"]!), (string)m["content"]!)).ToArray();
        return (messages, Golden.Ints(c["ids"]));
    }

    (SlotChatClient Client, RecordingGenerator Engine) Client(SlotChatClientOptions? defaults = null)
    {
        var engine = new RecordingGenerator(new EngineChatGenerator(fixture.Pipeline.Engine));
        return (new SlotChatClient(engine, defaults), engine);
    }

    static ChatOptions Options(int slotTimes, int maxTokens = MaxTokens, params string[] stops) => new()
    {
        MaxOutputTokens = maxTokens, StopSequences = stops,
        AdditionalProperties = new() { ["slot_times"] = slotTimes },
    };

    /// <summary>What the pipeline generates for the golden prompt ids, greedy, with the model's stop ids.</summary>
    GenerationResult Expected(int slotTimes, int maxTokens = MaxTokens)
    {
        var generation = new GenerationOptions { MaxNewTokens = maxTokens, StopIds = fixture.Pipeline.StopIds.ToArray() };
        return fixture.Pipeline.Generate(GoldenChat().Ids, generation, new SlotOptions { Times = slotTimes }).Generation;
    }

    string Text(GenerationResult r) => fixture.Pipeline.Tokenizer.Decode(r.GeneratedIds, skipSpecialTokens: true);

    static async Task<(string Text, ChatResponseUpdate Last)> Stream(IChatClient client, ChatOptions options, CancellationToken cancel = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync(GoldenChat().Messages, options, cancel)) updates.Add(u);
        return (string.Concat(updates.Select(u => u.Text)), updates[^1]);
    }

    [SkippableFact]
    public async Task TheClientRegisteredWithDependencyInjectionAnswersAsThePipeline()
    {
        var expected = Text(Expected(0)); // before the container's own model loads: this fixture's engine is idle
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddSlotChatClient(SharedAssets.Require("models", "tiny-qwen2"), TestModel.Fp32 with { Warn = _ => { } },
            defaults: new SlotChatClientOptions { Slot = new SlotOptions { Times = 0 } });
        string text;
        await using (var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services))
        {
            var client = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IChatClient>(provider);
            text = (await client.GetResponseAsync(GoldenChat().Messages, Options(0))).Text;
        }
        Assert.Equal(expected, text);
    }

    [SkippableFact]
    public async Task PromptIdsAreTheGoldenChatRender()
    {
        var (client, engine) = Client();
        var (messages, ids) = GoldenChat();
        var response = await client.GetResponseAsync(messages, Options(0, maxTokens: 1));
        Assert.Equal(ids, engine.LastPromptIds);
        Assert.Equal(ids.Length, response.Usage!.InputTokenCount);
    }

    [SkippableFact]
    public async Task GreedyTextIsTheDecodeOfThePipelinesIds()
    {
        var (client, _) = Client();
        var expected = Expected(0);
        var response = await client.GetResponseAsync(GoldenChat().Messages, Options(0));
        Assert.Equal(Text(expected), response.Text);
        Assert.Equal(expected.StoppedAtStopId ? ChatFinishReason.Stop : ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(expected.GeneratedIds.Length, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
    }

    [SkippableFact]
    public async Task SlotTimes5ChangesTheOutputAndMatchesThePipelinesSlotRun()
    {
        // Plain generation by default, so only the request's settings can turn SLOT on.
        var (client, _) = Client(new SlotChatClientOptions { Slot = new SlotOptions { Times = 0 } });
        string plain = Text(Expected(0)), slot = Text(Expected(5));
        Assert.NotEqual(plain, slot); // else this test could not tell SLOT settings from none
        var response = await client.GetResponseAsync(GoldenChat().Messages, Options(5));
        Assert.Equal(slot, response.Text);
        var viaObject = new ChatOptions { MaxOutputTokens = MaxTokens, AdditionalProperties = new() { ["slot"] = new SlotOptions { Times = 5 } } };
        Assert.Equal(slot, (await client.GetResponseAsync(GoldenChat().Messages, viaObject)).Text);
    }

    [SkippableFact]
    public async Task StreamingConcatenationEqualsTheResponse()
    {
        var (client, _) = Client();
        var response = await client.GetResponseAsync(GoldenChat().Messages, Options(5));
        var (text, last) = await Stream(client, Options(5));
        Assert.Equal(response.Text, text);
        Assert.Equal(response.FinishReason, last.FinishReason);
        var usage = last.Contents.OfType<UsageContent>().Single().Details;
        Assert.Equal((response.Usage!.InputTokenCount, response.Usage.OutputTokenCount), (usage.InputTokenCount, usage.OutputTokenCount));
    }

    [SkippableFact]
    public async Task StopSequenceCutsTheTextAndEndsDecoding()
    {
        var (client, engine) = Client();
        var full = Expected(0);
        var text = Text(full);
        // A stop taken from the first third of the answer: the text ends right before its first occurrence.
        var stop = text.Substring(text.Length / 3, 2);
        var cut = text[..text.IndexOf(stop, StringComparison.Ordinal)];
        var response = await client.GetResponseAsync(GoldenChat().Messages, Options(0, MaxTokens, stop));
        Assert.Equal((cut, ChatFinishReason.Stop), (response.Text, response.FinishReason));
        Assert.True(response.Usage!.OutputTokenCount < full.GeneratedIds.Length, $"decoding went on to {response.Usage.OutputTokenCount} tokens");
        Assert.Equal((cut, ChatFinishReason.Stop), ((await Stream(client, Options(0, MaxTokens, stop))).Text, ChatFinishReason.Stop));
        Assert.True(engine.Tokens < full.GeneratedIds.Length);
    }

    [SkippableFact]
    public async Task MaxOutputTokensEndsWithLength()
    {
        var (client, _) = Client();
        var expected = Expected(0, maxTokens: 5);
        Assert.False(expected.StoppedAtStopId);
        var response = await client.GetResponseAsync(GoldenChat().Messages, Options(0, maxTokens: 5));
        Assert.Equal((Text(expected), ChatFinishReason.Length, 5L), (response.Text, response.FinishReason, response.Usage!.OutputTokenCount));
    }

    /// <summary>Cancellation mid-decode throws OperationCanceledException (no truncated answer) and decoding stops at the next step.</summary>
    [SkippableFact]
    public async Task CancellingStopsDecodingAndThrows()
    {
        var (client, engine) = Client();
        using var cts = new CancellationTokenSource();
        engine.CancelAfter = (cts, 3);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync(GoldenChat().Messages, Options(0, 200), cts.Token));
        Assert.InRange(engine.Tokens, 3, 4);

        using var streamCts = new CancellationTokenSource();
        engine.CancelAfter = (streamCts, 3);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Stream(client, Options(0, 200), streamCts.Token));
        Assert.InRange(engine.Tokens, 3, 4);

        engine.CancelAfter = null;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync(GoldenChat().Messages, Options(0), cts.Token));
    }

    [SkippableFact]
    public async Task LeavingAStreamEndsDecodingAndFreesThePipeline()
    {
        var (client, engine) = Client();
        await foreach (var _ in client.GetStreamingResponseAsync(GoldenChat().Messages, Options(0, 200))) break;
        Assert.True(engine.Tokens < 200, $"decoding went on to {engine.Tokens} tokens");
        Assert.Equal(Text(Expected(0)), (await client.GetResponseAsync(GoldenChat().Messages, Options(0))).Text);
    }

    [SkippableFact]
    public async Task ConcurrentRequestsShareThePipelinesEngine()
    {
        var (client, _) = Client();
        var (other, _) = Client(); // a second client over the same pipeline submits to the same engine
        string plain = Text(Expected(0)), slot = Text(Expected(5));
        var requests = new[] { client.GetResponseAsync(GoldenChat().Messages, Options(5)), other.GetResponseAsync(GoldenChat().Messages, Options(0)),
            client.GetResponseAsync(GoldenChat().Messages, Options(0)) };
        var texts = (await Task.WhenAll(requests)).Select(r => r.Text);
        Assert.Equal([slot, plain, plain], texts);
    }

    /// <summary>
    /// Two streams read in lockstep, so both requests are in the engine's batch together (different prompts, one with
    /// SLOT): each must equal the same request streamed alone.
    /// </summary>
    [SkippableFact]
    public async Task TwoConcurrentStreamsEachEqualTheirSoloResult()
    {
        var (client, _) = Client();
        var (other, _) = Client();
        ChatMessage[] first = GoldenChat().Messages, second = GoldenChat("multi_turn_gen").Messages;
        ChatOptions slotOptions = Options(5), plainOptions = Options(0, maxTokens: 40);
        string soloFirst = await StreamText(client, first, slotOptions), soloSecond = await StreamText(other, second, plainOptions);
        Assert.NotEqual(soloFirst, soloSecond);

        await using var a = client.GetStreamingResponseAsync(first, slotOptions).GetAsyncEnumerator();
        await using var b = other.GetStreamingResponseAsync(second, plainOptions).GetAsyncEnumerator();
        var (textA, textB) = (new System.Text.StringBuilder(), new System.Text.StringBuilder());
        bool moreA = true, moreB = true;
        while (moreA || moreB)
        {
            if (moreA && (moreA = await a.MoveNextAsync())) textA.Append(a.Current.Text);
            if (moreB && (moreB = await b.MoveNextAsync())) textB.Append(b.Current.Text);
        }
        Assert.Equal((soloFirst, soloSecond), (textA.ToString(), textB.ToString()));
    }

    static async Task<string> StreamText(IChatClient client, ChatMessage[] messages, ChatOptions options)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var u in client.GetStreamingResponseAsync(messages, options)) text.Append(u.Text);
        return text.ToString();
    }

    [SkippableFact]
    public void MetadataNamesTheModel()
    {
        var (client, _) = Client();
        Assert.Equal(("SlotSharp", "tiny-qwen2"), (client.GetService<ChatClientMetadata>()!.ProviderName, client.GetService<ChatClientMetadata>()!.DefaultModelId));
    }
}
