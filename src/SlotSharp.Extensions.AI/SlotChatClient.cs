using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
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
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ResponseId = NewId(), ModelId = _engine.ModelId, CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = outcome.FinishReason, Usage = outcome.Usage,
        };
    }

    /// <summary>
    /// Text deltas as tokens are decoded, then a last update carrying FinishReason and a <see cref="UsageContent"/>.
    /// Stopping the enumeration early ends generation at the next step.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var mapped = ChatRequestMapper.Map(messages, options, _engine, _defaults);
        string responseId = NewId(), messageId = NewId();
        using var run = new ChatGenerationRun(_engine, mapped, cancellationToken);
        bool finished = false;
        try
        {
            await foreach (var delta in run.Text.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                yield return Update(new ChatResponseUpdate(ChatRole.Assistant, delta), responseId, messageId);
            var outcome = await run.Completion.ConfigureAwait(false);
            finished = true;
            yield return Update(new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(outcome.Usage)]) { FinishReason = outcome.FinishReason },
                responseId, messageId);
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
