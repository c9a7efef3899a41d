using System.Diagnostics;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Generation.Constraints;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot bench gguf --parts constrained`: what a JSON Schema constraint costs a decode step. Sampled decoding
/// (temperature 1: the mask is applied at every step, no greedy shortcut) of one stream and of k streams in one
/// batch, with and without the constraint, best of three alternating rounds; then the mask work alone, replayed over
/// the constrained outputs' tokens with a fresh grammar (as a new request meets it): per-step time, cold masks.
/// </summary>
internal static class BenchConstrained
{
    /// <summary>OpenAI-strict-style schema with unbounded strings, so a random model keeps decoding inside it.</summary>
    const string Schema = """
        {"type": "object", "additionalProperties": false, "required": ["answer", "confidence", "sources", "verdict"],
         "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"},
           "sources": {"type": "array", "items": {"type": "string"}}, "verdict": {"enum": ["yes", "no", "unsure"]}}}
        """;

    public static void Measure(SlotEngine engine, string type, int decodeTokens, int batch, Func<int, int[]> ids)
    {
        var clock = Stopwatch.StartNew();
        var trieMatcher = OutputConstraint.JsonObject().NewMatcher(engine.Model.Tokenizer);
        Console.WriteLine($"[{type}] constrained: vocabulary trie of {trieMatcher.Trie.NodeBytes.Length} nodes built in {clock.Elapsed.TotalMilliseconds:F0} ms (once per tokenizer)");

        EngineRequest Request(int[] prompt, bool constrained, int seed) => new(prompt)
        {
            Generation = new GenerationOptions { MaxNewTokens = decodeTokens, Temperature = 1, Seed = seed },
            IgnoreEos = true,
            // Compiled per request, as the server does (a repeated schema comes from the constraint cache).
            Constraint = constrained ? OutputConstraint.JsonSchema(Schema) : null,
        };

        var prompt = ids(32);
        double offTps = 0, onTps = 0;
        var outputs = new List<IReadOnlyList<int>>();
        var rounds = new List<string>();
        for (int round = 0; round < 3; round++)
        {
            double off = engine.Generate(Request(prompt, false, round)).ThrowIfFailed().DecodeTokensPerSecond;
            var on = engine.Generate(Request(prompt, true, round)).ThrowIfFailed();
            offTps = Math.Max(offTps, off);
            onTps = Math.Max(onTps, on.DecodeTokensPerSecond);
            outputs.Add(on.GeneratedIds);
            rounds.Add($"{off:F1}/{on.DecodeTokensPerSecond:F1}");
        }
        // Round 1 meets the schema cold (every mask computed); later rounds share its compiled grammar and masks.
        Console.WriteLine($"[{type}] constrained single stream (temperature 1, {decodeTokens} tokens): off {offTps:F2} tokens/s, " +
            $"JSON schema {onTps:F2} tokens/s (on/off {onTps / offTps:F3}; rounds off/on {string.Join(", ", rounds)}); " +
            $"constrained outputs {string.Join(", ", outputs.Select(o => o.Count))} tokens");

        double BatchTps(bool constrained, int round)
        {
            var sw = Stopwatch.StartNew();
            var handles = Enumerable.Range(0, batch).Select(j => engine.Submit(Request(ids(16), constrained, 100 * round + j))).ToList();
            var results = Task.WhenAll(handles.Select(h => h.Completion)).GetAwaiter().GetResult();
            foreach (var r in results) r.ThrowIfFailed();
            if (constrained) outputs.AddRange(results.Select(r => r.GeneratedIds));
            return results.Sum(r => r.GeneratedIds.Length) / sw.Elapsed.TotalSeconds;
        }
        double batchOff = 0, batchOn = 0;
        rounds.Clear();
        for (int round = 0; round < 3; round++)
        {
            double off = BatchTps(false, round), on = BatchTps(true, round);
            batchOff = Math.Max(batchOff, off);
            batchOn = Math.Max(batchOn, on);
            rounds.Add($"{off:F1}/{on:F1}");
        }
        Console.WriteLine($"[{type}] constrained {batch} concurrent (aggregate tokens/s, prefills included): off {batchOff:F1}, " +
            $"JSON schema {batchOn:F1} (on/off {batchOn / batchOff:F3}; rounds off/on {string.Join(", ", rounds)})");

        // The mask work alone, replayed: each output through a fresh grammar, timing Mask() and Accept() per step.
        var perStep = new List<double>();
        int cold = 0;
        foreach (var output in outputs)
        {
            // A fresh automaton, not the cached one: the worst case, a schema never seen before.
            var matcher = new GrammarMatcher(OutputConstraint.JsonSchema(Schema).Automaton.Fresh(), trieMatcher.Trie);
            foreach (var id in output)
            {
                if (matcher.Finished) break;
                var sw = Stopwatch.StartNew();
                matcher.Mask();
                bool end = !matcher.Allows(id);
                if (!end) matcher.Accept(id);
                perStep.Add(sw.Elapsed.TotalMilliseconds);
                if (end) break;
            }
            cold += matcher.MasksComputed;
        }
        perStep.Sort();
        MeasureDecodeState(engine, type, trieMatcher.Trie.VocabSize);
        Console.WriteLine($"[{type}] mask per step over {perStep.Count} steps of {outputs.Count} outputs (fresh grammar each): mean {perStep.Average():F3} ms, " +
            $"median {perStep[perStep.Count / 2]:F3} ms, p99 {perStep[(int)(perStep.Count * 0.99)]:F2} ms, max {perStep[^1]:F2} ms; " +
            $"{cold} masks computed cold ({(double)cold / outputs.Count:F1} per request)");
    }

    /// <summary>
    /// One decode step's host work alone (DecodeState.Next on random logits at temperature 1: the copy, the mask, the
    /// sampler), with and without the constraint, the constraint's grammar warm: what each token costs beyond the model.
    /// </summary>
    static void MeasureDecodeState(SlotEngine engine, string type, int vocab)
    {
        var random = new Random(5);
        var pool = new float[vocab * 2];
        for (int i = 0; i < pool.Length; i++) pool[i] = (float)(random.NextDouble() * 8);
        var constraint = OutputConstraint.JsonSchema(Schema);
        double Run(bool constrained)
        {
            var sw = new Stopwatch();
            int steps = 0;
            for (int g = 0; g < 20; g++)
            {
                var options = new GenerationOptions { MaxNewTokens = 64, Temperature = 1, Seed = g };
                var state = new DecodeState([], options, null, vocab, null, constrained ? constraint.NewMatcher(engine.Model.Tokenizer) : null);
                while (!state.Finished)
                {
                    var logits = pool.AsSpan(random.Next(vocab), vocab);
                    sw.Start();
                    state.Next(logits);
                    sw.Stop();
                    steps++;
                }
            }
            return sw.Elapsed.TotalMilliseconds / steps;
        }
        Run(true);
        double plain = double.MaxValue, masked = double.MaxValue;
        for (int round = 0; round < 3; round++) { plain = Math.Min(plain, Run(false)); masked = Math.Min(masked, Run(true)); }
        Console.WriteLine($"[{type}] DecodeState.Next host time per step (temperature 1, vocabulary {vocab}, grammar warm): plain {plain:F3} ms, " +
            $"JSON schema {masked:F3} ms (+{masked - plain:F3} ms)");
    }
}
