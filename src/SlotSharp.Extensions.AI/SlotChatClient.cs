using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using SlotSharp.Chat.Tools;
using SlotSharp.Extensions.AI.Engine;
using SlotSharp.Engine;

namespace SlotSharp.Extensions.AI;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> over an in-process <see cref="SlotEngine"/>: chat template,
/// SLOT prompt stage and decoding, with SLOT settings in ChatOptions.AdditionalProperties (docs/chat-client.md).
/// Concurrent requests (of this client, of other clients and callers of the same engine) decode together in one
/// batch, each with its own SLOT delta. The client does not own the engine or its model: dispose them yourself.
/// </summary>
public sealed class SlotChatClient : IChatClient
{
    /// <summary>ChatClientMetadata.ProviderName.</summary>
    public const string ProviderName = "SlotSharp";

    readonly IChatGenerator _engine;
    readonly SlotChatClientOptions _defaults;
    readonly ChatClientMetadata _metadata;

    public SlotChatClient(SlotEngine engine, SlotChatClientOptions? defaults = null)
        : this(new EngineChatGenerator(engine ?? throw new ArgumentNullException(nameof(engine))), defaults) { }

    internal SlotChatClient(IChatGenerator engine, SlotChatClientOptions? defaults = null)
    {
        _engine = engine;
        _defaults = defaults ?? new SlotChatClientOptions();
        _metadata = new ChatClientMetadata(ProviderName, providerUri: null, defaultModelId: engine.ModelId);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var mapped = ChatRequestMapper.Map(messages, options, _engine, _defaults);
        using var run = new ChatGenerationRun(_engine, mapped, cancellationToken);
        var text = new StringBuilder();
        await foreach (var delta in run.Text.ReadAllAsync(CancellationToken.None).ConfigureAwait(false)) text.Append(delta);
        var outcome = await run.Completion.ConfigureAwait(false);
        // With tools, the text splits into content and function calls (FinishReason ToolCalls when there are calls).
        var output = mapped.Tools.Parse(text.ToString());
        List<AIContent> contents = output.Content.Length > 0 || output.Calls.Count == 0 ? [new TextContent(output.Content)] : [];
        contents.AddRange(output.Calls.Select(ChatToolMapper.Content));
        var message = new ChatMessage(ChatRole.Assistant, contents);
        if (outcome.Logprobs is { } logprobs) message.AdditionalProperties = new() { [ChatRequestMapper.LogprobsKey] = LogprobsContent(logprobs, mapped) };
        return new ChatResponse(message)
        {
            ResponseId = NewId(), ModelId = _engine.ModelId, CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = output.Calls.Count > 0 ? ChatFinishReason.ToolCalls : outcome.FinishReason, Usage = outcome.Usage,
        };
    }

    /// <summary>
    /// Text deltas as tokens are decoded (with tools: content deltas, and a <see cref="FunctionCallContent"/> update
    /// per call once it is complete), then a last update carrying FinishReason and a <see cref="UsageContent"/>.
    /// Stopping the enumeration early ends generation at the next step.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var mapped = ChatRequestMapper.Map(messages, options, _engine, _defaults);
        string responseId = NewId(), messageId = NewId();
        using var run = new ChatGenerationRun(_engine, mapped, cancellationToken);
        var tools = mapped.Tools.NewParser();
        bool finished = false;
        try
        {
            await foreach (var delta in run.Text.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (tools == null) yield return Update(new ChatResponseUpdate(ChatRole.Assistant, delta), responseId, messageId);
                else foreach (var e in tools.Push(delta)) yield return Update(ToolUpdate(e), responseId, messageId);
            }
            var outcome = await run.Completion.ConfigureAwait(false);
            if (tools != null) foreach (var e in tools.Finish()) yield return Update(ToolUpdate(e), responseId, messageId);
            finished = true;
            var reason = tools?.CallCount > 0 ? ChatFinishReason.ToolCalls : outcome.FinishReason;
            var last = new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(outcome.Usage)]) { FinishReason = reason };
            // Streamed, every token's log-probability comes with the last update (the deltas are text pieces, not tokens).
            if (outcome.Logprobs is { } logprobs) last.AdditionalProperties = new() { [ChatRequestMapper.LogprobsKey] = LogprobsContent(logprobs, mapped) };
            yield return Update(last, responseId, messageId);
        }
        finally
        {
            if (!finished) await AbandonAsync(run).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The consumer left the stream (or it failed): end decoding and wait for the pipeline to be free again, so the
    /// run's resources are not disposed under it. Its result or failure no longer has anyone to go to.
    /// </summary>
    static async Task AbandonAsync(ChatGenerationRun run)
    {
        run.Abandon();
        try { await run.Completion.ConfigureAwait(false); }
        catch (Exception) { /* already surfaced to the consumer, or the consumer is gone */ }
    }

    /// <summary>OpenAI's logprobs.content list (token, logprob, bytes, top_logprobs) as a JsonElement.</summary>
    System.Text.Json.JsonElement LogprobsContent(IReadOnlyList<SlotSharp.Generation.TokenLogprob> logprobs, MappedRequest mapped)
    {
        var content = new SlotSharp.Generation.LogprobsJson(_engine.Tokenizer).Chat(logprobs, mapped.Request.Logprobs ?? 0)["content"]!;
        return System.Text.Json.JsonSerializer.SerializeToElement(content);
    }

    static ChatResponseUpdate ToolUpdate(ToolStreamEvent e) => e switch
    {
        ContentDelta c => new ChatResponseUpdate(ChatRole.Assistant, c.Text),
        ToolCallDelta t => new ChatResponseUpdate(ChatRole.Assistant, [ChatToolMapper.Content(t.Call)]),
        _ => throw new InvalidOperationException($"unknown tool stream event {e.GetType().Name}"),
    };

    ChatResponseUpdate Update(ChatResponseUpdate update, string responseId, string messageId)
    {
        update.ResponseId = responseId;
        update.MessageId = messageId;
        update.ModelId = _engine.ModelId;
        update.CreatedAt = DateTimeOffset.UtcNow;
        return update;
    }

    static string NewId() => Guid.NewGuid().ToString("N");

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey != null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release: the pipeline belongs to the caller.</summary>
    public void Dispose() { }
}
