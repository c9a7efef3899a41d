using System.Threading.Channels;
using Microsoft.Extensions.AI;
using SlotSharp.Extensions.AI.Engine;
using SlotSharp.Tokenization;

namespace SlotSharp.Extensions.AI;

/// <summary>How a finished run ended, for the response's FinishReason and Usage.</summary>
internal sealed record ChatRunOutcome(ChatFinishReason FinishReason, UsageDetails Usage)
{
    /// <summary>The generated tokens' log-probabilities, when the request asked for them.</summary>
    public IReadOnlyList<SlotSharp.Generation.TokenLogprob>? Logprobs { get; init; }
}

/// <summary>
/// One request running on a background task: each generated id goes through the streaming detokenizer (no broken
/// UTF-8) and the stop-sequence filter, and the text that is safe to show is written to <see cref="Text"/> as it
/// arrives. A stop sequence ends decoding at the next step. The caller's cancellation also ends it at the next
/// step, and then <see cref="Completion"/> throws <see cref="OperationCanceledException"/> rather than returning a
/// truncated answer.
/// </summary>
internal sealed class ChatGenerationRun : IDisposable
{
    /// <summary>
    /// Text deltas the model may run ahead of the reader. Bounded, so a stream the caller stops reading holds
    /// generation back instead of letting it decode to max tokens before the abandonment is seen.
    /// </summary>
    const int AheadDeltas = 64;

    readonly Channel<string> _text = Channel.CreateBounded<string>(new BoundedChannelOptions(AheadDeltas) { SingleReader = true, SingleWriter = true });
    readonly CancellationTokenSource _end; // the caller's token, a stop sequence, or an abandoned stream
    readonly CancellationToken _callerCancel;

    public ChannelReader<string> Text => _text.Reader;

    /// <summary>Completes once the text channel is complete; throws what generation threw.</summary>
    public Task<ChatRunOutcome> Completion { get; }

    public ChatGenerationRun(IChatGenerator engine, MappedRequest request, CancellationToken cancel)
    {
        _callerCancel = cancel;
        _end = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        Completion = Task.Run(() => RunAsync(engine, request));
    }

    /// <summary>Ends decoding at the next step (the consumer stopped reading).</summary>
    public void Abandon() => _end.Cancel();

    async Task<ChatRunOutcome> RunAsync(IChatGenerator engine, MappedRequest mapped)
    {
        try
        {
            var detokenizer = new StreamingDetokenizer(engine.Tokenizer, skipSpecialTokens: true);
            var stops = new SlotSharp.Generation.StopStringFilter(mapped.StopSequences);
            void Write(string delta)
            {
                if (_end.IsCancellationRequested) return; // ended: decoding stops at the next step
                var shown = stops.Push(delta);
                if (shown.Length > 0) Publish(shown);
                if (stops.Stopped) _end.Cancel();
            }
            var result = await engine.GenerateAsync(mapped.Request, id => Write(detokenizer.Push(id)), _end.Token).ConfigureAwait(false);
            _callerCancel.ThrowIfCancellationRequested();
            Write(detokenizer.Flush());
            var rest = stops.Flush();
            if (rest.Length > 0) Publish(rest);

            // DecodeState finishes only at a stop id or at max tokens, so anything not stopped ran out of tokens.
            var reason = result.StoppedAtStopId || stops.Stopped ? ChatFinishReason.Stop : ChatFinishReason.Length;
            int input = result.PromptIds.Length, output = result.GeneratedIds.Length;
            return new ChatRunOutcome(reason, new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output })
            {
                Logprobs = result.Logprobs,
            };
        }
        finally { _text.Writer.TryComplete(); }
    }

    /// <summary>Waits (on the generation thread) while the reader is <see cref="AheadDeltas"/> behind; gives up once ended.</summary>
    void Publish(string text)
    {
        try { _text.Writer.WriteAsync(text, _end.Token).AsTask().GetAwaiter().GetResult(); }
        catch (OperationCanceledException) { } // abandoned or cancelled: nobody reads it
    }

    public void Dispose() => _end.Dispose();
}
