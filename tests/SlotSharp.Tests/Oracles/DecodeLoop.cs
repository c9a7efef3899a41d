using System.Diagnostics;
using SlotSharp.Backends;
using SlotSharp.Generation;

namespace SlotSharp.Tests.Oracles;

/// <summary>One sequence to decode: its prefilled backend sequence, its settings and its fixed logit bias.</summary>
internal sealed record DecodeRequest(BackendSequence Sequence, GenerationOptions Options, float[]? LogitBias = null, Action<int>? OnToken = null);

/// <summary>
/// Test oracle (the product decodes only in SlotEngine): decodes prefilled sequences on any backend, driving it
/// directly: each step chooses every live sequence's token with its own <see cref="DecodeState"/>, then advances all
/// of them in one backend step. A sequence leaves the batch when it
/// finishes; the others go on. The first token comes from the prefill's logits, so it carries the bias too.
/// </summary>
internal static class DecodeLoop
{
    public static GenerationResult Decode(IModelBackend backend, BackendSequence sequence, GenerationOptions options,
        float[]? logitBias = null, Action<int>? onToken = null, CancellationToken cancel = default) =>
        DecodeAll(backend, [new DecodeRequest(sequence, options, logitBias, onToken)], cancel)[0];

    public static IReadOnlyList<GenerationResult> DecodeAll(IModelBackend backend, IReadOnlyList<DecodeRequest> requests,
        CancellationToken cancel = default)
    {
        var states = new DecodeState[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            backend.Rewind(r.Sequence, r.Sequence.PromptIds.Length); // a prefill may serve several continuations
            states[i] = new DecodeState(r.Sequence.PromptIds, r.Options, r.LogitBias, backend.VocabSize);
        }
        var clocks = requests.Select(_ => Stopwatch.StartNew()).ToArray();
        var live = Enumerable.Range(0, requests.Count).Where(i => !states[i].Finished).ToList();
        var stepSequences = new List<BackendSequence>();
        var stepTokens = new List<int>();
        while (live.Count > 0 && !cancel.IsCancellationRequested)
        {
            stepSequences.Clear(); stepTokens.Clear();
            foreach (int i in live)
            {
                var r = requests[i];
                int next = states[i].Next(r.Sequence.Logits);
                r.OnToken?.Invoke(next);
                if (states[i].Finished) clocks[i].Stop();
                else { stepSequences.Add(r.Sequence); stepTokens.Add(next); }
            }
            live.RemoveAll(i => states[i].Finished);
            if (stepSequences.Count > 0) backend.Step(stepSequences, stepTokens);
        }
        return requests.Select((r, i) => new GenerationResult(r.Sequence.PromptIds, states[i].Generated.ToArray(),
            new GenerationTiming(r.Sequence.PrefillMilliseconds, 0, clocks[i].Elapsed.TotalMilliseconds, Math.Max(0, states[i].Generated.Count - 1)),
            states[i].Stopped)).ToArray();
    }
}
