using System.Text.Json;
using Json.Schema;
using SlotSharp.Generation;
using SlotSharp.Generation.Constraints;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Generation.Constraints;

/// <summary>
/// Random logits over Qwen2.5's real vocabulary (151,665 byte-level tokens), decoded under each constraint: every
/// finished output must be valid for JsonSchema.Net (an independent validator), System.Text.Json, or .NET's regex.
/// Greedy over fresh random logits picks uniformly among the allowed tokens, the hardest case for a grammar: a model
/// with no idea of JSON at all.
/// </summary>
public class SampledValidityTests
{
    const int Generations = 200;

    static (HfTokenizer Tokenizer, int Eos) Qwen()
    {
        var tokenizer = TokenizerLoader.LoadFolder(SharedAssets.Require("tokenizers", "qwen2.5"));
        return (tokenizer, tokenizer.TokenToId("<|endoftext|>")!.Value);
    }

    /// <summary>Decodes <paramref name="count"/> outputs; returns (text, ended by the grammar or eos).</summary>
    internal static List<(string Text, bool Stopped)> Sample(OutputConstraint constraint, ITokenizer tokenizer, int eos, int count,
        int maxTokens = 400, double temperature = 0, int seed = 1)
    {
        var random = new Random(seed);
        int vocab = tokenizer.VocabSize;
        var pool = new float[vocab * 2];
        for (int i = 0; i < pool.Length; i++) pool[i] = (float)(random.NextDouble() * 8);
        var results = new List<(string, bool)>();
        for (int g = 0; g < count; g++)
        {
            var options = new GenerationOptions { MaxNewTokens = maxTokens, Temperature = temperature, Seed = seed + g, StopIds = new HashSet<int> { eos } };
            var state = new DecodeState([], options, null, vocab, null, constraint.NewMatcher(tokenizer));
            while (!state.Finished) state.Next(pool.AsSpan(random.Next(vocab), vocab));
            var ids = state.Generated.Where(id => id != eos).ToList();
            results.Add((tokenizer.Decode(ids, skipSpecialTokens: true), state.Stopped));
        }
        return results;
    }

    public static TheoryData<string> SchemaNames => new() { "person", "tree", "mixed", "strict" };

    [SkippableTheory]
    [MemberData(nameof(SchemaNames))]
    public void EverySampledOutputIsValidForJsonSchemaNet(string name)
    {
        var (tokenizer, eos) = Qwen();
        string schemaText = SchemaSamples.All.Single(s => s.Name == name).Schema;
        var validator = JsonSchema.FromText(schemaText);
        var outputs = Sample(OutputConstraint.JsonSchema(schemaText), tokenizer, eos, Generations);
        int finished = 0;
        foreach (var (text, stopped) in outputs)
        {
            if (!stopped) continue;
            finished++;
            using var doc = JsonDocument.Parse(text);
            var result = validator.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{name}: invalid output {text}");
        }
        // Unbounded parts (the map's keys, "anything", the tree's depth) can run to max_tokens under random logits, as
        // they may for a real model: such outputs end with length, and are not JSON yet.
        Assert.True(finished >= Generations / 3, $"{name}: only {finished} of {Generations} outputs finished");
    }

    [SkippableFact]
    public void SampledJsonModeOutputsAreObjectsThatParse()
    {
        var (tokenizer, eos) = Qwen();
        int finished = 0;
        foreach (var (text, stopped) in Sample(OutputConstraint.JsonObject(), tokenizer, eos, Generations, maxTokens: 300))
        {
            if (!stopped) continue;
            finished++;
            using var doc = JsonDocument.Parse(text);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }
        Assert.True(finished > 0);
    }

    [SkippableFact]
    public void TemperatureSamplingUnderASchemaStaysValid()
    {
        var (tokenizer, eos) = Qwen();
        var validator = JsonSchema.FromText(SchemaSamples.Strict);
        foreach (var (text, stopped) in Sample(OutputConstraint.JsonSchema(SchemaSamples.Strict), tokenizer, eos, 30, temperature: 1.0))
        {
            Assert.True(stopped, text);
            using var doc = JsonDocument.Parse(text);
            Assert.True(validator.Evaluate(doc.RootElement).IsValid, text);
        }
    }

    [SkippableFact]
    public void SampledRegexAndChoiceOutputsMatch()
    {
        var (tokenizer, eos) = Qwen();
        const string pattern = @"[A-Z][a-z]{2,6} \d{1,3}(\.\d{2})?";
        var regex = new System.Text.RegularExpressions.Regex("^(?:" + pattern + ")$", System.Text.RegularExpressions.RegexOptions.ECMAScript);
        foreach (var (text, stopped) in Sample(OutputConstraint.Regex(pattern), tokenizer, eos, 100))
        {
            Assert.True(stopped, text);
            Assert.Matches(regex, text);
        }
        string[] choices = ["positive", "negative", "neutral", "mixed feelings"];
        var seen = new HashSet<string>();
        foreach (var (text, stopped) in Sample(OutputConstraint.Choice(choices), tokenizer, eos, 100))
        {
            Assert.True(stopped);
            Assert.Contains(text, choices);
            seen.Add(text);
        }
        Assert.True(seen.Count >= 3, "uniform random logits should reach most choices");
    }
}
