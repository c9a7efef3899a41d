using System.Text.Json.Nodes;
using SlotSharp.Engine;
using SlotSharp.Generation;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// How a request ends, decided in the engine for every front door: stop strings on the decoded text (nothing decoded
/// past the token that completes one, the text cut before it) and the one end-of-sequence rule (the model's eos ids
/// unless IgnoreEos). Expected values come from the goldens and the tokenizer's whole-sequence decode.
/// </summary>
public sealed class EngineEndRuleTests(PipelineFixture pipelines) : IClassFixture<PipelineFixture>, IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-eos-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [SkippableTheory]
    [InlineData("len8", 1, 2)]   // a stop string inside the text, starting one character into a token's text
    [InlineData("len60", 0, 3)]  // starting exactly where a token's text starts
    [InlineData("len300", 1, 4)]
    public void AStopStringEndsTheRequestAtTheTokenThatCompletesItAndIsLeftOutOfTheText(string prompt, int back, int length)
    {
        var golden = Golden.Load("tiny-qwen2");
        var model = pipelines.Float32(golden);
        var p = golden.Prompt(prompt);
        int[] ids = Golden.Ints(p["generate"]!["greedy_times0"]);
        string Decode(int n) => model.Tokenizer.Decode(ids[..n], skipSpecialTokens: true);
        string whole = Decode(ids.Length);
        // A stop string taken from the middle of the golden text; its first occurrence decides where the text ends.
        int from = Math.Max(0, Decode(ids.Length / 2).Length - back);
        Skip.If(from + length > whole.Length, "the golden text is too short");
        string stop = whole.Substring(from, length);
        int at = whole.IndexOf(stop, StringComparison.Ordinal);
        int completing = Enumerable.Range(1, ids.Length).First(n => Decode(n).Contains(stop, StringComparison.Ordinal));

        var request = new EngineRequest(Golden.Ints(p["input_ids"]))
        {
            Generation = new GenerationOptions { MaxNewTokens = ids.Length }, IgnoreEos = true, StopStrings = ["never seen \u0001", stop],
        };
        using var engine = new SlotEngine(model.Model);
        var handle = engine.Submit(request);
        var streamed = string.Concat(handle.Text.ReadAllAsync().ToBlockingEnumerable());
        var result = handle.Completion.GetAwaiter().GetResult();

        Assert.Equal(FinishReason.Stop, result.FinishReason);
        Assert.Equal(ids[..completing], result.GeneratedIds);
        Assert.Equal(whole[..at], result.Text);
        Assert.Equal(result.Text, streamed); // the stream never showed text the whole answer cuts
    }

    [SkippableFact]
    public void TheModelsEosIdsEndARequestUnlessItIgnoresThem()
    {
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len8");
        int[] ids = Golden.Ints(p["generate"]!["greedy_times0"]);
        // A copy of the model whose generation_config names a golden token (its first occurrence, past the 2nd) as its eos.
        int k = Enumerable.Range(2, ids.Length - 2).First(i => Array.IndexOf(ids, ids[i]) == i);
        foreach (var f in Directory.GetFiles(golden.ModelDir)) File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
        var configPath = Path.Combine(_dir, "generation_config.json");
        var config = File.Exists(configPath) ? JsonNode.Parse(File.ReadAllText(configPath))!.AsObject() : new JsonObject();
        config["eos_token_id"] = ids[k];
        File.WriteAllText(configPath, config.ToJsonString());

        using var model = SlotModel.Load(_dir, TestModel.Fp32);
        Assert.Equal([ids[k]], model.EosIds);
        using var engine = new SlotEngine(model);
        var request = new EngineRequest(Golden.Ints(p["input_ids"])) { Generation = new GenerationOptions { MaxNewTokens = ids.Length } };

        var ended = engine.Generate(request);
        Assert.Equal(FinishReason.Stop, ended.FinishReason);
        Assert.Equal(ids[..(k + 1)], ended.GeneratedIds); // the eos id is kept in the ids

        var ignored = engine.Generate(request with { IgnoreEos = true });
        Assert.Equal(FinishReason.Length, ignored.FinishReason);
        Assert.Equal(ids, ignored.GeneratedIds);
    }
}
