using System.Text.Json.Nodes;
using System.Threading.Channels;
using SlotSharp.Chat.Tools;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Tokenization;

namespace SlotSharp.Server;

/// <summary>
/// One completions request in the engine: every prompt submitted at once (so they decode in one batch), each with
/// n choices forked from its one prefill and SLOT stage, and the answer assembled as OpenAI numbers it (choice index
/// prompt_index * n + j), whole or streamed. Owns the cancellation that ends all of them when the client leaves or
/// one of them fails.
/// </summary>
internal sealed class CompletionRun : IDisposable
{
    readonly CompletionRequest _request;
    readonly CompletionShape _shape;
    readonly ITokenizer _tokenizer;
    readonly LogprobsJson _logprobs;
    readonly CancellationTokenSource _end;
    readonly EngineHandle[] _handles;

    CompletionRun(CompletionRequest request, CompletionShape shape, ITokenizer tokenizer, CancellationTokenSource end, EngineHandle[] handles)
    {
        _request = request; _shape = shape; _tokenizer = tokenizer; _end = end; _handles = handles;
        _logprobs = new LogprobsJson(tokenizer);
    }

    /// <summary>Submits every prompt; if one is refused (a full queue), those already queued are cancelled.</summary>
    public static CompletionRun Submit(SlotEngine engine, CompletionRequest request, CompletionShape shape, CancellationToken aborted)
    {
        var end = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var handles = new List<EngineHandle>(request.Prompts.Count);
        try
        {
            for (int i = 0; i < request.Prompts.Count; i++) handles.Add(engine.Submit(request.EngineFor(i), end.Token));
        }
        catch
        {
            end.Cancel();
            end.Dispose();
            throw;
        }
        return new CompletionRun(request, shape, engine.Model.Tokenizer, end, [.. handles]);
    }

    int N => _request.N;

    string PromptText(int prompt) => _request.PromptTexts.Count > prompt && _request.PromptTexts[prompt] is { } text
        ? text : _tokenizer.Decode(_request.Prompts[prompt], skipSpecialTokens: false);

    /// <summary>Every choice's result, prompt by prompt; the first failure is thrown (a cancelled request as cancellation).</summary>
    async Task<EngineResult[][]> ResultsAsync(CancellationToken aborted)
    {
        var results = new EngineResult[_handles.Length][];
        for (int i = 0; i < _handles.Length; i++) results[i] = [.. await _handles[i].Choices];
        foreach (var r in results.SelectMany(x => x)) r.ThrowIfFailed(aborted);
        return results;
    }

    public async Task<(JsonObject Body, IReadOnlyList<EngineResult> Results)> WholeAsync(CancellationToken aborted)
    {
        var results = await ResultsAsync(aborted);
        var choices = new JsonArray();
        for (int i = 0; i < results.Length; i++)
            foreach (var r in results[i])
            {
                var text = _request.Echo ? PromptText(i) + r.Text : r.Text;
                var output = _request.Tools.Parse(text);
                JsonNode? logprobs = _request.Logprobs is not { } top ? null
                    : _shape.Chat ? _logprobs.Chat(r.Logprobs ?? [], top)
                    : _logprobs.Legacy(LegacyTokens(r), top, _request.Echo ? 0 : PromptText(i).Length);
                choices.Add(_shape.Choice(i * N + r.Choice, output.Content, output.Calls.Count > 0 ? ToolCallJson.ToOpenAi(output.Calls) : null,
                    logprobs, ToolCalling.FinishReason(r.FinishReason.ToOpenAi(), output.Calls.Count)));
            }
        var all = results.SelectMany(x => x).ToList();
        var body = _shape.Whole(choices, Usage(all));
        if (_request.ReturnDelta) body["slot"] = SlotAnswer(results);
        return (body, all);
    }

    /// <summary>Echo: the prompt's tokens (the first without a log-probability) before the generated ones.</summary>
    IReadOnlyList<(int, TokenLogprob?)> LegacyTokens(EngineResult r)
    {
        var tokens = new List<(int, TokenLogprob?)>();
        if (_request.Echo) tokens.AddRange(PromptTokens(r.PromptIds, r.PromptLogprobs));
        for (int k = 0; k < r.GeneratedIds.Length; k++) tokens.Add((r.GeneratedIds[k], r.Logprobs?[k]));
        return tokens;
    }

    static IEnumerable<(int, TokenLogprob?)> PromptTokens(int[] ids, IReadOnlyList<TokenLogprob>? scored) =>
        ids.Select((id, k) => (id, k == 0 || scored == null ? null : scored[k - 1]));

    /// <summary>Prompt tokens once per prompt (its choices share the prefill), completion tokens of every choice.</summary>
    JsonObject Usage(IReadOnlyList<EngineResult> results)
    {
        int prompt = _request.Prompts.Sum(p => p.Length), completion = results.Sum(r => r.GeneratedIds.Length);
        return new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };
    }

    /// <summary>slot.return_delta: the stage of one prompt (its choices share it), or a list with one object per prompt.</summary>
    static JsonNode SlotAnswer(EngineResult[][] results) => results.Length == 1
        ? SlotFields.Answer(results[0][0].Slot)
        : new JsonArray([.. results.Select(r => (JsonNode)SlotFields.Answer(r[0].Slot))]);

    /// <summary>What the stream loop hears from one prompt's pump: a piece, or every choice's result.</summary>
    sealed record StreamEvent(int Prompt, EnginePiece? Piece, IReadOnlyList<EngineResult>? Done);

    /// <summary>
    /// Streams every choice's pieces as the engine makes them: per index, chat's role chunk first (completions: the
    /// echoed prompt), then text (chat with tools: content and tool-call deltas) with its tokens' log-probabilities,
    /// then a finish chunk; the usage chunk and the "slot" object (return_delta) come last.
    /// </summary>
    public async Task StreamAsync(Func<JsonObject, Task> send, Action<EngineResult> record, bool includeUsage, CancellationToken aborted)
    {
        var events = Channel.CreateUnbounded<StreamEvent>();
        var pumps = _handles.Select((h, i) => Task.Run(async () =>
        {
            await foreach (var p in h.Pieces.ReadAllAsync(CancellationToken.None)) events.Writer.TryWrite(new StreamEvent(i, p, null));
            events.Writer.TryWrite(new StreamEvent(i, null, await h.Choices));
        }, CancellationToken.None)).ToArray();
        _ = Task.WhenAll(pumps).ContinueWith(_ => events.Writer.TryComplete(), TaskScheduler.Default);

        int indices = _handles.Length * N;
        var parsers = Enumerable.Range(0, indices).Select(_ => _request.Tools.NewParser()).ToArray();
        var offsets = new int[indices];
        for (int index = 0; index < indices; index++)
        {
            if (_shape.Chat) await send(_shape.Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null, index));
            else if (_request.Echo && _request.Logprobs == null) await send(_shape.Chunk(_shape.Delta(PromptText(index / N)), null, index));
        }
        if (!_shape.Chat && !_request.Echo)
            for (int index = 0; index < indices; index++) offsets[index] = PromptText(index / N).Length;

        var all = new List<EngineResult>();
        var slots = new EngineResult[_handles.Length][];
        JsonObject? last = null; // the latest finish chunk, held so the "slot" object can ride on the very last event
        await foreach (var e in events.Reader.ReadAllAsync(aborted))
        {
            if (e.Piece is { } piece)
            {
                int index = e.Prompt * N + piece.Choice;
                if (piece.Prompt)
                {
                    if (_shape.Chat) continue; // chat has no echo
                    var tokens = PromptTokens(_request.Prompts[e.Prompt], piece.Logprobs).ToList();
                    await send(_shape.Chunk(_shape.Delta(PromptText(e.Prompt)), null, index, LegacyPiece(tokens, index, offsets)));
                    continue;
                }
                await SendPiece(send, index, piece, parsers[index], offsets);
                continue;
            }
            slots[e.Prompt] = [.. e.Done!];
            foreach (var r in e.Done!)
            {
                r.ThrowIfFailed(aborted); // the caller turns a failure into the stream's error event
                record(r);
                all.Add(r);
                int index = e.Prompt * N + r.Choice;
                if (parsers[index] is { } parser)
                    foreach (var ev in parser.Finish()) await send(_shape.Chunk(ToolDelta(ev, index), null, index));
                if (last != null) await send(last);
                last = _shape.Chunk(_shape.Delta(""), ToolCalling.FinishReason(r.FinishReason.ToOpenAi(), parsers[index]?.CallCount ?? 0), index);
            }
        }
        var usage = includeUsage ? _shape.UsageChunk(Usage(all)) : null;
        if (_request.ReturnDelta) (usage ?? last)!["slot"] = SlotAnswer(slots);
        if (last != null) await send(last);
        if (usage != null) await send(usage);
    }

    async Task SendPiece(Func<JsonObject, Task> send, int index, EnginePiece piece, ToolCallStreamParser? parser, int[] offsets)
    {
        JsonNode? logprobs = _request.Logprobs is not { } top ? null
            : _shape.Chat ? _logprobs.Chat(piece.Logprobs, top)
            : LegacyPiece([.. piece.Logprobs.Select(l => (l.TokenId, (TokenLogprob?)l))], index, offsets);
        if (parser == null)
        {
            await send(_shape.Chunk(_shape.Delta(piece.Text), null, index, logprobs));
            return;
        }
        // With tools the text goes through the call parser; the piece's log-probabilities ride on its first chunk.
        foreach (var ev in parser.Push(piece.Text))
        {
            await send(_shape.Chunk(ToolDelta(ev, index), null, index, logprobs));
            logprobs = null;
        }
        if (logprobs != null) await send(_shape.Chunk(_shape.Delta(""), null, index, logprobs));
    }

    JsonObject LegacyPiece(IReadOnlyList<(int, TokenLogprob?)> tokens, int index, int[] offsets)
    {
        var json = _logprobs.Legacy(tokens, _request.Logprobs ?? 0, offsets[index]);
        offsets[index] += tokens.Sum(t => _logprobs.TokenText(t.Item1).Length);
        return json;
    }

    JsonNode ToolDelta(ToolStreamEvent e, int index) => e switch
    {
        ContentDelta c => _shape.Delta(c.Text),
        ToolCallDelta t => new JsonObject { ["tool_calls"] = new JsonArray(ToolCallJson.ToOpenAiDelta(t.Index, t.Call)) },
        _ => throw new InvalidOperationException($"unknown tool stream event {e.GetType().Name} for choice {index}"),
    };

    /// <summary>Ends every prompt's request (the client left, or the answer failed) and frees the cancellation.</summary>
    public void Dispose()
    {
        _end.Cancel();
        _end.Dispose();
    }
}
